"""Incremental, idempotent ingest into real embedded Qdrant (Edge); bad input loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest import index_store
from ingest.pipeline import run_ingest
from kunskap.settings import Settings
from tests.conftest import make_settings

TEXT_A = (
    "# Placering i familjehem\n\n"
    "Socialnämnden ska se till att barn som placeras i familjehem får god vård. "
    "Familjehemmet ska få utbildning och handledning.\n\n"
    "# Uppföljning\n\nVården ska följas upp regelbundet av socialsekreteraren."
)
TEXT_B = "Beprövad erfarenhet är erfarenhet som har prövats och bedömts systematiskt."


def entry(source_id: str, path: str, doc_type: str = "kunskapsstod") -> str:
    return (
        f"  - id: {source_id}\n    title: Titel {source_id}\n    path: {path}\n"
        f"    doc_type: {doc_type}\n    publisher: Socialstyrelsen\n    areas: [barn_och_unga]\n"
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    (tmp_path / "a.md").write_text(TEXT_A, encoding="utf-8")
    (tmp_path / "b.txt").write_text(TEXT_B, encoding="utf-8")
    lines = [
        {"id": "q1", "text": "Ett barn kan placeras enligt LVU om det finns en påtaglig risk."},
        {"id": "q2", "text": "Våld i nära relationer ska alltid utredas av socialtjänsten."},
    ]
    (tmp_path / "faq.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8"
    )
    write_manifest(tmp_path, ["a", "b", "faq"])
    return tmp_path


def write_manifest(root: Path, ids: list[str], extra: str = "") -> Path:
    paths = {"a": "a.md", "b": "b.txt", "faq": "faq.jsonl"}
    body = "sources:\n" + "".join(entry(i, paths[i]) for i in ids) + extra
    manifest = root / "manifest.yaml"
    manifest.write_text(body, encoding="utf-8")
    return manifest


def settings_for(root: Path) -> Settings:
    return make_settings(root / "data", manifest=root / "manifest.yaml")


def doc_ids(settings: Settings) -> dict[str, index_store.IndexedDocument]:
    client = index_store.open_index(settings)
    try:
        return index_store.indexed_documents(client, settings.collection_name())
    finally:
        client.close()


def test_first_ingest_indexes_every_document_with_payload(corpus: Path) -> None:
    settings = settings_for(corpus)
    report = run_ingest(settings)
    assert report.ok, report.failures
    assert (report.new, report.documents) == (4, 4)
    assert set(doc_ids(settings)) == {"a", "b", "q1", "q2"}
    client = index_store.open_index(settings)
    try:
        payloads = list(index_store.scroll_payloads(client, settings.collection_name()))
    finally:
        client.close()
    a_chunks = [p for p in payloads if p["doc_id"] == "a"]
    assert {p["section"] for p in a_chunks} >= {"Placering i familjehem", "Uppföljning"}
    for p in payloads:
        assert p["doc_type"] == "kunskapsstod" and p["areas"] == ["barn_och_unga"]
        assert p["language"] == "sv"
        assert p["end"] > p["start"] >= 0


def test_second_run_on_unchanged_corpus_writes_nothing(corpus: Path) -> None:
    settings = settings_for(corpus)
    first = run_ingest(settings)
    second = run_ingest(settings)
    assert second.ok
    assert (second.unchanged, second.new, second.updated, second.chunks) == (4, 0, 0, 0)
    assert second.points_total == first.points_total


def test_changed_document_is_replaced_not_duplicated(corpus: Path) -> None:
    settings = settings_for(corpus)
    run_ingest(settings)
    before = doc_ids(settings)["b"]
    (corpus / "b.txt").write_text(TEXT_B + " Den dokumenteras och följs upp.", encoding="utf-8")
    report = run_ingest(settings)
    after = doc_ids(settings)["b"]
    assert (report.updated, report.unchanged) == (1, 3)
    assert after.doc_hash != before.doc_hash
    client = index_store.open_index(settings)
    try:
        hashes = {
            p["doc_hash"]
            for p in index_store.scroll_payloads(client, settings.collection_name())
            if p["doc_id"] == "b"
        }
    finally:
        client.close()
    assert hashes == {after.doc_hash}


def test_source_removed_from_manifest_is_deleted(corpus: Path) -> None:
    settings = settings_for(corpus)
    run_ingest(settings)
    write_manifest(corpus, ["a", "faq"])
    report = run_ingest(settings)
    assert report.removed == 1
    assert set(doc_ids(settings)) == {"a", "q1", "q2"}


def test_line_removed_from_jsonl_is_deleted(corpus: Path) -> None:
    settings = settings_for(corpus)
    run_ingest(settings)
    (corpus / "faq.jsonl").write_text(
        json.dumps({"id": "q1", "text": "Ett barn kan placeras enligt LVU."}), encoding="utf-8"
    )
    report = run_ingest(settings)
    assert report.removed == 1 and report.updated == 1
    assert "q2" not in doc_ids(settings)


def test_bad_files_are_reported_and_the_rest_still_ingested(corpus: Path) -> None:
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not really a pdf")
    (corpus / "latin1.txt").write_bytes("Socialtjänsten i Göteborg".encode("utf-16-le"))
    extra = (
        entry("broken", "broken.pdf")
        + entry("missing", "saknas.txt")
        + entry("latin1", "latin1.txt")
    )
    write_manifest(corpus, ["a", "b", "faq"], extra)
    settings = settings_for(corpus)
    report = run_ingest(settings)
    assert not report.ok
    assert report.failed == 3
    joined = "\n".join(report.failures)
    assert "broken.pdf" in joined and "saknas.txt" in joined and "latin1.txt" in joined
    assert all("\n" not in line for line in report.failures)
    assert set(doc_ids(settings)) == {"a", "b", "q1", "q2"}


def test_a_source_that_turns_unreadable_keeps_its_old_chunks(corpus: Path) -> None:
    settings = settings_for(corpus)
    run_ingest(settings)
    (corpus / "b.txt").write_bytes(b"\x80\x81\x82 not utf-8 \xff")
    report = run_ingest(settings)
    assert report.failed == 1
    assert "b" in doc_ids(settings)


def test_duplicate_document_ids_across_sources_are_reported(corpus: Path) -> None:
    (corpus / "faq2.jsonl").write_text(json.dumps({"id": "q1", "text": "Annan text."}), "utf-8")
    write_manifest(corpus, ["a", "b", "faq"], entry("faq2", "faq2.jsonl"))
    report = run_ingest(settings_for(corpus))
    assert report.failed == 1
    assert "'q1'" in report.failures[0]


def test_broken_manifest_fails_without_touching_the_index(corpus: Path) -> None:
    settings = settings_for(corpus)
    run_ingest(settings)
    (corpus / "manifest.yaml").write_text("sources:\n  - id: [", encoding="utf-8")
    report = run_ingest(settings)
    assert report.failed == 1 and "not valid YAML" in report.failures[0]
    assert len(doc_ids(settings)) == 4


def test_rebuild_recreates_the_collection(corpus: Path) -> None:
    settings = settings_for(corpus)
    run_ingest(settings)
    report = run_ingest(settings, rebuild=True)
    assert (report.new, report.unchanged) == (4, 0)


def test_cli_exit_status_and_summary(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kunskap.cli import app

    monkeypatch.setenv("KUNSKAP_DATA_DIR", str(corpus / "data"))
    monkeypatch.setenv("KUNSKAP_MANIFEST", str(corpus / "manifest.yaml"))
    ok = CliRunner().invoke(app, ["ingest"])
    assert ok.exit_code == 0, ok.output
    assert "dokument" in ok.output
    write_manifest(corpus, ["a"], entry("missing", "saknas.txt"))
    failed = CliRunner().invoke(app, ["ingest"])
    assert failed.exit_code == 1
    assert "saknas.txt" in failed.output


def test_cli_index_export_then_import_into_another_data_dir(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kunskap index export/import` moves an index without embedding again (Edge → Edge
    here; Edge → qdrant-client is in tests/ingest/test_vector_index.py)."""
    from kunskap.cli import app

    settings = settings_for(corpus)
    first = run_ingest(settings)
    out = corpus / "index.jsonl.gz"
    monkeypatch.setenv("KUNSKAP_DATA_DIR", str(corpus / "data"))
    exported = CliRunner().invoke(app, ["index", "export", str(out)])
    assert exported.exit_code == 0, exported.output
    assert f"{first.points_total} chunkar" in exported.output
    monkeypatch.setenv("KUNSKAP_DATA_DIR", str(corpus / "other"))
    imported = CliRunner().invoke(app, ["index", "import", str(out)])
    assert imported.exit_code == 0, imported.output
    info = CliRunner().invoke(app, ["index", "info"])
    assert f"chunkar: {first.points_total}" in info.output
    moved = make_settings(corpus / "other", manifest=corpus / "manifest.yaml")
    assert doc_ids(moved) == doc_ids(settings)
    # The moved index is complete: an ingest against it finds nothing to do.
    again = run_ingest(moved)
    assert (again.unchanged, again.new, again.chunks) == (4, 0, 0)


class _FailingWrites:
    """A real index whose writes fail: what a full disk or a lost server looks like."""

    def __init__(self, inner: index_store.VectorIndex) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def upsert(self, *args: object, **kwargs: object) -> None:
        raise OSError("disken är full")


def test_failed_batch_write_fails_its_documents_and_keeps_old_chunks(corpus: Path) -> None:
    settings = settings_for(corpus)
    run_ingest(settings)
    before = doc_ids(settings)
    (corpus / "b.txt").write_text(TEXT_B + " Ny mening om uppföljning.", encoding="utf-8")
    index = index_store.open_index(settings)
    try:
        report = run_ingest(settings, index=_FailingWrites(index))
    finally:
        index.close()
    assert report.failed == 1 and "disken är full" in report.failures[0]
    assert (report.updated, report.unchanged) == (0, 3)
    assert doc_ids(settings) == before  # b keeps its old version, nothing half-written


def test_a_chunk_across_pages_marks_where_each_page_starts(tmp_path: Path) -> None:
    from assistant.citations import verify
    from assistant.retrieval import payload_places
    from tests.utils.documents import write_pdf
    from tests.utils.hits import make_hit

    pages = [
        "Handläggning av ärenden\n\nSocialnämnden ska utreda varje anmälan om oro för barn.",
        "Utredningen ska vara klar inom fyra månader från att den inleddes.",
        "Förlängning av utredningstiden kräver särskilda skäl enligt lagen.",
    ]
    write_pdf(tmp_path / "handbok.pdf", list(pages))
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text("sources:\n" + entry("handbok", "handbok.pdf"), encoding="utf-8")
    settings = settings_for(tmp_path)
    report = run_ingest(settings)
    assert report.ok, report.failures
    client = index_store.open_index(settings)
    try:
        (payload,) = list(index_store.scroll_payloads(client, settings.collection_name()))
    finally:
        client.close()
    assert (payload["page_start"], payload["page_end"]) == (1, 3)
    marks = payload["page_marks"]
    assert [m[1] for m in marks] == [1, 2, 3] and marks[0][0] == 0
    for (offset, number, estimated), page in zip(marks[1:], pages[1:], strict=True):
        assert payload["text"][offset:].startswith(page[:30]), number
        assert estimated == 0  # a PDF's pages are its own, never interpolated

    fields = {k: payload[k] for k in ("doc_id", "title", "text")}
    hit = make_hit(
        **fields,
        page=payload["page_start"],
        page_end=payload["page_end"],
        places=payload_places(payload),
    )
    claim = "Förlängning av utredningstiden kräver särskilda skäl [1]."
    (citation,) = verify(claim, [hit]).citations
    # The chunk spans pages 1-3; the quoted sentence stands on page 3.
    assert (citation.page, citation.page_end) == (3, None)
    assert citation.quote.startswith("Förlängning")

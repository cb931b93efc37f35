"""Web sources kept fresh (issue 19 §4): `kunskap sync` against a site on loopback.

The site is a real HTTP server in a thread (``tests/utils/web_site.py``); ingest is the real
pipeline into embedded Qdrant with the bundled model. Re-embedding is observed by counting
the texts handed to the real ``embed_passages``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding
from typer.testing import CliRunner

import kunskap
from ingest import index_store, pipeline
from ingest.embedding import build_embedding
from ingest.pipeline import run_ingest
from ingest.sync import SyncReport, SyncScheduler, sync_web
from ingest.web import USER_AGENT
from ingest.web_sources import WebState
from kunskap.settings import Settings
from tests.conftest import make_settings
from tests.utils.web_site import Page, Site, html_page, serve_site

LM1 = "Wed, 02 Dec 2026 08:00:00 GMT"


@pytest.fixture(scope="module")
def embedding() -> BaseEmbedding:
    return build_embedding(make_settings(Path("unused")))


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as s:
        s.pages["/stod/hembesok"] = Page(
            html_page("Hembesök", "Ett hembesök ska föregås av ett telefonsamtal till den äldre."),
            etag='"h1"',
        )
        s.pages["/stod/samverkan"] = Page(
            html_page(
                "Samverkan", "Samordnad individuell plan upprättas tillsammans med regionen."
            ),
            last_modified=LM1,
        )
        s.pages["/sbu/utan-validering"] = Page(
            html_page("Föräldrastöd", "Föräldrastödsprogram minskar barns beteendeproblem.")
        )
        yield s


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of texts each call of the real embed_passages embedded."""
    calls: list[int] = []
    real = pipeline.embed_passages

    def counting(embedding: BaseEmbedding, texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return real(embedding, texts)

    monkeypatch.setattr(pipeline, "embed_passages", counting)
    return calls


def write_manifest(root: Path, site: Site, extra: str = "") -> Path:
    manifest = root / "manifest.yaml"
    manifest.write_text(
        "sources:\n"
        "  - id: kunskapsguiden\n    title: Kunskapsguiden\n    urls:\n"
        f"      - {site.url('/stod/hembesok')}\n      - {site.url('/stod/samverkan')}\n"
        "    doc_type: kunskapsstod\n    publisher: Socialstyrelsen\n    areas: [aldre]\n"
        "  - id: sbu-foraldrastod\n    title: Föräldrastöd (SBU)\n"
        f"    url: {site.url('/sbu/utan-validering')}\n"
        "    doc_type: evidenssammanstallning\n    publisher: SBU\n    areas: [barn_och_unga]\n"
        + extra,
        encoding="utf-8",
    )
    return manifest


def settings_for(root: Path, **overrides: object) -> Settings:
    return make_settings(root / "data", manifest=root / "manifest.yaml", **overrides)


def payloads(settings: Settings) -> dict[str, list[dict]]:
    index = index_store.open_index(settings)
    try:
        out: dict[str, list[dict]] = {}
        for p in index_store.scroll_payloads(index, settings.collection_name()):
            out.setdefault(p["doc_id"], []).append(p)
        return out
    finally:
        index.close()


def outcomes(report: SyncReport) -> dict[str, str]:
    return {p.doc_id: p.outcome for p in report.pages}


def test_first_sync_ingests_each_page_and_a_304_re_embeds_nothing(
    tmp_path: Path, site: Site, embedding: BaseEmbedding, embedded: list[int]
) -> None:
    write_manifest(tmp_path, site)
    settings = settings_for(tmp_path)
    first = sync_web(settings, embedding=embedding)
    assert outcomes(first) == {
        "kunskapsguiden/hembesok": "updated",
        "kunskapsguiden/samverkan": "updated",
        "sbu-foraldrastod": "updated",
    }
    assert first.ingest is not None and first.ingest.ok, first.ingest.failures
    assert first.ingest.new == 3 and sum(embedded) == first.ingest.chunks > 0
    docs = payloads(settings)
    hembesok = docs["kunskapsguiden/hembesok"][0]
    # The page's own address is cited, its <title> names it, the main text is extracted.
    assert hembesok["url"] == site.url("/stod/hembesok")
    assert hembesok["title"] == "Hembesök"
    assert "telefonsamtal" in hembesok["text"] and "Meny" not in hembesok["text"]
    assert docs["sbu-foraldrastod"][0]["title"] == "Föräldrastöd (SBU)"  # one page: manifest's
    assert hembesok.get("file_sha256")  # the page is kept as an original too

    embedded.clear()
    second = sync_web(settings, embedding=embedding)
    assert set(outcomes(second).values()) == {"unchanged"}
    assert second.ingest is None and embedded == []  # nothing embedded, no ingest at all
    assert site.requested("/stod/hembesok")[-1].headers.get("If-None-Match") == '"h1"'
    assert site.requested("/stod/hembesok")[-1].status == 304
    assert site.requested("/stod/samverkan")[-1].headers.get("If-Modified-Since") == LM1
    assert site.requested("/stod/samverkan")[-1].status == 304
    # No validators: the server sends the body again, and its hash says it is the same.
    assert site.requested("/sbu/utan-validering")[-1].status == 200
    assert payloads(settings).keys() == docs.keys()
    assert "Webbkällor: 3 sidor: 3 oförändrade, 0 uppdaterade" in second.summary()


def test_a_changed_page_is_re_ingested_alone(
    tmp_path: Path, site: Site, embedding: BaseEmbedding, embedded: list[int]
) -> None:
    write_manifest(tmp_path, site)
    settings = settings_for(tmp_path)
    sync_web(settings, embedding=embedding)
    before = {d: ps[0]["doc_hash"] for d, ps in payloads(settings).items()}
    site.pages["/stod/hembesok"] = Page(
        html_page("Hembesök", "Hembesöket ska bokas minst en vecka i förväg med brev."),
        etag='"h2"',
    )
    # A new ETag on the same body is not a change: the hash decides.
    site.pages["/stod/samverkan"].etag = '"s-ny"'
    embedded.clear()
    report = sync_web(settings, embedding=embedding)
    assert outcomes(report) == {
        "kunskapsguiden/hembesok": "updated",
        "kunskapsguiden/samverkan": "unchanged",
        "sbu-foraldrastod": "unchanged",
    }
    assert report.ingest is not None and (report.ingest.updated, report.ingest.new) == (1, 0)
    after = payloads(settings)
    assert sum(embedded) == len(after["kunskapsguiden/hembesok"])  # only the changed page
    text = " ".join(p["text"] for p in after["kunskapsguiden/hembesok"])
    assert "brev" in text and "telefonsamtal" not in text
    assert after["kunskapsguiden/samverkan"][0]["doc_hash"] == before["kunskapsguiden/samverkan"]
    state = WebState(settings.data_dir).get(site.url("/stod/samverkan"))
    assert state is not None and state.etag == '"s-ny"'


def test_a_vanished_page_keeps_its_chunks_and_is_reported(
    tmp_path: Path, site: Site, embedding: BaseEmbedding, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_manifest(tmp_path, site)
    settings = settings_for(tmp_path)
    sync_web(settings, embedding=embedding)
    chunks = len(payloads(settings)["kunskapsguiden/hembesok"])
    del site.pages["/stod/hembesok"]  # now 404
    site.pages["/stod/samverkan"].status = 410
    first = sync_web(settings, embedding=embedding)
    assert outcomes(first)["kunskapsguiden/hembesok"] == "vanished"
    assert outcomes(first)["kunskapsguiden/samverkan"] == "vanished"
    gone = next(p for p in first.pages if p.doc_id == "kunskapsguiden/hembesok")
    assert "404" in (gone.reason or "") and gone.since
    assert not first.ok and "2 försvunna" in first.summary()
    assert len(payloads(settings)["kunskapsguiden/hembesok"]) == chunks
    # Since when stays the first sync that found it gone; a full ingest keeps it too.
    again = sync_web(settings, embedding=embedding)
    assert next(p for p in again.pages if p.doc_id == gone.doc_id).since == gone.since
    full = run_ingest(settings, embedding=embedding)
    assert full.ok and full.removed == 0
    assert len(payloads(settings)["kunskapsguiden/hembesok"]) == chunks

    # The command line says it in Swedish and exits 1.
    monkeypatch.setenv("KUNSKAP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("KUNSKAP_MANIFEST", str(settings.manifest))
    from kunskap.cli import app

    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 1, result.output
    assert "2 försvunna" in result.output
    assert f"FÖRSVUNNEN {site.url('/stod/hembesok')}" in result.output
    assert f"sedan {gone.since}" in result.output

    # A page that comes back is ok again.
    site.pages["/stod/hembesok"] = Page(html_page("Hembesök", "Tillbaka igen."), etag='"h3"')
    back = sync_web(settings, embedding=embedding)
    assert outcomes(back)["kunskapsguiden/hembesok"] == "updated"
    state = WebState(settings.data_dir).get(site.url("/stod/hembesok"))
    assert state is not None and state.status == "ok" and state.since is None

    # The admin removes the vanished page from the manifest: the next sync removes its
    # chunks, its state and its kept copy.
    (tmp_path / "manifest.yaml").write_text(
        (tmp_path / "manifest.yaml")
        .read_text(encoding="utf-8")
        .replace(f"      - {site.url('/stod/samverkan')}\n", ""),
        encoding="utf-8",
    )
    removed = sync_web(settings, embedding=embedding)
    assert removed.ingest is not None and removed.ingest.removed == 1
    assert "kunskapsguiden/samverkan" not in payloads(settings)
    assert "kunskapsguiden/hembesok" in payloads(settings)
    assert WebState(settings.data_dir).get(site.url("/stod/samverkan")) is None


def test_an_unreachable_page_vanishes_after_failures_in_a_row(
    tmp_path: Path, site: Site, embedding: BaseEmbedding
) -> None:
    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/sida"
    extra = (
        f"  - id: nere\n    title: Nere\n    url: {dead}\n"
        "    doc_type: ovrigt\n    publisher: X\n    areas: [overgripande]\n"
    )
    write_manifest(tmp_path, site, extra)
    settings = settings_for(tmp_path, sources={"vanish_after_failures": 2})
    first = sync_web(settings, embedding=embedding)
    assert outcomes(first)["nere"] == "failed"
    second = sync_web(settings, embedding=embedding)
    nere = next(p for p in second.pages if p.doc_id == "nere")
    assert nere.outcome == "vanished" and "2 gånger i rad" in (nere.reason or "")
    assert nere.since == next(p for p in first.pages if p.doc_id == "nere").since


def test_robots_txt_user_agent_and_never_fetched_pages(
    tmp_path: Path, site: Site, embedding: BaseEmbedding
) -> None:
    site.pages["/privat/lista"] = Page(html_page("Privat", "Hemlig text om placeringar."))
    extra = (
        f"  - id: privat\n    title: Privat\n    url: {site.url('/privat/lista')}\n"
        "    doc_type: ovrigt\n    publisher: X\n    areas: [overgripande]\n"
    )
    write_manifest(tmp_path, site, extra)
    settings = settings_for(tmp_path)
    # Before any sync, ingest says what to do (a warning: `make run` must still start the
    # server, whose interval may be what fetches them).
    offline = run_ingest(settings, embedding=embedding)
    assert offline.ok and offline.documents == 0
    assert f"{site.url('/stod/hembesok')}: inte hämtad än (kör kunskap sync)" in offline.warnings
    report = sync_web(settings, embedding=embedding)
    privat = next(p for p in report.pages if p.doc_id == "privat")
    assert privat.outcome == "failed" and "robots.txt" in (privat.reason or "")
    assert site.requested("/privat/lista") == []  # never requested
    assert "privat" not in payloads(settings)
    assert site.requests and all(r.headers.get("User-Agent") == USER_AGENT for r in site.requests)
    assert f"Kunskapsassistenten/{kunskap.__version__}" in USER_AGENT


def test_one_request_at_a_time_per_host(tmp_path: Path, embedding: BaseEmbedding) -> None:
    with serve_site() as one, serve_site() as two:
        for s in (one, two):
            for i in range(4):
                s.pages[f"/sida/{i}"] = Page(
                    html_page(f"Sida {i}", f"Text nummer {i}."), delay_s=0.2
                )
        urls = [s.url(f"/sida/{i}") for s in (one, two) for i in range(4)]
        (tmp_path / "manifest.yaml").write_text(
            "sources:\n  - id: sidor\n    title: Sidor\n    urls:\n"
            + "".join(f"      - {u}\n" for u in urls)
            + "    doc_type: ovrigt\n    publisher: X\n    areas: [overgripande]\n",
            encoding="utf-8",
        )
        report = sync_web(settings_for(tmp_path), embedding=embedding)
    assert len(report.pages) == 8 and report.count("updated") == 8
    assert (one.most_at_once, two.most_at_once) == (1, 1)
    assert len(one.requests) == len(two.requests) == 5  # robots.txt and four pages each


def test_the_schedule_submits_a_sync_when_due(tmp_path: Path) -> None:
    submitted: list[str] = []
    pending = [False]
    now = [1_000_000.0]
    off = SyncScheduler(make_settings(tmp_path), lambda: submitted.append("x"), lambda: False)
    assert not off.due() and not off.tick()  # interval 0: never
    settings = make_settings(tmp_path, sources={"sync_interval_hours": 1})
    sched = SyncScheduler(
        settings, lambda: submitted.append("sync"), lambda: pending[0], clock=lambda: now[0]
    )
    assert sched.tick() and submitted == ["sync"]  # never synced: due at once
    state = WebState(settings.data_dir)
    import datetime as dt

    state.set_meta(
        "last_sync_started", dt.datetime.fromtimestamp(now[0], dt.UTC).isoformat(timespec="seconds")
    )
    now[0] += 1800
    assert not sched.tick()  # half an hour later: not yet
    now[0] += 1800
    pending[0] = True
    assert not sched.tick()  # due, but one is already waiting
    pending[0] = False
    assert sched.tick() and submitted == ["sync", "sync"]


def test_a_page_the_ingest_could_not_take_in_is_tried_again_after_a_304(
    tmp_path: Path, site: Site, embedding: BaseEmbedding
) -> None:
    site.pages["/stod/hembesok"] = Page("<html><body><main> </main></body></html>", etag='"e"')
    write_manifest(tmp_path, site)
    settings = settings_for(tmp_path)
    first = sync_web(settings, embedding=embedding)
    assert first.ingest is not None and not first.ok
    assert any(line.startswith(site.url("/stod/hembesok")) for line in first.ingest.failures)
    again = sync_web(settings, embedding=embedding)
    assert site.requested("/stod/hembesok")[-1].status == 304
    assert again.ingest is not None  # not taken in last time: read again
    assert any("ingen text" in line for line in again.ingest.failures)
    fixed = Page(html_page("Hembesök", "Nu finns det text om hembesök."), etag='"f"')
    site.pages["/stod/hembesok"] = fixed
    assert sync_web(settings, embedding=embedding).ok
    assert sync_web(settings, embedding=embedding).ingest is None  # taken in: nothing to do

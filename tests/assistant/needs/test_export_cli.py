"""CSV/XLSX export and the `kunskap needs` commands, over a real SQLite store."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from assistant.needs import cli
from assistant.needs.export import COLUMNS, export_bytes, select_for_export
from assistant.needs.schemas import SupportOffer
from assistant.needs.store import NeedsStore
from tests.conftest import make_settings


def _fill(store: NeedsStore) -> str:
    for session in ("a", "b"):
        store.log_question(
            question="Hur beräknar man försörjningsstöd enligt riksnormen?",
            language="sv", reason="no_evidence", top_sources=[], session_id=session,
            index_version="i", app_version="a",
        )  # fmt: skip
    store.log_question(
        question="=HYPERLINK(\"http://x\") lex Sarah?", language="sv", reason="low_confidence",
        top_sources=[], session_id="c", index_version="i", app_version="a",
    )  # fmt: skip
    need = store.list_needs()[0]
    store.update_need(need.id, {"note": "Tas upp i RSS-nätverket", "target_group": "Vuxna"},
                      actor="ann")  # fmt: skip
    return need.id


# The shape tests export everything (k=1); the privacy floor has its own tests below.
@pytest.fixture
def open_store(store_factory: Callable[..., NeedsStore]) -> NeedsStore:
    return store_factory(needs={"export_min_sessions": 1})


@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_csv_export_shape(open_store: NeedsStore) -> None:
    store = open_store
    _fill(store)
    data = export_bytes(store, "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Swedish Excel reads UTF-8 correctly
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == COLUMNS
    first = dict(zip(COLUMNS, rows[1], strict=True))
    assert first["verksamhetsområde"] == "Ekonomiskt bistånd"
    assert first["antal frågor"] == "2" and first["antal sessioner"] == "2"
    assert first["målgrupp"] == "Vuxna" and first["kommentar"] == "Tas upp i RSS-nätverket"
    assert first["status"] == "ny"
    assert rows[2][1].startswith("'=")  # no formula injection


@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_xlsx_export(open_store: NeedsStore) -> None:
    store = open_store
    _fill(store)
    wb = openpyxl.load_workbook(io.BytesIO(export_bytes(store, "xlsx")))
    ws = wb.active
    assert ws is not None
    assert [c.value for c in ws[1]] == COLUMNS
    assert ws.cell(row=2, column=5).value == 2


def _csv(store: NeedsStore) -> list[dict[str, str]]:
    text = export_bytes(store, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]


def _ask(store: NeedsStore, question: str, session: str | None) -> str:
    return store.log_question(
        question=question, language="sv", reason="no_evidence", top_sources=[],
        session_id=session, index_version="i", app_version="a",
    ).need_id  # fmt: skip


RARE = "Hur hjälper vi en döv pappa med tvillingar i Övertorneå att få tolk vid BBIC-möten?"
COMMON = "Hur beräknar man försörjningsstöd enligt riksnormen?"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_export_needs_k_distinct_sessions_by_default(store: NeedsStore) -> None:
    assert store.settings.needs.export_min_sessions == 3  # the documented default
    for session in ("a", "b", "a"):  # three questions, but two sessions: not enough
        _ask(store, COMMON, session)
    rare = _ask(store, RARE, "c")
    assert _csv(store) == []
    assert len(select_for_export(store).withheld) == 2
    _ask(store, COMMON, "d")  # the third distinct session
    rows = _csv(store)
    assert [r["behov (formulering)"] for r in rows] == [COMMON]
    assert rows[0]["antal sessioner"] == "3" and rows[0]["exempel"] == COMMON
    assert RARE not in export_bytes(store, "csv").decode("utf-8-sig")
    assert [n.id for n in select_for_export(store).withheld] == [rare]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_a_need_rewritten_by_an_analyst_is_exported_without_its_questions(
    store: NeedsStore,
) -> None:
    rare = _ask(store, RARE, "c")
    store.update_need(rare, {"note": "Tolk behövs"}, actor="ann")  # a note is no rewrite
    assert _csv(store) == []
    formulation = "Tolkstöd för döva föräldrar i barnavårdsutredningar"
    store.update_need(rare, {"representative": formulation}, actor="ann")
    assert store.get_need(rare).rewritten
    rows = _csv(store)
    assert [r["behov (formulering)"] for r in rows] == [formulation]
    assert rows[0]["exempel"] == ""  # the question is still the asker's own words
    assert "Övertorneå" not in export_bytes(store, "csv").decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(export_bytes(store, "xlsx"))).active
    assert sheet is not None
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row]
    assert formulation in cells and not any("Övertorneå" in c for c in cells)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_questions_without_a_session_never_count_as_sessions(
    store_factory: Callable[..., NeedsStore],
) -> None:
    store = store_factory(needs={"export_min_sessions": 2})
    for _ in range(3):
        _ask(store, COMMON, None)  # the API without a session id
    assert _csv(store) == []
    _ask(store, COMMON, "x")
    _ask(store, COMMON, "y")
    assert [r["antal sessioner"] for r in _csv(store)] == ["2"]


def _app() -> typer.Typer:
    app = typer.Typer()
    cli.register(app)
    return app


def test_cli_list_export_user_purge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    embed: object) -> None:  # fmt: skip
    data_dir = tmp_path / "data"
    monkeypatch.setenv("KUNSKAP_DATA_DIR", str(data_dir))
    store = NeedsStore.from_settings(make_settings(data_dir), embed=embed)
    _fill(store)
    store.close()
    runner = CliRunner()
    app = _app()
    result = runner.invoke(app, ["needs", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert listed[0]["question_count"] == 2 and listed[0]["status_label"] == "ny"
    result = runner.invoke(app, ["needs", "list"])
    assert "2 behov" in result.output
    out = tmp_path / "behov.xlsx"
    result = runner.invoke(app, ["needs", "export", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0 and out.stat().st_size > 1000
    out_csv = tmp_path / "behov.csv"
    assert (
        runner.invoke(app, ["needs", "export", "--format", "csv", "--out", str(out_csv)]).exit_code
        == 0
    )
    assert out_csv.read_bytes().decode("utf-8-sig").startswith("verksamhetsområde;")
    # Two sessions at most per need, under the default k=3: nothing leaves, and it says so.
    result = runner.invoke(app, ["needs", "export", "--format", "csv", "--out", str(out_csv)])
    assert "2 behov hölls tillbaka: färre än 3 sessioner" in result.output
    assert out_csv.read_bytes().decode("utf-8-sig").strip().count("\n") == 0
    monkeypatch.setenv("KUNSKAP_NEW_USER_PASSWORD", "ett-långt-lösenord")
    result = runner.invoke(app, ["needs", "user", "add", "ann", "--role", "admin"])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("KUNSKAP_NEW_USER_PASSWORD", "kort")
    assert runner.invoke(app, ["needs", "user", "add", "bo"]).exit_code == 2
    assert runner.invoke(app, ["needs", "purge"]).exit_code == 0
    assert runner.invoke(app, ["needs", "regroup"]).exit_code == 0
    store = NeedsStore.from_settings(make_settings(data_dir), embed=embed)
    user = store.get_user("ann")
    assert user is not None and user.role == "admin" and user.password_hash.startswith("$argon2")
    store.close()


def test_cli_mine_adds_document_needs_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes.txt").write_text(
        "Anteckningar\n\n"
        "- Barnområdet saknar data att analysera och jobba med.\n"
        "- Vad kostar det?\n",
        encoding="utf-8",
    )
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        "sources:\n  - id: notes\n    title: Anteckningar\n    path: notes.txt\n"
        "    doc_type: minnesanteckningar\n    publisher: Test\n    areas: [overgripande]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KUNSKAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KUNSKAP_MANIFEST", str(manifest))
    runner, app = CliRunner(), _app()
    first = runner.invoke(app, ["needs", "mine", "--json"])
    assert first.exit_code == 0, first.output
    (row,) = json.loads(first.output)
    assert row["quote"] == "Barnområdet saknar data att analysera och jobba med."
    assert row["doc_id"] == "notes" and row["kind"] == "data" and row["change"] == "ny"
    assert set(row) >= {"page", "section", "formulation", "area", "score", "need_id"}
    second = runner.invoke(app, ["needs", "mine"])
    assert second.exit_code == 0, second.output
    assert "1 förslag ur 1 dokument; nya 0, uppdaterade 0, oförändrade 1" in second.output
    listed = json.loads(runner.invoke(app, ["needs", "list", "--json"]).output)
    assert [(n["origin"], n["documents"][0]["doc_id"]) for n in listed] == [("dokument", "notes")]
    assert listed[0]["possibly_answered_by"] == []
    store = NeedsStore.from_settings(make_settings(tmp_path / "data"))  # flags need no model
    store.flag_possibly_answered(
        listed[0]["id"],
        SupportOffer(doc_id="sos-ny", title="Ny vägledning", quote="Data om barn …", page=7,
                     status="answered", confidence=0.7),
    )  # fmt: skip
    store.close()
    text = runner.invoke(app, ["needs", "list"]).output
    assert "möjligen besvarad av Ny vägledning (sos-ny, s. 7)" in text
    flagged = json.loads(runner.invoke(app, ["needs", "list", "--json"]).output)
    assert [(p["doc_id"], p["quote"], p["page"]) for p in flagged[0]["possibly_answered_by"]] == [
        ("sos-ny", "Data om barn …", 7)
    ]
    bad = runner.invoke(app, ["needs", "mine", "--source", "finns-inte"])
    assert bad.exit_code == 2 and "okänd källa" in bad.output

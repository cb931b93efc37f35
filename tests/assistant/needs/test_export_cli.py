"""CSV/XLSX export and the `kunskap needs` commands, over a real SQLite store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from assistant.needs import cli
from assistant.needs.export import COLUMNS, export_bytes
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


@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_csv_export_shape(store: NeedsStore) -> None:
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
def test_xlsx_export(store: NeedsStore) -> None:
    _fill(store)
    wb = openpyxl.load_workbook(io.BytesIO(export_bytes(store, "xlsx")))
    ws = wb.active
    assert ws is not None
    assert [c.value for c in ws[1]] == COLUMNS
    assert ws.cell(row=2, column=5).value == 2


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

"""`kunskap ingest` shows its progress without a terminal too (`make run`, pipes, logs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.cli import ProgressLines


def test_progress_lines_say_documents_done_and_time_left() -> None:
    now = [100.0]
    lines: list[str] = []
    progress = ProgressLines(lines.append, every=5.0, clock=lambda: now[0])
    for done in range(1, 11):  # ten documents, two seconds each
        progress(f"doc-{done}", done, 10)
        now[0] += 2.0
    progress.finish(10)
    assert lines[0] == "Inläsning: 0 av 10 dokument klara (0 s)."
    # At most one line per five seconds in between: documents 3 (6 s) and 6 (12 s) ...
    assert lines[1] == "Inläsning: 3 av 10 dokument klara (6 s), cirka 14 s kvar."
    assert lines[2] == "Inläsning: 6 av 10 dokument klara (12 s), cirka 8 s kvar."
    assert lines[-1] == "Inläsning: 10 av 10 dokument klara (20 s)."
    assert len(lines) == 5


def test_ingest_without_a_terminal_prints_progress_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kunskap.cli import app

    (tmp_path / "a.md").write_text("# Rubrik\n\nBeprövad erfarenhet prövas.", encoding="utf-8")
    (tmp_path / "manifest.yaml").write_text(
        "sources:\n  - id: a\n    title: A\n    path: a.md\n    doc_type: ovrigt\n"
        "    publisher: P\n    areas: [overgripande]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KUNSKAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KUNSKAP_MANIFEST", str(tmp_path / "manifest.yaml"))
    result = CliRunner().invoke(app, ["ingest"])
    assert result.exit_code == 0, result.output
    assert "Läser in källorna" in result.output
    assert "Inläsning: 1 av 1 dokument klara" in result.output

"""`kunskap eval` (filled in by the evaluation-harness work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the `eval` command to the main app."""

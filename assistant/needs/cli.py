"""`kunskap needs …` commands (filled in by the knowledge-needs work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the `needs` command group to the main app."""

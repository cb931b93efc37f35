"""The `kunskap` command. Each part of the product registers its own commands here.

kunskap ingest | sync            (ingest/cli.py)
kunskap ask | search | serve     (assistant/cli.py)
kunskap needs list | export      (assistant/needs/cli.py)
kunskap eval                     (evals/cli.py)
kunskap index info | export | import (ingest/cli.py)
"""

from __future__ import annotations

import sys

import typer

from assistant import cli as assistant_cli
from assistant.needs import cli as needs_cli
from evals import cli as evals_cli
from ingest import cli as ingest_cli

app = typer.Typer(
    name="kunskap",
    help="Kunskapsassistenten: källhänvisade svar ur kunskapsstöd, och ett register över "
    "kunskapsbehov.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (ingest_cli, assistant_cli, needs_cli, evals_cli):
    module.register(app)


def main() -> None:
    """The console script: an unusable index ends in one Swedish line, not a traceback."""
    from ingest.vector_index import IndexUnavailable

    try:
        app()
    except IndexUnavailable as exc:
        print(f"FEL: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()

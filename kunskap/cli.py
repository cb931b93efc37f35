"""The `kunskap` command. Each part of the product registers its own commands here.

kunskap ingest | search          (ingest/cli.py)
kunskap ask | serve              (assistant/cli.py)
kunskap needs list | export      (assistant/needs/cli.py)
kunskap eval                     (evals/cli.py)
"""

from __future__ import annotations

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


if __name__ == "__main__":
    app()

"""`kunskap ask`, `kunskap search` and `kunskap serve`."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from kunskap.settings import get_settings

if TYPE_CHECKING:
    from assistant.models import Answer

console = Console()


def _print_answer(result: Answer) -> None:
    console.print(result.answer, highlight=False)
    if result.notice:
        console.print(f"[yellow]{result.notice}[/yellow]")
    for c in result.citations:
        where = f"s. {c.page}" if c.page else (c.section or "")
        console.print(
            f"[bold][{c.n}][/bold] {c.title} – {c.doc_type_label} {where}", highlight=False
        )
        console.print(f"    ”{c.quote}”", style="dim", highlight=False)
    console.print(f"[dim]säkerhet {result.confidence:.2f} · läge {result.mode}[/dim]")


def ask(
    question: str | None = typer.Argument(None, help="Frågan."),
    as_json: bool = typer.Option(False, "--json", help="Skriv svaret som JSON."),
    batch: Path | None = typer.Option(
        None, "--batch", help='JSONL med {"id", "question"} per rad; ett JSON-svar per rad ut.'
    ),
    no_log: bool = typer.Option(
        False, "--no-log", help="Logga inte kunskapsbehov (t.ex. vid test)."
    ),
) -> None:
    """Ställ en fråga till underlaget."""
    from assistant.answering import answer
    from assistant.intake import QuestionError
    from assistant.services import build_services
    from ingest.index_store import IndexUnavailable

    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    if batch is None and not question:
        raise typer.BadParameter("ange en fråga eller --batch FIL")
    services = build_services(settings)
    try:
        if batch is None:
            assert question is not None
            result = answer(question, services=services, log_needs=not no_log)
            if as_json:
                typer.echo(result.model_dump_json(indent=2))
            else:
                _print_answer(result)
            return
        failed = 0
        for line_no, line in enumerate(batch.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            item = json.loads(line)
            try:
                result = answer(item["question"], services=services, log_needs=not no_log)
                out = {"id": item.get("id"), **result.model_dump(mode="json")}
            except (QuestionError, KeyError) as exc:
                failed += 1
                out = {"id": item.get("id"), "error": str(exc)}
                typer.echo(f"{batch}:{line_no}: {exc}", err=True)
            typer.echo(json.dumps(out, ensure_ascii=False))
        if failed:
            raise typer.Exit(code=1)
    except IndexUnavailable as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=3) from None
    except QuestionError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    finally:
        services.close()


def search(
    question: str = typer.Argument(..., help="Frågan eller söktermerna."),
    top_k: int = typer.Option(8, "--top-k", min=1, max=100, help="Antal träffar."),
    mode: str = typer.Option("hybrid", help="hybrid, dense eller sparse."),
    as_json: bool = typer.Option(False, "--json", help="Skriv träffarna som JSON."),
) -> None:
    """Visa de råa träffarna från hybridsökningen (för felsökning)."""
    from assistant.retrieval import Retriever
    from assistant.services import build_services

    services = build_services(get_settings(), with_needs=False)
    try:
        # --mode is one of the retriever's modes (typer checks the choice); mypy sees str.
        hits = Retriever(services).search(question, top_k=top_k, mode=mode)  # type: ignore[arg-type]
    finally:
        services.close()
    if as_json:
        typer.echo(json.dumps([h.model_dump() for h in hits], ensure_ascii=False, indent=2))
        return
    table = Table(show_lines=True)
    for column in ("#", "poäng", "dok-id", "titel", "sida", "avsnitt", "text"):
        table.add_column(column)
    for rank, hit in enumerate(hits, start=1):
        table.add_row(
            str(rank), f"{hit.score:.3f}", hit.doc_id, hit.title[:40], str(hit.page or "–"),
            (hit.section or "–")[:30], hit.text[:300],
        )  # fmt: skip
    console.print(table)


def serve(
    host: str | None = typer.Option(None, help="Adress (standard 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (standard 8000)."),
) -> None:
    """Starta chatten, API:t och analyssidan."""
    import uvicorn

    from assistant.api.app import create_app
    from ingest.vector_index import open_index

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, stream=sys.stderr)
    # Open the index once before the server starts: a locked or old-format embedded index
    # then stops here with its one Swedish line (kunskap.cli.main) instead of a startup
    # traceback from inside uvicorn; an old local-mode folder is migrated here.
    open_index(settings).close()
    host = host or settings.server.host
    port = port or settings.server.port
    console.print(
        f"Kunskapsassistenten: chatt på http://{host}:{port}/  ·  API-dokumentation /docs"
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level.lower())


def register(app: typer.Typer) -> None:
    from assistant.sentence_vectors import after_ingest
    from ingest import cli as ingest_cli

    if after_ingest not in ingest_cli.AFTER_INGEST:
        ingest_cli.AFTER_INGEST.append(after_ingest)
    app.command("ask")(ask)
    app.command("search")(search)
    app.command("serve")(serve)

"""`kunskap ingest`, `kunskap search` and `kunskap index info | export | import`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kunskap.settings import Settings, get_settings

if TYPE_CHECKING:
    from .pipeline import IngestReport

console = Console()
# Run after an ingest that added or changed documents, with the settings and the report.
# Parts above ingest register here (the needs register re-checks open needs against the
# new material), so that ingest imports nothing above it.
AFTER_INGEST: list[Callable[[Settings, IngestReport], Any]] = []
err_console = Console(stderr=True)


def ingest(
    manifest: Path | None = typer.Option(None, help="Korpusmanifest (standard: KUNSKAP_MANIFEST)."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Bygg om samlingen från början."),
) -> None:
    """Läs in källorna i manifestet till Qdrant (inkrementellt)."""
    from .pipeline import run_ingest

    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    with Progress(
        TextColumn("[bold]Indexerar[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def on_progress(doc_id: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, description=doc_id[:40])

        report = run_ingest(settings, manifest_path=manifest, rebuild=rebuild, progress=on_progress)

    for line in report.failures:
        err_console.print(f"[red]FEL[/red] {line}", markup=True, highlight=False)
    for line in report.warnings:
        err_console.print(f"[yellow]VARNING[/yellow] {line}", highlight=False)
    # One row per figure: readable in a narrow terminal and in CI logs alike.
    table = Table(title=f"Inläsning klar – samling {report.collection or '–'}")
    table.add_column("mått")
    table.add_column("värde", justify="right")
    for label, value in (
        ("dokument", report.documents),
        ("sidor (inlästa nu)", report.pages),
        ("chunkar (skrivna nu)", report.chunks),
        ("nya", report.new),
        ("ändrade", report.updated),
        ("oförändrade", report.unchanged),
        ("borttagna", report.removed),
        ("misslyckade", report.failed),
        ("sekunder", f"{report.seconds:.1f}"),
        ("punkter i index", report.points_total),
    ):
        table.add_row(label, str(value))
    console.print(table)
    if report.new or report.updated:
        for hook in AFTER_INGEST:
            hook(settings, report)
    if not report.ok:
        raise typer.Exit(code=1)


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


index_app = typer.Typer(
    help="Indexet: status, och flytt mellan inbäddad Qdrant och en Qdrant-server utan ny "
    "inbäddning.",
    no_args_is_help=True,
)


@index_app.command("info")
def index_info() -> None:
    """Visa motor, samling och antal chunkar."""
    from .vector_index import open_index

    settings = get_settings()
    collection = settings.collection_name()
    index = open_index(settings)
    try:
        if not index.exists(collection):
            console.print(
                f"Samlingen {collection} finns inte ({index.engine}). Kör `kunskap ingest`."
            )
            raise typer.Exit(code=1)
        info = index.info(collection)
        console.print(f"motor: {index.engine}\nsamling: {collection}\nchunkar: {info.points}")
        for key, value in info.extra.items():
            console.print(f"{key}: {value}")
    finally:
        index.close()


@index_app.command("export")
def index_export(
    out: Path = typer.Argument(..., help="Fil att skriva (gzip-komprimerade JSON-rader)."),
) -> None:
    """Skriv hela samlingen (vektorer och metadata) till en fil."""
    from .vector_index import export_collection, open_index

    settings = get_settings()
    collection = settings.collection_name()
    index = open_index(settings)
    try:
        if not index.exists(collection):
            err_console.print(f"FEL: samlingen {collection} finns inte. Kör `kunskap ingest`.")
            raise typer.Exit(code=1)
        n = export_collection(index, collection, out)
    finally:
        index.close()
    console.print(f"{n} chunkar ur {collection} ({index.engine}) skrivna till {out}")


@index_app.command("import")
def index_import(
    source: Path = typer.Argument(..., exists=True, dir_okay=False, help="Fil från export."),
) -> None:
    """Läs in en export i det index som inställningarna pekar på (t.ex. KUNSKAP_QDRANT_URL)."""
    from .vector_index import import_collection, open_index

    settings = get_settings()
    index = open_index(settings)
    try:
        name, n = import_collection(index, source)
    except ValueError as exc:
        err_console.print(f"FEL: {exc}")
        raise typer.Exit(code=1) from None
    finally:
        index.close()
    console.print(f"{n} chunkar inlästa i {name} ({index.engine})")
    if name != settings.collection_name():
        err_console.print(
            f"VARNING: samlingen {name} skiljer sig från den inställningarna ger "
            f"({settings.collection_name()}): inbäddning eller chunkning är inställd annorlunda."
        )


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("search")(search)
    app.add_typer(index_app, name="index")

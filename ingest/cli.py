"""`kunskap ingest`, `kunskap sync` and `kunskap index info | export | import`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
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


class ProgressLines:
    """Ingest progress as plain lines: documents done of all, and an estimate of the time
    left from the pace so far; at most one line every ``every`` seconds."""

    def __init__(
        self,
        write: Callable[[str], None],
        every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write, self.every, self.clock = write, every, clock
        self.started: float | None = None
        self.last_line = float("-inf")

    def __call__(self, doc_id: str, done: int, total: int) -> None:
        # ``done`` counts the document about to be read; those before it are finished.
        now = self.clock()
        if self.started is None:
            self.started = now
        finished = done - 1
        if now - self.last_line < self.every and finished not in (0, total):
            return
        self.last_line = now
        elapsed = now - self.started
        line = f"Inläsning: {finished} av {total} dokument klara ({elapsed:.0f} s)"
        if finished > 0:
            left = elapsed / finished * (total - finished)
            line += f", cirka {left:.0f} s kvar"
        self.write(line + ".")

    def finish(self, total: int) -> None:
        elapsed = self.clock() - self.started if self.started is not None else 0.0
        self.write(f"Inläsning: {total} av {total} dokument klara ({elapsed:.0f} s).")


def ingest(
    manifest: Path | None = typer.Option(None, help="Korpusmanifest (standard: KUNSKAP_MANIFEST)."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Bygg om samlingen från början."),
) -> None:
    """Läs in källorna i manifestet till Qdrant (inkrementellt)."""
    from .pipeline import run_ingest

    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    if err_console.is_terminal:
        with Progress(
            TextColumn("[bold]Indexerar[/bold] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("kvar:"),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task("", total=None)

            def on_progress(doc_id: str, done: int, total: int) -> None:
                bar.update(task, total=total, completed=done - 1, description=doc_id[:40])

            report = run_ingest(
                settings, manifest_path=manifest, rebuild=rebuild, progress=on_progress
            )
    else:
        # Through `make run`, a pipe or a container log there is no terminal for the bar:
        # plain lines instead, so a first ingest is never minutes of silence.
        err_console.print("Läser in källorna (inbäddningsmodellen laddas först) …", highlight=False)
        lines = ProgressLines(lambda text: err_console.print(text, highlight=False))
        report = run_ingest(settings, manifest_path=manifest, rebuild=rebuild, progress=lines)
        lines.finish(report.documents)

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


def sync(
    manifest: Path | None = typer.Option(None, help="Korpusmanifest (standard: KUNSKAP_MANIFEST)."),
) -> None:
    """Hämta manifestets webbsidor igen och läs in de sidor som ändrats."""
    from .sync import sync_web
    from .vector_index import IndexLocked, open_index

    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    # Each page's outcome is printed below; httpx's line per request would say it twice.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.root.level))
    # The index first: a server holding the embedded index stops us before anything is
    # fetched (a page fetched but not ingested would be retried next time all the same).
    try:
        index = open_index(settings)
    except IndexLocked:
        err_console.print(
            "FEL: indexet används av en annan process (till exempel `kunskap serve`). Hämta då "
            'webbkällorna på administrationssidan /admin/kallor ("Hämta webbkällorna nu"), '
            "eller stoppa servern först.",
            highlight=False,
        )
        raise typer.Exit(code=2) from None
    try:
        err_console.print("Hämtar webbkällorna …", highlight=False)
        report = sync_web(settings, manifest_path=manifest, index=index)
    finally:
        index.close()
    for page in report.pages:
        if page.outcome in ("failed", "vanished"):
            err_console.print(page.line(), highlight=False, markup=False, soft_wrap=True)
    if report.ingest is not None:
        for line in report.ingest.failures:
            err_console.print(
                f"FEL vid inläsning: {line}", highlight=False, markup=False, soft_wrap=True
            )
    console.print(report.summary(), highlight=False, soft_wrap=True)
    if report.ingest is not None and (report.ingest.new or report.ingest.updated):
        for hook in AFTER_INGEST:
            hook(settings, report.ingest)
    if not report.ok:
        raise typer.Exit(code=1)


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
    app.command("sync")(sync)
    app.add_typer(index_app, name="index")

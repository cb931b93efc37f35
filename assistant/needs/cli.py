"""`kunskap needs …`: list, mine, export, purge, regroup, and analyst accounts."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from assistant.needs.store import NeedsStore
    from kunskap.settings import Settings

PASSWORD_ENV = "KUNSKAP_NEW_USER_PASSWORD"


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


class RoleChoice(StrEnum):
    analyst = "analyst"
    admin = "admin"


def _store() -> NeedsStore:
    from assistant.needs.store import NeedsStore
    from kunskap.settings import get_settings

    return NeedsStore.from_settings(get_settings())


def recheck_after_ingest(settings: Settings, _report: object = None) -> None:
    """After an ingest: flag open needs that the new or changed documents answer."""
    from assistant.needs.support import recheck
    from assistant.services import build_services

    services = build_services(settings)
    try:
        if services.needs is None:
            return
        flagged = recheck(services.needs, services)
    finally:
        services.close()
    typer.echo(f"{len(flagged)} öppna behov möjligen besvarade av nytt material")
    for need_id, offer in flagged:
        where = f", s. {offer.page}" if offer.page else ""
        typer.echo(f"  {need_id}: {offer.title} ({offer.doc_id}{where})")


def list_needs(
    as_json: bool = typer.Option(False, "--json", help="Skriv ut som JSON."),
    status: str | None = typer.Option(None, help="Bara behov med denna status (slug)."),
    area: str | None = typer.Option(None, help="Bara behov inom detta område (slug)."),
    limit: int = typer.Option(500, help="Högst så många behov."),
) -> None:
    """Lista behoven, de vanligaste först."""
    from assistant.needs.schemas import NeedFilter

    store = _store()
    try:
        rows = store.list_needs(NeedFilter(status=status, area=area, limit=limit))
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False))
        return
    for r in rows:
        typer.echo(
            f"{r.question_count:>4} frågor {r.session_count:>3} sessioner  "
            f"{r.status_label:<16} {r.area_label[:24]:<24} {r.representative[:80]}  ({r.id})"
        )
        for p in r.possibly_answered_by:
            where = f", s. {p.page}" if p.page else ""
            typer.echo(f"       möjligen besvarad av {p.title or p.doc_id} ({p.doc_id}{where})")
    typer.echo(f"{len(rows)} behov")


def mine(
    source: list[str] = typer.Option(
        None, "--source", help="Bara denna källa (id i manifestet); kan upprepas."
    ),
    as_json: bool = typer.Option(False, "--json", help="Skriv ut som JSON."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Visa förslagen utan att föra in dem i registret."
    ),
) -> None:
    """Hitta kunskapsbehov som dokumenten redan uttrycker och för in dem i registret."""
    from assistant.needs.mining import learned_scorer, mine_corpus
    from kunskap.settings import get_settings

    settings = get_settings()
    try:
        mined = mine_corpus(
            settings.manifest,
            source or None,
            tuning=settings.needs,
            display=settings.display,
            scorer=learned_scorer(settings),
        )
    except KeyError as exc:
        raise typer.BadParameter(f"okänd källa: {exc.args[0]}", param_hint="--source") from None
    need_of: dict[str, str] = {}
    status_of: dict[str, str] = {}
    counts: dict[str, int] = {}
    if not dry_run:
        store = _store()
        try:
            result = store.record_mined(mined.candidates, mined.doc_hashes)
        finally:
            store.close()
        for label, pairs in (("ny", result.added), ("uppdaterad", result.updated)):
            for cand, need_id in pairs:
                need_of[cand.key], status_of[cand.key] = need_id, label
        counts = result.counts()
    rows = [
        c.as_json() | {"need_id": need_of.get(c.key), "change": status_of.get(c.key)}
        for c in mined.candidates
    ]
    for failure in mined.failures:
        typer.echo(f"kunde inte läsa {failure}", err=True)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        where = f"s. {r['page']}" if r["page"] else (r["section"] or "")
        typer.echo(
            f"{r['score']:.2f} {r['kind']:<10} {r['area'][:18]:<18} {r['doc_id']} {where}: "
            f"{r['formulation'][:90]}"
        )
    summary = f"{len(rows)} förslag ur {len(mined.doc_hashes)} dokument"
    if counts:
        summary += (
            f"; nya {counts['added']}, uppdaterade {counts['updated']}, "
            f"oförändrade {counts['unchanged']}, borttagna {counts['removed']}"
        )
    typer.echo(summary)


def recheck_needs() -> None:
    """Pröva öppna behov mot nya eller ändrade dokument i indexet (görs efter ingest)."""
    from kunskap.settings import get_settings

    recheck_after_ingest(get_settings())


def export(
    fmt: ExportFormat = typer.Option(..., "--format", help="csv eller xlsx."),
    out: Path = typer.Option(..., "--out", help="Filen att skriva."),
    status: str | None = typer.Option(None, help="Bara behov med denna status (slug)."),
) -> None:
    """Exportera behoven för regional/SKR-sammanställning."""
    from assistant.needs.export import export_bytes, select_for_export
    from assistant.needs.schemas import NeedFilter

    store = _store()
    try:
        flt = NeedFilter(status=status, limit=10000)
        data = export_bytes(store, fmt.value, flt)
        withheld = len(select_for_export(store, flt).withheld)
        k = store.settings.needs.export_min_sessions
    finally:
        store.close()
    out.write_bytes(data)
    typer.echo(f"skrev {out} ({len(data)} byte)")
    if withheld:
        typer.echo(
            f"{withheld} behov hölls tillbaka: färre än {k} sessioner och inte omformulerade "
            "av en analytiker (KUNSKAP_NEEDS_EXPORT_MIN_SESSIONS)"
        )


def purge() -> None:
    """Radera frågor äldre än gallringstiden (behoven finns kvar)."""
    store = _store()
    try:
        counts = store.purge(actor="cli")
    finally:
        store.close()
    typer.echo(f"raderade {counts['questions']} frågor och {counts['feedback']} omdömen")


def regroup() -> None:
    """Gruppera om frågorna i behov som ingen har granskat än."""
    store = _store()
    try:
        result = store.regroup(actor="cli")
    finally:
        store.close()
    typer.echo(
        f"{result['questions']} frågor: {result['needs_before']} behov blev {result['needs_after']}"
    )


def user_add(
    name: str = typer.Argument(..., help="Användarnamn."),
    role: RoleChoice = typer.Option(RoleChoice.analyst, "--role", help="analyst eller admin."),
) -> None:
    """Lägg till eller uppdatera ett konto (lösenord: prompt eller miljövariabel)."""
    from assistant.auth import hash_password

    password = os.environ.get(PASSWORD_ENV) or typer.prompt(
        "Lösenord", hide_input=True, confirmation_prompt=True
    )
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    store = _store()
    try:
        store.add_user(name, password_hash, role.value)
    finally:
        store.close()
    typer.echo(f"kontot {name} ({role.value}) är sparat")


def register(app: typer.Typer) -> None:
    """Attach the `needs` command group to the main app."""
    from ingest import cli as ingest_cli

    if recheck_after_ingest not in ingest_cli.AFTER_INGEST:
        ingest_cli.AFTER_INGEST.append(recheck_after_ingest)
    needs = typer.Typer(
        help="Registret över kunskapsbehov: lista, exportera, gallra, gruppera om.",
        no_args_is_help=True,
    )
    needs.command("list")(list_needs)
    needs.command("mine")(mine)
    needs.command("recheck")(recheck_needs)
    needs.command("export")(export)
    needs.command("purge")(purge)
    needs.command("regroup")(regroup)
    users = typer.Typer(help="Lokala konton för analytiker och administratörer.")
    users.command("add")(user_add)
    needs.add_typer(users, name="user")
    app.add_typer(needs, name="needs")

"""`kunskap needs …`: list, export, purge, regroup, and analyst accounts."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from assistant.needs.store import NeedsStore

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


def register(app: typer.Typer) -> None:
    """Attach the `needs` command group to the main app."""
    needs = typer.Typer(
        help="Registret över kunskapsbehov: lista, exportera, gallra, gruppera om.",
        no_args_is_help=True,
    )

    @needs.command("list")
    def list_(
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
        typer.echo(f"{len(rows)} behov")

    @needs.command("export")
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

    @needs.command("purge")
    def purge() -> None:
        """Radera frågor äldre än gallringstiden (behoven finns kvar)."""
        store = _store()
        try:
            counts = store.purge(actor="cli")
        finally:
            store.close()
        typer.echo(f"raderade {counts['questions']} frågor och {counts['feedback']} omdömen")

    @needs.command("regroup")
    def regroup() -> None:
        """Gruppera om frågorna i behov som ingen har granskat än."""
        store = _store()
        try:
            result = store.regroup(actor="cli")
        finally:
            store.close()
        typer.echo(
            f"{result['questions']} frågor: {result['needs_before']} behov blev "
            f"{result['needs_after']}"
        )

    users = typer.Typer(help="Lokala konton för analytiker och administratörer.")

    @users.command("add")
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

    needs.add_typer(users, name="user")
    app.add_typer(needs, name="needs")

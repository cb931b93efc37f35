"""The sources admin page, ``/admin/kallor`` (admin role): static HTML, JS and CSS that
use the API of ``sources_routes.py``; refusals are pages too, in Swedish."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from assistant.auth import current_principal
from ingest.manifest import AREAS, DOC_TYPES
from kunskap.limits import MAX_UPLOAD_BYTES

page_router = APIRouter(include_in_schema=False)
PAGE_DIR = Path(__file__).with_name("admin_page")
PAGE_FILES = {"admin.js": "text/javascript; charset=utf-8", "admin.css": "text/css; charset=utf-8"}
# Like the analyst page: nothing from any other host, no inline script or style.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'"
)


def _page(body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        body,
        status_code=status_code,
        headers={
            "Content-Security-Policy": PAGE_CSP,
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-store",
        },
    )


def _refusal(title: str, text: str, status_code: int) -> HTMLResponse:
    return _page(
        '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Källor</title>'
        '<link rel="stylesheet" href="/analys/static/style.css"></head><body><main class="login">'
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
        '<p><a href="/analys/login">Logga in</a></p></main></body></html>',
        status_code,
    )


@page_router.get("/admin/kallor", response_class=HTMLResponse)
def admin_page(request: Request) -> HTMLResponse:
    principal = current_principal(request)
    if principal is None:
        return _refusal("Källor", "Logga in som administratör för att hantera källorna.", 401)
    if not principal.is_admin:
        return _refusal("Källor", "Bara administratörer kan hantera källorna.", 403)
    page = (PAGE_DIR / "index.html").read_text(encoding="utf-8")
    doc_types = "".join(
        f'<option value="{k}">{html.escape(v)}</option>' for k, v in DOC_TYPES.items()
    )
    areas = "".join(
        f'<label><input type="checkbox" name="areas" value="{k}"> {html.escape(v)}</label>'
        for k, v in AREAS.items()
    )
    return _page(
        page.replace("{{doc_types}}", doc_types)
        .replace("{{areas}}", areas)
        .replace("{{max_mb}}", str(MAX_UPLOAD_BYTES // 1_000_000))
    )


@page_router.get("/admin/kallor/static/{name}")
def admin_static(name: str) -> Response:
    if name not in PAGE_FILES:
        raise HTTPException(404)
    return Response(
        (PAGE_DIR / name).read_text(encoding="utf-8"),
        media_type=PAGE_FILES[name],
        headers={"Cache-Control": "no-cache"},
    )

"""HTTP surface of the needs register: JSON under /api/needs, the analyst page at /analys.

Every route except the login page and the page's static files requires an analyst or
admin (``AnalystUser``/``AdminUser``); chat users get 401 and cannot read the log.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from importlib import resources
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.auth import (
    COOKIE_NAME,
    CSRF_HEADER,
    CSRF_VALUE,
    SESSION_SECONDS,
    AdminUser,
    AnalystUser,
    Principal,
    check_form_origin,
    current_principal,
    make_cookie,
    throttled_authenticate,
)
from assistant.input_types import IsoDate
from assistant.needs.export import MEDIA_TYPES, export_bytes
from assistant.needs.schemas import (
    FORWARD_TARGETS,
    REASONS,
    REJECT_REASONS,
    STATUSES,
    TRANSITIONS,
    AuditPublic,
    MergeIn,
    NeedDetail,
    NeedFilter,
    NeedPublic,
    NeedUpdate,
    NoteIn,
    SimilarNeed,
    SplitIn,
    Stats,
)
from assistant.needs.store import NeedsError, NeedsStore, NotFound
from kunskap.domain import AREAS

# Statuses every analyst route may answer, for the OpenAPI document.
AUTH_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"description": "Inloggning krävs (cookie från /analys/login eller HTTP Basic)."},
    403: {
        "description": "Saknar behörighet, eller ett ändrande anrop saknar "
        f"`{CSRF_HEADER}: {CSRF_VALUE}`."
    },
    413: {"description": "Kroppen är större än KUNSKAP_SERVER_MAX_BODY_BYTES."},
    429: {
        "description": "För många misslyckade inloggningar; vänta `Retry-After` sekunder.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
    503: {"description": "Behovsregistret är inte igång."},
}
NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"description": "Behovet finns inte."}}
NOT_FOUND_OR_CONFLICT: dict[int | str, dict[str, object]] = {
    **NOT_FOUND,
    409: {"description": "Ändringen är inte tillåten i behovets läge."},
}
router = APIRouter(responses=AUTH_RESPONSES)
PAGE_FILES = {
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
# The page loads nothing from any other host; the policy makes the browser enforce it.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'"
)


def _store(request: Request) -> NeedsStore:
    store = request.app.state.services.needs
    if store is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "behovsregistret är inte igång")
    return store  # type: ignore[no-any-return]  # app.state is untyped


def _page_file(name: str) -> str:
    return (
        resources.files("assistant.needs")
        .joinpath("analyst_page", name)
        .read_text(encoding="utf-8")
    )


def _html(
    body: str, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    return HTMLResponse(
        body,
        status_code=status_code,
        headers={
            "Content-Security-Policy": CSP,
            # same-origin, not no-referrer: the login and logout forms then send this host's
            # Origin, which check_form_origin compares; other hosts still get nothing.
            "Referrer-Policy": "same-origin",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            **(headers or {}),
        },
    )


def _errors(exc: NeedsError) -> HTTPException:
    if isinstance(exc, NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    return HTTPException(status.HTTP_409_CONFLICT, str(exc))


# --- the analyst page ------------------------------------------------------------------------


def _login_page(
    request: Request,
    message: str = "",
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    mode = request.app.state.services.settings.auth.mode
    page = _page_file("login.html").replace("{{message}}", html.escape(message))
    if mode == "sso_header":
        page = page.replace(
            "{{sso}}",
            "<p>Inloggning sker via organisationens inloggning (SSO). Kontakta IT om du "
            "saknar behörighet.</p>",
        )
    else:
        page = page.replace("{{sso}}", "")
    return _html(page, status_code, headers)


@router.get("/analys", response_class=HTMLResponse, include_in_schema=False)
def analyst_page(request: Request) -> HTMLResponse:
    if current_principal(request) is None:
        # 401 with the login form as body: browsers show the form, scripts see the status.
        return _login_page(request, "Logga in för att se behovsloggen.", 401)
    return _html(_page_file("index.html"))


@router.get("/analys/static/{name}", include_in_schema=False)
def analyst_static(name: str) -> Response:
    if name not in PAGE_FILES:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return Response(
        _page_file(name),
        media_type=PAGE_FILES[name],
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )


@router.get("/analys/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/analys/login", include_in_schema=False)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    settings = request.app.state.services.settings
    check_form_origin(request)
    if settings.auth.mode != "local":
        return _login_page(request, "Lokal inloggning är avstängd.", 400)
    try:
        principal = throttled_authenticate(request, username, password)
    except HTTPException as exc:
        if exc.status_code != status.HTTP_429_TOO_MANY_REQUESTS:
            raise
        return _login_page(request, str(exc.detail), 429, exc.headers)
    if principal is None:
        return _login_page(request, "Fel användarnamn eller lösenord.", 401)
    response = RedirectResponse("/analys", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE_NAME,
        make_cookie(settings, principal.name, principal.role),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/analys/logout", include_in_schema=False)
def logout(request: Request) -> Response:
    check_form_origin(request)
    response = RedirectResponse("/analys/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


# --- JSON API -----------------------------------------------------------------------------------


@router.get("/api/needs/me")
def me(user: AnalystUser) -> dict[str, str]:
    return {"name": user.name, "role": user.role}


@router.get("/api/needs/meta")
def meta(user: AnalystUser) -> dict[str, object]:
    """Vocabularies with Swedish labels, for the page's menus."""
    return {
        "areas": AREAS,
        "statuses": STATUSES,
        "transitions": {k: sorted(v) for k, v in TRANSITIONS.items()},
        "reasons": REASONS,
        "reject_reasons": REJECT_REASONS,
        "forward_targets": list(FORWARD_TARGETS),
        "user": {"name": user.name, "role": user.role},
    }


def _filter(
    area: str | None,
    status_: str | None,
    reason: str | None,
    since: dt.date | None,
    until: dt.date | None,
    q: str | None,
    sort: Literal["count", "last_seen", "first_seen", "sessions"],
    limit: int,
) -> NeedFilter:
    return NeedFilter(
        area=area or None,
        status=status_ or None,
        reason=reason or None,
        since=since,
        until=until,
        text=q or None,
        sort=sort,
        limit=limit,
    )


@router.get("/api/needs", response_model=list[NeedPublic])
def list_needs(
    request: Request,
    _user: AnalystUser,
    area: str | None = None,
    status_: Annotated[str | None, Query(alias="status")] = None,
    reason: str | None = None,
    since: Annotated[IsoDate | None, Query(alias="from")] = None,
    until: Annotated[IsoDate | None, Query(alias="to")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Literal["count", "last_seen", "first_seen", "sessions"] = "count",
    limit: int = Query(500, ge=1, le=10000),
) -> list[NeedPublic]:
    flt = _filter(area, status_, reason, since, until, q, sort, limit)
    return _store(request).list_needs(flt)


@router.get("/api/needs/stats", response_model=Stats)
def stats(request: Request, _user: AnalystUser) -> Stats:
    return _store(request).stats()


@router.get("/api/needs/audit", response_model=list[AuditPublic])
def audit(
    request: Request, _user: AdminUser, limit: int = Query(200, ge=1, le=5000)
) -> list[AuditPublic]:
    return _store(request).audit_log(limit)


@router.get(
    "/api/needs/export",
    response_class=Response,
    responses={
        200: {
            "description": "CSV (semikolon, BOM) eller XLSX.",
            "content": {
                media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                for media in MEDIA_TYPES.values()
            },
        }
    },
)
def export(
    request: Request,
    _user: AnalystUser,
    format: Literal["csv", "xlsx"] = "csv",
    area: str | None = None,
    status_: Annotated[str | None, Query(alias="status")] = None,
    reason: str | None = None,
    since: Annotated[IsoDate | None, Query(alias="from")] = None,
    until: Annotated[IsoDate | None, Query(alias="to")] = None,
) -> Response:
    flt = _filter(area, status_, reason, since, until, None, "count", 10000)
    data = export_bytes(_store(request), format, flt)
    filename = f"kunskapsbehov-{dt.date.today().isoformat()}.{format}"
    return Response(
        data,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/api/needs/purge")
def purge(request: Request, user: AdminUser) -> dict[str, int]:
    return _store(request).purge(actor=user.name)


@router.post("/api/needs/regroup")
def regroup(request: Request, user: AdminUser) -> dict[str, int]:
    return _store(request).regroup(actor=user.name)


@router.post("/api/needs/merge", response_model=NeedDetail, responses=NOT_FOUND_OR_CONFLICT)
def merge(request: Request, body: MergeIn, user: AnalystUser) -> NeedDetail:
    try:
        return _store(request).merge(body.target_id, body.source_ids, actor=user.name)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.get("/api/needs/{need_id}", response_model=NeedDetail, responses=NOT_FOUND)
def get_need(request: Request, need_id: str, _user: AnalystUser) -> NeedDetail:
    try:
        return _store(request).get_need(need_id)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.get("/api/needs/{need_id}/similar", response_model=list[SimilarNeed], responses=NOT_FOUND)
def similar_needs(request: Request, need_id: str, _user: AnalystUser) -> list[SimilarNeed]:
    """Other open needs that may be this one in other words, most similar first: the
    grouping splits paraphrases that share few words, and the analyst merges them."""
    try:
        return _store(request).similar_needs(need_id)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.patch("/api/needs/{need_id}", response_model=NeedDetail, responses=NOT_FOUND_OR_CONFLICT)
def update_need(request: Request, need_id: str, body: NeedUpdate, user: AnalystUser) -> NeedDetail:
    try:
        return _store(request).update_need(
            need_id, body.model_dump(exclude_unset=True), actor=user.name
        )
    except NeedsError as exc:
        raise _errors(exc) from None


@router.post(
    "/api/needs/{need_id}/notes", response_model=NeedDetail, responses=NOT_FOUND_OR_CONFLICT
)
def add_note(request: Request, need_id: str, body: NoteIn, user: AnalystUser) -> NeedDetail:
    store = _store(request)
    try:
        store.add_note(need_id, body.text, actor=user.name)
        return store.get_need(need_id)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.post(
    "/api/needs/{need_id}/split", response_model=NeedDetail, responses=NOT_FOUND_OR_CONFLICT
)
def split(request: Request, need_id: str, body: SplitIn, user: AnalystUser) -> NeedDetail:
    try:
        return _store(request).split(need_id, body.question_ids, actor=user.name)
    except NeedsError as exc:
        raise _errors(exc) from None


__all__ = ["Principal", "router"]

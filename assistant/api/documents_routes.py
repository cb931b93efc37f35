"""Open a cited document: ``GET /api/sources/{doc_id}/file`` and ``.../text``.

``file`` serves the original file kept at ingest (``ingest/originals.py``); a citation of a
PDF links it with ``#page=N`` so the browser's own viewer opens at the quote's page.
``text`` is our own page for every other format (and JSONL documents, which have no file of
their own): the document's cleaned text, put together from its chunks, with the quoted
passage marked and scrolled into view (``#citat``, no script needed).

Opening a document sits behind the chat's login rules: with ``KUNSKAP_AUTH_CHAT_LOGIN`` on,
a reader needs the chat's session cookie, the SSO proxy's user header, or an analyst's login.

The file's name on disk is its sha256 read from our own index payload, never anything the
client sends, so no request can reach a file outside the originals folder. Managing the
sources is ``sources_routes.py``; the admin page ``admin_page_routes.py``.
"""

from __future__ import annotations

import html
import os
import re
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse

from assistant.api.ask_routes import QUESTION_RESPONSES, ServicesDep, require_index, unavailable
from assistant.auth import current_principal, looks_like_browser
from assistant.services import Services
from ingest import index_store
from ingest.originals import original_path
from kunskap.settings import Settings

router = APIRouter(prefix="/api/sources", tags=["källor"])

# Content type, and whether a browser may show it in place. HTML, Markdown and DOCX are
# downloaded, never shown: a stored HTML page rendered on our origin could run its scripts
# with the reader's session.
CONTENT_TYPES: dict[str, tuple[str, bool]] = {
    "pdf": ("application/pdf", True),
    "txt": ("text/plain; charset=utf-8", True),
    "md": ("text/markdown; charset=utf-8", False),
    "html": ("text/html; charset=utf-8", False),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
}

CHAT_COOKIE = "access_token"  # Chainlit's session cookie (CHAINLIT_AUTH_COOKIE_NAME)
MAX_DOCUMENT_CHUNKS = 20_000  # one document's chunks read for the text view

READER_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Chatten kräver inloggning (`KUNSKAP_AUTH_CHAT_LOGIN`)."},
    404: {"description": "Dokumentet, eller dess fil, finns inte."},
    **QUESTION_RESPONSES,
}


def _chat_token(request: Request) -> str | None:
    cookies = request.cookies
    if cookies.get(CHAT_COOKIE):
        return cookies[CHAT_COOKIE]
    # Chainlit splits a long token over access_token_0, access_token_1, ...
    parts = []
    for i in range(10):
        part = cookies.get(f"{CHAT_COOKIE}_{i}")
        if part is None:
            break
        parts.append(part)
    return "".join(parts) or None


def _valid_chat_session(settings: Settings, token: str) -> bool:
    import jwt  # PyJWT, which Chainlit signs its session with

    from assistant.chat.auth import chat_secret

    # The secret Chainlit itself reads (mount_chat sets it from chat_secret unless given).
    secret = os.environ.get("CHAINLIT_AUTH_SECRET") or chat_secret(settings)
    try:
        jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError:
        return False
    return True


def require_reader(request: Request) -> None:
    """The chat's login rules: open unless ``KUNSKAP_AUTH_CHAT_LOGIN`` is on."""
    settings: Settings = request.app.state.services.settings
    if not settings.auth.chat_login or settings.auth.mode == "none":
        return
    if settings.auth.mode == "sso_header":
        from assistant.chat.auth import sso_user

        if sso_user(settings, request.headers):
            return
    token = _chat_token(request)
    if token and _valid_chat_session(settings, token):
        return
    if current_principal(request) is not None:
        return
    raise HTTPException(
        401,
        "inloggning krävs: logga in i chatten först",
        # No Basic challenge to a browser (see assistant.auth._unauthorised).
        headers=None if looks_like_browser(request) else {"WWW-Authenticate": "Basic"},
    )


Reader = Annotated[None, Depends(require_reader)]


def first_chunk(services: Services, doc_id: str) -> dict[str, Any]:
    """The document's first chunk payload; 404 when the index does not hold it."""
    require_index(services)
    try:
        payload = index_store.chunk_at(
            services.index, services.settings.collection_name(), doc_id, 0
        )
    except index_store.IndexUnavailable as exc:
        raise unavailable(exc) from None
    if payload is None:
        raise HTTPException(404, "dokumentet finns inte")
    return payload


def content_disposition(kind: str, filename: str) -> str:
    """``inline``/``attachment`` with an ASCII name and the UTF-8 name (RFC 6266, 5987)."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "dokument"
    utf8 = urllib.parse.quote(filename, safe="")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8}"


@router.get(
    "/{doc_id:path}/file",
    summary="Källans originalfil",
    description="Filen som lästes in (PDF öppnas i webbläsaren; länka med `#page=N`). "
    "Kräver chattens inloggning när `KUNSKAP_AUTH_CHAT_LOGIN` är på.",
    response_class=FileResponse,
    responses={
        **READER_RESPONSES,
        200: {
            "description": "Filen.",
            "content": {ctype.split(";")[0]: {} for ctype, _ in CONTENT_TYPES.values()},
        },
    },
)
def source_file(doc_id: str, services: ServicesDep, _: Reader) -> FileResponse:
    payload = first_chunk(services, doc_id)
    fmt = str(payload.get("format") or "")
    path = original_path(
        Path(services.settings.data_dir), str(payload.get("file_sha256") or ""), fmt
    )
    if path is None or fmt not in CONTENT_TYPES or not path.is_file():
        raise HTTPException(404, "originalfilen finns inte; läs in källan igen (`kunskap ingest`)")
    media_type, inline = CONTENT_TYPES[fmt]
    name = PurePosixPath(str(payload.get("path") or f"{doc_id}.{fmt}")).name
    return FileResponse(
        path,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition("inline" if inline else "attachment", name)
        },
    )


def document_text(services: Services, doc_id: str) -> tuple[str, dict[str, Any]]:
    """The document's cleaned text, put back together from its chunks, and its first chunk.

    Chunks overlap and carry their offsets into the cleaned text, so each is written at its
    place; the blank lines between sections, which no chunk holds, become line breaks.
    """
    first = first_chunk(services, doc_id)
    where = index_store.Where(must=(index_store.Match("doc_id", doc_id),))
    chars: list[str] = []
    try:
        for record in services.index.scroll(
            services.settings.collection_name(),
            fields=["text", "start", "end"],
            where=where,
            limit=MAX_DOCUMENT_CHUNKS,
        ):
            text, start = record.payload.get("text") or "", record.payload.get("start")
            if not isinstance(start, int) or start < 0:
                continue
            if len(chars) < start + len(text):
                chars.extend("\n" * (start + len(text) - len(chars)))
            chars[start : start + len(text)] = text
    except index_store.IndexUnavailable as exc:
        raise unavailable(exc) from None
    return "".join(chars), first


_PAGE = """<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
  max-width: 48rem; padding: 1rem; line-height: 1.5; color: #1a1a1a; }}
.text {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
mark {{ background: #ffe58a; outline: 2px solid #b58900; scroll-margin-top: 30vh; }}
.meta {{ color: #555; }}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p class="meta">{meta}</p>
{jump}
</header>
<main class="text">{body}</main>
</body>
</html>
"""


@router.get(
    "/{doc_id:path}/text",
    summary="Källans text med citatet markerat",
    description="Dokumentets text (som den lästes in) med stället `start`–`end` markerat och "
    "i bild (`#citat`). Kräver chattens inloggning när `KUNSKAP_AUTH_CHAT_LOGIN` är på.",
    response_class=HTMLResponse,
    responses={**READER_RESPONSES, 200: {"content": {"text/html": {}}}},
)
def source_text(
    doc_id: str,
    services: ServicesDep,
    _: Reader,
    start: Annotated[int | None, Query(ge=0, le=100_000_000)] = None,
    end: Annotated[int | None, Query(ge=0, le=100_000_000)] = None,
) -> HTMLResponse:
    text, first = document_text(services, doc_id)
    title = str(first.get("title") or doc_id)
    meta = " · ".join(
        html.escape(str(part))
        for part in (first.get("publisher"), first.get("doc_type_label"), first.get("published"))
        if part
    )
    jump = ""
    if start is not None and end is not None and start < end <= len(text):
        body = (
            html.escape(text[:start])
            + f'<mark id="citat">{html.escape(text[start:end])}</mark>'
            + html.escape(text[end:])
        )
        jump = '<p><a href="#citat">Till det citerade stället</a></p>'
    else:
        body = html.escape(text)
    page = _PAGE.format(title=html.escape(title), meta=meta, jump=jump, body=body)
    return HTMLResponse(page, headers={"Referrer-Policy": "no-referrer"})

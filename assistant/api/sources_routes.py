"""Open a cited document (``GET /api/sources/{doc_id}/file`` and ``.../text``), and manage
the sources on the admin page (``/admin/kallor``: upload, edit, remove, re-ingest).

``file`` serves the original file kept at ingest (``ingest/originals.py``); a citation of a
PDF links it with ``#page=N`` so the browser's own viewer opens at the quote's page.
``text`` is our own page for every other format (and JSONL documents, which have no file of
their own): the document's cleaned text, put together from its chunks, with the quoted
passage marked and scrolled into view (``#citat``, no script needed).

Managing sources is for admins only, and every write needs ``X-Requested-With: kunskap``
(``assistant.auth``). Uploads are checked and stored by ``ingest.managed`` (a managed
manifest beside the user's own); the ingest itself runs in the server's background worker
(``ingest.worker``), one job at a time, on the server's own index handle.

Opening a document sits behind the chat's login rules: with ``KUNSKAP_AUTH_CHAT_LOGIN`` on,
a reader needs the chat's session cookie, the SSO proxy's user header, or an analyst's login.

The file's name on disk is its sha256 read from our own index payload, never anything the
client sends, so no request can reach a file outside the originals folder.
"""

from __future__ import annotations

import html
import os
import re
import threading
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.api.ask_routes import QUESTION_RESPONSES, ServicesDep, require_index, unavailable
from assistant.api.errors import unprocessable
from assistant.auth import AdminUser, current_principal, looks_like_browser
from assistant.input_types import CleanText, IsoDate
from assistant.retrieval import quote_path
from assistant.services import Services
from ingest import index_store
from ingest.managed import UploadError, add_upload, read_managed, remove_entry, update_entry
from ingest.manifest import AREAS, DOC_TYPES, ManifestError, SourceEntry
from ingest.originals import original_path
from ingest.worker import IngestJob, IngestWorker
from kunskap.limits import MAX_UPLOAD_BYTES
from kunskap.settings import Settings
from kunskap.text import web_url

# The manifest's vocabularies as types, so OpenAPI lists them (a test keeps them equal).
DocType = Literal[
    "lag",
    "kunskapsstod",
    "evidenssammanstallning",
    "faq",
    "fou_rapport",
    "minnesanteckningar",
    "nyhet",
    "ovrigt",
]
Area = Literal[
    "barn_och_unga",
    "vuxna_beroende",
    "funktionshinder",
    "socialpsykiatri",
    "aldre",
    "ekonomiskt_bistand",
    "vald_i_nara_relationer",
    "overgripande",
]

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


def _first_chunk(services: Services, doc_id: str) -> dict[str, Any]:
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
    payload = _first_chunk(services, doc_id)
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
    first = _first_chunk(services, doc_id)
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


# --- managing sources (admin) --------------------------------------------------------------

ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Inloggning krävs."},
    403: {"description": "Endast administratörer, och ändrande anrop kräver CSRF-huvudet."},
    429: {
        "description": "För många misslyckade inloggningar; vänta `Retry-After` sekunder.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
    **QUESTION_RESPONSES,
}
_WORKER_LOCK = threading.Lock()


def ingest_worker(request: Request) -> IngestWorker:
    """The app's one ingest worker, on the server's own index and embedding model."""
    state = request.app.state
    with _WORKER_LOCK:
        worker = getattr(state, "ingest_worker", None)
        if worker is None:
            services: Services = state.services

            def after(job: IngestJob) -> None:
                # New chunks bring new words: the vocabulary the judge reads is rebuilt.
                services.caches.vocabulary = None

            worker = IngestWorker(
                services.settings, services.index, services.embedding, on_done=after
            )
            state.ingest_worker = worker
    return worker  # type: ignore[no-any-return]  # app.state is untyped (Starlette)


WorkerDep = Annotated[IngestWorker, Depends(ingest_worker)]


class JobOut(BaseModel):
    id: int
    reason: str
    state: Literal["queued", "running", "done", "failed"]
    documents_done: int
    documents_total: int
    current: str | None
    chunks: int
    seconds_left: float | None = Field(description="Uppskattning utifrån takten hittills.")
    seconds: float | None
    summary: str | None = Field(description="Sammanfattning när jobbet är klart.")
    failures: list[str]
    error: str | None


class SourceStatus(BaseModel):
    doc_id: str
    source_id: str
    title: str
    origin: Literal["manifest", "uploaded"] = Field(
        description="manifest: står i corpus_manifest.yaml (ändras där); uploaded: tillagd "
        "på administrationssidan."
    )
    doc_type: str
    doc_type_label: str = ""
    publisher: str | None = None
    areas: list[str] = []
    published: str | None = None
    url: str | None = None
    license: str | None = None
    status: Literal["indexed", "pending", "failed"]
    chunks: int = 0
    last_ingested: str | None = None
    error: str | None = None
    file_url: str | None = None

    @field_validator("url", mode="before")
    @classmethod
    def _web_url_only(cls, value: object) -> str | None:
        return web_url(value) if isinstance(value, str) else None


class SourceChange(BaseModel):
    """New metadata for an uploaded source; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: CleanText | None = Field(None, min_length=1, max_length=300)
    doc_type: DocType | None = None
    publisher: CleanText | None = Field(None, min_length=1, max_length=200)
    areas: list[Area] | None = Field(None, min_length=1, max_length=len(AREAS))
    published: IsoDate | None = None
    url: CleanText | None = Field(None, max_length=2000)
    license: CleanText | None = Field(None, max_length=200)


class SourceJob(BaseModel):
    source: SourceStatus | None
    job: JobOut


class SourcesOverview(BaseModel):
    sources: list[SourceStatus]
    jobs: list[JobOut]
    max_upload_bytes: int = MAX_UPLOAD_BYTES


def _manifest(services: Services) -> Path:
    return Path(services.settings.manifest)


def _job_out(job: IngestJob) -> JobOut:
    return JobOut(**job.public())


def _failure_for(entry: SourceEntry, jobs: list[IngestJob]) -> str | None:
    for job in reversed(jobs):
        if job.state not in ("done", "failed"):
            continue
        for line in job.report.failures:
            if line.startswith(f"{entry.path}:"):
                return line.split(":", 1)[1].strip()
        if job.error:
            return job.error
        return None
    return None


def _status_of(
    payload: dict[str, Any] | None,
    entry: SourceEntry | None,
    origin: Literal["manifest", "uploaded"],
    worker: IngestWorker,
) -> SourceStatus:
    jobs = worker.jobs()
    if payload is not None:
        doc_id = str(payload["doc_id"])
        return SourceStatus(
            doc_id=doc_id,
            source_id=str(payload.get("source_id") or doc_id),
            title=str(payload.get("title") or doc_id),
            origin=origin,
            doc_type=str(payload.get("doc_type") or "ovrigt"),
            doc_type_label=DOC_TYPES.get(str(payload.get("doc_type")), ""),
            publisher=payload.get("publisher"),
            areas=list(payload.get("areas") or []),
            published=payload.get("published"),
            url=payload.get("url"),
            license=payload.get("license"),
            status="indexed",
            chunks=int(payload.get("n_chunks") or 0),
            last_ingested=payload.get("ingested_at"),
            error=_failure_for(entry, jobs) if entry is not None else None,
            file_url=f"/api/sources/{quote_path(doc_id)}/"
            + ("file" if payload.get("file_sha256") else "text"),
        )
    assert entry is not None
    busy = any(j.state in ("queued", "running") for j in jobs)
    error = _failure_for(entry, jobs)
    return SourceStatus(
        doc_id=entry.id,
        source_id=entry.id,
        title=entry.title,
        origin=origin,
        doc_type=entry.doc_type,
        doc_type_label=DOC_TYPES[entry.doc_type],
        publisher=entry.publisher,
        areas=list(entry.areas),
        published=entry.published.isoformat() if entry.published else None,
        url=entry.url,
        license=entry.license,
        status="pending" if busy or error is None else "failed",
        error=None if busy else error,
    )


def _first_chunks(services: Services) -> dict[str, dict[str, Any]]:
    require_index(services)
    collection = services.settings.collection_name()
    try:
        if not index_store.collection_exists(services.index, collection):
            return {}
        return {
            p["doc_id"]: p
            for p in index_store.scroll_payloads(
                services.index, collection, where=index_store.first_chunks_filter()
            )
        }
    except index_store.IndexUnavailable as exc:
        raise unavailable(exc) from None


def _managed(services: Services) -> dict[str, SourceEntry]:
    try:
        return {e.id: e for e in read_managed(_manifest(services))}
    except ManifestError as exc:
        raise HTTPException(503, f"den hanterade källförteckningen kan inte läsas: {exc}") from None


@router.get(
    "/jobs",
    response_model=SourcesOverview,
    summary="Alla källor med status, och inläsningsjobben",
    responses=ADMIN_RESPONSES,
)
def overview(services: ServicesDep, worker: WorkerDep, _: AdminUser) -> SourcesOverview:
    firsts = _first_chunks(services)
    managed = _managed(services)
    sources = []
    for payload in firsts.values():
        entry = managed.get(str(payload.get("source_id")))
        sources.append(_status_of(payload, entry, "uploaded" if entry else "manifest", worker))
    indexed_sources = {str(p.get("source_id")) for p in firsts.values()}
    for entry in managed.values():
        if entry.id not in indexed_sources:
            sources.append(_status_of(None, entry, "uploaded", worker))
    sources.sort(key=lambda s: (s.origin != "uploaded", s.title.lower()))
    return SourcesOverview(sources=sources, jobs=[_job_out(j) for j in worker.jobs()])


@router.post(
    "",
    status_code=202,
    response_model=SourceJob,
    summary="Ladda upp en källa",
    description="En PDF-, DOCX-, HTML-, text- eller Markdown-fil med uppgifter om källan. "
    f"Högst {MAX_UPLOAD_BYTES // 1_000_000} MB. Filen prövas innan något sparas; sedan läses "
    "den in i bakgrunden (se `GET /api/sources/jobs`). Kräver `X-Requested-With: kunskap`.",
    responses={
        **ADMIN_RESPONSES,
        413: {"description": f"Filen är större än {MAX_UPLOAD_BYTES // 1_000_000} MB."},
    },
)
def upload_source(
    services: ServicesDep,
    worker: WorkerDep,
    _: AdminUser,
    file: Annotated[UploadFile, File(description="Källans fil.")],
    title: Annotated[CleanText, Form(min_length=1, max_length=300)],
    doc_type: Annotated[DocType, Form()],
    publisher: Annotated[CleanText, Form(min_length=1, max_length=200)],
    areas: Annotated[list[Area], Form(min_length=1, max_length=len(AREAS))],
    published: Annotated[IsoDate | None, Form()] = None,
    url: Annotated[CleanText | None, Form(max_length=2000)] = None,
    license: Annotated[CleanText | None, Form(max_length=200)] = None,
) -> SourceJob:
    require_index(services)
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    fields: dict[str, Any] = {
        "title": title,
        "doc_type": doc_type,
        "publisher": publisher,
        "areas": list(dict.fromkeys(areas)),
        "published": published,
        "url": url or None,
        "license": license or None,
    }
    _check_url(url)
    try:
        entry = add_upload(_manifest(services), fields, file.filename or "", data)
    except UploadError as exc:
        raise unprocessable(["body", "file"], str(exc), "upload") from None
    job = worker.submit(f"Uppladdad: {entry.title}")
    return SourceJob(source=_status_of(None, entry, "uploaded", worker), job=_job_out(job))


def _check_url(url: str | None) -> None:
    if url and web_url(url) != url:
        raise unprocessable(
            ["body", "url"], "Adressen måste börja med http:// eller https://.", "url_scheme"
        )


@router.post(
    "/ingest",
    status_code=202,
    response_model=SourceJob,
    summary="Läs in alla källor igen",
    description="Som `kunskap ingest`, i serverns egen bakgrundsprocess (oförändrade dokument "
    "hoppas över). Kräver `X-Requested-With: kunskap`.",
    responses=ADMIN_RESPONSES,
)
def reingest(services: ServicesDep, worker: WorkerDep, _: AdminUser) -> SourceJob:
    require_index(services)
    return SourceJob(source=None, job=_job_out(worker.submit("Läs in alla källor igen")))


def _uploaded_or_refuse(services: Services, doc_id: str) -> SourceEntry:
    entry = _managed(services).get(doc_id)
    if entry is not None:
        return entry
    _first_chunk(services, doc_id)  # 404 when the index does not hold it either
    raise HTTPException(
        409,
        f"källan står i {_manifest(services).name}: ändra eller ta bort den där och kör "
        "sedan `kunskap ingest` (eller Läs in igen på /admin/kallor)",
    )


@router.get(
    "/{doc_id:path}",
    response_model=SourceStatus,
    summary="En källas status",
    responses={**ADMIN_RESPONSES, 404: {"description": "Källan finns inte."}},
)
def source_status(
    doc_id: str, services: ServicesDep, worker: WorkerDep, _: AdminUser
) -> SourceStatus:
    require_index(services)
    managed = _managed(services)
    collection = services.settings.collection_name()
    try:
        payload = (
            index_store.chunk_at(services.index, collection, doc_id, 0)
            if index_store.collection_exists(services.index, collection)
            else None
        )
    except index_store.IndexUnavailable as exc:
        raise unavailable(exc) from None
    entry = managed.get(str(payload.get("source_id")) if payload else doc_id)
    if payload is None and entry is None:
        raise HTTPException(404, "källan finns inte")
    return _status_of(payload, entry, "uploaded" if entry else "manifest", worker)


@router.patch(
    "/{doc_id:path}",
    status_code=202,
    response_model=SourceJob,
    summary="Ändra en uppladdad källas uppgifter",
    description="Bara källor som laddats upp här; källor i corpus_manifest.yaml ändras där "
    "(409). Källan läses in igen i bakgrunden. Kräver `X-Requested-With: kunskap`.",
    responses={
        **ADMIN_RESPONSES,
        404: {"description": "Källan finns inte."},
        409: {"description": "Källan står i användarens egen källförteckning."},
    },
)
def change_source(
    doc_id: str, body: SourceChange, services: ServicesDep, worker: WorkerDep, _: AdminUser
) -> SourceJob:
    require_index(services)
    entry = _uploaded_or_refuse(services, doc_id)
    changes = body.model_dump(exclude_unset=True)
    _check_url(changes.get("url"))
    try:
        updated = update_entry(_manifest(services), entry.id, changes)
    except ValidationError:
        raise unprocessable(["body"], "Uppgifterna om källan är ogiltiga.", "source") from None
    job = worker.submit(f"Ändrad: {updated.title}")
    return SourceJob(source=_status_of(None, updated, "uploaded", worker), job=_job_out(job))


@router.delete(
    "/{doc_id:path}",
    status_code=202,
    response_model=SourceJob,
    summary="Ta bort en uppladdad källa",
    description="Filen och posten tas bort genast; källans punkter i indexet tas bort av ett "
    "jobb i bakgrunden. Källor i corpus_manifest.yaml tas bort där (409). Kräver "
    "`X-Requested-With: kunskap`.",
    responses={
        **ADMIN_RESPONSES,
        404: {"description": "Källan finns inte."},
        409: {"description": "Källan står i användarens egen källförteckning."},
    },
)
def remove_source(doc_id: str, services: ServicesDep, worker: WorkerDep, _: AdminUser) -> SourceJob:
    require_index(services)
    entry = _uploaded_or_refuse(services, doc_id)
    remove_entry(_manifest(services), entry.id)
    collection = services.settings.collection_name()

    def delete_points() -> None:
        index_store.delete_document(services.index, collection, entry.id)

    job = worker.submit(f"Borttagen: {entry.title}", before=delete_points)
    return SourceJob(source=None, job=_job_out(job))


# --- the admin page ------------------------------------------------------------------------

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

"""Manage the sources (admin only): ``/api/sources`` upload, status, edit, remove, re-ingest.

Every write needs ``X-Requested-With: kunskap`` (``assistant.auth``). Uploads are checked
and stored by ``ingest.managed`` (a managed manifest beside the user's own); the ingest
itself runs in the server's background worker (``ingest.worker``), one job at a time, on the
server's own index handle. Opening a cited document is ``documents_routes.py``; the page
that uses this API is ``admin_page_routes.py``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.api.ask_routes import QUESTION_RESPONSES, ServicesDep, require_index, unavailable
from assistant.api.documents_routes import first_chunk
from assistant.api.errors import unprocessable
from assistant.auth import AdminUser
from assistant.input_types import CleanText, IsoDate
from assistant.retrieval import quote_path
from assistant.services import Services
from ingest import index_store
from ingest.managed import (
    UploadError,
    add_upload,
    load_manifests,
    read_managed,
    remove_entry,
    update_entry,
)
from ingest.manifest import AREAS, DOC_TYPES, ManifestError, SourceEntry
from ingest.pipeline import ProgressCallback
from ingest.sync import SYNC_REASON, SyncScheduler, last_sync, sync_web
from ingest.web_sources import PageState, WebState, page_doc_ids
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
    return worker_for(request.app)


def worker_for(app: Any) -> IngestWorker:
    state = app.state
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


def sync_pending(worker: IngestWorker) -> bool:
    return any(j.reason == SYNC_REASON and j.state in ("queued", "running") for j in worker.jobs())


def submit_sync(worker: IngestWorker) -> IngestJob:
    """A web sync as a job of the worker: fetched, then ingested on the server's own index."""

    def task(job: IngestJob, progress: ProgressCallback) -> str:
        report = sync_web(
            worker.settings,
            index=worker.index,
            embedding=worker.embedding,
            progress=progress,
            report=job.report,
        )
        job.task_ok = report.error is None and (report.ingest is None or report.ingest.ok)
        return report.summary()

    return worker.submit(SYNC_REASON, task=task)


def start_sync_schedule(app: Any) -> SyncScheduler | None:
    """The server's interval (``sources.sync_interval_hours``): a sync job when one is due."""
    settings: Settings = app.state.services.settings
    if settings.sources.sync_interval_hours <= 0:
        return None
    worker = worker_for(app)
    scheduler = SyncScheduler(settings, lambda: submit_sync(worker), lambda: sync_pending(worker))
    scheduler.start()
    return scheduler


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


class WebPageOut(BaseModel):
    url: str
    status: Literal["ok", "failed", "vanished", "refused", "pending"] = Field(
        description="ok; failed: senaste hämtningen misslyckades; vanished: försvunnen; "
        "refused: robots.txt tillåter inte hämtning; pending: inte hämtad än."
    )
    reason: str | None = None
    since: str | None = Field(None, description="Sedan när sidan inte går att hämta.")
    last_fetched: str | None = None
    last_checked: str | None = None


class SyncOut(BaseModel):
    started_at: str
    seconds: float
    summary: str
    unchanged: int
    updated: int
    failed: int
    vanished: int
    problems: list[dict[str, Any]]
    ingest_failures: list[str]


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
    status: Literal["indexed", "pending", "failed", "vanished"] = Field(
        description="vanished: en webbsida som inte finns längre (404/410) eller inte svarat "
        "flera synkroniseringar i rad; dess delar ligger kvar tills den tas bort ur manifestet."
    )
    chunks: int = 0
    last_ingested: str | None = None
    error: str | None = None
    file_url: str | None = None
    page: WebPageOut | None = Field(None, description="För en webbsida: hur den hämtades.")

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
    last_sync: SyncOut | None = Field(None, description="Den senaste hämtningen av webbkällorna.")
    sync_interval_hours: float = Field(
        0, description="Hur ofta servern hämtar webbkällorna (0: bara på begäran)."
    )


def _manifest(services: Services) -> Path:
    return Path(services.settings.manifest)


def _job_out(job: IngestJob) -> JobOut:
    return JobOut(**job.public())


def _failure_for(
    entry: SourceEntry, jobs: list[IngestJob], page: WebPageOut | None = None
) -> str | None:
    # A web page's lines name its address; a file source's its path.
    names = [page.url] if page else [entry.path] if entry.path else entry.pages
    for job in reversed(jobs):
        if job.state not in ("done", "failed"):
            continue
        for line in job.report.failures:
            for name in names:
                if line.startswith(f"{name}: "):
                    return line.removeprefix(f"{name}: ").strip()
        if job.error:
            return job.error
        return None
    return None


def _page_out(page: PageState | None, url: str) -> WebPageOut:
    if page is None:
        return WebPageOut(url=url, status="pending")
    return WebPageOut(**page.public())


def _status_of(
    payload: dict[str, Any] | None,
    entry: SourceEntry | None,
    origin: Literal["manifest", "uploaded"],
    worker: IngestWorker,
    page: WebPageOut | None = None,
) -> SourceStatus:
    jobs = worker.jobs()
    if payload is not None:
        doc_id = str(payload["doc_id"])
        error = _failure_for(entry, jobs, page) if entry is not None else None
        vanished = page is not None and page.status == "vanished"
        if page is not None and page.status != "ok":
            error = page.reason
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
            status="vanished" if vanished else "indexed",
            chunks=int(payload.get("n_chunks") or 0),
            last_ingested=payload.get("ingested_at"),
            error=error,
            file_url=f"/api/sources/{quote_path(doc_id)}/"
            + ("file" if payload.get("file_sha256") else "text"),
            page=page,
        )
    assert entry is not None
    busy = any(j.state in ("queued", "running") for j in jobs)
    error = _failure_for(entry, jobs)
    if page is not None:  # a web page not in the index (never fetched, or failing)
        return SourceStatus(
            doc_id=page_doc_ids(entry).get(page.url, entry.id),
            source_id=entry.id,
            title=entry.title,
            origin=origin,
            doc_type=entry.doc_type,
            doc_type_label=DOC_TYPES[entry.doc_type],
            publisher=entry.publisher,
            areas=list(entry.areas),
            url=page.url,
            license=entry.license,
            status="vanished"
            if page.status == "vanished"
            else "failed"
            if page.status in ("failed", "refused")
            else "pending",
            error=page.reason,
            page=page,
        )
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


def _web_pages(services: Services) -> dict[str, tuple[SourceEntry, WebPageOut]]:
    """Every web page of the manifests by document id, with how it was last fetched."""
    try:
        entries = load_manifests(_manifest(services)).sources
    except ManifestError:
        return {}  # the ingest jobs report a broken manifest
    states = WebState(Path(services.settings.data_dir)).all()
    return {
        doc_id: (entry, _page_out(states.get(url), url))
        for entry in entries
        if entry.is_web
        for url, doc_id in page_doc_ids(entry).items()
    }


@router.get(
    "/jobs",
    response_model=SourcesOverview,
    summary="Alla källor med status, och inläsningsjobben",
    responses=ADMIN_RESPONSES,
)
def overview(services: ServicesDep, worker: WorkerDep, _: AdminUser) -> SourcesOverview:
    firsts = _first_chunks(services)
    managed = _managed(services)
    web = _web_pages(services)
    sources = []
    for payload in firsts.values():
        entry = managed.get(str(payload.get("source_id")))
        page = web.get(str(payload["doc_id"]), (None, None))[1]
        sources.append(
            _status_of(payload, entry, "uploaded" if entry else "manifest", worker, page)
        )
    indexed_sources = {str(p.get("source_id")) for p in firsts.values()}
    for entry in managed.values():
        if entry.id not in indexed_sources:
            sources.append(_status_of(None, entry, "uploaded", worker))
    for doc_id, (entry, page) in web.items():
        if doc_id not in firsts:
            sources.append(_status_of(None, entry, "manifest", worker, page))
    sources.sort(key=lambda s: (s.origin != "uploaded", s.title.lower()))
    synced = last_sync(Path(services.settings.data_dir))
    return SourcesOverview(
        sources=sources,
        jobs=[_job_out(j) for j in worker.jobs()],
        last_sync=SyncOut(**synced) if synced else None,
        sync_interval_hours=services.settings.sources.sync_interval_hours,
    )


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


@router.post(
    "/sync",
    status_code=202,
    response_model=SourceJob,
    summary="Hämta webbkällorna nu",
    description="Som `kunskap sync`, i serverns egen bakgrundsprocess: varje webbsida i "
    "manifesten hämtas om den ändrats (ETag, Last-Modified, innehållets hash) och bara de "
    "ändrade läses in. Resultatet (oförändrade, uppdaterade, misslyckade, försvunna) står i "
    "`last_sync` i `GET /api/sources/jobs`. En hämtning som redan väntar läggs inte till igen. "
    "Kräver `X-Requested-With: kunskap`.",
    responses=ADMIN_RESPONSES,
)
def sync_now(services: ServicesDep, worker: WorkerDep, _: AdminUser) -> SourceJob:
    require_index(services)
    waiting = next(
        (j for j in worker.jobs() if j.reason == SYNC_REASON and j.state in ("queued", "running")),
        None,
    )
    return SourceJob(source=None, job=_job_out(waiting or submit_sync(worker)))


def _uploaded_or_refuse(services: Services, doc_id: str) -> SourceEntry:
    entry = _managed(services).get(doc_id)
    if entry is not None:
        return entry
    first_chunk(services, doc_id)  # 404 when the index does not hold it either
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
    web_entry, page = _web_pages(services).get(doc_id, (None, None))
    if payload is None and entry is None and web_entry is None:
        raise HTTPException(404, "källan finns inte")
    if payload is None and web_entry is not None:
        return _status_of(None, web_entry, "manifest", worker, page)
    return _status_of(payload, entry, "uploaded" if entry else "manifest", worker, page)


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

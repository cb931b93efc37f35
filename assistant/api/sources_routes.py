"""Manage the sources (admin only): ``/api/sources`` upload, status, edit, remove, re-ingest.

Every write needs ``X-Requested-With: kunskap`` (``assistant.auth``). Uploads are checked
and stored by ``ingest.managed`` (a managed manifest beside the user's own); the ingest
itself runs in the server's background worker (``source_worker.py``, over
``ingest.worker``), one job at a time, on the server's own index handle. The models are in
``source_models.py``, how a source's status is read in ``source_status.py``. Opening a
cited document is ``documents_routes.py``; the page that uses this API is
``admin_page_routes.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from pydantic import ValidationError

from assistant.api.ask_routes import QUESTION_RESPONSES, ServicesDep, require_index, unavailable
from assistant.api.documents_routes import first_chunk
from assistant.api.errors import unprocessable
from assistant.api.source_models import (
    Area,
    DocType,
    SourceChange,
    SourceJob,
    SourcesOverview,
    SourceStatus,
    SyncOut,
)
from assistant.api.source_status import (
    first_chunks,
    job_out,
    managed_entries,
    manifest_path,
    status_of,
    web_pages,
)
from assistant.api.source_worker import WorkerDep, submit_sync
from assistant.auth import AdminUser
from assistant.input_types import CleanText, IsoDate
from assistant.services import Services
from ingest import index_store
from ingest.managed import UploadError, add_upload, remove_entry, update_entry
from ingest.manifest import AREAS, SourceEntry
from ingest.sync import SYNC_REASON, last_sync
from kunskap.limits import MAX_UPLOAD_BYTES
from kunskap.text import web_url

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


@router.get(
    "/jobs",
    response_model=SourcesOverview,
    summary="Alla källor med status, och inläsningsjobben",
    responses=ADMIN_RESPONSES,
)
def overview(services: ServicesDep, worker: WorkerDep, _: AdminUser) -> SourcesOverview:
    firsts = first_chunks(services)
    managed = managed_entries(services)
    web = web_pages(services)
    sources = []
    for payload in firsts.values():
        entry = managed.get(str(payload.get("source_id")))
        page = web.get(str(payload["doc_id"]), (None, None))[1]
        sources.append(status_of(payload, entry, "uploaded" if entry else "manifest", worker, page))
    indexed_sources = {str(p.get("source_id")) for p in firsts.values()}
    for entry in managed.values():
        if entry.id not in indexed_sources:
            sources.append(status_of(None, entry, "uploaded", worker))
    for doc_id, (entry, page) in web.items():
        if doc_id not in firsts:
            sources.append(status_of(None, entry, "manifest", worker, page))
    sources.sort(key=lambda s: (s.origin != "uploaded", s.title.lower()))
    synced = last_sync(Path(services.settings.data_dir))
    return SourcesOverview(
        sources=sources,
        jobs=[job_out(j) for j in worker.jobs()],
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
        entry = add_upload(manifest_path(services), fields, file.filename or "", data)
    except UploadError as exc:
        raise unprocessable(["body", "file"], str(exc), "upload") from None
    job = worker.submit(f"Uppladdad: {entry.title}")
    return SourceJob(source=status_of(None, entry, "uploaded", worker), job=job_out(job))


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
    return SourceJob(source=None, job=job_out(worker.submit("Läs in alla källor igen")))


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
    return SourceJob(source=None, job=job_out(waiting or submit_sync(worker)))


def _uploaded_or_refuse(services: Services, doc_id: str) -> SourceEntry:
    entry = managed_entries(services).get(doc_id)
    if entry is not None:
        return entry
    first_chunk(services, doc_id)  # 404 when the index does not hold it either
    raise HTTPException(
        409,
        f"källan står i {manifest_path(services).name}: ändra eller ta bort den där och kör "
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
    managed = managed_entries(services)
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
    web_entry, page = web_pages(services).get(doc_id, (None, None))
    if payload is None and entry is None and web_entry is None:
        raise HTTPException(404, "källan finns inte")
    if payload is None and web_entry is not None:
        return status_of(None, web_entry, "manifest", worker, page)
    return status_of(payload, entry, "uploaded" if entry else "manifest", worker, page)


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
        updated = update_entry(manifest_path(services), entry.id, changes)
    except ValidationError:
        raise unprocessable(["body"], "Uppgifterna om källan är ogiltiga.", "source") from None
    job = worker.submit(f"Ändrad: {updated.title}")
    return SourceJob(source=status_of(None, updated, "uploaded", worker), job=job_out(job))


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
    remove_entry(manifest_path(services), entry.id)
    collection = services.settings.collection_name()

    def delete_points() -> None:
        index_store.delete_document(services.index, collection, entry.id)

    job = worker.submit(f"Borttagen: {entry.title}", before=delete_points)
    return SourceJob(source=None, job=job_out(job))

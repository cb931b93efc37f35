"""A source's status as the admin page shows it: indexed, pending, failed or vanished.

Three places hold what is known of a source: the index (its first chunk's payload), the
manifests (the user's own and the managed one of uploads) and, for a web page, the fetch
state (``ingest.web_sources``); the worker's jobs say whether it is still being read and
why the last attempt failed. ``status_of`` joins them for one source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from fastapi import HTTPException

from assistant.api.ask_routes import require_index, unavailable
from assistant.api.source_models import JobOut, SourceStatus, WebPageOut
from assistant.retrieval import quote_path
from assistant.services import Services
from ingest import index_store
from ingest.managed import load_manifests, read_managed
from ingest.manifest import DOC_TYPES, ManifestError, SourceEntry
from ingest.web_sources import PageState, WebState, page_doc_ids
from ingest.worker import IngestJob, IngestWorker


def manifest_path(services: Services) -> Path:
    return Path(services.settings.manifest)


def job_out(job: IngestJob) -> JobOut:
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


def status_of(
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
    # What the manifest says of a source the index does not hold (yet).
    listed: dict[str, Any] = {
        "source_id": entry.id,
        "title": entry.title,
        "origin": origin,
        "doc_type": entry.doc_type,
        "doc_type_label": DOC_TYPES[entry.doc_type],
        "publisher": entry.publisher,
        "areas": list(entry.areas),
        "license": entry.license,
    }
    if page is not None:  # a web page not in the index (never fetched, or failing)
        return SourceStatus(
            doc_id=page_doc_ids(entry).get(page.url, entry.id),
            url=page.url,
            status="vanished"
            if page.status == "vanished"
            else "failed"
            if page.status in ("failed", "refused")
            else "pending",
            error=page.reason,
            page=page,
            **listed,
        )
    busy = any(j.state in ("queued", "running") for j in jobs)
    error = _failure_for(entry, jobs)
    return SourceStatus(
        doc_id=entry.id,
        published=entry.published.isoformat() if entry.published else None,
        url=entry.url,
        status="pending" if busy or error is None else "failed",
        error=None if busy else error,
        **listed,
    )


def first_chunks(services: Services) -> dict[str, dict[str, Any]]:
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


def managed_entries(services: Services) -> dict[str, SourceEntry]:
    try:
        return {e.id: e for e in read_managed(manifest_path(services))}
    except ManifestError as exc:
        raise HTTPException(503, f"den hanterade källförteckningen kan inte läsas: {exc}") from None


def web_pages(services: Services) -> dict[str, tuple[SourceEntry, WebPageOut]]:
    """Every web page of the manifests by document id, with how it was last fetched."""
    try:
        entries = load_manifests(manifest_path(services)).sources
    except ManifestError:
        return {}  # the ingest jobs report a broken manifest
    states = WebState(Path(services.settings.data_dir)).all()
    return {
        doc_id: (entry, _page_out(states.get(url), url))
        for entry in entries
        if entry.is_web
        for url, doc_id in page_doc_ids(entry).items()
    }

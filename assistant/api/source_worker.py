"""The server's one ingest worker, and web syncs as its jobs (manual or on an interval).

Uploads, edits, removals, re-ingests and web syncs all run in this one background worker
(``ingest.worker``), one job at a time, on the server's own index handle and embedding
model, so that nothing writes the index twice at once. The routes that submit jobs are in
``sources_routes.py``.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import Depends, Request

from assistant.sentence_vectors import precompute
from assistant.services import Services
from ingest.pipeline import ProgressCallback
from ingest.sync import SYNC_REASON, SyncScheduler, sync_web
from ingest.worker import IngestJob, IngestWorker
from kunskap.settings import Settings

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
                # And new sentences: their vectors are computed now, not by the first
                # English question that finds them (assistant/sentence_vectors.py).
                precompute(services.settings, services.embedding, services.index)

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

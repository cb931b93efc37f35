"""The server's own ingest worker: one job at a time, on the server's index handle.

The embedded index (Qdrant Edge) admits one writing process, and the server holds it; so
uploads, edits and removals on the admin page are ingested here, in a background thread of
the server, never by a second process. Jobs queue and run one after another; each keeps
its progress (documents done of all, chunks written, an estimate of the seconds left) and
ends with the run's summary, which the admin page shows. A web sync (``ingest/sync.py``)
is a job too (``task``), so it never writes the index beside another job.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from llama_index.core.base.embeddings.base import BaseEmbedding

from kunskap.settings import Settings

from . import index_store
from .pipeline import IngestReport, ProgressCallback, run_ingest

log = logging.getLogger(__name__)

JobState = Literal["queued", "running", "done", "failed"]


@dataclass
class IngestJob:
    id: int
    reason: str  # what the admin did, in Swedish ("Uppladdad: Handbok")
    state: JobState = "queued"
    documents_done: int = 0
    documents_total: int = 0
    current: str | None = None
    started: float | None = None
    finished: float | None = None
    report: IngestReport = field(default_factory=IngestReport)
    error: str | None = None
    # Work done before the ingest run itself (removing a source's points), under the lock.
    before: Callable[[], None] | None = None
    # Run instead of a whole ingest (a web sync); returns the summary line to show.
    task: Callable[[IngestJob, ProgressCallback], str] | None = None
    task_summary: str | None = None
    task_ok: bool = True

    def seconds_left(self) -> float | None:
        """From the pace so far; None until one document is done."""
        if self.state != "running" or not self.started or self.documents_done < 1:
            return None
        pace = (time.monotonic() - self.started) / self.documents_done
        return round(pace * max(self.documents_total - self.documents_done, 0), 1)

    def public(self) -> dict[str, Any]:
        r = self.report
        return {
            "id": self.id,
            "reason": self.reason,
            "state": self.state,
            "documents_done": self.documents_done,
            "documents_total": self.documents_total,
            "current": self.current,
            "chunks": r.chunks,
            "seconds_left": self.seconds_left(),
            "seconds": round((self.finished or time.monotonic()) - self.started, 1)
            if self.started
            else None,
            "summary": (self.task_summary or summary(r))
            if self.state in ("done", "failed")
            else None,
            "failures": list(r.failures[:20]),
            "error": self.error,
        }


def summary(report: IngestReport) -> str:
    """One Swedish line for the admin page, as `kunskap ingest` summarises a run."""
    return (
        f"{report.documents} dokument: {report.new} nya, {report.updated} ändrade, "
        f"{report.unchanged} oförändrade, {report.removed} borttagna, {report.failed} fel; "
        f"{report.chunks} chunkar skrivna, {report.points_total} i indexet "
        f"({report.seconds:.0f} s)."
    )


class IngestWorker:
    """A daemon thread running queued ingest jobs against the server's own index."""

    def __init__(
        self,
        settings: Settings,
        index: index_store.VectorIndex,
        embedding: BaseEmbedding,
        *,
        on_done: Callable[[IngestJob], None] | None = None,
        history: int = 20,
    ) -> None:
        self.settings = settings
        self.index = index
        self.embedding = embedding
        self.on_done = on_done
        self._queue: queue.Queue[IngestJob | None] = queue.Queue()
        self._ids = itertools.count(1)
        self._jobs: list[IngestJob] = []
        self._history = history
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(
        self,
        reason: str,
        before: Callable[[], None] | None = None,
        task: Callable[[IngestJob, ProgressCallback], str] | None = None,
    ) -> IngestJob:
        job = IngestJob(next(self._ids), reason, before=before, task=task)
        with self._lock:
            self._jobs.append(job)
            del self._jobs[: -self._history]
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="kunskap-ingest", daemon=True
                )
                self._thread.start()
        self._queue.put(job)
        return job

    def jobs(self) -> list[IngestJob]:
        with self._lock:
            return list(self._jobs)

    def busy(self) -> bool:
        return any(j.state in ("queued", "running") for j in self.jobs())

    def wait(self, timeout: float = 600) -> bool:
        """Until no job is queued or running (tests, shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        while self.busy():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self) -> None:
        self._queue.put(None)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            self._execute(job)

    def _execute(self, job: IngestJob) -> None:
        job.state = "running"
        job.started = time.monotonic()

        def progress(doc_id: str, done: int, total: int) -> None:
            job.current, job.documents_done, job.documents_total = doc_id, done - 1, total

        try:
            if job.before is not None:
                job.before()
            if job.task is not None:
                job.task_summary = job.task(job, progress)
            else:
                run_ingest(
                    self.settings,
                    index=self.index,
                    embedding=self.embedding,
                    progress=progress,
                    report=job.report,
                )
            job.documents_done = job.documents_total = job.report.documents
            job.state = "done" if job.report.ok and job.task_ok else "failed"
        except Exception as exc:  # the worker must survive any one job
            log.exception("ingest job %s failed", job.id)
            job.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            job.state = "failed"
        finally:
            job.current = None
            job.finished = time.monotonic()
            if self.on_done is not None:
                try:
                    self.on_done(job)
                except Exception:
                    log.exception("after ingest job %s", job.id)

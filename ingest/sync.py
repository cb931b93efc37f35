"""Keep web sources fresh: `kunskap sync`, and the server's interval (issue 19 §4).

One sync fetches every page of every web source in the manifests (the user's and the
managed one) with ``ingest/web.py``, conditionally (ETag, Last-Modified) and compared by the
sha256 of the body; keeps each new body under the data dir (``ingest/web_sources.py``); and
then ingests only the sources whose pages changed (``run_ingest(only=...)``), where the
pipeline's own document hash skips every page whose text is unchanged. Nothing is embedded
when nothing changed: no ingest runs at all.

Each page ends as one of four outcomes, which `kunskap sync`, the admin API and
``/admin/kallor`` report:

- ``unchanged``: 304, or a body with the same hash;
- ``updated``: a new or changed body (re-ingested);
- ``failed``: no answer, another status, robots.txt forbids it (never requested), or an
  unreadable content type; the last copy stays;
- ``vanished``: 404 or 410, or failed ``sources.vanish_after_failures`` syncs in a row; the
  chunks stay until an admin removes the page from the manifest; reported with since when.

Pages are fetched by a few threads, but ``WebFetcher`` lets one request at a time go to a
host, so a site sees one request after another. A page the last ingest did not take in
(the index was locked, the run failed) is ingested again by the next sync, even when the
server answers 304.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from llama_index.core.base.embeddings.base import BaseEmbedding

from kunskap.limits import MAX_UPLOAD_BYTES
from kunskap.settings import Settings

from . import index_store
from .managed import load_manifests
from .manifest import ManifestError, SourceEntry
from .pipeline import IngestReport, ProgressCallback, run_ingest
from .web import FetchResult, WebFetcher
from .web_sources import (
    PageState,
    WebState,
    format_for_content_type,
    now_iso,
    page_doc_ids,
    page_file,
    store_page,
)

log = logging.getLogger(__name__)

Outcome = Literal["unchanged", "updated", "failed", "vanished"]
OUTCOMES: tuple[Outcome, ...] = ("unchanged", "updated", "failed", "vanished")
OUTCOME_LABELS: dict[str, str] = {
    "unchanged": "oförändrade",
    "updated": "uppdaterade",
    "failed": "misslyckade",
    "vanished": "försvunna",
}
SYNC_REASON = "Hämta webbkällorna"  # the worker job's reason (admin page)
LAST_SYNC_KEY = "last_sync"
FETCH_THREADS = 4  # across hosts; one request at a time per host all the same


@dataclass(frozen=True)
class PageOutcome:
    url: str
    source_id: str
    doc_id: str
    outcome: Outcome
    reason: str | None = None  # Swedish
    since: str | None = None  # ISO time, for vanished and failing pages

    def line(self) -> str:
        head = f"{self.url} ({self.doc_id})"
        if self.outcome == "vanished":
            return (
                f"FÖRSVUNNEN {head}: {self.reason}, sedan {self.since}. Delarna ligger kvar "
                "tills en administratör tar bort sidan ur manifestet."
            )
        if self.outcome == "failed":
            return f"MISSLYCKAD {head}: {self.reason}."
        return f"{self.outcome} {head}"


@dataclass
class SyncReport:
    pages: list[PageOutcome] = field(default_factory=list)
    ingest: IngestReport | None = None  # None when no page needed ingesting
    error: str | None = None  # the manifest could not be read
    started_at: str = ""
    seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for p in self.pages if p.outcome == outcome)

    @property
    def ok(self) -> bool:
        """False when a page failed or vanished, or the ingest failed (the exit status)."""
        return (
            self.error is None
            and not any(p.outcome in ("failed", "vanished") for p in self.pages)
            and (self.ingest is None or self.ingest.ok)
        )

    def summary(self) -> str:
        if self.error:
            return f"Synkroniseringen kunde inte göras: {self.error}"
        if not self.pages:
            return "Manifestet har inga webbkällor."
        counts = ", ".join(f"{self.count(o)} {OUTCOME_LABELS[o]}" for o in OUTCOMES)
        n = len(self.pages)
        line = f"Webbkällor: {n} {'sida' if n == 1 else 'sidor'}: {counts}"
        if self.ingest is not None:
            line += f"; {self.ingest.chunks} chunkar skrivna"
            if self.ingest.failures:
                line += f", {len(self.ingest.failures)} fel vid inläsningen"
        return line + f" ({self.seconds:.0f} s)."

    def public(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "seconds": round(self.seconds, 1),
            "summary": self.summary(),
            **{o: self.count(o) for o in OUTCOMES},
            "problems": [
                {
                    "url": p.url,
                    "doc_id": p.doc_id,
                    "outcome": p.outcome,
                    "reason": p.reason,
                    "since": p.since,
                }
                for p in self.pages
                if p.outcome in ("failed", "vanished")
            ],
            "ingest_failures": list(self.ingest.failures[:20]) if self.ingest else [],
        }


def _next_state(
    previous: PageState | None,
    result: FetchResult,
    entry: SourceEntry,
    doc_id: str,
    settings: Settings,
    stored: tuple[str, str] | None,
) -> tuple[PageState, Outcome]:
    """The page's new state and the sync's outcome for it, from one fetch."""
    now = now_iso()
    base = replace(
        previous or PageState(result.version.url, entry.id, doc_id),
        source_id=entry.id,
        doc_id=doc_id,
        checked_at=now,
    )
    v = result.version
    if result.state in ("new", "changed") and stored is not None:
        sha, fmt = stored
        ok = replace(base, etag=v.etag, last_modified=v.last_modified, sha256=sha, format=fmt)
        return replace(ok, fetched_at=now, status="ok", reason=None, since=None, failures=0), (
            "updated"
        )
    if result.state == "unchanged":
        # A 200 with the same body may bring new validators; a 304 keeps the old ones.
        fresh = replace(
            base,
            etag=v.etag or base.etag,
            last_modified=v.last_modified or base.last_modified,
            fetched_at=now,  # the server confirmed the copy: last fetched successfully
        )
        return replace(fresh, status="ok", reason=None, since=None, failures=0), "unchanged"
    reason = result.reason or "okänt fel"
    failures = base.failures + 1
    if result.state == "gone":
        since = base.since if base.status == "vanished" and base.since else now
        return replace(
            base, status="vanished", reason=reason, since=since, failures=failures
        ), "vanished"
    # Not ok since the first of the failures in a row.
    since = base.since if base.status not in (None, "ok") and base.since else now
    if result.state == "refused":
        return replace(base, status="refused", reason=reason, since=since), "failed"
    if failures >= settings.sources.vanish_after_failures:
        reason = f"{reason} ({failures} gånger i rad)"
        return replace(
            base, status="vanished", reason=reason, since=since, failures=failures
        ), "vanished"
    return replace(base, status="failed", reason=reason, since=since, failures=failures), "failed"


def _fetch_page(
    fetcher: WebFetcher,
    store: WebState,
    settings: Settings,
    entry: SourceEntry,
    url: str,
    doc_id: str,
) -> PageOutcome:
    previous = store.get(url)
    data_dir = Path(settings.data_dir)
    have_copy = bool(
        previous
        and previous.sha256
        and previous.format
        and page_file(data_dir, previous.sha256, previous.format).is_file()
    )
    # Without the last copy a 304 would leave nothing to read: ask unconditionally.
    result = fetcher.fetch(url, previous.version() if previous and have_copy else None)
    stored: tuple[str, str] | None = None
    body = result.body
    if result.state in ("new", "changed") and body is not None:
        fmt = format_for_content_type(result.content_type)
        if fmt is None:
            result = FetchResult(
                "failed", result.version, reason=f"okänd innehållstyp ({result.content_type})"
            )
        elif len(body) > MAX_UPLOAD_BYTES:
            result = FetchResult("failed", result.version, reason="sidan är för stor")
        else:
            sha = result.version.sha256 or ""
            store_page(data_dir, sha, fmt, body)
            stored = (sha, fmt)
    state, outcome = _next_state(previous, result, entry, doc_id, settings, stored)
    store.put(state)
    reason = state.reason if outcome in ("failed", "vanished") else None
    since = state.since if outcome in ("failed", "vanished") else None
    return PageOutcome(url, entry.id, doc_id, outcome, reason, since)


def sync_web(
    settings: Settings,
    *,
    manifest_path: Path | None = None,
    fetcher: WebFetcher | None = None,
    index: index_store.VectorIndex | None = None,
    embedding: BaseEmbedding | None = None,
    progress: ProgressCallback | None = None,
    report: IngestReport | None = None,
) -> SyncReport:
    """Fetch every web page of the manifests; ingest the sources whose pages changed.

    ``report`` is filled by the ingest when one runs (the worker shows it as it grows).
    """
    started = time.perf_counter()
    out = SyncReport(started_at=now_iso())
    store = WebState(Path(settings.data_dir))
    store.set_meta("last_sync_started", out.started_at)
    try:
        manifest = load_manifests(Path(manifest_path or settings.manifest))
    except ManifestError as exc:
        out.error = str(exc)
        out.seconds = time.perf_counter() - started
        store.set_meta(LAST_SYNC_KEY, out.public())
        return out
    web = [e for e in manifest.sources if e.is_web]
    jobs = [(entry, url, doc_id) for entry in web for url, doc_id in page_doc_ids(entry).items()]
    own_fetcher = fetcher is None
    fetcher = fetcher or WebFetcher(timeout=settings.sources.fetch_timeout_s)
    try:
        with ThreadPoolExecutor(max_workers=FETCH_THREADS, thread_name_prefix="sync") as pool:
            out.pages = list(
                pool.map(lambda job: _fetch_page(fetcher, store, settings, *job), jobs)
            )
    finally:
        if own_fetcher:
            fetcher.close()

    # Sources with a page whose kept body the index has not taken in yet.
    states = store.all()
    to_ingest = {
        url
        for _, url, _ in jobs
        if (s := states.get(url)) is not None and s.sha256 and s.sha256 != s.ingested_sha256
    }
    sources = {entry.id for entry, url, _ in jobs if url in to_ingest}
    # Pages an admin took out of the manifest: their sources are ingested so their chunks
    # go (a whole source taken out is one whose documents no entry reads any more).
    dropped = store.forget_except(url for _, url, _ in jobs)
    sources |= {s.source_id for s in dropped}
    if sources:
        out.ingest = run_ingest(
            settings,
            manifest_path=manifest_path,
            index=index,
            embedding=embedding,
            progress=progress,
            report=report,
            only=sources,
        )
        if out.ingest.ok:
            store.mark_ingested(to_ingest)
        else:
            # Pages of a source that loaded and wrote are taken in; a failed page is
            # named in the report and tried again next time.
            failed = {line.partition(": ")[0] for line in out.ingest.failures}
            store.mark_ingested(u for u in to_ingest if u not in failed)
    store.prune_pages()
    out.seconds = time.perf_counter() - started
    store.set_meta(LAST_SYNC_KEY, out.public())
    return out


def last_sync(data_dir: Path) -> dict[str, Any] | None:
    """What the last sync (command line or server) reported, for the admin page."""
    value = WebState(Path(data_dir)).get_meta(LAST_SYNC_KEY)
    return value if isinstance(value, dict) else None


class SyncScheduler:
    """Submits a sync to the server's worker every ``sources.sync_interval_hours``.

    Due when the last sync (by anyone: the server, the admin page's button or `kunskap
    sync`, as recorded in the state file) started longer ago than the interval; so a
    restart does not fetch everything again at once. A sync already queued or running is
    never queued twice.
    """

    def __init__(
        self,
        settings: Settings,
        submit: Callable[[], object],
        pending: Callable[[], bool],
        *,
        poll_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.submit = submit
        self.pending = pending
        self.poll_s = poll_s
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def interval_s(self) -> float:
        return self.settings.sources.sync_interval_hours * 3600

    def due(self) -> bool:
        if self.interval_s <= 0:
            return False
        last = WebState(Path(self.settings.data_dir)).get_meta("last_sync_started")
        if not last:
            return True
        from datetime import datetime

        try:
            started = datetime.fromisoformat(last).timestamp()
        except ValueError:
            return True
        return self.clock() - started >= self.interval_s

    def tick(self) -> bool:
        """Submit a sync when one is due and none is waiting; whether one was submitted."""
        if self.pending() or not self.due():
            return False
        self.submit()
        return True

    def _loop(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:  # the schedule must outlive one bad tick
                log.exception("web sync schedule")
            if self._stop.wait(min(self.poll_s, max(self.interval_s, 1.0))):
                return

    def start(self) -> None:
        if self.interval_s <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="kunskap-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

"""Web pages as sources: what was fetched, kept where, and read like a file (issue 19 §4).

A manifest entry without ``path`` is web pages (``url``, or ``urls``). ``kunskap sync``
(``ingest/sync.py``) fetches them with ``ingest/web.py`` and keeps each body under the data
dir, ``<data dir>/web/pages/<sha256>.<format>``; ingest reads that copy with the same
loaders as a file (the HTML loader extracts the main text), so ``kunskap ingest`` and
``--rebuild`` never touch the network and reproduce what the last sync saw. A page that has
vanished keeps its last copy, so its chunks stay until an admin removes it from the manifest.

The fetch state of every page (ETag, Last-Modified, sha256 of the body, when it was last
fetched and checked, its status and since when) is one SQLite file,
``<data dir>/web_sources.sqlite3``, not JSON: the server's worker and a `kunskap sync` in
another process (against a Qdrant server) may both write, and SQLite keeps each page's row
whole under concurrent writers, where a JSON file rewritten by two processes loses one's
update. The standard library's ``sqlite3`` needs nothing installed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from .loaders import LoadFailure, SourceLoad, load_file
from .manifest import SourceEntry
from .web import PageVersion

WEB_DIR = "web"
STATE_FILE = "web_sources.sqlite3"

PageStatus = Literal["ok", "failed", "vanished", "refused"]

# Content types a page may have, and the loader that reads it.
CONTENT_FORMATS: dict[str, str] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "txt",
    "text/markdown": "md",
    "application/pdf": "pdf",
}


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def format_for_content_type(content_type: str | None) -> str | None:
    """The loader format for a response's Content-Type (HTML when none is given)."""
    if not content_type:
        return "html"
    return CONTENT_FORMATS.get(content_type.split(";", 1)[0].strip().lower())


def pages_dir(data_dir: Path) -> Path:
    return Path(data_dir) / WEB_DIR / "pages"


def page_file(data_dir: Path, sha256: str, fmt: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256) or not re.fullmatch(r"[a-z]{2,5}", fmt):
        raise ValueError("malformed page name")
    return pages_dir(data_dir) / f"{sha256}.{fmt}"


def store_page(data_dir: Path, sha256: str, fmt: str, body: bytes) -> Path:
    """Keep a fetched body (once per content), renamed into place so it is never half there."""
    target = page_file(data_dir, sha256, fmt)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def page_doc_ids(entry: SourceEntry) -> dict[str, str]:
    """Each page's document id: the entry's id for one page; ``<id>/<last path segment>``
    for a list (stable when the list is reordered), with a hash when two pages would clash."""
    pages = entry.pages
    if len(pages) == 1 and not entry.urls:
        return {pages[0]: entry.id}
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for url in pages:
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", segments[-1] if segments else "start")
        slug = slug.strip("-.")[:80] or "sida"
        doc_id = f"{entry.id}/{slug}"
        if doc_id in taken:
            doc_id = f"{doc_id}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"
        taken.add(doc_id)
        ids[url] = doc_id
    return ids


@dataclass(frozen=True)
class PageState:
    url: str
    source_id: str
    doc_id: str
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    format: str | None = None
    fetched_at: str | None = None  # the last time a body came (200)
    checked_at: str | None = None  # the last request, whatever its answer
    status: PageStatus | None = None  # None: never fetched
    reason: str | None = None  # Swedish, when the last answer was not ok
    since: str | None = None  # since when it is not ok (vanished since, failing since)
    failures: int = 0  # failed requests in a row
    ingested_sha256: str | None = None  # the body the last successful ingest read

    def version(self) -> PageVersion:
        return PageVersion(self.url, self.etag, self.last_modified, self.sha256)

    def public(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "source_id": self.source_id,
            "doc_id": self.doc_id,
            "status": self.status or "pending",
            "reason": self.reason,
            "since": self.since,
            "last_fetched": self.fetched_at,
            "last_checked": self.checked_at,
        }


_COLUMNS = (
    "url",
    "source_id",
    "doc_id",
    "etag",
    "last_modified",
    "sha256",
    "format",
    "fetched_at",
    "checked_at",
    "status",
    "reason",
    "since",
    "failures",
    "ingested_sha256",
)


class WebState:
    """The fetch state of every web page, in ``<data dir>/web_sources.sqlite3``.

    A connection per call: the server's threads and another process may use it at once.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / STATE_FILE

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            db.row_factory = sqlite3.Row
            with db:  # one transaction, committed on success
                db.execute(
                    "CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, source_id TEXT "
                    "NOT NULL, doc_id TEXT NOT NULL, etag TEXT, last_modified TEXT, sha256 TEXT,"
                    " format TEXT, fetched_at TEXT, checked_at TEXT, status TEXT, reason TEXT, "
                    "since TEXT, failures INTEGER NOT NULL DEFAULT 0, ingested_sha256 TEXT)"
                )
                db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                yield db

    def get(self, url: str) -> PageState | None:
        if not self.path.is_file():
            return None
        with self._db() as db:
            row = db.execute("SELECT * FROM pages WHERE url = ?", (url,)).fetchone()
        return PageState(**dict(row)) if row else None

    def all(self) -> dict[str, PageState]:
        if not self.path.is_file():
            return {}
        with self._db() as db:
            rows = db.execute("SELECT * FROM pages ORDER BY url").fetchall()
        return {row["url"]: PageState(**dict(row)) for row in rows}

    def put(self, state: PageState) -> None:
        values = [getattr(state, c) for c in _COLUMNS]
        with self._db() as db:
            db.execute(
                f"INSERT OR REPLACE INTO pages ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _COLUMNS)})",
                values,
            )

    def mark_ingested(self, urls: Iterable[str]) -> None:
        with self._db() as db:
            db.executemany(
                "UPDATE pages SET ingested_sha256 = sha256 WHERE url = ?", [(u,) for u in urls]
            )

    def forget_except(self, urls: Iterable[str]) -> list[PageState]:
        """Drop the pages no manifest lists any more; what was known of them."""
        keep = set(urls)
        gone = [s for u, s in self.all().items() if u not in keep]
        if gone:
            with self._db() as db:
                db.executemany("DELETE FROM pages WHERE url = ?", [(s.url,) for s in gone])
        return gone

    def get_meta(self, key: str) -> Any:
        if not self.path.is_file():
            return None
        with self._db() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else None

    def set_meta(self, key: str, value: Any) -> None:
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (key, json.dumps(value, ensure_ascii=False)),
            )

    def prune_pages(self) -> int:
        """Remove kept bodies no page's current version is; how many."""
        keep = {f"{s.sha256}.{s.format}" for s in self.all().values() if s.sha256 and s.format}
        folder = pages_dir(self.data_dir)
        removed = 0
        if folder.is_dir():
            for file in folder.iterdir():
                if file.is_file() and file.name not in keep:
                    file.unlink(missing_ok=True)
                    removed += 1
        return removed


def load_web_source(entry: SourceEntry, data_dir: Path) -> SourceLoad:
    """The entry's pages as the last sync kept them, read by the file loaders.

    A page never fetched is ``waiting`` (a warning that says to run `kunskap sync`; nothing
    of the source is deleted); a vanished page still loads from its last copy.
    """
    load = SourceLoad()
    state = WebState(data_dir)
    single = len(entry.pages) == 1 and not entry.urls
    for url, doc_id in page_doc_ids(entry).items():
        page = state.get(url)
        if page is None or not page.sha256 or not page.format:
            reason = "inte hämtad än (kör kunskap sync)"
            if page is not None and page.reason:
                reason = f"inte hämtad: {page.reason}"
            load.waiting.append(LoadFailure(entry.id, url, reason))
            continue
        file = page_file(data_dir, page.sha256, page.format)
        one = SourceLoad()
        if not file.is_file():
            one.failures.append(LoadFailure(entry.id, url, "den hämtade kopian saknas"))
        else:
            fallback = entry.title if single else doc_id.rsplit("/", 1)[-1].replace("-", " ")
            # The title the page carries names it best in a list; one page keeps the
            # manifest's curated title, as a single file does.
            one_entry = entry.model_copy(update={"format": page.format})
            own_title = not single
            load_file(
                one_entry, file, doc_id, file.parent, one, title=fallback, own_title_first=own_title
            )
        for raw in one.documents:
            raw.metadata.update(path=url, url=url, format=page.format, web_sha256=page.sha256)
            load.documents.append(raw)
        load.failures.extend(LoadFailure(entry.id, url, f.reason) for f in one.failures)
    return load

"""One ingest run: manifest → load → clean → chunk → embed → vector index, incrementally.

- A document whose content and manifest facts are unchanged is skipped (nothing written).
- A changed document has its chunks replaced (new written first, then old removed).
- A document no longer in the manifest (or no longer in its JSONL file) is deleted.
- A document that fails is reported in one line and the rest still go in; its old chunks,
  if any, stay, so a broken file never empties the index.
- Points are written in batches across documents (``WRITE_BATCH_POINTS``), not one call
  per document: on Qdrant Edge each write goes through the WAL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding

from kunskap.settings import Settings

from . import index_store
from .chunking import chunk_document
from .cleaning import clean_document
from .documents import Chunk, CleanDocument, RawDocument
from .embedding import build_embedding, embed_passages, stored
from .loaders import load_source
from .managed import load_manifests
from .manifest import DOC_TYPES, Manifest, ManifestError, SourceEntry
from .originals import OPENABLE_FORMATS, keep_original, prune_originals
from .sparse import document_vector
from .web_sources import load_web_source, page_file

log = logging.getLogger(__name__)

# Part of every document hash: bump when cleaning or payload shape changes in a way that
# should re-ingest unchanged files.
# 2: chunks carry ``page_marks`` (where each later page starts inside the chunk).
# Not bumped when chunks gained ``footnotes``: the text, the chunks and so every point's id
# stayed as they were, while a bump gives every point a new id, which reorders the search's
# ties. An index built before has no footnotes until ``kunskap ingest --rebuild`` (or a
# changed document); its answers stay as they were (docs/answerability.md).
# 3: OCR repair keeps a day before a month ("1 juli 2025" had become "i juli 2025").
PIPELINE_VERSION = "3"

# Points buffered across documents before one write; a failed write fails only its documents.
WRITE_BATCH_POINTS = 512


@dataclass
class IngestReport:
    collection: str = ""
    documents: int = 0  # documents in the manifest's sources that loaded
    pages: int = 0  # pages of documents (re)indexed in this run
    chunks: int = 0  # chunks written in this run
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    points_total: int = 0
    embed_seconds: float = 0.0  # time inside the embedding model
    index_seconds: float = 0.0  # time inside the vector index (writes, deletes, HNSW build)

    @property
    def ok(self) -> bool:
        return self.failed == 0


ProgressCallback = Callable[[str, int, int], None]  # (doc_id, done, total)


def document_hash(raw: RawDocument, entry: SourceEntry, file_sha256: str | None = None) -> str:
    digest = hashlib.sha256()
    digest.update(PIPELINE_VERSION.encode())
    # The file's own hash too: a new file with the same text must point at the new original.
    digest.update((file_sha256 or "").encode())
    digest.update(entry.model_dump_json().encode())
    digest.update(json.dumps(raw.metadata, sort_keys=True, default=str).encode())
    digest.update(raw.title.encode())
    for page in raw.pages:
        digest.update(f"\f{page.number}\f".encode())
        digest.update(page.text.encode())
    return digest.hexdigest()[:32]


def embedding_text(chunk: Chunk, doc: CleanDocument) -> str:
    """What is embedded: the chunk with its title and section, which carry the topic."""
    head = " – ".join(part for part in (doc.title, chunk.section) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text


def chunk_payload(
    chunk: Chunk,
    doc: CleanDocument,
    entry: SourceEntry,
    doc_hash: str,
    n_chunks: int,
    file_sha256: str | None = None,
) -> dict[str, Any]:
    meta = doc.metadata
    return {
        "doc_id": doc.doc_id,
        "source_id": entry.id,
        "doc_hash": doc_hash,
        "chunk_index": chunk.index,
        "n_chunks": n_chunks,
        "text": chunk.text,
        "start": chunk.start,
        "end": chunk.end,
        "title": doc.title,
        "section": chunk.section,
        "page_start": chunk.page_start,
        "page_end": chunk.page_end,
        "page_estimated": chunk.page_estimated,
        # [[offset in text, page, estimated], ...], one per page, the first at 0; absent
        # when the chunk stands on one page (and in indexes built before version 2).
        **(
            {"page_marks": [[o, n, int(e)] for o, n, e in chunk.page_marks]}
            if chunk.page_marks
            else {}
        ),
        # [[start, end], ...] into text: footnotes that answers leave out of their quotes;
        # absent when there are none.
        **({"footnotes": [[a, b] for a, b in chunk.footnotes]} if chunk.footnotes else {}),
        "language": chunk.language,
        "doc_language": doc.language,
        "doc_type": entry.doc_type,
        "doc_type_label": DOC_TYPES[entry.doc_type],
        "areas": list(entry.areas),
        "publisher": meta.get("publisher") or entry.publisher,
        "published": entry.published.isoformat() if entry.published else None,
        "url": meta.get("url") or entry.url,
        "license": entry.license,
        "attribution": entry.attribution,
        "path": meta.get("path"),
        "format": meta.get("format"),
        # The original kept under the data dir (ingest/originals.py); absent for JSONL.
        **({"file_sha256": file_sha256} if file_sha256 else {}),
        # When this version was indexed, on the first chunk only (the admin page shows it).
        **(
            {"ingested_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            if chunk.index == 0
            else {}
        ),
    }


@dataclass
class _Prepared:
    entry: SourceEntry
    raw: RawDocument
    doc: CleanDocument
    doc_hash: str
    points: list[index_store.IndexPoint]
    had_old: bool


def _prepare_document(
    embedding: BaseEmbedding,
    settings: Settings,
    raw: RawDocument,
    entry: SourceEntry,
    doc_hash: str,
    report: IngestReport,
    file_sha256: str | None = None,
) -> tuple[CleanDocument, list[index_store.IndexPoint]]:
    doc = clean_document(raw, ocr_repair=settings.chunking.ocr_repair)
    if entry.language:
        doc.language = entry.language
    chunks = chunk_document(doc, settings.chunking)
    if not chunks:
        raise ValueError("dokumentet gav ingen text att indexera")
    texts = [embedding_text(c, doc) for c in chunks]
    t0 = time.perf_counter()
    dense = embed_passages(embedding, texts)
    report.embed_seconds += time.perf_counter() - t0
    points = []
    for chunk, text, vector in zip(chunks, texts, dense, strict=True):
        indices, values = document_vector(text)
        points.append(
            index_store.IndexPoint(
                id=index_store.point_id(doc.doc_id, doc_hash, chunk.index),
                dense=vector.tolist(),
                sparse_indices=list(indices),
                sparse_values=list(values),
                payload=chunk_payload(chunk, doc, entry, doc_hash, len(chunks), file_sha256),
            )
        )
    return doc, points


class _Writer:
    """Buffers prepared documents and writes their points in batches.

    New points go in first and old versions are removed after, so a reader never sees a
    document missing; if a batch fails, its documents' new points are removed again and
    each is reported as failed, while their old chunks stay.
    """

    def __init__(
        self,
        index: index_store.VectorIndex,
        collection: str,
        report: IngestReport,
        sources_with_failures: set[str],
    ) -> None:
        self.index = index
        self.collection = collection
        self.report = report
        self.sources_with_failures = sources_with_failures
        self.pending: list[_Prepared] = []
        self.points = 0

    def add(self, prepared: _Prepared) -> None:
        self.pending.append(prepared)
        self.points += len(prepared.points)
        if self.points >= WRITE_BATCH_POINTS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending, self.points = self.pending, [], 0
        t0 = time.perf_counter()
        try:
            self.index.upsert(self.collection, [p for item in batch for p in item.points])
        except Exception as exc:
            log.debug("batch write failed", exc_info=True)
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            for item in batch:
                try:
                    self.index.delete(
                        self.collection,
                        index_store.Where(
                            must=(
                                index_store.Match("doc_id", item.doc.doc_id),
                                index_store.Match("doc_hash", item.doc_hash),
                            )
                        ),
                    )
                except Exception:  # the index is failing; the report below says so
                    log.debug("cleanup failed for %s", item.doc.doc_id, exc_info=True)
                path = item.raw.metadata.get("path", item.entry.path)
                self.report.failures.append(f"{path}: {reason}")
                self.sources_with_failures.add(item.entry.id)
            self.report.index_seconds += time.perf_counter() - t0
            return
        for item in batch:
            if item.had_old:
                index_store.delete_old_versions(
                    self.index, self.collection, doc_id=item.doc.doc_id, doc_hash=item.doc_hash
                )
            self.report.warnings.extend(f"{item.raw.doc_id}: {w}" for w in item.doc.warnings)
            self.report.chunks += len(item.points)
            self.report.pages += max(len(item.doc.pages), 1)
            if item.had_old:
                self.report.updated += 1
            else:
                self.report.new += 1
        self.report.index_seconds += time.perf_counter() - t0


def _keep_original(settings: Settings, base_dir: Path, raw: RawDocument) -> str | None:
    """Keep the document's file under the data dir; its sha256, or None (JSONL lines)."""
    fmt, rel = raw.metadata.get("format"), raw.metadata.get("path")
    if fmt not in OPENABLE_FORMATS or not rel:
        return None
    if web_sha := raw.metadata.get("web_sha256"):  # a web page: the copy the sync kept
        file = page_file(Path(settings.data_dir), web_sha, fmt)
        return keep_original(Path(settings.data_dir), file, fmt, web_sha)
    return keep_original(Path(settings.data_dir), base_dir / rel, fmt)


def _prune_originals(settings: Settings, index: index_store.VectorIndex, collection: str) -> None:
    # Originals of documents the collection no longer holds (removed, or replaced by a new
    # file). Only the current collection counts: the one the server answers from.
    keep = {
        p["file_sha256"]
        for p in index_store.scroll_payloads(
            index, collection, fields=["file_sha256"], where=index_store.first_chunks_filter()
        )
        if p.get("file_sha256")
    }
    prune_originals(Path(settings.data_dir), keep)


@dataclass
class _Loaded:
    """What the manifest's sources gave: the documents to index, in manifest order."""

    documents: list[tuple[SourceEntry, RawDocument]] = field(default_factory=list)
    source_of: dict[str, str] = field(default_factory=dict)  # doc_id -> the source's id
    # Sources with a document that failed (or a page not fetched yet): their old chunks stay.
    sources_with_failures: set[str] = field(default_factory=set)


def _load_documents(
    settings: Settings, manifest: Manifest, only: Collection[str] | None, report: IngestReport
) -> _Loaded:
    """Read every source of the manifest (or of ``only``); one line per failure."""
    loaded = _Loaded()
    entries = [e for e in manifest.sources if only is None or e.id in only]
    for entry in entries:
        if entry.is_web:
            result = load_web_source(entry, Path(settings.data_dir))
        else:
            result = load_source(entry, manifest.base_dir)
        for failure in result.failures:
            report.failures.append(failure.line())
            loaded.sources_with_failures.add(entry.id)
        for waiting in result.waiting:  # a web page not fetched yet: kept, not an error
            report.warnings.append(waiting.line())
            loaded.sources_with_failures.add(entry.id)
        for raw in result.documents:
            if raw.doc_id in loaded.source_of:
                report.failures.append(
                    f"{raw.metadata.get('path', entry.path)}: dokument-id '{raw.doc_id}' "
                    f"finns redan i källan '{loaded.source_of[raw.doc_id]}'"
                )
                loaded.sources_with_failures.add(entry.id)
                continue
            loaded.source_of[raw.doc_id] = entry.id
            loaded.documents.append((entry, raw))
    report.documents = len(loaded.documents)
    return loaded


def _write_changed(
    settings: Settings,
    base_dir: Path,
    embedding: BaseEmbedding,
    writer: _Writer,
    loaded: _Loaded,
    existing: dict[str, index_store.IndexedDocument],
    progress: ProgressCallback | None,
) -> None:
    """Prepare every new or changed document and write it through ``writer``; skip the rest."""
    report = writer.report
    for done, (entry, raw) in enumerate(loaded.documents, start=1):
        if progress:
            progress(raw.doc_id, done, len(loaded.documents))
        try:
            sha = _keep_original(settings, base_dir, raw)
        except OSError as exc:  # the file was readable a moment ago; report, go on
            report.failures.append(f"{raw.metadata.get('path', entry.path)}: {exc}")
            loaded.sources_with_failures.add(entry.id)
            continue
        doc_hash = document_hash(raw, entry, sha)
        before = existing.get(raw.doc_id)
        if before is not None and before.doc_hash == doc_hash:
            report.unchanged += 1
            continue
        try:
            doc, points = _prepare_document(embedding, settings, raw, entry, doc_hash, report, sha)
        except Exception as exc:  # one bad document must not stop the others
            log.debug("ingest failed for %s", raw.doc_id, exc_info=True)
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            report.failures.append(f"{raw.metadata.get('path', entry.path)}: {reason}")
            loaded.sources_with_failures.add(entry.id)
            continue
        writer.add(_Prepared(entry, raw, doc, doc_hash, points, had_old=before is not None))
    writer.flush()


def _remove_stale(
    index: index_store.VectorIndex,
    collection: str,
    manifest: Manifest,
    loaded: _Loaded,
    existing: dict[str, index_store.IndexedDocument],
    only: Collection[str] | None,
    report: IngestReport,
) -> None:
    """Remove what the manifest no longer holds. A source that failed keeps its old chunks:
    an unreadable file is an error to fix, not a request to delete."""
    in_manifest = {entry.id for entry in manifest.sources}
    for doc_id, indexed in existing.items():
        if doc_id in loaded.source_of or (only is not None and indexed.source_id not in only):
            continue
        if indexed.source_id in in_manifest and indexed.source_id in loaded.sources_with_failures:
            continue
        t0 = time.perf_counter()
        index_store.delete_document(index, collection, doc_id)
        report.index_seconds += time.perf_counter() - t0
        report.removed += 1


def run_ingest(
    settings: Settings,
    *,
    manifest_path: Path | None = None,
    rebuild: bool = False,
    index: index_store.VectorIndex | None = None,
    embedding: BaseEmbedding | None = None,
    progress: ProgressCallback | None = None,
    report: IngestReport | None = None,
    only: Collection[str] | None = None,
) -> IngestReport:
    """Ingest the manifest; ``report`` may be given to watch chunks and counts as they grow
    (the server's background worker shows them on the admin page).

    ``only``: the ids of the sources to read (`kunskap sync` passes the web sources whose
    pages changed); documents of other sources are neither read nor removed.
    """
    started = time.perf_counter()
    report = report if report is not None else IngestReport()
    try:
        # The user's manifest and the sources added on the admin page (ingest/managed.py).
        manifest = load_manifests(Path(manifest_path or settings.manifest))
    except ManifestError as exc:
        report.failed = 1
        report.failures.append(str(exc))
        report.seconds = time.perf_counter() - started
        return report

    own_index = index is None
    index = index or index_store.open_index(settings)
    embedding = embedding or stored(build_embedding(settings), settings)
    try:
        if rebuild:
            index_store.drop_collection(index, settings)
        dim = len(embedding.get_text_embedding("dimension"))
        collection = index_store.ensure_collection(index, settings, dim)
        report.collection = collection
        existing = index_store.indexed_documents(index, collection)

        loaded = _load_documents(settings, manifest, only, report)
        writer = _Writer(index, collection, report, loaded.sources_with_failures)
        _write_changed(settings, manifest.base_dir, embedding, writer, loaded, existing, progress)
        _remove_stale(index, collection, manifest, loaded, existing, only, report)

        t0 = time.perf_counter()
        index.finish_writes(collection)
        report.index_seconds += time.perf_counter() - t0
        report.failed = len(report.failures)
        report.points_total = index_store.count_points(index, collection)
        _prune_originals(settings, index, collection)
    finally:
        if own_index:
            index.close()
    report.seconds = time.perf_counter() - started
    return report

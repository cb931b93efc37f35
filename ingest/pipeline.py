"""One ingest run: manifest → load → clean → chunk → embed → Qdrant, incrementally.

- A document whose content and manifest facts are unchanged is skipped (nothing written).
- A changed document has its chunks replaced (new written first, then old removed).
- A document no longer in the manifest (or no longer in its JSONL file) is deleted.
- A document that fails is reported in one line and the rest still go in; its old chunks,
  if any, stay, so a broken file never empties the index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from qdrant_client import QdrantClient, models

from kunskap.settings import Settings

from . import index_store
from .chunking import chunk_document
from .cleaning import clean_document
from .documents import Chunk, CleanDocument, RawDocument
from .embedding import build_embedding, embed_passages
from .loaders import load_source
from .manifest import DOC_TYPES, ManifestError, SourceEntry, load_manifest
from .sparse import document_vector

log = logging.getLogger(__name__)

# Part of every document hash: bump when cleaning or payload shape changes in a way that
# should re-ingest unchanged files.
PIPELINE_VERSION = "1"


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

    @property
    def ok(self) -> bool:
        return self.failed == 0


ProgressCallback = Callable[[str, int, int], None]  # (doc_id, done, total)


def document_hash(raw: RawDocument, entry: SourceEntry) -> str:
    digest = hashlib.sha256()
    digest.update(PIPELINE_VERSION.encode())
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
    chunk: Chunk, doc: CleanDocument, entry: SourceEntry, doc_hash: str, n_chunks: int
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
    }


def _index_document(
    client: QdrantClient,
    collection: str,
    embedding: BaseEmbedding,
    settings: Settings,
    raw: RawDocument,
    entry: SourceEntry,
    doc_hash: str,
) -> tuple[CleanDocument, int]:
    doc = clean_document(raw, ocr_repair=settings.chunking.ocr_repair)
    if entry.language:
        doc.language = entry.language
    chunks = chunk_document(doc, settings.chunking)
    if not chunks:
        raise ValueError("dokumentet gav ingen text att indexera")
    texts = [embedding_text(c, doc) for c in chunks]
    dense = embed_passages(embedding, texts)
    points = []
    for chunk, text, vector in zip(chunks, texts, dense, strict=True):
        indices, values = document_vector(text)
        points.append(
            models.PointStruct(
                id=index_store.point_id(doc.doc_id, doc_hash, chunk.index),
                vector={
                    index_store.DENSE: vector.tolist(),
                    index_store.SPARSE: models.SparseVector(indices=indices, values=values),
                },
                payload=chunk_payload(chunk, doc, entry, doc_hash, len(chunks)),
            )
        )
    index_store.replace_document(client, collection, points, doc_id=doc.doc_id, doc_hash=doc_hash)
    return doc, len(chunks)


def run_ingest(
    settings: Settings,
    *,
    manifest_path: Path | None = None,
    rebuild: bool = False,
    client: QdrantClient | None = None,
    embedding: BaseEmbedding | None = None,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    try:
        manifest = load_manifest(manifest_path or settings.manifest)
    except ManifestError as exc:
        report.failed = 1
        report.failures.append(str(exc))
        report.seconds = time.perf_counter() - started
        return report

    own_client = client is None
    client = client or index_store.open_qdrant(settings)
    embedding = embedding or build_embedding(settings)
    try:
        if rebuild:
            index_store.drop_collection(client, settings)
        dim = len(embedding.get_text_embedding("dimension"))
        collection = index_store.ensure_collection(client, settings, dim)
        report.collection = collection
        existing = index_store.indexed_documents(client, collection)

        loaded: list[tuple[SourceEntry, RawDocument]] = []
        sources_with_failures: set[str] = set()
        seen: dict[str, str] = {}
        for entry in manifest.sources:
            result = load_source(entry, manifest.base_dir)
            for failure in result.failures:
                report.failures.append(failure.line())
                sources_with_failures.add(entry.id)
            for raw in result.documents:
                if raw.doc_id in seen:
                    report.failures.append(
                        f"{raw.metadata.get('path', entry.path)}: dokument-id '{raw.doc_id}' "
                        f"finns redan i källan '{seen[raw.doc_id]}'"
                    )
                    sources_with_failures.add(entry.id)
                    continue
                seen[raw.doc_id] = entry.id
                loaded.append((entry, raw))
        report.documents = len(loaded)

        for done, (entry, raw) in enumerate(loaded, start=1):
            if progress:
                progress(raw.doc_id, done, len(loaded))
            doc_hash = document_hash(raw, entry)
            before = existing.get(raw.doc_id)
            if before is not None and before.doc_hash == doc_hash:
                report.unchanged += 1
                continue
            try:
                doc, n_chunks = _index_document(
                    client, collection, embedding, settings, raw, entry, doc_hash
                )
            except Exception as exc:  # one bad document must not stop the others
                log.debug("ingest failed for %s", raw.doc_id, exc_info=True)
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                report.failures.append(f"{raw.metadata.get('path', entry.path)}: {reason}")
                sources_with_failures.add(entry.id)
                continue
            report.warnings.extend(f"{raw.doc_id}: {w}" for w in doc.warnings)
            report.chunks += n_chunks
            report.pages += max(len(doc.pages), 1)
            if before is None:
                report.new += 1
            else:
                report.updated += 1

        # Remove what the manifest no longer holds. A source that failed keeps its old
        # chunks: an unreadable file is an error to fix, not a request to delete.
        in_manifest = {entry.id for entry in manifest.sources}
        for doc_id, indexed in existing.items():
            if doc_id in seen:
                continue
            if indexed.source_id in in_manifest and indexed.source_id in sources_with_failures:
                continue
            index_store.delete_document(client, collection, doc_id)
            report.removed += 1

        report.failed = len(report.failures)
        report.points_total = index_store.count_points(client, collection)
    finally:
        if own_client:
            client.close()
    report.seconds = time.perf_counter() - started
    return report

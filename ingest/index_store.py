"""The collection's schema and document bookkeeping, over the ``VectorIndex`` seam.

One collection holds every chunk with a named dense vector ("dense", cosine) and a named
sparse vector ("sparse", IDF modifier). The collection name is a hash of what shapes the
vectors (``Settings.collection_name``), so changing the embedding or chunking builds a new
collection instead of mixing vectors. Which engine stores it is ``ingest.vector_index``'s
business: Qdrant Edge embedded, or a Qdrant server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from kunskap.settings import Settings

from .vector_index import (
    DENSE,
    SPARSE,
    DateRange,
    IndexLocked,
    IndexPoint,
    IndexUnavailable,
    Match,
    MatchAny,
    VectorIndex,
    Where,
    open_index,
)

__all__ = [
    "DENSE",
    "SPARSE",
    "DateRange",
    "IndexLocked",
    "IndexPoint",
    "IndexUnavailable",
    "IndexedDocument",
    "Match",
    "MatchAny",
    "VectorIndex",
    "Where",
    "chunk_at",
    "collection_exists",
    "count_points",
    "delete_document",
    "delete_old_versions",
    "drop_collection",
    "ensure_collection",
    "first_chunks_filter",
    "indexed_documents",
    "open_index",
    "point_id",
    "replace_document",
    "scroll_payloads",
]

_POINT_NAMESPACE = uuid.UUID("6f1d8a52-4c0e-4bd5-9b8e-1c7a3c1f9a10")


def point_id(doc_id: str, doc_hash: str, chunk_index: int) -> str:
    # Deterministic ids make re-ingest idempotent: the same chunk overwrites itself.
    return str(uuid.uuid5(_POINT_NAMESPACE, f"{doc_id}|{doc_hash}|{chunk_index}"))


def collection_exists(index: VectorIndex, name: str) -> bool:
    return index.exists(name)


def ensure_collection(index: VectorIndex, settings: Settings, dim: int) -> str:
    name = settings.collection_name()
    index.ensure_collection(name, dim)
    return name


def drop_collection(index: VectorIndex, settings: Settings) -> None:
    index.drop_collection(settings.collection_name())


@dataclass(frozen=True)
class IndexedDocument:
    doc_id: str
    source_id: str
    doc_hash: str
    chunks: int


def first_chunks_filter() -> Where:
    """Selects one point per document: its first chunk, which carries the document facts."""
    return Where(must=(Match("chunk_index", 0),))


def indexed_documents(index: VectorIndex, collection: str) -> dict[str, IndexedDocument]:
    """What the index holds now, one entry per document (read from each first chunk)."""
    docs: dict[str, IndexedDocument] = {}
    for payload in scroll_payloads(
        index,
        collection,
        fields=["doc_id", "source_id", "doc_hash", "n_chunks"],
        where=first_chunks_filter(),
    ):
        docs[payload["doc_id"]] = IndexedDocument(
            payload["doc_id"], payload["source_id"], payload["doc_hash"], payload["n_chunks"]
        )
    return docs


def scroll_payloads(
    index: VectorIndex,
    collection: str,
    *,
    fields: Sequence[str] | bool = True,
    where: Where | None = None,
    batch: int = 512,
) -> Iterator[dict[str, Any]]:
    for record in index.scroll(collection, fields=fields, where=where, batch=batch):
        yield dict(record.payload, chunk_id=record.id)


def chunk_at(
    index: VectorIndex, collection: str, doc_id: str, chunk_index: int
) -> dict[str, Any] | None:
    """The payload of one chunk of a document, or None."""
    where = Where(must=(Match("doc_id", doc_id), Match("chunk_index", chunk_index)))
    for record in index.scroll(collection, where=where, limit=1):
        return dict(record.payload, chunk_id=record.id)
    return None


def replace_document(
    index: VectorIndex,
    collection: str,
    points: list[IndexPoint],
    *,
    doc_id: str,
    doc_hash: str,
    had_old: bool = True,
) -> None:
    """Write a document's new chunks, then remove its old ones.

    New points are written first (their ids include the new hash), so a reader never sees
    the document missing; if writing fails, the new points are removed again so no
    half-written document stays in the index. A document the index did not hold
    (``had_old=False``) skips the removal.
    """
    this_doc, this_version = Match("doc_id", doc_id), Match("doc_hash", doc_hash)
    try:
        index.upsert(collection, points)
    except Exception:
        index.delete(collection, Where(must=(this_doc, this_version)))
        raise
    if had_old:
        delete_old_versions(index, collection, doc_id=doc_id, doc_hash=doc_hash)


def delete_old_versions(index: VectorIndex, collection: str, *, doc_id: str, doc_hash: str) -> None:
    """Remove a document's chunks of any version other than ``doc_hash``."""
    index.delete(
        collection, Where(must=(Match("doc_id", doc_id),), must_not=(Match("doc_hash", doc_hash),))
    )


def delete_document(index: VectorIndex, collection: str, doc_id: str) -> None:
    index.delete(collection, Where(must=(Match("doc_id", doc_id),)))


def count_points(index: VectorIndex, collection: str) -> int:
    return index.count(collection)

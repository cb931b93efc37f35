"""The Qdrant collection: its schema, and the only code that writes to or lists it.

One collection holds every chunk with a named dense vector ("dense", cosine) and a named
sparse vector ("sparse", IDF modifier). The collection name is a hash of what shapes the
vectors (``Settings.collection_name``), so changing the embedding or chunking builds a new
collection instead of mixing vectors.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from qdrant_client import QdrantClient, models

from kunskap.settings import Settings

DENSE = "dense"
SPARSE = "sparse"

# Payload fields that get an index on a Qdrant server (filters and document bookkeeping).
KEYWORD_FIELDS = ("doc_id", "source_id", "doc_hash", "doc_type", "areas", "publisher", "language")
INTEGER_FIELDS = ("chunk_index",)
DATETIME_FIELDS = ("published",)

_POINT_NAMESPACE = uuid.UUID("6f1d8a52-4c0e-4bd5-9b8e-1c7a3c1f9a10")


class IndexUnavailable(RuntimeError):
    """Qdrant cannot be reached or the collection does not exist. The message says what to do."""


def open_qdrant(settings: Settings) -> QdrantClient:
    if settings.qdrant.url:
        return QdrantClient(
            url=settings.qdrant.url,
            api_key=(
                settings.qdrant.api_key.get_secret_value() if settings.qdrant.api_key else None
            ),
            timeout=int(settings.qdrant.timeout_s),
        )
    path = settings.qdrant_path
    path.mkdir(parents=True, exist_ok=True)
    return QdrantClient(path=str(path))


def point_id(doc_id: str, doc_hash: str, chunk_index: int) -> str:
    # Deterministic ids make re-ingest idempotent: the same chunk overwrites itself.
    return str(uuid.uuid5(_POINT_NAMESPACE, f"{doc_id}|{doc_hash}|{chunk_index}"))


def collection_exists(client: QdrantClient, name: str) -> bool:
    return bool(client.collection_exists(name))


def ensure_collection(client: QdrantClient, settings: Settings, dim: int) -> str:
    name = settings.collection_name()
    if collection_exists(client, name):
        return name
    client.create_collection(
        collection_name=name,
        vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
        sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        shard_number=settings.qdrant.shard_number,
        replication_factor=settings.qdrant.replication_factor,
    )
    if settings.qdrant.url:  # embedded mode has no payload indexes (it scans)
        schema = models.PayloadSchemaType
        for field in KEYWORD_FIELDS:
            client.create_payload_index(name, field, field_schema=schema.KEYWORD)
        for field in INTEGER_FIELDS:
            client.create_payload_index(name, field, field_schema=schema.INTEGER)
        for field in DATETIME_FIELDS:
            client.create_payload_index(name, field, field_schema=schema.DATETIME)
    return name


def drop_collection(client: QdrantClient, settings: Settings) -> None:
    name = settings.collection_name()
    if collection_exists(client, name):
        client.delete_collection(name)


@dataclass(frozen=True)
class IndexedDocument:
    doc_id: str
    source_id: str
    doc_hash: str
    chunks: int


def first_chunks_filter() -> models.Filter:
    """Selects one point per document: its first chunk, which carries the document facts."""
    return models.Filter(
        must=[models.FieldCondition(key="chunk_index", match=models.MatchValue(value=0))]
    )


def indexed_documents(client: QdrantClient, collection: str) -> dict[str, IndexedDocument]:
    """What the index holds now, one entry per document (read from each first chunk)."""
    docs: dict[str, IndexedDocument] = {}
    for payload in scroll_payloads(
        client,
        collection,
        fields=["doc_id", "source_id", "doc_hash", "n_chunks"],
        flt=first_chunks_filter(),
    ):
        docs[payload["doc_id"]] = IndexedDocument(
            payload["doc_id"], payload["source_id"], payload["doc_hash"], payload["n_chunks"]
        )
    return docs


def scroll_payloads(
    client: QdrantClient,
    collection: str,
    *,
    fields: Sequence[str] | bool = True,
    flt: models.Filter | None = None,
    batch: int = 512,
) -> Iterator[dict[str, Any]]:
    offset = None
    while True:
        points, offset = client.scroll(
            collection_name=collection,
            scroll_filter=flt,
            with_payload=list(fields) if not isinstance(fields, bool) else fields,
            with_vectors=False,
            limit=batch,
            offset=offset,
        )
        for point in points:
            yield dict(point.payload or {}, chunk_id=str(point.id))
        if offset is None:
            return


def _match(key: str, value: str) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


def _delete_where(client: QdrantClient, collection: str, flt: models.Filter) -> None:
    client.delete(collection, points_selector=models.FilterSelector(filter=flt), wait=True)


def replace_document(
    client: QdrantClient,
    collection: str,
    points: list[models.PointStruct],
    *,
    doc_id: str,
    doc_hash: str,
) -> None:
    """Write a document's new chunks, then remove its old ones.

    New points are written first (their ids include the new hash), so a reader never sees
    the document missing; if writing fails, the new points are removed again so no
    half-written document stays in the index.
    """
    this_doc, this_version = _match("doc_id", doc_id), _match("doc_hash", doc_hash)
    try:
        for start in range(0, len(points), 256):
            client.upsert(collection, points=points[start : start + 256], wait=True)
    except Exception:
        _delete_where(client, collection, models.Filter(must=[this_doc, this_version]))
        raise
    _delete_where(client, collection, models.Filter(must=[this_doc], must_not=[this_version]))


def delete_document(client: QdrantClient, collection: str, doc_id: str) -> None:
    _delete_where(client, collection, models.Filter(must=[_match("doc_id", doc_id)]))


def count_points(client: QdrantClient, collection: str) -> int:
    return int(client.count(collection, exact=True).count)

"""The vector index's interface and the small types that cross it.

``VectorIndex`` is everything the product asks of Qdrant; filters (``Where``), points,
hits and records are our own types, so no caller imports either engine
(``ingest/edge_index.py``, ``ingest/client_index.py``). ``ingest.vector_index`` re-exports
all of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

DENSE = "dense"
SPARSE = "sparse"

# Payload fields that get an index (filters and document bookkeeping).
KEYWORD_FIELDS = ("doc_id", "source_id", "doc_hash", "doc_type", "areas", "publisher", "language")
INTEGER_FIELDS = ("chunk_index",)
DATETIME_FIELDS = ("published",)

Mode = Literal["hybrid", "dense", "sparse"]
Fusion = Literal["rrf", "dbsf"]


class IndexUnavailable(RuntimeError):
    """Qdrant cannot be reached or the collection does not exist. The message says what to do."""


class IndexLocked(IndexUnavailable):
    """Another process has the embedded index open."""


# --- our own small types -----------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    key: str
    value: str | int


@dataclass(frozen=True)
class MatchAny:
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class DateRange:
    key: str
    gte: str | None = None
    lte: str | None = None


Condition = Match | MatchAny | DateRange


@dataclass(frozen=True)
class Where:
    must: tuple[Condition, ...] = ()
    must_not: tuple[Condition, ...] = ()


@dataclass
class IndexPoint:
    id: str
    dense: list[float]
    sparse_indices: list[int]
    sparse_values: list[float]
    payload: dict[str, Any]


@dataclass
class IndexHit:
    id: str
    score: float
    payload: dict[str, Any]
    dense: list[float] | None = None


@dataclass
class HybridQuery:
    dense: list[float]
    sparse_indices: list[int]
    sparse_values: list[float]
    limit: int
    mode: Mode = "hybrid"
    where: Where | None = None
    dense_candidates: int = 40
    sparse_candidates: int = 40
    fusion: Fusion = "rrf"
    with_dense: bool = True


@dataclass
class Record:
    id: str
    payload: dict[str, Any]
    dense: list[float] | None = None
    sparse: tuple[list[int], list[float]] | None = None


@dataclass
class CollectionInfo:
    points: int
    dim: int | None
    engine: str
    extra: dict[str, Any] = field(default_factory=dict)


class VectorIndex(Protocol):
    """What the product needs from a vector index. Both engines pass the same contract tests."""

    engine: str  # "edge" or "server"

    def exists(self, collection: str) -> bool: ...

    def ensure_collection(self, collection: str, dim: int) -> None: ...

    def drop_collection(self, collection: str) -> None: ...

    def upsert(self, collection: str, points: Sequence[IndexPoint], batch: int = 256) -> None: ...

    def delete(self, collection: str, where: Where) -> None: ...

    def query(self, collection: str, query: HybridQuery) -> list[IndexHit]: ...

    def scroll(
        self,
        collection: str,
        *,
        fields: Sequence[str] | bool = True,
        where: Where | None = None,
        with_vectors: bool = False,
        batch: int = 512,
        limit: int | None = None,
    ) -> Iterator[Record]: ...

    def count(self, collection: str, where: Where | None = None) -> int: ...

    def finish_writes(self, collection: str) -> None:
        """End of an ingest run: make the collection fast to search (may block)."""
        ...

    def info(self, collection: str) -> CollectionInfo: ...

    def close(self) -> None: ...


# --- engine points as our records ------------------------------------------------------------


def dense_of(vector: Any) -> list[float] | None:
    if isinstance(vector, dict):
        dense = vector.get(DENSE)
        return [float(x) for x in dense] if dense is not None else None
    return None


def as_record(point_id: Any, payload: Any, vector: Any) -> Record:
    """A stored point as ``Record``, from Edge's and qdrant-client's point types alike
    (both hold named vectors as a dict; the sparse slot has ``indices`` and ``values``)."""
    named = vector if isinstance(vector, dict) else {}
    sparse = named.get(SPARSE)
    return Record(
        str(point_id),
        dict(payload or {}),
        dense_of(vector),
        (list(sparse.indices), [float(v) for v in sparse.values]) if sparse is not None else None,
    )

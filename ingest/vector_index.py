"""The vector index behind one narrow interface, with two engines.

Everything the product asks of Qdrant goes through ``VectorIndex``: make sure a collection
exists, write points in batches, delete by filter, one hybrid query (dense + sparse
prefetch fused by RRF or DBSF, or a single mode), scroll payloads, count, exists.

- ``EdgeIndex``: Qdrant Edge (``qdrant-edge-py``), Qdrant's own engine in-process. The
  embedded default: one shard directory per collection under ``<qdrant path>/shards/``.
- ``ClientIndex``: qdrant-client against a Qdrant server or cluster (``KUNSKAP_QDRANT_URL``),
  and, in tests, qdrant-client's in-process local mode.

Filters, points and hits are our own small types, so no caller imports either engine.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from kunskap.settings import Settings

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

log = logging.getLogger(__name__)

DENSE = "dense"
SPARSE = "sparse"

# RRF constant: Qdrant's server and qdrant-client's local mode use k=2 (score 1/(k+rank));
# Edge has no default, so it is spelled out to rank exactly as before.
RRF_K = 2

# Payload fields that get an index (filters and document bookkeeping).
KEYWORD_FIELDS = ("doc_id", "source_id", "doc_hash", "doc_type", "areas", "publisher", "language")
INTEGER_FIELDS = ("chunk_index",)
DATETIME_FIELDS = ("published",)

SHARDS_DIR = "shards"
LOCAL_MODE_BACKUP = "local-mode-backup"

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


# --- Qdrant Edge ---------------------------------------------------------------------------


def _edge() -> Any:
    import qdrant_edge

    return qdrant_edge


class _OpenShards:
    """One open shard per directory in this process, shared and counted.

    Edge locks a shard's WAL; a second ``EdgeShard.load`` of the same directory fails even
    in the same process. Services, the ingest and tests may each open the index, so they
    share one shard object (Edge is safe to use from several threads).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._shards: dict[Path, tuple[Any, int]] = {}

    def acquire(self, path: Path, create_config: Any | None) -> Any:
        path = path.resolve()
        with self._lock:
            if path in self._shards:
                shard, refs = self._shards[path]
                self._shards[path] = (shard, refs + 1)
                return shard
            shard = _load_or_create(path, create_config)
            self._shards[path] = (shard, 1)
            return shard

    def peek(self, path: Path) -> Any | None:
        with self._lock:
            entry = self._shards.get(path.resolve())
            return entry[0] if entry else None

    def release(self, path: Path, *, force: bool = False) -> None:
        path = path.resolve()
        with self._lock:
            if path not in self._shards:
                return
            shard, refs = self._shards[path]
            if refs > 1 and not force:
                self._shards[path] = (shard, refs - 1)
                return
            del self._shards[path]
            shard.close()


_SHARDS = _OpenShards()


def _load_or_create(path: Path, create_config: Any | None) -> Any:
    edge = _edge()
    try:
        if (path / "edge_config.json").exists() or (path / "segments").exists():
            return edge.EdgeShard.load(str(path))
        if create_config is None:
            raise IndexUnavailable(f"Samlingen i {path} finns inte. Kör `kunskap ingest` först.")
        path.mkdir(parents=True, exist_ok=True)
        return edge.EdgeShard.create(str(path), create_config)
    except IndexUnavailable:
        raise
    except Exception as exc:
        if "WouldBlock" in str(exc) or "already" in str(exc).lower():
            raise IndexLocked(locked_message(path)) from None
        raise


def locked_message(path: Path) -> str:
    return (
        f"Indexet i {path} används redan av en annan process (till exempel `kunskap serve` "
        "eller `kunskap ingest`). Inbäddad Qdrant tillåter en process åt gången: kör servern, "
        'läs då in via administrationssidan /admin/kallor ("Läs in igen"); annars stoppa '
        "den andra processen och försök igen, eller använd en Qdrant-server "
        "(KUNSKAP_QDRANT_URL)."
    )


def _edge_condition(cond: Condition) -> Any:
    edge = _edge()
    if isinstance(cond, Match):
        return edge.FieldCondition(cond.key, match=edge.MatchValue(cond.value))
    if isinstance(cond, MatchAny):
        return edge.FieldCondition(cond.key, match=edge.MatchAny(list(cond.values)))
    return edge.FieldCondition(cond.key, range=edge.RangeDateTime(gte=cond.gte, lte=cond.lte))


def _edge_filter(where: Where | None) -> Any:
    if where is None or not (where.must or where.must_not):
        return None
    edge = _edge()
    return edge.Filter(
        must=[_edge_condition(c) for c in where.must] or None,
        must_not=[_edge_condition(c) for c in where.must_not] or None,
    )


def _dense_of(vector: Any) -> list[float] | None:
    if isinstance(vector, dict):
        dense = vector.get(DENSE)
        return [float(x) for x in dense] if dense is not None else None
    return None


def _record(point_id: Any, payload: Any, vector: Any) -> Record:
    """A stored point as ``Record``, from Edge's and qdrant-client's point types alike
    (both hold named vectors as a dict; the sparse slot has ``indices`` and ``values``)."""
    named = vector if isinstance(vector, dict) else {}
    sparse = named.get(SPARSE)
    return Record(
        str(point_id),
        dict(payload or {}),
        _dense_of(vector),
        (list(sparse.indices), [float(v) for v in sparse.values]) if sparse is not None else None,
    )


class EdgeIndex:
    """Qdrant Edge shards under one folder, one shard directory per collection."""

    engine = "edge"

    def __init__(
        self,
        root: Path,
        *,
        exact_max_points: int,
        hnsw_ef: int,
        indexing_threshold_kb: int | None = None,
    ) -> None:
        self.root = root
        self.exact_max_points = exact_max_points
        self.hnsw_ef = hnsw_ef
        # Segments above this size get an HNSW graph when optimize() runs (Edge's default,
        # 10 MB, is about 6,500 e5-small vectors); tests lower it to build a graph quickly.
        self.indexing_threshold_kb = indexing_threshold_kb
        self._held: set[Path] = set()
        self._exact: dict[str, bool] = {}

    def _path(self, collection: str) -> Path:
        return self.root / SHARDS_DIR / collection

    def _shard(self, collection: str, create_config: Any | None = None) -> Any:
        path = self._path(collection)
        if path.resolve() in self._held:
            shard = _SHARDS.peek(path)
            if shard is not None:
                return shard
            self._held.discard(path.resolve())
        shard = _SHARDS.acquire(path, create_config)
        self._held.add(path.resolve())
        return shard

    def exists(self, collection: str) -> bool:
        path = self._path(collection)
        return (path / "edge_config.json").exists() or (path / "segments").exists()

    def ensure_collection(self, collection: str, dim: int) -> None:
        edge = _edge()
        existed = self.exists(collection)
        config = edge.EdgeConfig(
            vectors={DENSE: edge.EdgeVectorParams(size=dim, distance=edge.Distance.Cosine)},
            sparse_vectors={SPARSE: edge.EdgeSparseVectorParams(modifier=edge.Modifier.Idf)},
            optimizers=edge.EdgeOptimizersConfig(indexing_threshold=self.indexing_threshold_kb)
            if self.indexing_threshold_kb is not None
            else None,
        )
        shard = self._shard(collection, config)
        if not existed:
            schema = edge.PayloadSchemaType
            for name in KEYWORD_FIELDS:
                shard.update(edge.UpdateOperation.create_field_index(name, schema.Keyword))
            for name in INTEGER_FIELDS:
                shard.update(edge.UpdateOperation.create_field_index(name, schema.Integer))
            for name in DATETIME_FIELDS:
                shard.update(edge.UpdateOperation.create_field_index(name, schema.Datetime))

    def drop_collection(self, collection: str) -> None:
        path = self._path(collection)
        if path.resolve() in self._held:
            _SHARDS.release(path, force=True)
            self._held.discard(path.resolve())
        elif _SHARDS.peek(path) is not None:
            _SHARDS.release(path, force=True)
        self._exact.pop(collection, None)
        if path.exists():
            shutil.rmtree(path)

    def upsert(self, collection: str, points: Sequence[IndexPoint], batch: int = 256) -> None:
        edge = _edge()
        shard = self._shard(collection)
        for start in range(0, len(points), batch):
            shard.update(
                edge.UpdateOperation.upsert_points(
                    [
                        edge.Point(
                            p.id,
                            {
                                DENSE: p.dense,
                                SPARSE: edge.SparseVector(p.sparse_indices, p.sparse_values),
                            },
                            p.payload,
                        )
                        for p in points[start : start + batch]
                    ]
                )
            )
        self._exact.pop(collection, None)

    def delete(self, collection: str, where: Where) -> None:
        edge = _edge()
        self._shard(collection).update(
            edge.UpdateOperation.delete_points_by_filter(_edge_filter(where))
        )
        self._exact.pop(collection, None)

    def _search_params(self, collection: str) -> Any:
        # Up to exact_max_points the dense prefetch scans every vector (exact, and no graph
        # to build); above it ingest built an HNSW graph, searched with a raised ef.
        exact = self._exact.get(collection)
        if exact is None:
            exact = self.count(collection) <= self.exact_max_points
            self._exact[collection] = exact
        return _edge().SearchParams(hnsw_ef=self.hnsw_ef, exact=exact)

    def query(self, collection: str, query: HybridQuery) -> list[IndexHit]:
        edge = _edge()
        shard = self._shard(collection)
        flt = _edge_filter(query.where)
        params = self._search_params(collection)
        dense_q = edge.Query.Nearest(query.dense, using=DENSE)
        sparse_q = edge.Query.Nearest(
            edge.SparseVector(query.sparse_indices, query.sparse_values), using=SPARSE
        )
        common: dict[str, Any] = {
            "limit": query.limit,
            "with_payload": True,
            "with_vector": [DENSE] if query.with_dense else False,
        }
        if query.mode == "dense":
            request = edge.QueryRequest(query=dense_q, filter=flt, params=params, **common)
        elif query.mode == "sparse":
            if not query.sparse_indices:
                return []
            request = edge.QueryRequest(query=sparse_q, filter=flt, **common)
        else:
            prefetches = [
                edge.Prefetch(
                    limit=query.dense_candidates, query=dense_q, filter=flt, params=params
                )
            ]
            if query.sparse_indices:
                prefetches.append(
                    edge.Prefetch(limit=query.sparse_candidates, query=sparse_q, filter=flt)
                )
            if query.fusion == "rrf":
                lists = [(dense_q, params, query.dense_candidates)]
                if query.sparse_indices:
                    lists.append((sparse_q, None, query.sparse_candidates))
                return self._rrf(shard, lists, flt, query)
            request = edge.QueryRequest(query=edge.Fusion.Dbsf(), prefetches=prefetches, **common)
        return [
            IndexHit(str(p.id), float(p.score), dict(p.payload or {}), _dense_of(p.vector))
            for p in shard.query(request)
        ]

    @staticmethod
    def _rrf(shard: Any, lists: list[Any], flt: Any, query: HybridQuery) -> list[IndexHit]:
        """Reciprocal rank fusion of the dense and sparse candidates, computed here rather
        than by Edge, whose order of tied fused scores changes between identical queries.
        This is the fusion of qdrant-client's local mode, the engine before Edge: 1 / (rank
        + k) summed over the lists, ties in order of first appearance, the dense list first;
        so the same candidates make the cut as before, every time."""
        edge = _edge()
        scores: dict[str, float] = {}
        points: dict[str, Any] = {}
        for vector_query, params, candidates in lists:
            request = edge.QueryRequest(
                query=vector_query,
                filter=flt,
                params=params,
                limit=candidates,
                with_payload=True,
                with_vector=[DENSE] if query.with_dense else False,
            )
            for rank, point in enumerate(shard.query(request)):
                key = str(point.id)
                points.setdefault(key, point)
                scores[key] = scores.get(key, 0.0) + 1.0 / (rank + RRF_K)
        ranked = sorted(scores, key=lambda key: scores[key], reverse=True)[: query.limit]
        return [
            IndexHit(
                key, scores[key], dict(points[key].payload or {}), _dense_of(points[key].vector)
            )
            for key in ranked
        ]

    def scroll(
        self,
        collection: str,
        *,
        fields: Sequence[str] | bool = True,
        where: Where | None = None,
        with_vectors: bool = False,
        batch: int = 512,
        limit: int | None = None,
    ) -> Iterator[Record]:
        edge = _edge()
        shard = self._shard(collection)
        flt = _edge_filter(where)
        with_payload = list(fields) if not isinstance(fields, bool) else fields
        offset = None
        yielded = 0
        while True:
            size = batch if limit is None else min(batch, limit - yielded)
            records, offset = shard.scroll(
                edge.ScrollRequest(
                    offset=offset,
                    limit=size,
                    filter=flt,
                    with_payload=with_payload,
                    with_vector=with_vectors,
                )
            )
            for rec in records:
                yield _record(rec.id, rec.payload, rec.vector)
            yielded += len(records)
            if offset is None or (limit is not None and yielded >= limit):
                return

    def count(self, collection: str, where: Where | None = None) -> int:
        edge = _edge()
        return int(
            self._shard(collection).count(edge.CountRequest(exact=True, filter=_edge_filter(where)))
        )

    def finish_writes(self, collection: str) -> None:
        shard = self._shard(collection)
        points = self.count(collection)
        if points > self.exact_max_points:
            log.info("bygger HNSW-graf för %d chunkar (blockerar)", points)
            shard.optimize()
        shard.flush()
        self._exact.pop(collection, None)

    def info(self, collection: str) -> CollectionInfo:
        shard = self._shard(collection)
        info = shard.info()
        return CollectionInfo(
            points=int(info.points_count),
            dim=None,
            engine=self.engine,
            extra={
                "segments": int(info.segments_count),
                "indexed_vectors": int(info.indexed_vectors_count),
                "path": str(self._path(collection)),
            },
        )

    def close(self) -> None:
        for path in list(self._held):
            _SHARDS.release(path)
        self._held.clear()


# --- qdrant-client (server, cluster; local mode in tests) ---------------------------------


def _client_condition(cond: Condition) -> Any:
    from qdrant_client import models

    if isinstance(cond, Match):
        return models.FieldCondition(key=cond.key, match=models.MatchValue(value=cond.value))
    if isinstance(cond, MatchAny):
        return models.FieldCondition(key=cond.key, match=models.MatchAny(any=list(cond.values)))
    return models.FieldCondition(
        key=cond.key, range=models.DatetimeRange(gte=cond.gte, lte=cond.lte)
    )


def _client_filter(where: Where | None) -> Any:
    if where is None or not (where.must or where.must_not):
        return None
    from qdrant_client import models

    return models.Filter(
        must=[_client_condition(c) for c in where.must] or None,
        must_not=[_client_condition(c) for c in where.must_not] or None,
    )


class ClientIndex:
    """qdrant-client: a Qdrant server or cluster (shards, replicas, payload indexes)."""

    engine = "server"

    def __init__(
        self,
        client: QdrantClient,
        *,
        shard_number: int = 1,
        replication_factor: int = 1,
        hnsw_ef: int | None = None,
        payload_indexes: bool = True,
    ) -> None:
        self.client = client
        self.shard_number = shard_number
        self.replication_factor = replication_factor
        self.hnsw_ef = hnsw_ef
        self.payload_indexes = payload_indexes

    def exists(self, collection: str) -> bool:
        return bool(self.client.collection_exists(collection))

    def ensure_collection(self, collection: str, dim: int) -> None:
        from qdrant_client import models

        if self.exists(collection):
            return
        self.client.create_collection(
            collection_name=collection,
            vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            shard_number=self.shard_number,
            replication_factor=self.replication_factor,
        )
        if self.payload_indexes:
            schema = models.PayloadSchemaType
            for name in KEYWORD_FIELDS:
                self.client.create_payload_index(collection, name, field_schema=schema.KEYWORD)
            for name in INTEGER_FIELDS:
                self.client.create_payload_index(collection, name, field_schema=schema.INTEGER)
            for name in DATETIME_FIELDS:
                self.client.create_payload_index(collection, name, field_schema=schema.DATETIME)

    def drop_collection(self, collection: str) -> None:
        if self.exists(collection):
            self.client.delete_collection(collection)

    def upsert(self, collection: str, points: Sequence[IndexPoint], batch: int = 256) -> None:
        from qdrant_client import models

        for start in range(0, len(points), batch):
            self.client.upsert(
                collection,
                points=[
                    models.PointStruct(
                        id=p.id,
                        vector={
                            DENSE: p.dense,
                            SPARSE: models.SparseVector(
                                indices=p.sparse_indices, values=p.sparse_values
                            ),
                        },
                        payload=p.payload,
                    )
                    for p in points[start : start + batch]
                ],
                wait=True,
            )

    def delete(self, collection: str, where: Where) -> None:
        from qdrant_client import models

        self.client.delete(
            collection,
            points_selector=models.FilterSelector(filter=_client_filter(where)),
            wait=True,
        )

    def query(self, collection: str, query: HybridQuery) -> list[IndexHit]:
        from qdrant_client import models

        flt = _client_filter(query.where)
        sparse = models.SparseVector(indices=query.sparse_indices, values=query.sparse_values)
        params = models.SearchParams(hnsw_ef=self.hnsw_ef) if self.hnsw_ef else None
        common: dict[str, Any] = {
            "collection_name": collection,
            "limit": query.limit,
            "with_payload": True,
            "with_vectors": [DENSE] if query.with_dense else False,
        }
        if query.mode == "dense":
            result = self.client.query_points(
                query=query.dense, using=DENSE, query_filter=flt, search_params=params, **common
            )
        elif query.mode == "sparse":
            if not query.sparse_indices:
                return []
            result = self.client.query_points(
                query=sparse, using=SPARSE, query_filter=flt, **common
            )
        else:
            prefetch = [
                models.Prefetch(
                    query=query.dense,
                    using=DENSE,
                    limit=query.dense_candidates,
                    filter=flt,
                    params=params,
                )
            ]
            if query.sparse_indices:
                prefetch.append(
                    models.Prefetch(
                        query=sparse, using=SPARSE, limit=query.sparse_candidates, filter=flt
                    )
                )
            fusion = models.Fusion.RRF if query.fusion == "rrf" else models.Fusion.DBSF
            result = self.client.query_points(
                prefetch=prefetch, query=models.FusionQuery(fusion=fusion), **common
            )
        return [
            IndexHit(str(p.id), float(p.score), dict(p.payload or {}), _dense_of(p.vector))
            for p in result.points
        ]

    def scroll(
        self,
        collection: str,
        *,
        fields: Sequence[str] | bool = True,
        where: Where | None = None,
        with_vectors: bool = False,
        batch: int = 512,
        limit: int | None = None,
    ) -> Iterator[Record]:
        offset = None
        yielded = 0
        flt = _client_filter(where)
        while True:
            size = batch if limit is None else min(batch, limit - yielded)
            points, offset = self.client.scroll(
                collection_name=collection,
                scroll_filter=flt,
                with_payload=list(fields) if not isinstance(fields, bool) else fields,
                with_vectors=with_vectors,
                limit=size,
                offset=offset,
            )
            for point in points:
                yield _record(point.id, point.payload, point.vector)
            yielded += len(points)
            if offset is None or (limit is not None and yielded >= limit):
                return

    def count(self, collection: str, where: Where | None = None) -> int:
        return int(
            self.client.count(collection, count_filter=_client_filter(where), exact=True).count
        )

    def finish_writes(self, collection: str) -> None:
        # A server builds its HNSW graph in the background; nothing to wait for here.
        return None

    def info(self, collection: str) -> CollectionInfo:
        info = self.client.get_collection(collection)
        return CollectionInfo(
            points=int(info.points_count or 0),
            dim=None,
            engine=self.engine,
            extra={"status": str(info.status)},
        )

    def close(self) -> None:
        self.client.close()


# --- opening, and moving an index written by an earlier version ------------------------------


def local_mode_collections(root: Path) -> list[str]:
    """Collections that qdrant-client's local mode (the embedded engine before Edge) left here."""
    meta = root / "meta.json"
    if not meta.is_file():
        return []
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return sorted((data.get("collections") or {}).keys())


def migrate_local_mode(root: Path, target: EdgeIndex, *, batch: int = 512) -> dict[str, int]:
    """Copy every collection of a local-mode folder into Edge shards, vectors as stored.

    Nothing is embedded again. The old files are then moved aside to
    ``<root>/local-mode-backup`` (delete it when the assistant works).
    """
    from qdrant_client import QdrantClient

    names = local_mode_collections(root)
    if not names:
        return {}
    try:
        old = QdrantClient(path=str(root))
    except Exception as exc:
        if "already accessed" in str(exc):
            raise IndexLocked(locked_message(root)) from None
        raise
    source = ClientIndex(old, payload_indexes=False)
    moved: dict[str, int] = {}
    try:
        for name in names:
            if not source.exists(name):
                continue
            if target.exists(name):  # a half-finished earlier migration: start over
                target.drop_collection(name)
            buffer: list[IndexPoint] = []
            copied = 0
            for rec in source.scroll(name, with_vectors=True, batch=batch):
                if rec.dense is None:
                    continue
                if copied == 0 and not buffer:
                    target.ensure_collection(name, len(rec.dense))
                indices, values = rec.sparse or ([], [])
                buffer.append(IndexPoint(rec.id, rec.dense, indices, values, rec.payload))
                if len(buffer) >= batch:
                    target.upsert(name, buffer)
                    copied += len(buffer)
                    buffer = []
            if buffer:
                target.upsert(name, buffer)
                copied += len(buffer)
            if copied:
                target.finish_writes(name)
            moved[name] = copied
    finally:
        old.close()
    backup = root / LOCAL_MODE_BACKUP
    backup.mkdir(exist_ok=True)
    for part in ("meta.json", "collection"):
        if (root / part).exists():
            shutil.move(str(root / part), str(backup / part))
    return moved


def open_index(settings: Settings, *, migrate: bool = True) -> VectorIndex:
    """The index the settings name: a Qdrant server when KUNSKAP_QDRANT_URL is set, else Edge.

    An embedded folder written by an earlier version (qdrant-client's local mode) is moved
    into Edge shards on first open, without embedding anything again.
    """
    cfg = settings.qdrant
    if cfg.url:
        from qdrant_client import QdrantClient

        client = QdrantClient(
            url=cfg.url,
            api_key=cfg.api_key.get_secret_value() if cfg.api_key else None,
            timeout=int(cfg.timeout_s),
        )
        return ClientIndex(
            client,
            shard_number=cfg.shard_number,
            replication_factor=cfg.replication_factor,
            hnsw_ef=cfg.hnsw_ef,
        )
    root = settings.qdrant_path
    root.mkdir(parents=True, exist_ok=True)
    index = EdgeIndex(root, exact_max_points=cfg.exact_search_max_points, hnsw_ef=cfg.hnsw_ef)
    if local_mode_collections(root):
        if not migrate:
            raise IndexUnavailable(old_format_message(root))
        try:
            moved = migrate_local_mode(root, index)
        except IndexLocked:
            raise
        except Exception as exc:
            log.debug("migration failed", exc_info=True)
            raise IndexUnavailable(
                f"{old_format_message(root)} (flytten misslyckades: {type(exc).__name__})"
            ) from None
        total = sum(moved.values())
        log.warning(
            "Indexet i %s var skrivet av en äldre version; %d chunkar i %d samling(ar) flyttades "
            "till Qdrant Edge utan ny inbäddning. Den gamla kopian ligger i %s och kan tas bort.",
            root,
            total,
            len(moved),
            root / LOCAL_MODE_BACKUP,
        )
    return index


def old_format_message(root: Path) -> str:
    return (
        f"Indexet i {root} är skrivet av en äldre version (qdrant-clients lokala läge). "
        "Kör `kunskap ingest --rebuild` för att bygga om det."
    )


# --- moving an index between engines without embedding again -------------------------------

EXPORT_FORMAT = "kunskap-index"
EXPORT_VERSION = 1


def export_collection(index: VectorIndex, collection: str, out: Path, *, batch: int = 512) -> int:
    """Write every point (id, both vectors, payload) as gzipped JSON lines; returns the count.

    The first line is a header naming the collection and the dense dimension, so
    ``import_collection`` can create the same collection on another engine.
    """
    import gzip

    count = 0
    dim: int | None = None
    tmp = out.with_name(out.name + ".part")
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        fh.write(
            json.dumps(
                {
                    "format": EXPORT_FORMAT,
                    "version": EXPORT_VERSION,
                    "collection": collection,
                    "points": index.count(collection),
                }
            )
            + "\n"
        )
        for rec in index.scroll(collection, with_vectors=True, batch=batch):
            if rec.dense is None:
                continue
            dim = dim or len(rec.dense)
            indices, values = rec.sparse or ([], [])
            fh.write(
                json.dumps(
                    {
                        "id": rec.id,
                        "dense": rec.dense,
                        "sparse": {"indices": indices, "values": values},
                        "payload": rec.payload,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            count += 1
    tmp.replace(out)
    return count


def import_collection(
    index: VectorIndex, source: Path, *, collection: str | None = None, batch: int = 256
) -> tuple[str, int]:
    """Load a file written by ``export_collection`` into ``index``; returns (collection, count).

    Points keep their ids, so importing twice overwrites instead of duplicating.
    """
    import gzip

    with gzip.open(source, "rt", encoding="utf-8") as fh:
        header = json.loads(fh.readline() or "{}")
        if header.get("format") != EXPORT_FORMAT or header.get("version") != EXPORT_VERSION:
            raise ValueError(f"{source} är ingen indexexport från kunskap index export")
        name = collection or str(header["collection"])
        buffer: list[IndexPoint] = []
        count = 0
        for line in fh:
            row = json.loads(line)
            if count == 0 and not buffer:
                index.ensure_collection(name, len(row["dense"]))
            sparse = row.get("sparse") or {}
            buffer.append(
                IndexPoint(
                    row["id"],
                    row["dense"],
                    list(sparse.get("indices", [])),
                    list(sparse.get("values", [])),
                    row["payload"],
                )
            )
            if len(buffer) >= batch:
                index.upsert(name, buffer, batch=batch)
                count += len(buffer)
                buffer = []
        if buffer:
            index.upsert(name, buffer, batch=batch)
            count += len(buffer)
    if count:
        index.finish_writes(name)
    return name, count

"""Qdrant Edge (``qdrant-edge-py``): Qdrant's own engine in-process, the embedded default.

One shard directory per collection under ``<qdrant path>/shards/``; one open shard per
directory in this process, shared by everything that opens the index.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .index_types import (
    DATETIME_FIELDS,
    DENSE,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    SPARSE,
    CollectionInfo,
    Condition,
    HybridQuery,
    IndexHit,
    IndexLocked,
    IndexPoint,
    IndexUnavailable,
    Match,
    MatchAny,
    Record,
    Where,
    as_record,
    dense_of,
)

log = logging.getLogger(__name__)

# RRF constant: Qdrant's server and qdrant-client's local mode use k=2 (score 1/(k+rank));
# Edge has no default, so it is spelled out to rank exactly as before.
RRF_K = 2

SHARDS_DIR = "shards"


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
            IndexHit(str(p.id), float(p.score), dict(p.payload or {}), dense_of(p.vector))
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
                key, scores[key], dict(points[key].payload or {}), dense_of(points[key].vector)
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
                yield as_record(rec.id, rec.payload, rec.vector)
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

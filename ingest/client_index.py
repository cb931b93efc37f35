"""qdrant-client: a Qdrant server or cluster (``KUNSKAP_QDRANT_URL``), and in tests and the
move from an old embedded folder, qdrant-client's in-process local mode."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

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
    IndexPoint,
    Match,
    MatchAny,
    Record,
    Where,
    as_record,
    dense_of,
)

if TYPE_CHECKING:
    from qdrant_client import QdrantClient


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
            IndexHit(str(p.id), float(p.score), dict(p.payload or {}), dense_of(p.vector))
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
                yield as_record(point.id, point.payload, point.vector)
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

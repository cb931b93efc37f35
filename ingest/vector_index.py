"""The vector index behind one narrow interface, with two engines.

Everything the product asks of Qdrant goes through ``VectorIndex``: make sure a collection
exists, write points in batches, delete by filter, one hybrid query (dense + sparse
prefetch fused by RRF or DBSF, or a single mode), scroll payloads, count, exists.

- ``EdgeIndex``: Qdrant Edge (``qdrant-edge-py``), Qdrant's own engine in-process. The
  embedded default: one shard directory per collection under ``<qdrant path>/shards/``.
- ``ClientIndex``: qdrant-client against a Qdrant server or cluster (``KUNSKAP_QDRANT_URL``),
  and, in tests, qdrant-client's in-process local mode.

Filters, points and hits are our own small types, so no caller imports either engine.

Modules: ``index_types.py`` (the interface and our types), ``edge_index.py``,
``client_index.py``, ``index_transfer.py`` (local-mode migration, export and import); this
module chooses the engine the settings name and keeps the one import surface.
"""

from __future__ import annotations

import logging

from kunskap.settings import Settings

from .client_index import ClientIndex
from .edge_index import RRF_K, SHARDS_DIR, EdgeIndex, locked_message
from .index_transfer import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    LOCAL_MODE_BACKUP,
    export_collection,
    import_collection,
    local_mode_collections,
    migrate_local_mode,
    old_format_message,
)
from .index_types import (
    DATETIME_FIELDS,
    DENSE,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    SPARSE,
    CollectionInfo,
    Condition,
    DateRange,
    Fusion,
    HybridQuery,
    IndexHit,
    IndexLocked,
    IndexPoint,
    IndexUnavailable,
    Match,
    MatchAny,
    Mode,
    Record,
    VectorIndex,
    Where,
)

__all__ = [
    "DATETIME_FIELDS",
    "DENSE",
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "INTEGER_FIELDS",
    "KEYWORD_FIELDS",
    "LOCAL_MODE_BACKUP",
    "RRF_K",
    "SHARDS_DIR",
    "SPARSE",
    "ClientIndex",
    "CollectionInfo",
    "Condition",
    "DateRange",
    "EdgeIndex",
    "Fusion",
    "HybridQuery",
    "IndexHit",
    "IndexLocked",
    "IndexPoint",
    "IndexUnavailable",
    "Match",
    "MatchAny",
    "Mode",
    "Record",
    "VectorIndex",
    "Where",
    "export_collection",
    "import_collection",
    "local_mode_collections",
    "locked_message",
    "migrate_local_mode",
    "old_format_message",
    "open_index",
]

log = logging.getLogger(__name__)


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

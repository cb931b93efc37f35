"""Moving points between engines without embedding again: an embedded folder written by
an earlier version (qdrant-client's local mode) into Edge shards, and ``kunskap index
export``/``import`` through a gzipped JSON-lines file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .client_index import ClientIndex
from .edge_index import EdgeIndex, locked_message
from .index_types import IndexLocked, IndexPoint, VectorIndex

LOCAL_MODE_BACKUP = "local-mode-backup"


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


def old_format_message(root: Path) -> str:
    return (
        f"Indexet i {root} är skrivet av en äldre version (qdrant-clients lokala läge). "
        "Kör `kunskap ingest --rebuild` för att bygga om det."
    )


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

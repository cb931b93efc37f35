"""Each engine loaded and queried in fresh subprocesses, and recall against exact search."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kunskap.settings import Settings

from .common import (
    AREAS,
    COLLECTION,
    DIM,
    QUERIES,
    REPO,
    RETRIEVER_LIMIT,
    TOP,
    dir_size,
    peak_rss_mb,
    percentiles,
)
from .synthetic import Synthetic


def open_engine(engine: str, root: Path) -> Any:
    from ingest.vector_index import ClientIndex, EdgeIndex

    if engine == "local":
        from qdrant_client import QdrantClient

        return ClientIndex(QdrantClient(path=str(root)), payload_indexes=False)
    settings = Settings(_env_file=None)
    if engine == "edge-hnsw":
        return EdgeIndex(root, exact_max_points=0, hnsw_ef=settings.qdrant.hnsw_ef)
    return EdgeIndex(
        root,
        exact_max_points=settings.qdrant.exact_search_max_points,
        hnsw_ef=settings.qdrant.hnsw_ef,
    )


def worker_load(engine: str, root: Path, n: int, source: Path | None) -> dict[str, Any]:
    """Write the points (synthetic, or copied from an exported file) and finish the load."""
    from ingest.vector_index import import_collection

    index = open_engine(engine, root)
    t0 = time.perf_counter()
    if source is not None:
        _, n = import_collection(index, source, collection=COLLECTION)
        t_write = time.perf_counter() - t0
        t_finish = 0.0  # import_collection ran finish_writes; counted in load_s
    else:
        index.ensure_collection(COLLECTION, DIM)
        for points in Synthetic().batches(n):
            index.upsert(COLLECTION, points)
        t_write = time.perf_counter() - t0
        t1 = time.perf_counter()
        index.finish_writes(COLLECTION)
        t_finish = time.perf_counter() - t1
    load_s = time.perf_counter() - t0
    count = index.count(COLLECTION)
    index.close()
    return {
        "points": count,
        "load_s": round(load_s, 1),
        "write_s": round(t_write, 1),
        "hnsw_build_s": round(t_finish, 1),
        "load_rss_mb": round(peak_rss_mb()),
    }


def worker_query(engine: str, root: Path, queries: int, real: Path | None) -> dict[str, Any]:
    from ingest.vector_index import HybridQuery, MatchAny, Where

    if engine == "local":
        import qdrant_client  # noqa: F401  # imported before the clock starts, as Edge's is
    import qdrant_edge  # noqa: F401  # the same for Edge

    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    index = open_engine(engine, root)
    index.count(COLLECTION)  # Edge opens the shard lazily; count forces the load
    reopen_s = time.perf_counter() - t0
    if real is not None:
        qs = [tuple(q) for q in json.loads(real.read_text())][:queries]
    else:
        # Lists where the JSON branch gives tuples: both are indexed the same way below.
        qs = Synthetic().queries(queries)
    where = Where(must=(MatchAny("areas", (AREAS[0],)),))
    modes: dict[str, dict[str, Any]] = {
        "dense": {"mode": "dense", "limit": 20},
        "sparse": {"mode": "sparse", "limit": 20},
        "hybrid": {"mode": "hybrid", "limit": RETRIEVER_LIMIT},
        "filtered": {"mode": "hybrid", "limit": RETRIEVER_LIMIT, "where": where},
    }
    timings: dict[str, list[float]] = {m: [] for m in modes}
    results: dict[str, list[list[str]]] = {m: [] for m in modes}
    index.query(COLLECTION, HybridQuery(qs[0][0], qs[0][1], qs[0][2], limit=5))  # warm-up
    for dense, indices, values in qs:
        for name, kw in modes.items():
            query = HybridQuery(dense, list(indices), list(values), **kw)
            t = time.perf_counter()
            hits = index.query(COLLECTION, query)
            timings[name].append((time.perf_counter() - t) * 1000)
            ranked = sorted(hits, key=lambda h: (-h.score, h.id))[:TOP]
            results[name].append([h.id for h in ranked])
    out: dict[str, Any] = {"reopen_s": round(reopen_s, 2), "queries": len(qs)}
    for name, values_ms in timings.items():
        p50, p95 = percentiles(values_ms)
        out[f"{name}_p50_ms"] = round(p50, 1)
        out[f"{name}_p95_ms"] = round(p95, 1)
    out["query_rss_mb"] = round(max(peak_rss_mb(), rss_before))
    out["_results"] = results
    index.close()
    return out


def run_worker(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "ingest.benchmark", "--worker", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if proc.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def recall(approx: list[list[str]], exact: list[list[str]]) -> float:
    found = sum(len(set(a) & set(e)) for a, e in zip(approx, exact, strict=True))
    return round(found / max(1, sum(len(e) for e in exact)), 3)


def bench_engines(
    label: str,
    n: int,
    engines: list[str],
    tmp: Path,
    *,
    source: Path | None = None,
    real_queries: Path | None = None,
    queries: int = QUERIES,
    slow_queries: int = 10,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    exact_results: dict[str, list[list[str]]] | None = None
    for engine in engines:
        root = tmp / f"{label}-{engine}"
        shutil.rmtree(root, ignore_errors=True)
        load_args = ["load", engine, str(root), str(n)] + ([str(source)] if source else [])
        row: dict[str, Any] = {"corpus": label, "engine": engine}
        row |= run_worker(load_args)
        row["disk_mb"] = round(dir_size(root) / 1e6, 1)
        # local mode scans every point per sparse query (seconds at 100k): fewer queries.
        q = slow_queries if engine == "local" and n > 5000 else queries
        query_args = ["query", engine, str(root), str(q)] + (
            [str(real_queries)] if real_queries else []
        )
        result = run_worker(query_args)
        found = result.pop("_results")
        row |= result
        if exact_results is None and engine != "edge-hnsw":
            exact_results = found
        if exact_results is not None:
            k = min(len(found["dense"]), len(exact_results["dense"]))
            for mode in ("dense", "hybrid"):
                row[f"{mode}_recall@6"] = recall(found[mode][:k], exact_results[mode][:k])
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
        shutil.rmtree(root, ignore_errors=True)
    return rows

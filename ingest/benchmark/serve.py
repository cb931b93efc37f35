"""The whole server over a large index: peak RSS and POST /api/ask latency of `kunskap serve`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from kunskap.settings import Settings

from .common import DIM, REPO, dir_size, percentiles
from .real_text import QUESTIONS


def _replicated_points(records: list[Any], n: int, batch: int = 512) -> Any:
    """``n`` points copied round-robin from real records, each copy its own document.

    The payload and sparse vector are the real chunk's; the dense vector is the real one
    plus noise (renormalised), so copies are near but not equal and the dense search has
    ``n`` distinct vectors to scan.
    """
    from ingest.vector_index import IndexPoint

    rng = np.random.default_rng(3)
    base = np.array([r.dense for r in records], dtype=np.float32)
    for start in range(0, n, batch):
        size = min(batch, n - start)
        idx = np.arange(start, start + size) % len(records)
        dense = base[idx] + 0.02 * rng.standard_normal((size, DIM)).astype(np.float32)
        dense /= np.linalg.norm(dense, axis=1, keepdims=True)
        points = []
        for j, i in enumerate(range(start, start + size)):
            rec = records[i % len(records)]
            copy = i // len(records)
            payload = dict(rec.payload)
            payload["doc_id"] = f"{payload.get('doc_id')}-k{copy}"
            indices, values = rec.sparse
            points.append(
                IndexPoint(
                    f"{i:08x}-0000-4000-8000-000000000001",
                    dense[j].tolist(),
                    list(indices),
                    list(values),
                    payload,
                )
            )
        yield points


def _rss_mb(pid: int) -> dict[str, float]:
    """Peak (VmHWM) and current (VmRSS) resident memory of a process, in MB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = round(int(value.split()[0]) / 1024)
    return out


def _copy_index(n: int, source: Path, data: Path) -> tuple[int, int, float]:
    """A data dir at ``data`` holding ``n`` chunks copied from the index in ``source``:
    (real chunks read, points written, seconds to write them)."""
    from ingest.vector_index import open_index

    src_settings = Settings(_env_file=None, data_dir=source)
    collection = src_settings.collection_name()
    src = open_index(src_settings, migrate=False)
    records = [r for r in src.scroll(collection, with_vectors=True) if r.dense and r.sparse]
    src.close()
    if not records:
        raise SystemExit(f"no chunks in {source}: run `kunskap ingest` first")
    shutil.rmtree(data, ignore_errors=True)
    if (source / "originals").is_dir():
        shutil.copytree(source / "originals", data / "originals")
    index = open_index(Settings(_env_file=None, data_dir=data))
    t0 = time.perf_counter()
    index.ensure_collection(collection, DIM)
    for points in _replicated_points(records, n):
        index.upsert(collection, points)
    index.finish_writes(collection)
    load_s = time.perf_counter() - t0
    points_total = index.count(collection)
    index.close()
    return len(records), points_total, load_s


def _wait_until_healthy(proc: subprocess.Popen[str], url: str) -> float:
    """Seconds until ``url`` answers its health check (exits if the server dies first)."""
    import httpx

    t1 = time.perf_counter()
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"kunskap serve exited: {proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]  # stderr=PIPE
        try:
            if httpx.get(f"{url}/api/health", timeout=30).json().get("ok"):
                return time.perf_counter() - t1
        except httpx.HTTPError:
            pass
        time.sleep(0.5)


def _ask_rounds(url: str, rounds: int) -> list[float]:
    """Milliseconds of each POST /api/ask: the benchmark's questions, ``rounds`` times."""
    import httpx

    latencies: list[float] = []
    with httpx.Client(timeout=120) as client:
        for _ in range(rounds):
            for question in QUESTIONS:
                t = time.perf_counter()
                response = client.post(f"{url}/api/ask", json={"question": question})
                latencies.append((time.perf_counter() - t) * 1000)
                response.raise_for_status()
    return latencies


def bench_serve(n: int, source: Path, tmp: Path, rounds: int = 3) -> dict[str, Any]:
    """Peak RSS and POST /api/ask latency of ``kunskap serve`` over ``n`` chunks.

    The chunks are copies of a real ingested index (``source``, a data dir): real payloads
    and sparse vectors, dense vectors near the real ones. The server runs as the user runs
    it (a subprocess, e5 loaded, warm-up thread, SQLite register) and is asked the
    benchmark's questions ``rounds`` times.
    """
    data = tmp / "serve-data"
    n_records, points_total, load_s = _copy_index(n, source, data)
    port = 8600 + os.getpid() % 300
    env = {**os.environ, "KUNSKAP_DATA_DIR": str(data), "KUNSKAP_LOG_LEVEL": "WARNING"}
    kunskap = Path(sys.executable).parent / "kunskap"
    proc = subprocess.Popen(
        [str(kunskap), "serve", "--port", str(port)], env=env, cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        start_s = _wait_until_healthy(proc, url)
        latencies = _ask_rounds(url, rounds)
        rss = _rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    p50, p95 = percentiles(latencies[len(QUESTIONS) :] or latencies)  # first round warms caches
    return {
        "corpus": f"copies of {n_records} real chunks",
        "engine": "kunskap serve (edge)",
        "points": points_total,
        "load_s": round(load_s, 1),
        "disk_mb": round(dir_size(data) / 1e6, 1),
        "server_start_s": round(start_s, 1),
        "serve_peak_rss_mb": rss.get("VmHWM"),
        "serve_rss_mb": rss.get("VmRSS"),
        "ask_p50_ms": round(p50),
        "ask_p95_ms": round(p95),
        "asks": len(latencies),
    }

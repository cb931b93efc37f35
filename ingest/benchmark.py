"""The vector index measured side by side per engine: load, disk, memory, reopen, latency, recall.

    python -m ingest.benchmark --synthetic 1000 20000 100000 --json
    python -m ingest.benchmark --generated 2000 --json
    python -m ingest.benchmark --synthetic 1000 20000 --write   # also rewrite docs/benchmarks.md

Engines: ``edge`` (Qdrant Edge, the embedded default), ``local`` (qdrant-client's local mode,
the embedded engine before Edge), ``edge-hnsw`` (Edge with an HNSW graph built at the end
of the load whatever the size, to measure graph search and its recall against exact).

``--synthetic N``: points shaped like real ones (384-dim unit vectors drawn around 256
centres, ~60-term sparse vectors over a Zipf vocabulary with the IDF modifier, payload with
areas and a ~1 kB text), written through ``VectorIndex.upsert`` in the ingest's batch size.
``--generated N``: about N chunks of real text (sentences of the sample corpus shuffled into
documents) through the real ingest (cleaning, chunking, e5 embedding) into Edge; the
same points are then copied into the other engines. Reports the share of ingest time spent
outside the embedding model.

Each engine and size runs in two fresh subprocesses (load, then reopen + queries), so peak
RSS is that engine's alone. Queries go through ``VectorIndex.query`` exactly as
``Retriever`` sends them (prefetch 40 + 40, every fused candidate returned). This is a
benchmark, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from kunskap.settings import Settings

REPO = Path(__file__).resolve().parent.parent
COLLECTION = "bench"
DIM = 384
AREAS = ("barn_och_unga", "aldre", "funktionsnedsattning", "missbruk", "ekonomiskt_bistand",
         "vald_i_nara_relationer", "socialpsykiatri", "overgripande")  # fmt: skip
QUERIES = 40
TOP = 6
RETRIEVER_LIMIT = 80  # dense 40 + sparse 40: Retriever fetches every fused candidate


def dir_size(path: Path) -> int:
    # Blocks actually allocated: Edge preallocates sparse files (WAL, mmap storage) whose
    # apparent size is far above what they hold.
    return sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- synthetic points -------------------------------------------------------------------------


class Synthetic:
    """Deterministic points and queries shaped like the real collection."""

    def __init__(self, seed: int = 20261206) -> None:
        rng = np.random.default_rng(seed)
        self.centres = rng.standard_normal((256, DIM)).astype(np.float32)
        vocab = 30_000
        ranks = np.arange(1, vocab + 1, dtype=np.float64)
        self.term_p = (1 / ranks) / (1 / ranks).sum()
        self.vocab = vocab
        self.text = ("Placering i familjehem följs upp av socialnämnden. " * 20)[:1000]

    def dense(self, rng: np.random.Generator, n: int) -> np.ndarray:
        centre = self.centres[rng.integers(0, len(self.centres), n)]
        vecs = centre + 0.9 * rng.standard_normal((n, DIM)).astype(np.float32)
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)

    def sparse(self, rng: np.random.Generator, terms: int) -> tuple[list[int], list[float]]:
        idx = np.unique(rng.choice(self.vocab, size=terms, p=self.term_p))
        values = rng.uniform(0.5, 3.0, len(idx)).round(3)
        return idx.tolist(), values.tolist()

    def batches(self, n: int, batch: int = 512) -> Any:
        from ingest.vector_index import IndexPoint

        rng = np.random.default_rng(1)
        for start in range(0, n, batch):
            size = min(batch, n - start)
            dense = self.dense(rng, size)
            points = []
            for j in range(size):
                i = start + j
                indices, values = self.sparse(rng, 75)  # ~60 distinct after dedup
                areas = sorted({AREAS[i % len(AREAS)], AREAS[(i * 7) % len(AREAS)]})
                points.append(
                    IndexPoint(
                        f"{i:08x}-0000-4000-8000-000000000000",
                        dense[j].tolist(),
                        indices,
                        values,
                        {
                            "doc_id": f"syn-{i // 6:06d}",
                            "source_id": "synthetic",
                            "doc_hash": "h",
                            "chunk_index": i % 6,
                            "n_chunks": 6,
                            "areas": areas,
                            "doc_type": "ovrigt",
                            "title": f"Syntetiskt dokument {i // 6}",
                            "text": self.text,
                        },
                    )
                )
            yield points

    def queries(self, n: int) -> list[tuple[list[float], list[int], list[float]]]:
        # One generator per query: the first k of queries(n) are the same for every n, so
        # an engine run with fewer queries is compared on the same ones.
        out = []
        for i in range(n):
            rng = np.random.default_rng([2, i])
            indices, values = self.sparse(rng, 8)
            out.append((self.dense(rng, 1)[0].tolist(), indices, values))
        return out


# --- engines ----------------------------------------------------------------------------------


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


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


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
        p50, p95 = _percentiles(values_ms)
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


# --- generated corpus with real embeddings ----------------------------------------------------


def sample_sentences() -> list[str]:
    from kunskap.text import split_sentences

    sentences: list[str] = []
    for seed in sorted((REPO / "corpus" / "seeds").glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        sentences += [" ".join(s.split()) for s in split_sentences(text)]
    for line in (
        (REPO / "corpus" / "faq" / "swefaq_dev_answers.jsonl").read_text("utf-8").splitlines()
    ):
        sentences += [" ".join(s.split()) for s in split_sentences(json.loads(line)["text"])]
    return [s for s in sentences if len(s.split()) >= 6]


def generate_corpus(root: Path, target_chunks: int, words_per_chunk: int = 100) -> Path:
    """JSONL documents of four ~100-word paragraphs, from shuffled real sentences.

    The chunker cuts such a document into about six chunks (measured: 19,342 chunks from
    3,333 documents), so ``target_chunks / 6`` documents give about the asked number.
    """
    rng = random.Random(20251123)
    sentences = sample_sentences()
    docs = max(1, target_chunks // 6)
    path = root / "generated.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(docs):
            paragraphs = []
            for _ in range(4):
                words = 0
                paragraph = []
                while words < words_per_chunk:
                    sentence = rng.choice(sentences)
                    paragraph.append(sentence)
                    words += len(sentence.split())
                paragraphs.append(" ".join(paragraph))
            record = {
                "id": f"gen-{i:06d}",
                "title": f"Genererat dokument {i}",
                "text": "\n\n".join(paragraphs),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    manifest = root / "manifest.yaml"
    manifest.write_text(
        "sources:\n  - id: generated\n    title: Genererad korpus\n    path: generated.jsonl\n"
        "    doc_type: ovrigt\n    publisher: Benchmark\n    areas: [overgripande]\n",
        encoding="utf-8",
    )
    return manifest


QUESTIONS = [
    "Vad är beprövad erfarenhet?",
    "Vilka frågor bör man ställa innan man inför en ny metod?",
    "När ska vård enligt LVU upphöra?",
    "Hur arbetar FoU-enheterna med kunskapsbehov?",
    "What is evidence-based practice?",
    "Hur följs en placering i familjehem upp?",
    "Vad innebär evidensbaserad praktik i socialtjänsten?",
    "Hur ska barnets bästa bedömas?",
    "Vilket stöd finns för anhöriga?",
    "Hur dokumenteras en utredning?",
]


def bench_generated(n: int, engines: list[str], tmp: Path) -> list[dict[str, Any]]:
    from ingest.embedding import build_embedding, embed_queries
    from ingest.pipeline import run_ingest
    from ingest.sparse import query_vector
    from ingest.vector_index import export_collection, open_index

    manifest = generate_corpus(tmp, n)
    settings = Settings(_env_file=None, data_dir=tmp / "gen-data", manifest=manifest)
    report = run_ingest(settings, rebuild=True)
    if not report.ok:
        raise SystemExit("ingest failed: " + "; ".join(report.failures[:3]))
    ingest_row = {
        "corpus": f"generated {report.chunks}",
        "engine": "edge (real ingest)",
        "points": report.points_total,
        "ingest_s": round(report.seconds, 1),
        "chunks_per_s": round(report.chunks / report.seconds, 2),
        "embed_share": round(report.embed_seconds / report.seconds, 3),
        "index_share": round(report.index_seconds / report.seconds, 3),
        "outside_embedding_share": round(1 - report.embed_seconds / report.seconds, 3),
    }
    print(json.dumps(ingest_row, ensure_ascii=False), file=sys.stderr, flush=True)
    index = open_index(settings)
    export = tmp / "generated.jsonl.gz"
    export_collection(index, settings.collection_name(), export)
    index.close()
    embedding = build_embedding(settings)
    dense = embed_queries(embedding, QUESTIONS)
    real = tmp / "queries.json"
    real.write_text(
        json.dumps([[d.tolist(), *query_vector(q)] for q, d in zip(QUESTIONS, dense, strict=True)])
    )
    rows = bench_engines(
        f"generated {report.chunks}",
        report.chunks,
        engines,
        tmp,
        source=export,
        real_queries=real,
        queries=len(QUESTIONS),
        slow_queries=len(QUESTIONS),
    )
    return [ingest_row, *rows]


# --- output -----------------------------------------------------------------------------------


def machine() -> str:
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    cpu = platform.processor() or platform.machine()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = " " + line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}{model}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


COLUMNS = [
    "corpus", "engine", "points", "load_s", "hnsw_build_s", "disk_mb", "load_rss_mb",
    "reopen_s", "query_rss_mb", "dense_p50_ms", "dense_p95_ms", "sparse_p50_ms",
    "sparse_p95_ms", "hybrid_p50_ms", "hybrid_p95_ms", "filtered_p50_ms", "filtered_p95_ms",
    "dense_recall@6", "hybrid_recall@6", "queries",
]  # fmt: skip


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        if "load_s" not in row:
            continue
        lines.append("| " + " | ".join(str(row.get(c, "–")) for c in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        kind, engine, root, n = sys.argv[2:6]
        extra = Path(sys.argv[6]) if len(sys.argv) > 6 else None
        if kind == "load":
            print(json.dumps(worker_load(engine, Path(root), int(n), extra)))
        else:
            print(json.dumps(worker_query(engine, Path(root), int(n), extra)))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--synthetic", type=int, nargs="*", default=[], metavar="N")
    parser.add_argument("--generated", type=int, default=0, metavar="N")
    parser.add_argument("--engines", default="local,edge", help="comma list: local,edge,edge-hnsw")
    parser.add_argument("--json", action="store_true", help="print one JSON list on stdout")
    parser.add_argument("--write", action="store_true", help="print a Markdown table too")
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.synthetic:
            rows += bench_engines(f"synthetic {n}", n, engines, Path(tmp))
        if args.generated:
            rows += bench_generated(args.generated, engines, Path(tmp))
    if args.json:
        print(json.dumps({"machine": machine(), "rows": rows}, ensure_ascii=False, indent=1))
    if args.write or not args.json:
        print(f"\nMachine: {machine()}\n\n{markdown(rows)}")


if __name__ == "__main__":
    main()

"""The benchmark's own machinery: the points it writes and the rows it reports.

Speeds are not asserted (a benchmark reports them); what is asserted is that the points are
shaped as documented and that a small run goes through both subprocess workers of each
engine and compares graph search with exact search.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ingest.benchmark.common import AREAS, DIM
from ingest.benchmark.engines import bench_engines, recall
from ingest.benchmark.real_text import real_texts
from ingest.benchmark.serve import _replicated_points, _rss_mb
from ingest.benchmark.synthetic import Synthetic
from ingest.vector_index import Record
from kunskap.domain import AREAS as DOMAIN_AREAS


def test_synthetic_points_are_unit_vectors_with_distinct_ids_and_real_areas() -> None:
    points = [p for batch in Synthetic().batches(700, batch=256) for p in batch]

    assert len(points) == 700
    assert len({p.id for p in points}) == 700
    norms = np.linalg.norm(np.array([p.dense for p in points]), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)
    assert all(set(p.payload["areas"]) <= set(DOMAIN_AREAS) for p in points)
    assert set(AREAS) == set(DOMAIN_AREAS)


def test_recall_counts_the_share_of_the_reference_top_found() -> None:
    assert recall([["a", "b"], ["c", "d"]], [["a", "x"], ["c", "d"]]) == 0.75


def test_a_small_run_loads_and_queries_each_engine_and_compares_with_exact(
    tmp_path: Path,
) -> None:
    rows = bench_engines("synthetic 300", 300, ["edge", "edge-hnsw"], tmp_path, queries=5)

    assert [r["engine"] for r in rows] == ["edge", "edge-hnsw"]
    for row in rows:
        assert row["points"] == 300
        assert row["queries"] == 5
        assert row["disk_mb"] > 0
        for mode in ("dense", "sparse", "hybrid", "filtered"):
            assert row[f"{mode}_p95_ms"] >= row[f"{mode}_p50_ms"] > 0
    # The exact engine is its own reference.
    assert rows[0]["dense_recall@6"] == rows[0]["hybrid_recall@6"] == 1.0
    assert 0.0 <= rows[1]["dense_recall@6"] <= 1.0
    assert not list(tmp_path.iterdir())  # each engine's folder is removed after its run


def test_copies_of_real_chunks_are_distinct_documents_near_their_source() -> None:
    rng = np.random.default_rng(0)
    records = []
    for i in range(3):
        v = rng.standard_normal(DIM).astype(np.float32)
        records.append(
            Record(
                id=str(i),
                payload={"doc_id": f"doc-{i}", "text": f"text {i}"},
                dense=(v / np.linalg.norm(v)).tolist(),
                sparse=([i], [1.0]),
            )
        )

    points = [p for batch in _replicated_points(records, 10, batch=4) for p in batch]

    assert len(points) == 10
    assert len({p.id for p in points}) == 10
    assert len({p.payload["doc_id"] for p in points}) == 10
    assert points[4].payload["text"] == "text 1"  # round-robin over the sources
    assert points[4].sparse_indices == [1]
    assert float(np.dot(points[4].dense, records[1].dense)) > 0.9
    assert abs(float(np.linalg.norm(points[4].dense)) - 1.0) < 1e-5


def test_real_texts_are_distinct_and_never_single_words() -> None:
    texts = real_texts(3000)

    assert len(texts) == 3000
    assert len(set(texts)) == 3000
    assert all(len(t.split()) >= 4 for t in texts)


def test_rss_is_read_for_a_running_process() -> None:
    rss = _rss_mb(os.getpid())

    assert rss["VmHWM"] >= rss["VmRSS"] > 0

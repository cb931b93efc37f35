"""The VectorIndex contract, run against both engines.

- ``edge``: Qdrant Edge on disk under tmp_path (the embedded default).
- ``client``: qdrant-client, the code path used for KUNSKAP_QDRANT_URL, here over
  qdrant-client's in-process local mode (":memory:"). No Qdrant server binary exists on
  this machine, so what is exercised is our translation to qdrant-client's request models
  and its result handling, not a server's own behaviour.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.vector_index import (
    ClientIndex,
    DateRange,
    EdgeIndex,
    HybridQuery,
    IndexLocked,
    IndexPoint,
    Match,
    MatchAny,
    VectorIndex,
    Where,
    export_collection,
    import_collection,
    local_mode_collections,
    open_index,
)
from tests.conftest import make_settings

DIM = 8
COLL = "kunskap_test"


def make_points(n: int = 30, seed: int = 7) -> list[IndexPoint]:
    rng = random.Random(seed)
    points = []
    for i in range(n):
        dense = [rng.uniform(-1, 1) for _ in range(DIM)]
        terms = sorted(rng.sample(range(50), 4))
        points.append(
            IndexPoint(
                id=f"00000000-0000-0000-0000-{i:012d}",
                dense=dense,
                sparse_indices=terms,
                # Distinct weights: no two points tie on the sparse side (ties are tested apart).
                sparse_values=[round(rng.uniform(0.5, 2.0), 3) for _ in terms],
                payload={
                    "doc_id": f"d{i % 5}",
                    "doc_hash": "h1" if i < 25 else "h2",
                    "chunk_index": i // 5,
                    "text": f"text {i}",
                    "areas": ["barn_och_unga"] if i % 2 else ["aldre", "overgripande"],
                    "published": f"20{10 + i % 10}-01-01",
                },
            )
        )
    return points


def edge_index(root: Path) -> EdgeIndex:
    return EdgeIndex(root, exact_max_points=100_000, hnsw_ef=128)


def client_index() -> ClientIndex:
    from qdrant_client import QdrantClient

    return ClientIndex(QdrantClient(location=":memory:"))


@pytest.fixture(params=["edge", "client"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorIndex]:
    idx: VectorIndex = edge_index(tmp_path) if request.param == "edge" else client_index()
    yield idx
    idx.close()


@pytest.fixture
def filled(index: VectorIndex) -> VectorIndex:
    index.ensure_collection(COLL, DIM)
    index.upsert(COLL, make_points(), batch=7)  # several batches
    return index


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_ensure_collection_is_idempotent_and_exists(index: VectorIndex) -> None:
    assert not index.exists(COLL)
    index.ensure_collection(COLL, DIM)
    index.ensure_collection(COLL, DIM)
    assert index.exists(COLL)
    assert index.count(COLL) == 0
    index.drop_collection(COLL)
    assert not index.exists(COLL)


def test_upsert_in_batches_then_scroll_returns_every_point(filled: VectorIndex) -> None:
    assert filled.count(COLL) == 30
    records = list(filled.scroll(COLL, batch=4))
    assert len(records) == 30
    assert {r.id for r in records} == {p.id for p in make_points()}
    only = list(filled.scroll(COLL, fields=["doc_id"], limit=3))
    assert len(only) == 3 and all(set(r.payload) == {"doc_id"} for r in only)


def test_scroll_with_vectors_returns_them_as_written(filled: VectorIndex) -> None:
    by_id = {p.id: p for p in make_points()}
    for rec in filled.scroll(COLL, with_vectors=True):
        src = by_id[rec.id]
        assert rec.dense is not None and rec.sparse is not None
        # Cosine vectors are stored normalised by both engines.
        norm = math.sqrt(sum(x * x for x in src.dense))
        assert rec.dense == pytest.approx([x / norm for x in src.dense], abs=1e-5)
        assert rec.sparse[0] == src.sparse_indices
        assert rec.sparse[1] == pytest.approx(src.sparse_values)


def test_upsert_same_id_overwrites(filled: VectorIndex) -> None:
    point = make_points()[0]
    point.payload = dict(point.payload, text="ny text")
    filled.upsert(COLL, [point])
    assert filled.count(COLL) == 30
    texts = [
        r.payload["text"]
        for r in filled.scroll(COLL, where=Where(must=(Match("text", "ny text"),)))
    ]
    assert texts == ["ny text"]


def test_filters_match_any_and_date_range(filled: VectorIndex) -> None:
    assert filled.count(COLL, Where(must=(Match("doc_id", "d1"),))) == 6
    assert filled.count(COLL, Where(must=(Match("chunk_index", 0),))) == 5
    assert filled.count(COLL, Where(must=(MatchAny("areas", ("aldre",)),))) == 15
    assert filled.count(COLL, Where(must=(MatchAny("areas", ("aldre", "barn_och_unga")),))) == 30
    # published 2010..2019 cycling: 2012-01-01..2014-01-01 holds three years of ten.
    assert (
        filled.count(COLL, Where(must=(DateRange("published", "2012-01-01", "2014-01-01"),))) == 9
    )
    assert filled.count(COLL, Where(must=(DateRange("published", gte="2018-06-01"),))) == 3


def test_delete_by_document_and_version(filled: VectorIndex) -> None:
    # Remove d0's chunks of every version except h2: the replace step of ingest.
    filled.delete(COLL, Where(must=(Match("doc_id", "d0"),), must_not=(Match("doc_hash", "h2"),)))
    left = [r.payload for r in filled.scroll(COLL, where=Where(must=(Match("doc_id", "d0"),)))]
    assert [p["doc_hash"] for p in left] == ["h2"]
    filled.delete(COLL, Where(must=(Match("doc_id", "d0"),)))
    assert filled.count(COLL) == 30 - 6


def _query(mode: str = "hybrid", **kw: object) -> HybridQuery:
    q = make_points(1, seed=99)[0]
    args: dict[str, object] = {
        "dense": q.dense,
        "sparse_indices": q.sparse_indices,
        "sparse_values": q.sparse_values,
        "limit": 10,
        "mode": mode,
        "dense_candidates": 8,
        "sparse_candidates": 8,
    }
    args.update(kw)
    return HybridQuery(**args)


def test_dense_query_scores_are_cosine_similarities(filled: VectorIndex) -> None:
    query = _query("dense", limit=5)
    hits = filled.query(COLL, query)
    by_id = {p.id: p for p in make_points()}
    expected = sorted((cosine(query.dense, p.dense) for p in by_id.values()), reverse=True)[:5]
    assert [h.score for h in hits] == pytest.approx(expected, abs=1e-5)
    assert all(h.dense is not None and len(h.dense) == DIM for h in hits)
    assert all(h.payload["doc_id"] for h in hits)


def test_hybrid_query_fuses_with_rrf_and_respects_filters(filled: VectorIndex) -> None:
    hits = filled.query(COLL, _query(limit=20))
    assert hits and len(hits) <= 16  # at most the union of both prefetches
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    # RRF with k=2: a point first in both lists scores 1/2 + 1/2; every score is a sum of
    # 1/(2 + rank) terms, so no score exceeds 1.
    assert max(scores) <= 1.0 + 1e-6
    only = Where(must=(MatchAny("areas", ("barn_och_unga",)),))
    filtered = filled.query(COLL, _query(limit=20, where=only))
    assert filtered and all(h.payload["areas"] == ["barn_och_unga"] for h in filtered)


def test_hybrid_without_sparse_terms_is_dense_only(filled: VectorIndex) -> None:
    hits = filled.query(COLL, _query(sparse_indices=[], sparse_values=[]))
    dense = filled.query(COLL, _query("dense", limit=8))
    assert [h.id for h in hits] == [h.id for h in dense][: len(hits)]
    assert filled.query(COLL, _query("sparse", sparse_indices=[], sparse_values=[])) == []


def test_dbsf_fusion_runs(filled: VectorIndex) -> None:
    hits = filled.query(COLL, _query(fusion="dbsf"))
    assert hits and [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_both_engines_rank_and_score_alike(tmp_path: Path) -> None:
    """The same points and queries give the same scores on Edge and on qdrant-client."""
    edge, client = edge_index(tmp_path), client_index()
    try:
        for idx in (edge, client):
            idx.ensure_collection(COLL, DIM)
            idx.upsert(COLL, make_points())
        for mode in ("dense", "sparse", "hybrid"):
            a, b = edge.query(COLL, _query(mode)), client.query(COLL, _query(mode))
            # Ties may come in another order; the multiset of (score, id) groups must agree.
            assert sorted(h.score for h in a) == pytest.approx(sorted(h.score for h in b), rel=1e-5)
            assert {h.id for h in a if h.score > a[-1].score + 1e-5} == {
                h.id for h in b if h.score > b[-1].score + 1e-5
            }
    finally:
        edge.close()
        client.close()


def test_edge_index_survives_reopening(tmp_path: Path) -> None:
    first = edge_index(tmp_path)
    first.ensure_collection(COLL, DIM)
    first.upsert(COLL, make_points())
    first.close()
    again = edge_index(tmp_path)
    try:
        assert again.exists(COLL) and again.count(COLL) == 30
        assert again.count(COLL, Where(must=(Match("doc_id", "d3"),))) == 6
        assert again.info(COLL).extra["segments"] >= 1
    finally:
        again.close()


def test_edge_index_is_shared_within_a_process(tmp_path: Path) -> None:
    # Services, the ingest and tests may each open the same folder in one process.
    a, b = edge_index(tmp_path), edge_index(tmp_path)
    try:
        a.ensure_collection(COLL, DIM)
        a.upsert(COLL, make_points())
        assert b.count(COLL) == 30
        a.close()
        assert b.count(COLL) == 30  # b still holds the shard
    finally:
        b.close()


def test_second_process_gets_a_clear_swedish_message(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    idx = open_index(settings)
    idx.ensure_collection(settings.collection_name(), DIM)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "kunskap.cli", "index", "info"],
            env={"KUNSKAP_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[2],
        )
    finally:
        idx.close()
    assert proc.returncode == 2
    assert "används redan av en annan process" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 3  # one message (wrapped by the terminal)


def test_locked_shard_raises_index_locked(tmp_path: Path) -> None:
    idx = edge_index(tmp_path)
    idx.ensure_collection(COLL, DIM)
    code = (
        "import sys; from pathlib import Path\n"
        "from ingest.vector_index import EdgeIndex, IndexLocked\n"
        "try:\n"
        f"    EdgeIndex(Path({str(tmp_path)!r}), exact_max_points=1, hnsw_ef=1).count({COLL!r})\n"
        "except IndexLocked as exc:\n"
        "    print(exc); sys.exit(3)\n"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[2],
        )
    finally:
        idx.close()
    assert proc.returncode == 3, proc.stderr
    assert "Inbäddad Qdrant tillåter en process åt gången" in proc.stdout
    assert IndexLocked.__mro__[1].__name__ == "IndexUnavailable"


def test_local_mode_folder_is_migrated_without_reembedding(tmp_path: Path) -> None:
    from qdrant_client import QdrantClient

    settings = make_settings(tmp_path / "data")
    root = settings.qdrant_path
    root.mkdir(parents=True)
    old = ClientIndex(QdrantClient(path=str(root)), payload_indexes=False)
    name = settings.collection_name()
    old.ensure_collection(name, DIM)
    old.upsert(name, make_points())
    before = old.query(name, _query("dense"))
    old.close()
    assert local_mode_collections(root) == [name]

    idx = open_index(settings)
    try:
        assert idx.engine == "edge"
        assert idx.count(name) == 30
        after = idx.query(name, _query("dense"))
        assert [(h.id, round(h.score, 5)) for h in after] == [
            (h.id, round(h.score, 5)) for h in before
        ]
        assert idx.count(name, Where(must=(Match("doc_id", "d2"),))) == 6
    finally:
        idx.close()
    assert local_mode_collections(root) == []  # moved aside, not migrated twice
    assert (root / "local-mode-backup" / "meta.json").is_file()
    again = open_index(settings)
    try:
        assert again.count(name) == 30
    finally:
        again.close()


def test_export_from_edge_imports_into_client_without_reembedding(tmp_path: Path) -> None:
    edge, client = edge_index(tmp_path / "edge"), client_index()
    try:
        edge.ensure_collection(COLL, DIM)
        edge.upsert(COLL, make_points())
        out = tmp_path / "index.jsonl.gz"
        assert export_collection(edge, COLL, out) == 30
        name, n = import_collection(client, out)
        assert (name, n) == (COLL, 30)
        assert client.count(COLL) == 30
        a, b = edge.query(COLL, _query("dense")), client.query(COLL, _query("dense"))
        assert [round(h.score, 5) for h in a] == [round(h.score, 5) for h in b]
        # Importing again overwrites by id instead of duplicating.
        import_collection(client, out)
        assert client.count(COLL) == 30
    finally:
        edge.close()
        client.close()


def test_import_rejects_other_files(tmp_path: Path) -> None:
    import gzip

    bad = tmp_path / "x.gz"
    with gzip.open(bad, "wt") as fh:
        fh.write('{"format": "something"}\n')
    idx = client_index()
    try:
        with pytest.raises(ValueError, match="ingen indexexport"):
            import_collection(idx, bad)
    finally:
        idx.close()


def test_large_collection_builds_hnsw_and_keeps_recall(tmp_path: Path) -> None:
    """Above exact_max_points, finish_writes builds an HNSW graph; results stay close to exact."""
    rng = random.Random(3)
    points = [
        IndexPoint(
            f"00000000-0000-0000-0001-{i:012d}",
            [rng.gauss(0, 1) for _ in range(DIM)],
            [i % 50],
            [1.0],
            {"doc_id": f"d{i}", "chunk_index": 0},
        )
        for i in range(3000)
    ]
    exact = EdgeIndex(tmp_path / "exact", exact_max_points=10**6, hnsw_ef=64)
    approx = EdgeIndex(
        tmp_path / "hnsw", exact_max_points=100, hnsw_ef=64, indexing_threshold_kb=10
    )
    try:
        for idx in (exact, approx):
            idx.ensure_collection(COLL, DIM)
            idx.upsert(COLL, points, batch=500)
            idx.finish_writes(COLL)
        assert not list((tmp_path / "exact").rglob("*graph*"))
        assert list((tmp_path / "hnsw").rglob("*graph*")), sorted(
            p.name for p in (tmp_path / "hnsw").rglob("*")
        )
        found = total = 0
        for _ in range(20):
            query = _query("dense", limit=6, dense=[rng.gauss(0, 1) for _ in range(DIM)])
            truth = {h.id for h in exact.query(COLL, query)}
            found += len(truth & {h.id for h in approx.query(COLL, query)})
            total += len(truth)
        assert found / total >= 0.9
    finally:
        exact.close()
        approx.close()


def test_edge_hybrid_is_reproducible_when_every_candidate_is_fetched(tmp_path: Path) -> None:
    """Edge reorders tied fused results between identical queries (seen: 0 of 50 alike at
    20k points); asking for every fused candidate and sorting, as Retriever does, is stable."""
    rng = random.Random(5)
    idx = edge_index(tmp_path)
    try:
        idx.ensure_collection(COLL, DIM)
        idx.upsert(
            COLL,
            [
                IndexPoint(
                    f"00000000-0000-0000-0003-{i:012d}",
                    [rng.gauss(0, 1) for _ in range(DIM)],
                    sorted(rng.sample(range(30), 3)),
                    [1.0, 1.0, 1.0],  # many exact sparse ties
                    {"doc_id": f"d{i}", "chunk_index": 0},
                )
                for i in range(3000)
            ],
            batch=500,
        )
        query = _query(limit=80, dense_candidates=40, sparse_candidates=40)

        def ranked() -> list[tuple[float, str]]:
            return sorted((-round(h.score, 6), h.id) for h in idx.query(COLL, query))

        first = ranked()
        assert len(first) > 40
        assert all(ranked() == first for _ in range(20))
    finally:
        idx.close()

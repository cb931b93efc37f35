"""The needs figures' embedding (evals/needs_eval.py)."""

from __future__ import annotations

import numpy as np
import pytest

from evals import needs_eval


def test_each_distinct_text_is_embedded_once_and_keeps_its_vector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ingest.embedding

    calls: list[list[str]] = []

    def fake_embed_queries(_model: object, texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.asarray([[float(len(t)), float(ord(t[0]))] for t in texts], dtype=np.float32)

    monkeypatch.setattr(ingest.embedding, "build_embedding", lambda _settings: object())
    monkeypatch.setattr(ingest.embedding, "embed_queries", fake_embed_queries)
    embed = needs_eval._embed()

    first = embed(["barn", "äldre", "barn"])
    second = embed(["äldre", "missbruk"])

    assert calls == [["barn", "äldre"], ["missbruk"]]
    assert np.array_equal(first[0], first[2])
    assert np.array_equal(first[1], second[0])
    assert second.shape == (2, 2)

"""What the needs register's shipped models (``area_model.py``, ``mining_model.py``) share:
each reads the bundled embedding's vectors as unit rows, and its card says which embedding
that was."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

from kunskap.settings import EmbeddingSettings


def card(name: str) -> dict[str, object] | None:
    """A shipped model's card (``assistant/needs/<name>``), or None when it is missing."""
    ref = resources.files("assistant.needs").joinpath(name)
    if not ref.is_file():
        return None
    loaded: dict[str, object] = json.loads(ref.read_text(encoding="utf-8"))
    return loaded


def trained_on(model_card: dict[str, object] | None, embedding: EmbeddingSettings) -> bool:
    """Whether a model whose card this is can read the vectors of ``embedding``: the card's
    backend and model, and no model folder of one's own (a deployment with its own
    embedding endpoint gets no model rather than silently wrong guesses)."""
    wanted = {"backend": embedding.backend, "model": embedding.model}
    return (
        model_card is not None
        and embedding.model_path is None
        and model_card.get("embedding") == wanted
    )


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """One vector or a matrix of them as float64 rows of length 1 (a zero row stays zero)."""
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

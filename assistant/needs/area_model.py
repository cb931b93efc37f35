"""A learned best guess of a question's area: a softmax over e5 question vectors.

The keyword stems of ``areas.py`` file a question that names its area (a law, a target
group, a service). For the rest the register still needs a best guess, and an analyst a
probability to trust. Before this model the guess was the nearest of eight hand-written
area descriptions, which got 0.708 of the held-out questions right; this model was trained
on 500 questions written for training (``scripts/train_data/needs_paraphrases_train.jsonl``,
no evaluation set) by ``scripts/train_area_model.py``, which also chose its two settings by
cross-validation on those questions alone. Measured figures are in ``docs/needs.md``.

The weights are a 384 × 8 matrix and a bias (about 13 KB, ``area_model.npz``); predicting
is one matrix product on the question vector the register computes anyway, so nothing new
is loaded or embedded at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.needs.cards import card, trained_on, unit_rows
from kunskap.settings import EmbeddingSettings

MODEL_FILE = "area_model.npz"
CARD_FILE = "area_model.json"


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class AreaModel:
    areas: tuple[str, ...]
    weights: np.ndarray  # (dimensions, areas)
    bias: np.ndarray  # (areas,)
    # The question vector's cosine to each area's weight vector is multiplied by this before
    # the softmax: a temperature, chosen with the regularisation by cross-validation.
    scale: float

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """One row per question vector (raw e5, any length): a probability per area."""
        return _softmax(self.scale * (unit_rows(vectors) @ self.weights) + self.bias)

    def predict(self, vector: np.ndarray) -> tuple[str, float]:
        """The most probable area of one question vector and its probability."""
        p = self.probabilities(vector)[0]
        best = int(np.argmax(p))
        return self.areas[best], float(p[best])

    @classmethod
    def fit(
        cls,
        vectors: np.ndarray,
        labels: list[str],
        areas: tuple[str, ...],
        *,
        l2: float,
        scale: float,
        steps: int = 400,
        learning_rate: float = 0.5,
    ) -> AreaModel:
        """Multinomial logistic regression by full-batch gradient descent from zero:
        deterministic, so the same data gives the same weights on any machine."""
        x = unit_rows(vectors)
        y = np.eye(len(areas))[[areas.index(a) for a in labels]]
        w = np.zeros((x.shape[1], len(areas)))
        b = np.zeros(len(areas))
        for _ in range(steps):
            grad = (_softmax(scale * (x @ w) + b) - y) / len(x)
            w -= learning_rate * (scale * x.T @ grad + l2 * w)
            b -= learning_rate * grad.sum(axis=0)
        return cls(areas, w.astype(np.float32), b.astype(np.float32), float(scale))

    def save(self, path: Path) -> None:
        np.savez(
            path,
            areas=np.array(self.areas),
            weights=self.weights,
            bias=self.bias,
            scale=np.array(self.scale),
        )

    @classmethod
    def load(cls, path: Path) -> AreaModel:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                tuple(str(a) for a in data["areas"]),
                data["weights"],
                data["bias"],
                float(data["scale"]),
            )


def bundled_model() -> AreaModel | None:
    """The model shipped in this package, or None when it is missing (a checkout that
    deleted it falls back to the area descriptions)."""
    ref = resources.files("assistant.needs").joinpath(MODEL_FILE)
    if not ref.is_file():
        return None
    with resources.as_file(ref) as path:
        return AreaModel.load(path)


def bundled_model_for(embedding: EmbeddingSettings) -> AreaModel | None:
    """The shipped model when questions are embedded as it was trained (its card's backend
    and model: the bundled e5); None for any other embedding, whose vectors it cannot read
    (a deployment with its own embedding endpoint gets the area descriptions instead)."""
    return bundled_model() if trained_on(card(CARD_FILE), embedding) else None


def bundled_card() -> dict[str, object]:
    return card(CARD_FILE) or {}

"""A learned scorer for the needs finder: is this document sentence a stated need?

The finder's rules (``mining.py``) propose a sentence when its cue words add up to enough
points. On documents nobody tuned them on they found 0.31 and 0.72 of the labelled needs:
writers state lacks in more ways than a list of cues names. This model reads the same
sentence as a logistic regression over hashed features:

- its words and word pairs (lower-cased), and the character 4-grams of its words, which
  carry inflections and OCR damage ("behover", "kompetensutvackling") to the same weights;
- the names of the rules that fired on it (``r:saknas``, ``r:objekt:data``, ``r:fråga`` …),
  so what the rules know is one signal among the others rather than a gate;
- the sentence's e5 passage vector (the bundled embedding, ``DENSE_WEIGHT`` times the unit
  vector), which carries what the words mean where the training documents used others.

The finder asks it only about the sentences its rules pass over, and adds those it is
sure of (``needs.mining_scorer=rules_and_model``).

It was trained by ``scripts/train_mining_model.py`` on invented documents written for
training (``scripts/train_data/mining_train_*.jsonl``; no evaluation set), which also chose
its regularisation and the probability from which a sentence is proposed
(``needs.mining_model_min_probability``, recorded in the card) by cross-validation by
document on them alone. The
weights are one float32 vector over 2**18 hashed features and 384 for the vector
(``mining_model.npz``). Scoring costs the sentence's vector: the embedding store keeps it,
so a document is embedded once per content. Measured figures are in ``docs/needs.md``.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from pathlib import Path

import numpy as np

from assistant.needs.cards import card, trained_on, unit_rows
from kunskap.settings import EmbeddingSettings

MODEL_FILE = "mining_model.npz"
CARD_FILE = "mining_model.json"
DIMENSIONS = 2**18
# How much the e5 vector weighs beside the hashed features (each part has unit length):
# chosen with the regularisation by the training script's cross-validation log loss.
DENSE_WEIGHT = 2.0

_WORD = re.compile(r"[0-9a-zåäöéü]+")


def feature_names(text: str, rules: Iterable[str]) -> list[str]:
    """The named features of one sentence (before hashing)."""
    words = _WORD.findall(text.lower())
    names = [f"w:{w}" for w in words]
    names += [f"b:{a} {b}" for a, b in pairwise(words)]
    for w in words:
        padded = f" {w} "
        names += [f"c:{padded[i : i + 4]}" for i in range(max(1, len(padded) - 3))]
    names += [f"r:{rule}" for rule in rules]
    names.append(f"len:{min(len(words) // 5, 8)}")
    if text.rstrip().endswith("?"):
        names.append("q")
    return names


def hashed(text: str, rules: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Feature indices and values of one sentence: each named feature once, the vector
    scaled to unit length (long sentences do not score higher for being long)."""
    # Each index once, in the order the features first name it.
    distinct = dict.fromkeys(
        zlib.crc32(name.encode("utf-8")) % DIMENSIONS for name in feature_names(text, rules)
    )
    indices = np.fromiter(distinct, dtype=np.int64, count=len(distinct))
    values = np.full(len(indices), 1.0 / np.sqrt(max(len(indices), 1)), dtype=np.float64)
    return indices, values


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass(frozen=True)
class MiningModel:
    weights: np.ndarray  # (DIMENSIONS,) over the hashed features
    dense: np.ndarray  # (dimensions of the embedding,) over DENSE_WEIGHT × the unit vector
    bias: float

    def probabilities(
        self, sentences: Sequence[tuple[str, Sequence[str]]], vectors: np.ndarray
    ) -> np.ndarray:
        """A probability per (sentence, fired rule names) that it states a need;
        ``vectors``: the sentences' passage vectors, one row each."""
        out = DENSE_WEIGHT * (unit_rows(vectors) @ self.dense) + self.bias
        for n, (text, rules) in enumerate(sentences):
            indices, values = hashed(text, rules)
            out[n] += float(values @ self.weights[indices])
        return sigmoid(out)


def save(model: MiningModel, model_card: dict[str, object], folder: Path) -> None:
    np.savez_compressed(
        folder / MODEL_FILE,
        weights=model.weights.astype(np.float32),
        dense=model.dense.astype(np.float32),
        bias=np.float64(model.bias),
    )
    (folder / CARD_FILE).write_text(
        json.dumps(model_card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def load(path: Path) -> MiningModel:
    with np.load(path) as data:
        return MiningModel(
            weights=data["weights"].astype(np.float64),
            dense=data["dense"].astype(np.float64),
            bias=float(data["bias"]),
        )


_BUNDLED: MiningModel | None = None


def bundled_model() -> MiningModel | None:
    """The shipped model, loaded once; None when the package has none."""
    global _BUNDLED
    if _BUNDLED is None:
        resource = resources.files("assistant.needs").joinpath(MODEL_FILE)
        if not resource.is_file():
            return None
        with resources.as_file(resource) as path:
            _BUNDLED = load(path)
    return _BUNDLED


def bundled_model_for(embedding: EmbeddingSettings) -> MiningModel | None:
    """The shipped model when sentences are embedded as it was trained (its card's backend
    and model: the bundled e5); None for any other embedding, whose vectors it cannot read
    (the finder's rules then decide alone)."""
    return bundled_model() if trained_on(card(CARD_FILE), embedding) else None


def bundled_card() -> dict[str, object]:
    return card(CARD_FILE) or {}

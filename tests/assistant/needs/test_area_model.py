"""The learned area model: how it is fitted, stored and used where no keyword files a
question. Its measured accuracy is asserted in ``test_quality.py``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from assistant.needs.area_model import AreaModel, bundled_card, bundled_model, bundled_model_for
from assistant.needs.areas import AreaClassifier, area_scores
from kunskap.domain import AREAS
from kunskap.settings import EmbeddingSettings, NeedsSettings

ROOT = Path(__file__).resolve().parents[3]
AREA_IDS = tuple(AREAS)


def _toy_model() -> AreaModel:
    """Eight areas, each its own direction of an 8-dimensional space."""
    vectors = np.vstack([np.eye(8)[i] + 0.05 * np.eye(8)[(i + 1) % 8] for i in range(8)] * 3)
    labels = [AREA_IDS[i] for i in range(8)] * 3
    return AreaModel.fit(vectors, labels, AREA_IDS, l2=1e-4, scale=5.0)


def test_fitting_learns_separable_areas_and_is_deterministic() -> None:
    model = _toy_model()
    for i, area in enumerate(AREA_IDS):
        guess, probability = model.predict(np.eye(8)[i] * 3.0)  # length does not matter
        assert guess == area and probability > 0.5
    assert np.allclose(model.probabilities(np.eye(8)).sum(axis=1), 1.0)
    again = _toy_model()
    assert np.array_equal(model.weights, again.weights) and np.array_equal(model.bias, again.bias)


def test_a_saved_model_loads_the_same(tmp_path: Path) -> None:
    model = _toy_model()
    model.save(tmp_path / "m.npz")
    loaded = AreaModel.load(tmp_path / "m.npz")
    assert loaded.areas == model.areas and loaded.scale == model.scale
    assert np.array_equal(loaded.probabilities(np.eye(8)), model.probabilities(np.eye(8)))


def test_the_shipped_model_matches_its_card_and_its_training_data() -> None:
    model = bundled_model()
    assert model is not None
    card = bundled_card()
    assert model.areas == AREA_IDS
    assert model.weights.shape == (384, len(AREAS))  # the bundled e5's dimensions
    data = ROOT / card["data"]["file"]
    assert hashlib.sha256(data.read_bytes()).hexdigest() == card["data"]["sha256"]
    assert card["chosen"]["scale"] == model.scale
    # The register's threshold is the one the training script chose, not a hand-set one.
    assert NeedsSettings().area_model_min_probability == card["min_probability"]["chosen"]


def test_where_no_keyword_leads_the_model_guesses_and_files_only_when_sure() -> None:
    model = _toy_model()
    no_keyword = "Hur gör vi nu?"
    assert not area_scores(no_keyword)

    def embed_as(direction: np.ndarray):
        return lambda texts: np.tile(direction, (len(texts), 1))

    clear = AreaClassifier(embed_as(np.eye(8)[4] * 4), model=model).decide(no_keyword)
    assert clear.guess == "aldre"
    assert clear.sure == (model.predict(np.eye(8)[4])[1] >= 0.8)

    between = np.eye(8)[0] + np.eye(8)[1]  # as near one area as the next
    unsure = AreaClassifier(embed_as(between), model=model).decide(no_keyword)
    assert unsure.guess in AREA_IDS[:2] and not unsure.sure and unsure.area == "osäker"
    # The threshold is the setting's.
    lenient = NeedsSettings(area_model_min_probability=0.0)
    assert AreaClassifier(embed_as(between), lenient, model=model).decide(no_keyword).sure


def test_a_keyword_that_leads_decides_without_the_model() -> None:
    model = _toy_model()
    named = "Vad säger LVU om umgänge?"

    def embed_elsewhere(texts: list[str]) -> np.ndarray:
        return np.tile(np.eye(8)[5], (len(texts), 1))

    decision = AreaClassifier(embed_elsewhere, model=model).decide(named)
    assert (decision.guess, decision.sure) == ("barn_och_unga", True)


def test_the_descriptions_setting_leaves_the_model_out() -> None:

    def embed(texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 384), dtype=np.float32)

    classifier = AreaClassifier(embed, NeedsSettings(area_guess="descriptions"))
    assert classifier._model is None
    assert AreaClassifier(embed)._model is not None  # the default loads the shipped model


def test_the_shipped_model_reads_only_the_vectors_it_was_trained_on() -> None:
    """Another embedding's vectors (an endpoint, a local model) are not e5's: the area
    descriptions guess then, instead of a model fed vectors it was not trained on."""

    def embed(texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 1536), dtype=np.float32)

    assert bundled_model_for(EmbeddingSettings()) is not None
    endpoint = EmbeddingSettings(backend="openai", model="text-embedding-3-small")
    assert bundled_model_for(endpoint) is None
    local = EmbeddingSettings(backend="sentence_transformers", model_path=Path("/models/x"))
    assert bundled_model_for(local) is None
    classifier = AreaClassifier(embed, embedding=endpoint)
    assert classifier._model is None
    no_keyword = "Hur gör vi med det här ärendet nu?"
    assert not area_scores(no_keyword)
    assert not classifier.decide(no_keyword).sure  # guessed by the descriptions, osäker

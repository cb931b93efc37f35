"""Grouping's and area classification's numbers come from ``Settings.needs``."""

from __future__ import annotations

import numpy as np

from assistant.needs import grouping
from assistant.needs.areas import AREA_DESCRIPTIONS, FALLBACK_AREA, AreaClassifier, area_scores
from kunskap.settings import NeedsSettings


def test_the_needs_settings_decide_when_a_question_joins_a_need() -> None:
    """Centred similarity 0.30 alone stays below the threshold (0.40 at the default
    group_similarity); the same words add group_word_weight and it joins."""
    vector = np.array([1.0, 0.0], dtype=np.float32)
    need = grouping.Candidate("n1", np.array([0.30, 0.0], dtype=np.float32), [frozenset({"lvu"})])
    words = frozenset({"lvu"})
    default = NeedsSettings()
    threshold = grouping.effective_threshold(default.group_similarity, default)
    assert threshold == default.group_centred_threshold == 0.40
    assert grouping.best_match(vector, words, [need], threshold, default)[0] == "n1"
    no_words = NeedsSettings(group_word_weight=0.0)
    assert grouping.best_match(vector, words, [need], threshold, no_words)[0] is None
    lower = NeedsSettings(group_centred_threshold=0.25)
    assert grouping.effective_threshold(0.86, lower) == 0.25
    assert grouping.best_match(vector, frozenset(), [need], 0.25, lower)[0] == "n1"


def test_the_needs_settings_decide_which_questions_are_placed_by_meaning() -> None:
    """A question naming no area keyword is placed by the nearest area description only
    when it has area_min_words words."""

    descriptions = list(AREA_DESCRIPTIONS.values())

    def embed(texts: list[str]) -> np.ndarray:
        """Each area description its own direction; any question the direction of äldre."""
        out = np.zeros((len(texts), len(descriptions)), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, descriptions.index(text) if text in descriptions else 4] = 1.0
        return out

    question = "Hur gör vi?"  # three words, no area keyword
    assert not area_scores(question) and list(AREA_DESCRIPTIONS)[4] == "aldre"
    assert AreaClassifier(embed).classify(question) == "aldre"
    strict = AreaClassifier(embed, NeedsSettings(area_min_words=4))
    assert strict.classify(question) == FALLBACK_AREA

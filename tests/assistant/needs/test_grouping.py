"""Grouping's and area classification's numbers come from ``Settings.needs``."""

from __future__ import annotations

import numpy as np

from assistant.needs import grouping
from assistant.needs.areas import (
    AREA_DESCRIPTIONS,
    FALLBACK_AREA,
    UNSURE_AREA,
    AreaClassifier,
    area_scores,
    leading_area,
    need_area,
)
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
    """With the area descriptions as the guess (``area_guess="descriptions"``), a question
    naming no area keyword is placed by the nearest description only when it has
    area_min_words words."""

    descriptions = list(AREA_DESCRIPTIONS.values())

    def embed(texts: list[str]) -> np.ndarray:
        """Each area description its own direction; any question the direction of äldre."""
        out = np.zeros((len(texts), len(descriptions)), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, descriptions.index(text) if text in descriptions else 4] = 1.0
        return out

    question = "Hur gör vi?"  # three words, no area keyword
    assert not area_scores(question) and list(AREA_DESCRIPTIONS)[4] == "aldre"
    descriptions_guess = NeedsSettings(area_guess="descriptions")
    assert AreaClassifier(embed, descriptions_guess).classify(question) == "aldre"
    strict = AreaClassifier(embed, NeedsSettings(area_guess="descriptions", area_min_words=4))
    assert strict.classify(question) == FALLBACK_AREA


def test_an_area_is_filed_only_when_the_question_names_it_more_strongly_than_any_other() -> None:
    assert leading_area({}, 1.0) is None
    assert leading_area({"barn_och_unga": 3.0, "vuxna_beroende": 3.0}, 1.0) is None  # a tie
    assert leading_area({"barn_och_unga": 5.0, "vuxna_beroende": 3.0}, 1.0) == "barn_och_unga"
    assert leading_area({"barn_och_unga": 5.0, "vuxna_beroende": 3.0}, 3.0) is None

    both = "Hur stöttar vi ett barn vars förälder har ett alkoholmissbruk?"
    assert area_scores(both) == {"barn_och_unga": 3, "vuxna_beroende": 6}
    assert AreaClassifier().decide(both).area == "vuxna_beroende"  # leads by 3
    strict = AreaClassifier(tuning=NeedsSettings(area_min_lead=4.0)).decide(both)
    assert (strict.guess, strict.area) == ("vuxna_beroende", UNSURE_AREA)  # guessed, not filed

    nothing = AreaClassifier().decide("Hur gör vi nu?")
    assert (nothing.guess, nothing.sure, nothing.area) == (FALLBACK_AREA, False, UNSURE_AREA)


def test_a_needs_area_is_the_most_filed_one_and_unsure_only_when_every_question_is() -> None:
    assert need_area({"osäker": 3, "aldre": 1}) == "aldre"
    assert need_area({"aldre": 2, "barn_och_unga": 1, "osäker": 5}) == "aldre"
    assert need_area({"osäker": 2}) == UNSURE_AREA

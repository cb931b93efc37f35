"""A question as it arrives: checked, its language told, the text that is searched."""

from __future__ import annotations

import pytest

from assistant.intake import QuestionError, question_language, searchable, validate_question
from kunskap.limits import MAX_QUESTION_CHARS


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("What is proven experience (beprövad erfarenhet)?", "en"),
        ("What does the 'beprövad erfarenhet' concept mean in practice?", "en"),
        ('Vad innebär "evidence-based practice" enligt SKR?', "sv"),
        ("GR's IFO and FH manager networks met where?", "en"),
    ],
)
def test_quoted_source_terms_do_not_decide_the_language(question: str, language: str) -> None:
    assert question_language(question) == language


@pytest.mark.parametrize(
    "question", ["", "   ", "\x00\t", "12 345 ?", "x" * (MAX_QUESTION_CHARS + 1)]
)
def test_a_question_that_cannot_be_asked_says_why_in_swedish(question: str) -> None:
    with pytest.raises(QuestionError, match="Frågan"):
        validate_question(question)


def test_control_characters_are_stripped_before_anything_sees_the_question() -> None:
    assert validate_question("Vad är\x00 beprövad\n  erfarenhet?") == "Vad är beprövad erfarenhet?"


def test_the_searched_text_has_no_personal_number_and_no_placeholder() -> None:
    searched = searchable("Min klient 19850101-1234 undrar vad försörjningsstöd är")
    assert "19850101" not in searched and "1234" not in searched
    assert "[" not in searched and "försörjningsstöd" in searched


def test_a_question_s_language_is_detected_once_and_the_same_every_time() -> None:
    question = "Hur många kommuner deltar i nätverket för socialchefer i regionen?"
    question_language.cache_clear()
    first = question_language(question)
    assert question_language(question) == first == "sv"
    info = question_language.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    # The evaluation empties it before timing answers, as a first asker would meet it.
    question_language.cache_clear()
    assert question_language.cache_info().currsize == 0

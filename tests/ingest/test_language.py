from __future__ import annotations

import pytest

from ingest.language import detect_language
from tests.utils.documents import seed_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Socialtjänsten ska bedrivas i enlighet med vetenskap och beprövad erfarenhet.", "sv"),
        ("In the Swedish sample, a trend was found suggesting that adopted programs were "
         "less effective than adapted and novel programs.", "en"),
    ],
)  # fmt: skip
def test_detects_swedish_and_english(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "LSS", "Ok tack", "Hej på dig"])
def test_short_text_gets_the_default(text: str) -> None:
    assert detect_language(text) == "sv"
    assert detect_language(text, default="en") == "en"


def test_is_deterministic_on_a_whole_seed() -> None:
    text = seed_text("003")
    assert {detect_language(text) for _ in range(5)} == {"sv"}

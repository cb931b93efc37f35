"""Shorthand is spelled out for search and judging, and nothing else changes."""

from __future__ import annotations

import pytest

from assistant.intake import searchable
from assistant.shorthand import spell_out


@pytest.mark.parametrize(
    ("typed", "spelled"),
    [
        ("får soc begränsa umgänget?", "får socialtjänsten begränsa umgänget?"),
        ("LVU gäller tom vilken ålder?", "LVU gäller till och med vilken ålder?"),
        ("fam.hem: vem har vårdnaden?", "familjehem: vem har vårdnaden?"),
        ("hur mycket ek bistånd o barnbidrag?", "hur mycket ekonomiskt bistånd och barnbidrag?"),
        ("vilka 4 socialförvaltningar finns i gbg", "vilka 4 socialförvaltningar finns i Göteborg"),
        ("bor m 2 barn enl. beslutet", "bor med 2 barn enligt beslutet"),
        ("GR-mötet den 6/5 2022?", "GR-mötet den 6 maj 2022?"),
        ("on 24/3/2023", "on 24 mars 2023"),
        ("nätverket vt -22 och ht 2025", "nätverket våren 2022 och hösten 2025"),
        ("enligt LVU år -20?", "enligt LVU år 2020?"),
        ("barn 0-18 år, 1/2 dag, 2-3 veckor", "barn 0-18 år, 1/2 dag, 2-3 veckor"),
        ("hur många ungar omhändertogs?", "hur många barn omhändertogs?"),
        ("vad gäller enl lvm när", "vad gäller enligt LVM när"),
        ("lss o lvu", "LSS och LVU"),
    ],
)
def test_known_shorthand_is_spelled_out(typed: str, spelled: str) -> None:
    assert spell_out(typed) == spelled


def test_words_that_merely_contain_shorthand_are_left_alone() -> None:
    for text in (
        "Socialtjänsten i Tomelilla",
        "sociala medier o.s.v.",
        "Tom och M. Larsson",
        "ungdomar och unga vuxna",
    ):
        assert spell_out(text) == text


def test_search_text_is_redacted_before_it_is_spelled_out() -> None:
    text = searchable("min klient Sara 19910503-4426 bor m 2 barn, får soc hjälpa?")
    assert "19910503" not in text and "Sara" not in text
    assert text.endswith("bor med 2 barn, får socialtjänsten hjälpa?")

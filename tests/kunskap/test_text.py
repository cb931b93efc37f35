"""Shared text helpers: one-edit word comparison."""

from __future__ import annotations

import pytest

from kunskap.text import one_edit_apart


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("avbi", "avby"),  # one letter changed
        ("larson", "larsson"),  # one added
        ("utredningen", "utredningn"),  # one dropped
        ("familjehem", "famlijehem"),  # two neighbours swapped
    ],
)
def test_one_edit_apart(a: str, b: str) -> None:
    assert one_edit_apart(a, b) and one_edit_apart(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("familjehem", "familjehem"),  # the same word is not a typo of itself
        ("familjehem", "famlijhem"),  # two edits
        ("abcd", "badc"),  # two swaps are two edits
        ("stöd", "stödet"),
    ],
)
def test_not_one_edit_apart(a: str, b: str) -> None:
    assert not one_edit_apart(a, b) and not one_edit_apart(b, a)

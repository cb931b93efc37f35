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


def test_strip_control_keeps_text_and_line_breaks() -> None:
    from kunskap.text import strip_control

    assert strip_control("Vad\x00 är\x1b ett\u202e familjehem?\ud800\n\tNy rad") == (
        "Vad är ett familjehem?\n\tNy rad"
    )
    assert strip_control("åäö – ”citat” 😀") == "åäö – ”citat” 😀"


def test_web_url_allows_only_http_and_https() -> None:
    from kunskap.text import web_url

    assert web_url("https://www.socialstyrelsen.se/a?b=1") == "https://www.socialstyrelsen.se/a?b=1"
    for bad in ("javascript:alert(4)", " JavaScript:alert(1)", "data:,x", "//evil.se", "ftp://x",
                "https://", "http://x.se/\x00", None, ""):  # fmt: skip
        assert web_url(bad) is None, bad

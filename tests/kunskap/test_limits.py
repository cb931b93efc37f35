"""The request limits are defined once (MAX_QUESTION_CHARS used to be defined twice)."""

from __future__ import annotations

import re
from pathlib import Path

from kunskap import limits

ROOT = Path(__file__).resolve().parents[2]


def test_each_limit_is_defined_in_one_place_only() -> None:
    # assistant/chat/render.py has a MAX_HISTORY_TURNS of its own: how many exchanges the
    # chat page keeps (6), not how many turns one API request may carry (40).
    names = [n for n in vars(limits) if n.isupper() and n != "MAX_HISTORY_TURNS"]
    assert "MAX_QUESTION_CHARS" in names
    sources = [
        p
        for package in ("assistant", "ingest", "kunskap", "evals")
        for p in (ROOT / package).rglob("*.py")
    ]
    for name in names:
        defining = [
            p.relative_to(ROOT).as_posix()
            for p in sources
            if re.search(rf"^{name}\s*(:[^=]+)?=", p.read_text(encoding="utf-8"), re.MULTILINE)
        ]
        assert defining == ["kunskap/limits.py"], (name, defining)


def test_what_reaches_the_answer_step_is_bounded() -> None:
    assert limits.ANSWER_HISTORY_TURNS * limits.ANSWER_TURN_CHARS <= 20_000
    assert limits.MAX_ANSWER_INPUT_CHARS == (
        limits.MAX_QUESTION_CHARS + limits.ANSWER_HISTORY_TURNS * limits.ANSWER_TURN_CHARS
    )

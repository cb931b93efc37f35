"""Thumbs in the chat become FeedbackIn for the feedback API; nothing else is stored."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from chainlit.types import Feedback

from assistant.chat.feedback_layer import (
    AnsweredTurn,
    AnswerLedger,
    FeedbackDataLayer,
    FeedbackNotStored,
    feedback_for,
)
from assistant.models import FeedbackResult

TURN = AnsweredTurn(
    question="Vad är beprövad erfarenhet?",
    answer="Kunskap som är provad [1].",
    cited_doc_ids=["rapport"],
    language="sv",
    session_id="s1",
)


def test_ledger_is_bounded_and_keeps_the_newest() -> None:
    ledger = AnswerLedger(capacity=2)
    for key in ("a", "b", "c"):
        ledger.remember(key, TURN)
    assert ledger.get("a") is None
    assert ledger.get("c") == TURN


def test_thumbs_map_to_ratings_and_blank_comments_vanish() -> None:
    down = feedback_for(TURN, Feedback(forId="m", value=0, comment="  "))
    assert (down.rating, down.comment, down.question) == ("down", None, TURN.question)
    assert down.cited_doc_ids == ["rapport"] and down.session_id == "s1"
    up = feedback_for(TURN, Feedback(forId="m", value=1, comment="Bra"))
    assert (up.rating, up.comment) == ("up", "Bra")


class _Needs:
    def __init__(self) -> None:
        self.received: list[Any] = []

    def record_feedback(self, feedback: Any, **_: Any) -> FeedbackResult:
        self.received.append(feedback)
        return FeedbackResult(stored=True, need_id="n1")


class _Settings:
    def collection_name(self) -> str:
        return "test"


class _Services:
    def __init__(self, needs: _Needs | None) -> None:
        self.needs = needs
        self.settings = _Settings()


def test_feedback_reaches_the_store_and_unknown_messages_fail_loudly() -> None:
    needs = _Needs()
    ledger = AnswerLedger()
    ledger.remember("run-1", TURN)
    layer = FeedbackDataLayer(lambda: _Services(needs), ledger)
    asyncio.run(layer.upsert_feedback(Feedback(forId="run-1", value=0, comment="Saknar källa")))
    assert [f.rating for f in needs.received] == ["down"]
    with pytest.raises(FeedbackNotStored):
        asyncio.run(layer.upsert_feedback(Feedback(forId="okänd", value=1)))


def test_feedback_without_a_store_is_reported_not_swallowed() -> None:
    ledger = AnswerLedger()
    ledger.remember("run-1", TURN)
    layer = FeedbackDataLayer(lambda: _Services(None), ledger)
    with pytest.raises(FeedbackNotStored):
        asyncio.run(layer.upsert_feedback(Feedback(forId="run-1", value=0)))

"""Follow-up questions made to stand on their own, with and without an LLM."""

from __future__ import annotations

from assistant.conversation import standalone_question
from assistant.models import HistoryTurn
from kunskap.settings import ConversationSettings
from tests.utils.llm import ScriptedLLM

HISTORY = [
    HistoryTurn(role="user", content="Min klient Sara 19910503-4426 bor på kvinnojour."),
    HistoryTurn(role="assistant", content="Så här beskriver underlaget det: …"),
]


def test_without_an_llm_a_short_follow_up_carries_the_previous_question() -> None:
    question = "och för barn då?"
    assert standalone_question(question, HISTORY) == f"{HISTORY[0].content} {question}"
    assert standalone_question("Vad är LVU?", HISTORY) == "Vad är LVU?"


def test_personal_data_never_reaches_the_llm_that_condenses() -> None:
    llm = ScriptedLLM(replies=["Vad gäller för boende på kvinnojour för barn?"])
    question = "och hennes son Elias 20150921-5545 då?"
    rewritten = standalone_question(question, HISTORY, llm)
    assert rewritten == "Vad gäller för boende på kvinnojour för barn?"
    (prompt,) = llm.seen
    for personal in ("Sara", "19910503-4426", "Elias", "20150921-5545"):
        assert personal not in prompt, personal
    assert "kvinnojour" in prompt and "[PERSONNUMMER]" in prompt


def test_the_conversation_settings_decide_what_is_a_follow_up_and_what_the_llm_reads() -> None:
    question = "och för barn då?"  # four words
    short = ConversationSettings(follow_up_max_words=3)
    assert standalone_question(question, HISTORY, tuning=short) == question
    assert standalone_question(question, HISTORY, tuning=ConversationSettings()) != question
    llm = ScriptedLLM(replies=["Vad gäller för barn?", "Vad gäller för barn?"])
    standalone_question(question, HISTORY, llm, ConversationSettings(condense_turns=1))
    standalone_question(question, HISTORY, llm, ConversationSettings(condense_turns=2))
    last_turn_only, both = llm.seen
    assert "kvinnojour" not in last_turn_only and "kvinnojour" in both

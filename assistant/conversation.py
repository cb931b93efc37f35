"""Follow-up questions: turn "och för barn då?" into a question that stands on its own.

How short a follow-up is and how much of the conversation the LLM reads are
``Settings.conversation``.
"""

from __future__ import annotations

import logging
import re

from assistant.llm import LLM, complete
from assistant.models import HistoryTurn
from assistant.needs.redact import redact_text
from assistant.prompts import load_prompt
from kunskap.settings import ConversationSettings

log = logging.getLogger(__name__)

# Words that point back into the conversation; a short question with one of them is a
# follow-up rather than a new topic.
_ANAPHORA = re.compile(
    r"\b(det|den|detta|denna|dessa|de|dem|där|dit|då|han|hon|hen|samma|också|även|mer|"
    r"it|this|that|these|those|they|them|there|also|more)\b",
    re.IGNORECASE,
)
# How long a follow-up is at most, and the turns the LLM reads: ``Settings.conversation``.
DEFAULTS = ConversationSettings()


def last_user_question(history: list[HistoryTurn]) -> str | None:
    for turn in reversed(history):
        if turn.role == "user" and turn.content.strip():
            return turn.content.strip()
    return None


def looks_like_follow_up(question: str, tuning: ConversationSettings = DEFAULTS) -> bool:
    words = question.split()
    return len(words) <= tuning.follow_up_max_words and (
        bool(_ANAPHORA.search(question)) or question.lower().startswith(("och ", "and ", "men "))
    )


def standalone_question(
    question: str,
    history: list[HistoryTurn] | None,
    llm: LLM | None = None,
    tuning: ConversationSettings | None = None,
) -> str:
    """The question to search with. With an LLM, condense; without, carry the last topic.
    ``tuning`` is ``Settings.conversation`` (its defaults when not given)."""
    tuning = tuning or DEFAULTS
    if not history:
        return question
    previous = last_user_question(history)
    if previous is None:
        return question
    if llm is not None:
        # The endpoint is outside the process: personal data in the conversation stays
        # here, as it does for the answer prompt.
        turns = "\n".join(
            f"{t.role}: {redact_text(t.content)}" for t in history[-tuning.condense_turns :]
        )
        try:
            rewritten = complete(
                llm,
                load_prompt("condense").render(history=turns, question=redact_text(question)),
            )
            if rewritten:
                return rewritten.splitlines()[0].strip()
        except Exception as exc:  # the extractive rule below still works
            log.warning("condensing the follow-up failed: %s", type(exc).__name__)
    if looks_like_follow_up(question, tuning):
        return f"{previous} {question}"
    return question

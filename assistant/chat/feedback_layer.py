"""Chainlit's feedback buttons, wired to our feedback API instead of a chat history store.

Chainlit shows thumbs up/down only when a "data layer" is configured, and hands each
click to ``upsert_feedback``. Storing conversations is not wanted (client details may have
been typed), so this layer stores nothing of the chat: it remembers, in memory, which
question and answer each assistant message holds, and turns a click into a ``FeedbackIn``
for ``assistant.feedback.record_feedback`` (redacted there; thumbs down → knowledge need).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chainlit.data.base import BaseDataLayer
from chainlit.types import Feedback, PaginatedResponse, Pagination, ThreadDict, ThreadFilter
from starlette.concurrency import run_in_threadpool

from assistant.feedback import record_feedback
from assistant.models import FeedbackIn, FeedbackResult
from assistant.services import Services

log = logging.getLogger(__name__)

# Answers kept for feedback; older messages can no longer be rated (a page reload starts a
# new chat anyway, since conversations are not stored).
MAX_REMEMBERED_ANSWERS = 5000


@dataclass(frozen=True)
class AnsweredTurn:
    question: str
    answer: str
    cited_doc_ids: list[str]
    language: str
    session_id: str | None


class AnswerLedger:
    """Message id → the turn it shows, bounded, safe to use from worker threads."""

    def __init__(self, capacity: int = MAX_REMEMBERED_ANSWERS) -> None:
        self.capacity = capacity
        self._turns: OrderedDict[str, AnsweredTurn] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, message_id: str, turn: AnsweredTurn) -> None:
        with self._lock:
            self._turns[message_id] = turn
            self._turns.move_to_end(message_id)
            while len(self._turns) > self.capacity:
                self._turns.popitem(last=False)

    def get(self, message_id: str) -> AnsweredTurn | None:
        with self._lock:
            return self._turns.get(message_id)


class FeedbackNotStored(RuntimeError):
    """Shown to the user by Chainlit as the error text, so the message is Swedish."""


def feedback_for(turn: AnsweredTurn, feedback: Feedback) -> FeedbackIn:
    comment = (feedback.comment or "").strip() or None
    return FeedbackIn(
        question=turn.question,
        rating="up" if feedback.value == 1 else "down",
        comment=comment[:2000] if comment else None,
        answer=turn.answer[:20000],
        cited_doc_ids=turn.cited_doc_ids,
        language=turn.language,
        session_id=turn.session_id,
    )


class FeedbackDataLayer(BaseDataLayer):
    """Only feedback goes anywhere; every other persistence call is a no-op."""

    def __init__(self, services: Callable[[], Services], ledger: AnswerLedger) -> None:
        self._services = services
        self.ledger = ledger

    async def upsert_feedback(self, feedback: Feedback) -> str:
        turn = self.ledger.get(feedback.forId)
        if turn is None:
            raise FeedbackNotStored("Svaret är för gammalt för att kunna bedömas.")
        result: FeedbackResult = await run_in_threadpool(
            record_feedback, self._services(), feedback_for(turn, feedback)
        )
        if not result.stored:
            raise FeedbackNotStored("Återkopplingen kunde inte sparas just nu.")
        return feedback.id or str(uuid.uuid4())

    async def delete_feedback(self, feedback_id: str) -> bool:
        # Un-clicking a thumb: the stored (redacted) feedback stays; analysts see both.
        return True

    async def get_user(self, identifier: str) -> Any:
        return None

    async def create_user(self, user: Any) -> Any:
        return None

    async def create_element(self, element: Any) -> None:
        return None

    async def get_element(self, thread_id: str, element_id: str) -> Any:
        return None

    async def delete_element(self, element_id: str, thread_id: str | None = None) -> None:
        return None

    async def create_step(self, step_dict: Any) -> None:
        return None

    async def update_step(self, step_dict: Any) -> None:
        return None

    async def delete_step(self, step_id: str) -> None:
        return None

    async def get_thread_author(self, thread_id: str) -> str:
        return ""

    async def delete_thread(self, thread_id: str) -> None:
        return None

    async def list_threads(
        self, pagination: Pagination, filters: ThreadFilter
    ) -> PaginatedResponse[ThreadDict]:
        from chainlit.types import PageInfo

        return PaginatedResponse(
            data=[], pageInfo=PageInfo(hasNextPage=False, startCursor=None, endCursor=None)
        )

    async def get_thread(self, thread_id: str) -> ThreadDict | None:
        return None

    async def update_thread(
        self,
        thread_id: str,
        name: str | None = None,
        user_id: str | None = None,
        metadata: dict | None = None,
        tags: list[str] | None = None,
    ) -> None:
        return None

    async def build_debug_url(self) -> str:
        return ""

    async def close(self) -> None:
        return None

    async def get_favorite_steps(self, user_id: str) -> list:
        return []

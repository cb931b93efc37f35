"""The Chainlit script: chat handlers on top of ``assistant.answering.stream_answer``.

Chainlit loads this file itself (``mount_chat`` → ``chainlit.utils.mount_chainlit``); the
decorators register the handlers in Chainlit's global config. The handlers reach the app's
``Services`` through ``assistant.chat.mount.host_services`` at call time.
"""

from __future__ import annotations

import logging
from typing import Any

import chainlit as cl
from chainlit.input_widget import MultiSelect

from assistant.answering import stream_answer
from assistant.chat import render, texts
from assistant.chat.feedback_layer import AnsweredTurn, FeedbackDataLayer
from assistant.chat.mount import answer_ledger, host_services
from assistant.intake import QuestionError, validate_question
from assistant.models import Answer, AnswerDelta, HistoryTurn, SearchFilters
from ingest.index_store import IndexUnavailable
from kunskap.domain import AREAS, DOC_TYPES

log = logging.getLogger(__name__)


@cl.data_layer
def data_layer() -> FeedbackDataLayer:
    return FeedbackDataLayer(host_services, answer_ledger())


@cl.set_starters
async def starters(user: cl.User | None = None, language: str | None = None) -> list[cl.Starter]:
    return [cl.Starter(label=s.label, message=s.message) for s in texts.STARTERS]


def _settings_widgets() -> list[Any]:
    return [
        MultiSelect(
            id=texts.SETTINGS_AREAS_ID,
            label=texts.SETTINGS_AREAS_LABEL,
            items={name: slug for slug, name in AREAS.items()},
            initial=[],
            description=texts.SETTINGS_AREAS_HELP,
        ),
        MultiSelect(
            id=texts.SETTINGS_DOC_TYPES_ID,
            label=texts.SETTINGS_DOC_TYPES_LABEL,
            items={name: slug for slug, name in DOC_TYPES.items()},
            initial=[],
            description=texts.SETTINGS_DOC_TYPES_HELP,
        ),
    ]


@cl.on_chat_start
async def start() -> None:
    cl.user_session.set("history", [])
    cl.user_session.set("filters", None)
    await cl.ChatSettings(_settings_widgets()).send()
    # A system message keeps Chainlit's welcome screen (and its starters) on screen: the
    # screen hides once a user or assistant message exists.
    await cl.Message(
        content=texts.WELCOME_SV, author=texts.ASSISTANT_NAME, type="system_message"
    ).send()


@cl.on_settings_update
async def settings_update(values: dict[str, Any]) -> None:
    cl.user_session.set("filters", render.filters_from_settings(values))


async def _say(text: str) -> None:
    await cl.Message(content=text, author=texts.ASSISTANT_NAME).send()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    try:
        question = validate_question(message.content)
    except QuestionError as exc:
        await _say(str(exc))
        return
    history: list[HistoryTurn] = cl.user_session.get("history") or []
    filters: SearchFilters | None = cl.user_session.get("filters")
    session_id = cl.context.session.id
    reply = cl.Message(content="", author=texts.ASSISTANT_NAME)
    final: Answer | None = None
    try:
        async for event in stream_answer(
            question,
            history=history,
            filters=filters,
            services=host_services(),
            session_id=session_id,
        ):
            if isinstance(event, AnswerDelta):
                await reply.stream_token(event.text)
            else:
                final = event.answer
    except IndexUnavailable:
        await _finish_with(reply, texts.label("sv", "index_missing"))
        return
    except Exception as exc:
        # Only the type: the message could quote the question, which may hold client data.
        log.error("chat answer failed: %s", type(exc).__name__)
        await _finish_with(reply, texts.label("sv", "error"))
        return
    if final is None:
        await _finish_with(reply, texts.label("sv", "error"))
        return

    content = render.message_text(final)
    filter_note = render.describe_filters(filters, final.language)
    if filter_note:
        content += f"\n\n*{filter_note}*"
    reply.content = content
    if reply.streaming:
        await reply.update()
    else:
        await reply.send()
    # Elements after the message exists; the page links each [n] once its element arrives.
    for card in render.source_cards(final):
        await cl.Text(name=card.name, content=card.content, display="side").send(for_id=reply.id)
    turn = AnsweredTurn(
        question=question,
        answer=final.answer,
        cited_doc_ids=sorted({c.doc_id for c in final.citations}),
        language=final.language,
        session_id=session_id,
    )
    # Chainlit puts the thumbs on the run step that wraps on_message (the reply's parent),
    # so feedback arrives for that id; the reply's own id is kept for completeness.
    for message_id in {reply.id, reply.parent_id} - {None}:
        answer_ledger().remember(str(message_id), turn)
    cl.user_session.set("history", render.extend_history(history, final))


async def _finish_with(reply: cl.Message, text: str) -> None:
    reply.content = text
    if reply.streaming:
        await reply.update()
    else:
        await reply.send()

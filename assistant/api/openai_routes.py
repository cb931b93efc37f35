"""An OpenAI-compatible face: POST /v1/chat/completions (with streaming) and GET /v1/models,
so any OpenAI client or chat front end can use the assistant. Citations are appended to
the text as a "Källor" list and also returned in a `citations` field."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.answering import answer, stream_answer
from assistant.api.ask_routes import (
    QUESTION_RESPONSES,
    SSE_EVENT,
    ServicesDep,
    for_answer,
    require_index,
    unavailable,
)
from assistant.api.errors import unprocessable
from assistant.input_types import CleanText
from assistant.intake import QuestionError, validate_question
from assistant.models import Answer, AnswerDone, Citation, HistoryTurn, SourceRef
from assistant.retrieval import Retriever
from ingest import index_store
from kunskap.limits import MAX_MESSAGES, MAX_TURN_CHARS

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
MODEL_ID = "kunskapsassistenten"


class ChatMessageIn(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: (
        Annotated[str, Field(max_length=MAX_TURN_CHARS)]
        | Annotated[list[dict[str, Any]], Field(max_length=64)]
        | None
    ) = Field(
        None,
        description=f"Text, or content parts of which the `text` parts are read; at most "
        f"{MAX_TURN_CHARS} characters either way.",
    )

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        # Control characters are stripped by validate_question (the question) and
        # for_answer (earlier turns).
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    model: str = Field(MODEL_ID, max_length=200)
    messages: list[ChatMessageIn] = Field(
        min_length=1,
        max_length=MAX_MESSAGES,
        description="The conversation; the last user or assistant message must be the "
        "user's question. The answer step reads only the last few turns before it.",
    )
    stream: bool = Field(False, strict=True)
    user: CleanText | None = Field(None, max_length=200)
    # Accepted for compatibility; sampling is not ours to set in extractive mode.
    temperature: float | None = Field(None, strict=True)
    max_tokens: int | None = Field(None, strict=True)


def _described(source: SourceRef) -> str:
    """A source on one plain-text line: title (type, page or section) and address."""
    place = f"s. {source.page}" if source.page else source.section
    where = f", {place}" if place else ""
    url = f" {source.url}" if source.url else ""
    return f"{source.title} ({source.doc_type_label}{where}){url}"


def format_sources(citations: list[Citation]) -> str:
    if not citations:
        return ""
    return "\n".join(["", "", "Källor:", *(f"[{c.n}] {_described(c)}" for c in citations)])


def format_nearest(answer: Answer) -> str:
    """When nothing answered: the closest documents, so a plain chat client shows them too."""
    if answer.answered or not answer.nearest_sources:
        return ""
    heading = "Närmast i underlaget (besvarar inte frågan):"
    return "\n".join(["", "", heading, *(f"- {_described(s)}" for s in answer.nearest_sources)])


def _split(body: ChatCompletionRequest) -> tuple[str, list[HistoryTurn]]:
    turns = [m for m in body.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise unprocessable(
            ["body", "messages"],
            "Sista meddelandet måste vara en fråga från användaren.",
            "messages",
        )
    texts = [m.text() for m in turns]
    if any(len(text) > MAX_TURN_CHARS for text in texts):
        raise unprocessable(
            ["body", "messages"],
            f"Ett meddelande är för långt (högst {MAX_TURN_CHARS} tecken).",
            "messages",
        )
    history = [
        HistoryTurn(role=m.role, content=text)
        for m, text in zip(turns[:-1], texts[:-1], strict=True)
    ]
    return texts[-1], for_answer(history)


def _completion(answer: Answer, completion_id: str) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_ID,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": answer.answer
                    + format_sources(answer.citations)
                    + format_nearest(answer),
                },
                "finish_reason": "stop",
            }
        ],
        "citations": [c.model_dump(mode="json") for c in answer.citations],
        "nearest_sources": [s.model_dump(mode="json") for s in answer.nearest_sources],
        "answered": answer.answered,
        "status": answer.status,
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _chunk(
    completion_id: str, delta: dict[str, Any], finish: str | None = None, **extra: Any
) -> str:
    payload = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


@router.get("/models")
def models() -> dict[str, Any]:
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "owned_by": "kunskap"}]}


@router.post(
    "/chat/completions",
    responses={
        **QUESTION_RESPONSES,
        200: {
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
            "description": "A chat.completion object; with `stream: true`, chat.completion.chunk "
            "events ending in `data: [DONE]`.",
        },
    },
)
def chat_completions(body: ChatCompletionRequest, services: ServicesDep) -> Any:
    question, history = _split(body)
    require_index(services)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    try:
        validate_question(question)
        Retriever(services).ensure_ready()
        if not body.stream:
            final = answer(question, history=history, services=services, session_id=body.user)
            return _completion(final, completion_id)
    except QuestionError as exc:
        raise unprocessable(["body", "messages"], str(exc)) from None
    except index_store.IndexUnavailable as exc:
        raise unavailable(exc) from None

    async def events() -> AsyncIterator[str]:
        yield _chunk(completion_id, {"role": "assistant", "content": ""})
        async for event in stream_answer(
            question, history=history, services=services, session_id=body.user
        ):
            if isinstance(event, AnswerDone):
                final = event.answer
                # The streamed text was the draft; the verified answer and its sources close it.
                yield _chunk(
                    completion_id,
                    {"content": format_sources(final.citations) + format_nearest(final)},
                    "stop",
                    citations=[c.model_dump(mode="json") for c in final.citations],
                    nearest_sources=[s.model_dump(mode="json") for s in final.nearest_sources],
                    answered=final.answered,
                    status=final.status,
                )
            else:
                yield _chunk(completion_id, {"content": event.text})
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")

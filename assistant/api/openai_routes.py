"""An OpenAI-compatible face: POST /v1/chat/completions (with streaming) and GET /v1/models,
so any OpenAI client or chat front end can use the assistant. Citations are appended to
the text as a "Källor" list and also returned in a `citations` field."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.answering import QuestionError, answer, stream_answer, validate_question
from assistant.api.ask_routes import ServicesDep, unavailable
from assistant.models import Answer, AnswerDone, Citation, HistoryTurn, SourceRef
from assistant.retrieval import Retriever
from ingest import index_store

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
MODEL_ID = "kunskapsassistenten"


class ChatMessageIn(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    model: str = MODEL_ID
    messages: list[ChatMessageIn] = Field(min_length=1)
    stream: bool = False
    user: str | None = None
    # Accepted for compatibility; sampling is not ours to set in extractive mode.
    temperature: float | None = None
    max_tokens: int | None = None


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
        raise HTTPException(
            status_code=422, detail="Sista meddelandet måste vara en fråga från användaren."
        )
    history = [HistoryTurn(role=m.role, content=m.text()) for m in turns[:-1]]  # type: ignore[arg-type]
    return turns[-1].text(), history


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


@router.post("/chat/completions")
def chat_completions(body: ChatCompletionRequest, services: ServicesDep) -> Any:
    question, history = _split(body)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    try:
        validate_question(question)
        Retriever(services).ensure_ready()
        if not body.stream:
            final = answer(question, history=history, services=services, session_id=body.user)
            return _completion(final, completion_id)
    except QuestionError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
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

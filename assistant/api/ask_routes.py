"""POST /api/ask, POST /api/feedback, GET /api/sources, GET /api/health."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

import kunskap
from assistant.answering import answer, stream_answer
from assistant.api.errors import unprocessable
from assistant.feedback import record_feedback
from assistant.input_types import CleanText
from assistant.intake import QuestionError
from assistant.models import (
    Answer,
    AnswerDone,
    FeedbackIn,
    FeedbackResult,
    HistoryTurn,
    SearchFilters,
)
from assistant.services import Services
from ingest import index_store
from kunskap.limits import (
    ANSWER_HISTORY_TURNS,
    ANSWER_TURN_CHARS,
    MAX_HISTORY_TURNS,
    MAX_QUESTION_CHARS,
    MAX_TURN_CHARS,
)
from kunskap.text import strip_control, web_url

router = APIRouter(prefix="/api", tags=["assistant"])


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]  # app.state is untyped


ServicesDep = Annotated[Services, Depends(get_services)]

# Statuses every route may answer besides its own, for the OpenAPI document.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"description": "Kroppen är större än KUNSKAP_SERVER_MAX_BODY_BYTES (1 MiB)."},
}
QUESTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    **COMMON_RESPONSES,
    503: {
        "description": "Indexet saknas, är skadat eller Qdrant svarar inte; `detail` säger "
        "vad som ska köras."
    },
}


# One server-sent event, as clients (and schemathesis) parse them: `event` and `data` lines.
SSE_EVENT: dict[str, Any] = {
    "type": "object",
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
    "required": ["data"],
}


class HistoryTurnIn(HistoryTurn):
    content: str = Field(max_length=MAX_TURN_CHARS)


class AskRequest(BaseModel):
    # Plain str: validate_question strips control characters and says what is wrong.
    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="Frågan, på svenska eller engelska. Styrtecken tas bort; en fråga utan "
        "bokstäver får 422.",
    )
    history: list[HistoryTurnIn] = Field(
        default_factory=list,
        max_length=MAX_HISTORY_TURNS,
        description=f"Tidigare repliker. Svarssteget läser de {ANSWER_HISTORY_TURNS} sista, "
        f"högst {ANSWER_TURN_CHARS} tecken av varje.",
    )
    filters: SearchFilters | None = None
    stream: bool = Field(False, strict=True, description="Svara med server-sent events.")
    session_id: CleanText | None = Field(None, max_length=200)


def for_answer(history: Sequence[HistoryTurn]) -> list[HistoryTurn]:
    """What of the history the answer step gets: a bounded amount, whatever was sent."""
    return (
        [
            HistoryTurn(role=turn.role, content=strip_control(turn.content)[:ANSWER_TURN_CHARS])
            for turn in history[-ANSWER_HISTORY_TURNS:]
        ]
        if history
        else []
    )


def require_index(services: Services) -> None:
    """503 at once when the index could not be opened at start (see build_services)."""
    broken = services.index_error
    if broken:
        raise HTTPException(status_code=503, detail=str(broken))


class SourceDocument(BaseModel):
    doc_id: str
    source_id: str
    title: str
    publisher: str | None
    doc_type: str
    doc_type_label: str
    areas: list[str]
    published: str | None
    url: str | None
    license: str | None
    attribution: str | None
    chunks: int


def unavailable(exc: Exception) -> HTTPException:
    return HTTPException(status_code=503, detail=str(exc))


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/ask",
    response_model=Answer,
    summary="Ställ en fråga",
    responses={
        **QUESTION_RESPONSES,
        200: {
            "content": {
                "text/event-stream": {
                    "schema": SSE_EVENT,
                    "example": 'event: delta\ndata: {"text": "…"}\n\nevent: done\ndata: {…}\n\n',
                }
            },
            "description": "Svaret; med `stream: true` som server-sent events: `delta` med "
            "text, sist `done` med hela svaret.",
        },
    },
)
def ask(body: AskRequest, services: ServicesDep) -> Any:
    require_index(services)
    try:
        if body.stream:
            return _stream(body, services)
        return answer(
            body.question,
            history=for_answer(body.history),
            filters=body.filters,
            services=services,
            session_id=body.session_id,
        )
    except QuestionError as exc:
        raise unprocessable(["body", "question"], str(exc)) from None
    except index_store.IndexUnavailable as exc:
        raise unavailable(exc) from None


def _stream(body: AskRequest, services: ServicesDep) -> StreamingResponse:
    from assistant.intake import validate_question
    from assistant.retrieval import Retriever

    validate_question(body.question)  # 422 before the stream starts
    Retriever(services).ensure_ready()  # 503 before the stream starts

    async def events() -> AsyncIterator[str]:
        async for event in stream_answer(
            body.question,
            history=for_answer(body.history),
            filters=body.filters,
            services=services,
            session_id=body.session_id,
        ):
            if isinstance(event, AnswerDone):
                yield sse("done", event.answer.model_dump(mode="json"))
            else:
                yield sse("delta", {"text": event.text})

    return StreamingResponse(events(), media_type="text/event-stream")


@router.post(
    "/feedback",
    response_model=FeedbackResult,
    summary="Återkoppling på ett svar",
    responses=COMMON_RESPONSES,
)
def feedback(body: FeedbackIn, services: ServicesDep) -> FeedbackResult:
    return record_feedback(services, body)


@router.get(
    "/sources",
    response_model=list[SourceDocument],
    summary="De inlästa dokumenten",
    responses=QUESTION_RESPONSES,
)
def sources(services: ServicesDep) -> list[SourceDocument]:
    require_index(services)
    collection = services.settings.collection_name()
    try:
        if not index_store.collection_exists(services.index, collection):
            raise index_store.IndexUnavailable(
                f"Samlingen '{collection}' finns inte. Kör `kunskap ingest` först."
            )
        firsts = list(
            index_store.scroll_payloads(
                services.index,
                collection,
                fields=[*SourceDocument.model_fields, "n_chunks"],
                where=index_store.first_chunks_filter(),
            )
        )
    except index_store.IndexUnavailable as exc:
        raise unavailable(exc) from None
    docs = [
        SourceDocument(
            **{k: p.get(k) for k in SourceDocument.model_fields if k not in ("chunks", "url")},
            url=web_url(p.get("url")),
            chunks=p.get("n_chunks", 0),
        )
        for p in firsts
    ]
    return sorted(docs, key=lambda d: (d.source_id, d.doc_id))


@router.get("/health", summary="Status för index, inbäddning, språkmodell och databas")
def health(services: ServicesDep) -> dict[str, Any]:
    settings = services.settings
    status: dict[str, Any] = {"version": kunskap.__version__}
    collection = settings.collection_name()
    broken = services.index_error
    try:
        if broken:
            raise index_store.IndexUnavailable(str(broken))
        exists = index_store.collection_exists(services.index, collection)
        status["index"] = {
            "ok": exists,
            "collection": collection,
            "points": index_store.count_points(services.index, collection) if exists else 0,
            "mode": "server" if settings.qdrant.url else "embedded",
            "engine": services.index.engine,
        }
        if not exists:
            status["index"]["message"] = "Kör `kunskap ingest`."
    except Exception as exc:
        status["index"] = {
            "ok": False,
            "collection": collection,
            "broken": bool(broken),
            "message": str(broken) if broken else f"Qdrant svarar inte: {type(exc).__name__}",
        }
    try:
        dim = len(services.embedding.get_query_embedding("hälsokontroll"))
        status["embedding"] = {"ok": True, "backend": settings.embedding.backend, "dim": dim}
    except Exception as exc:
        status["embedding"] = {"ok": False, "message": type(exc).__name__}
    status["llm"] = _llm_health(services)
    status["database"] = (
        services.needs.health() if services.needs is not None else {"ok": False, "message": "av"}
    )
    status["ok"] = all(
        part.get("ok", False) for key, part in status.items() if key in ("index", "embedding")
    )
    return status


def _llm_health(services: Services) -> dict[str, Any]:
    cfg = services.settings.llm
    if not cfg.enabled:
        return {"ok": True, "configured": False, "mode": "extractive"}
    try:
        headers = (
            {"Authorization": f"Bearer {cfg.api_key.get_secret_value()}"} if cfg.api_key else {}
        )
        response = httpx.get(f"{cfg.base_url.rstrip('/')}/models", headers=headers, timeout=3)  # type: ignore[union-attr]  # enabled means base_url is set
        return {"ok": response.status_code < 500, "configured": True, "model": cfg.model}
    except httpx.HTTPError as exc:
        return {"ok": False, "configured": True, "message": type(exc).__name__}

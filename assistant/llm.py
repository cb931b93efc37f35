"""The optional LLM: any OpenAI-compatible chat endpoint through llama-index's OpenAILike.

Unset (the default) means extractive answers only; nothing here is needed for `make run`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from kunskap.settings import Settings

if TYPE_CHECKING:
    from llama_index.core.base.llms.types import ChatMessage, ChatResponse, CompletionResponse


class LLM(Protocol):
    """The two calls the assistant makes of a chat model (every llama-index LLM has them):
    a whole completion (the LLM judge, follow-up rewriting, the support judge of the
    evaluation) and a streamed chat (the composed answer). Tests hand in a scripted one."""

    def complete(self, prompt: str) -> CompletionResponse: ...

    def stream_chat(self, messages: Sequence[ChatMessage]) -> Iterator[ChatResponse]: ...


def build_llm(settings: Settings) -> LLM | None:
    cfg = settings.llm
    if not cfg.enabled:
        return None
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=cfg.model,
        api_base=cfg.base_url,
        api_key=cfg.api_key.get_secret_value() if cfg.api_key else "not-needed",
        is_chat_model=True,
        temperature=cfg.temperature,
        timeout=cfg.timeout_s,
        max_tokens=cfg.max_tokens,
        max_retries=0,  # a slow endpoint falls back to the extractive answer instead
        context_window=cfg.context_window,
    )


class LLMTimeout(TimeoutError):
    """The model was still writing when the answer's time was up."""


def stream_chat(
    llm: LLM, system: str, user: str, *, deadline_s: float | None = None
) -> Iterator[str]:
    """Yield text deltas from the chat endpoint; raise LLMTimeout after ``deadline_s``.

    The HTTP client's timeout is per read: a model that streams a token a second never trips
    it. The deadline counts the whole answer, so the caller can fall back in time."""
    from llama_index.core.llms import ChatMessage, MessageRole

    end = None if deadline_s is None else time.monotonic() + deadline_s

    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content=system),
        ChatMessage(role=MessageRole.USER, content=user),
    ]
    for chunk in llm.stream_chat(messages):
        if end is not None and time.monotonic() > end:
            raise LLMTimeout(f"no complete answer within {deadline_s:.0f} s")
        if chunk.delta:
            yield chunk.delta


def complete(llm: LLM, prompt: str) -> str:
    return str(llm.complete(prompt).text).strip()

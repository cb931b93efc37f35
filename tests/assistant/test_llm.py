"""The LLM seam: a model that keeps writing is stopped by the answer's deadline."""

from __future__ import annotations

import time
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ChatResponseGen

from assistant.llm import LLMTimeout, build_llm, stream_chat
from kunskap.settings import Settings
from tests.utils.llm import ScriptedLLM


class RamblingLLM(ScriptedLLM):
    """Streams a word every 50 ms, forever (as a small local model did until its context
    was full)."""

    def stream_chat(self, messages: Any, **kwargs: Any) -> ChatResponseGen:
        def gen() -> ChatResponseGen:
            while True:
                time.sleep(0.05)
                message = ChatMessage(role="assistant", content="ord")
                yield ChatResponse(message=message, delta="ord ")

        return gen()


def test_a_model_that_keeps_writing_is_stopped_at_the_deadline() -> None:
    started = time.monotonic()
    words = []
    with pytest.raises(LLMTimeout):
        for delta in stream_chat(RamblingLLM(replies=[]), "system", "user", deadline_s=0.5):
            words.append(delta)
    assert 0.5 <= time.monotonic() - started < 2.0
    assert 3 <= len(words) <= 12


def test_the_endpoint_is_asked_for_at_most_max_tokens() -> None:
    settings = Settings(
        _env_file=None,
        llm={"base_url": "http://127.0.0.1:9/v1", "model": "m", "max_tokens": 123},
    )
    from llama_index.llms.openai_like import OpenAILike

    llm = build_llm(settings)
    assert isinstance(llm, OpenAILike)
    assert llm.max_tokens == 123

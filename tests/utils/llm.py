"""Stand-ins for an LLM endpoint: a scripted llama-index LLM, and a real local HTTP server
that speaks the OpenAI chat-completions wire format, so the real client code runs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.llms.custom import CustomLLM
from pydantic import Field


class ScriptedLLM(CustomLLM):
    """Answers every chat with the next scripted reply; records what it was asked."""

    replies: list[str]
    seen: list[str] = Field(default_factory=list)
    fail_with: str | None = None

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(is_chat_model=True, model_name="scripted")

    def _next(self, prompt: str) -> str:
        self.seen.append(prompt)
        if self.fail_with:
            raise ConnectionError(self.fail_with)
        return self.replies.pop(0) if self.replies else ""

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._next(prompt))

    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        text = self._next(prompt)
        yield CompletionResponse(text=text, delta=text)

    def stream_chat(self, messages: Any, **kwargs: Any) -> ChatResponseGen:
        text = self._next("\n".join(str(m.content) for m in messages))

        def gen() -> ChatResponseGen:
            for i in range(0, len(text), 12):
                piece = text[i : i + 12]
                yield ChatResponse(
                    message=ChatMessage(role="assistant", content=text[: i + 12]), delta=piece
                )

        return gen()


class _Handler(BaseHTTPRequestHandler):
    server: _FakeOpenAIServer

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "fake", "object": "model"}]})
        self._send(200, body.encode(), "application/json")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length))
        self.server.requests.append(request)
        reply = self.server.replies.pop(0) if self.server.replies else ""
        if not request.get("stream"):
            body = {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "fake",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply},
                        "finish_reason": "stop",
                    }
                ],
            }
            self._send(200, json.dumps(body).encode(), "application/json")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for i in range(0, len(reply), 10):
            chunk = {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "fake",
                "choices": [
                    {"index": 0, "delta": {"content": reply[i : i + 10]}, "finish_reason": None}
                ],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _FakeOpenAIServer(ThreadingHTTPServer):
    replies: list[str]
    requests: list[dict[str, Any]]


@contextmanager
def openai_compatible_server(replies: list[str]) -> Iterator[_FakeOpenAIServer]:
    """A real HTTP server on 127.0.0.1 answering /v1/chat/completions with ``replies``."""
    server = _FakeOpenAIServer(("127.0.0.1", 0), _Handler)
    server.replies = list(replies)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()

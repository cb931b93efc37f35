"""413 for a request body over ``KUNSKAP_SERVER_MAX_BODY_BYTES``.

A pure ASGI middleware: a declared Content-Length over the limit is refused before any of
the body is read, and a chunked body is counted as it arrives and cut off at the limit, so
no route ever holds more than the limit in memory.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _detail(limit: int) -> str:
    return f"Förfrågan är för stor (högst {limit} byte)."


class BodyTooLarge(HTTPException):
    """Raised from ``receive``: FastAPI passes an HTTPException raised while it reads the
    body on to the exception handlers (any other exception would become a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _detail(limit))


def _message(limit: int) -> bytes:
    return json.dumps({"detail": _detail(limit)}, ensure_ascii=False).encode()


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.limit:
                    await self._refuse(send)
                    return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = _message(self.limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

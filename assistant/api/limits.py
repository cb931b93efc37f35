"""413 for a request body over ``KUNSKAP_SERVER_MAX_BODY_BYTES``.

A pure ASGI middleware: a declared Content-Length over the limit is refused before any of
the body is read; a chunked body is counted as it arrives, and at the limit the app is told
the client went away (``http.disconnect``), so no route holds more than the limit in memory.
Whatever the app then answers is replaced by the 413. (Raising from ``receive`` instead
would reach FastAPI wrapped in an exception group by the other middleware, and become a 400.)
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _body(limit: int) -> bytes:
    detail = f"Förfrågan är för stor (högst {limit} byte)."
    return json.dumps({"detail": detail}, ensure_ascii=False).encode()


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
        exceeded = False
        refused = False
        started = False  # the app's response began before the limit was reached

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal refused, started
            if not exceeded or started:
                started = started or message["type"] == "http.response.start"
                await send(message)
            elif not refused:
                refused = True
                await self._refuse(send)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not refused and not started:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = _body(self.limit)
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

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


def _body(limit: int, upload: bool = False) -> bytes:
    if upload:
        detail = f"Filen är för stor (högst {limit // 1_000_000} MB)."
    else:
        detail = f"Förfrågan är för stor (högst {limit} byte)."
    return json.dumps({"detail": detail}, ensure_ascii=False).encode()


class BodySizeLimitMiddleware:
    """``uploads`` maps a path to its own, larger limit for POST (a source file's upload)."""

    def __init__(
        self, app: ASGIApp, max_body_bytes: int, uploads: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.default_limit = max_body_bytes
        self.uploads = uploads or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope.get("method") == "POST" and scope.get("path") in self.uploads
        limit = self.uploads[scope["path"]] if upload else self.default_limit
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > limit:
                    await self._refuse(send, limit, upload)
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
                if received > limit:
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
                await self._refuse(send, limit, upload)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not refused and not started:
            await self._refuse(send, limit, upload)

    async def _refuse(self, send: Send, limit: int, upload: bool) -> None:
        body = _body(limit, upload)
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

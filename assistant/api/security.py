"""Security headers on every response. The Content-Security-Policy allows only this app's
own origin: the chat and analyst pages must make no request to any other host (no CDN
fonts or scripts), so a visit leaks nothing to third parties."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response


def content_security_policy(script_sources: Iterable[str] = ("'unsafe-inline'",)) -> str:
    """The policy; ``script_sources`` are added to 'self' (hashes for a page that has them)."""
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *script_sources]),
            "worker-src 'self' blob:",
            # React and Chainlit's components set style attributes; styles cannot leak data
            # to other hosts once img/font/connect are limited to 'self'.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "media-src 'self' blob:",
            # 'self' covers ws:/wss: to this host (CSP level 3); a bare ws: would allow any host.
            "connect-src 'self'",
            "frame-src 'self'",
            "frame-ancestors 'self'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )


# Pages we do not rewrite (API docs, analyst pages) may carry inline scripts.
CONTENT_SECURITY_POLICY = content_security_policy()


def chat_page_policy(inline_script_hashes: Iterable[str]) -> str:
    """The chat page's policy: its few inline scripts by hash, no 'unsafe-inline'."""
    return content_security_policy(list(inline_script_hashes))


class SecurityHeadersMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        # setdefault: a page that sets a stricter policy itself (the chat page) keeps it.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response

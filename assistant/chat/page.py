"""Make Chainlit's page load nothing from other hosts.

Chainlit's built ``index.html`` (chainlit/frontend/dist) links Google Fonts (two
``preconnect`` hints and a stylesheet) and the KaTeX stylesheet on cdn.jsdelivr.net, and its
Open Graph tags name github.com and an S3 bucket. ``public/theme.json`` with
``"custom_fonts": []`` only replaces the font stylesheet; the preconnect hints and KaTeX stay.
A visit must not tell a third party that somebody opened the chat, so the page is rewritten
on its way out: every tag that points at another host goes. The Content-Security-Policy
(assistant.api.security) then blocks anything that slips through, and the browser test
proves no request leaves the app.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.security import chat_page_policy

log = logging.getLogger(__name__)

_EXTERNAL = r"""["'](?:https?:)?//[^"']*["']"""
# <link ...href="https://..."> (preconnect, fonts, KaTeX), possibly spread over lines.
_EXTERNAL_LINK = re.compile(rf"<link\b[^>]*\bhref\s*=\s*{_EXTERNAL}[^>]*>\s*", re.DOTALL)
_EXTERNAL_SCRIPT = re.compile(
    rf"<script\b[^>]*\bsrc\s*=\s*{_EXTERNAL}[^>]*>\s*</script>\s*", re.DOTALL
)
# og:image / og:url with an absolute address: never fetched by the page itself, but they
# advertise Chainlit's hosts and a link preview would fetch them; the page needs neither.
_EXTERNAL_META = re.compile(rf"<meta\b[^>]*\bcontent\s*=\s*{_EXTERNAL}[^>]*>\s*", re.DOTALL)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_HTML_LANG = re.compile(r'<html lang="[^"]*"')
_REMAINING_EXTERNAL = re.compile(rf"\b(?:href|src)\s*=\s*{_EXTERNAL}")


def localize_index_html(html: str) -> str:
    """The page without references to other hosts, and marked as Swedish."""
    html = _EXTERNAL_LINK.sub("", html)
    html = _EXTERNAL_SCRIPT.sub("", html)
    html = _EXTERNAL_META.sub("", html)
    html = _HTML_LANG.sub('<html lang="sv"', html, count=1)
    if _REMAINING_EXTERNAL.search(html):
        log.warning("the chat page still references another host; the CSP will block it")
    return html


def inline_script_hashes(html: str) -> list[str]:
    """CSP source expressions for the page's inline scripts, so no 'unsafe-inline' is needed."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


class ChatPageMiddleware:
    """Rewrites Chainlit's HTML page (see module docstring) and gives it a strict CSP.

    Only HTML responses are touched. Chainlit compresses responses itself (GZip middleware
    inside its app), so HTML requests reach it without Accept-Encoding; the JS bundle under
    ``/assets`` keeps its compression.
    """

    def __init__(self, app: ASGIApp, uncompressed_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.skip_prefixes = uncompressed_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if any(path.startswith(p) for p in self.skip_prefixes):
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]

        start: Message | None = None
        chunks: list[bytes] = []
        is_html = False

        async def capture(message: Message) -> None:
            nonlocal start, is_html
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message["headers"])
                is_html = headers.get("content-type", "").startswith("text/html")
                if not is_html:
                    await send(message)
                    return
                start = message
                return
            if not is_html:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            html = localize_index_html(b"".join(chunks).decode("utf-8"))
            body = html.encode("utf-8")
            assert start is not None
            headers = MutableHeaders(raw=list(start["headers"]))
            headers["content-length"] = str(len(body))
            headers["content-security-policy"] = chat_page_policy(inline_script_hashes(html))
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, capture)

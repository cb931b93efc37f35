"""Every response carries the CSP; a page with its own stricter policy keeps it."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from assistant.api.security import CONTENT_SECURITY_POLICY, SecurityHeadersMiddleware


def _app() -> Starlette:
    async def plain(request):
        return PlainTextResponse("ok")

    async def own(request):
        return PlainTextResponse("ok", headers={"Content-Security-Policy": "default-src 'none'"})

    app = Starlette(routes=[Route("/", plain), Route("/own", own)])
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def test_csp_and_privacy_headers_on_every_response() -> None:
    client = TestClient(_app())
    response = client.get("/")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/missing").headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_a_page_with_its_own_policy_keeps_it() -> None:
    response = TestClient(_app()).get("/own")
    assert response.headers["content-security-policy"] == "default-src 'none'"

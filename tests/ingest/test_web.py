"""The web fetcher against a local HTTP server the test starts (never the internet)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from ingest.web import USER_AGENT, PageVersion, WebFetcher

PAGE = (
    "<html><body><main><h1>Stöd</h1><p>Hembesök ska föregås av ett samtal.</p></main></body></html>"
)


class Site:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.version = 1
        self.active = 0
        self.most_at_once = 0
        self.lock = threading.Lock()


def handler_for(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

        def _send(
            self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            with site.lock:
                site.requests.append((self.path, dict(self.headers)))
                site.active += 1
                site.most_at_once = max(site.most_at_once, site.active)
            try:
                self._route()
            finally:
                with site.lock:
                    site.active -= 1

        def _route(self) -> None:
            if self.path == "/robots.txt":
                self._send(200, b"User-agent: *\nDisallow: /privat/\n")
            elif self.path == "/stod":
                etag = f'"v{site.version}"'
                if self.headers.get("If-None-Match") == etag:
                    self._send(304)
                else:
                    body = PAGE.replace("samtal", f"samtal {site.version}").encode()
                    self._send(200, body, {"ETag": etag, "Content-Type": "text/html"})
            elif self.path == "/utan-etag":
                self._send(200, PAGE.encode(), {"Content-Type": "text/html"})
            elif self.path == "/borta":
                self._send(404, b"finns inte")
            elif self.path.startswith("/langsam"):
                time.sleep(0.3)
                self._send(200, PAGE.encode())
            else:
                self._send(200, PAGE.encode())

    return Handler


@pytest.fixture
def site() -> Iterator[tuple[Site, str]]:
    state = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_is_fetched_again_only_when_it_changed(site: tuple[Site, str]) -> None:
    state, base = site
    fetcher = WebFetcher()
    first = fetcher.fetch(f"{base}/stod")
    assert first.state == "new" and first.body and b"samtal 1" in first.body
    assert first.version.etag == '"v1"'
    again = fetcher.fetch(f"{base}/stod", first.version)
    assert again.state == "unchanged" and again.body is None
    assert state.requests[-1][1].get("If-None-Match") == '"v1"'
    state.version = 2
    changed = fetcher.fetch(f"{base}/stod", again.version)
    assert changed.state == "changed" and changed.body and b"samtal 2" in changed.body
    # Without validators, the content hash decides.
    plain = fetcher.fetch(f"{base}/utan-etag")
    assert fetcher.fetch(f"{base}/utan-etag", plain.version).state == "unchanged"
    assert (
        fetcher.fetch(f"{base}/utan-etag", PageVersion(f"{base}/utan-etag", sha256="0" * 64)).state
        == "changed"
    )


def test_robots_user_agent_gone_pages_and_timeouts(site: tuple[Site, str]) -> None:
    state, base = site
    fetcher = WebFetcher(timeout=0.1)
    refused = fetcher.fetch(f"{base}/privat/sida")
    assert refused.state == "refused" and "robots.txt" in (refused.reason or "")
    assert not any(path.startswith("/privat/") for path, _ in state.requests)
    gone = fetcher.fetch(f"{base}/borta")
    assert gone.state == "gone" and "404" in (gone.reason or "")
    slow = fetcher.fetch(f"{base}/langsam")
    assert slow.state == "failed" and "i tid" in (slow.reason or "")
    assert all(headers.get("User-Agent") == USER_AGENT for _, headers in state.requests)
    assert [p for p, _ in state.requests].count("/robots.txt") == 1
    assert fetcher.fetch("file:///etc/passwd").state == "refused"


def test_one_request_at_a_time_per_host(site: tuple[Site, str]) -> None:
    state, base = site
    fetcher = WebFetcher(client=httpx.Client(timeout=5, headers={"User-Agent": USER_AGENT}))
    fetcher.allowed(f"{base}/")  # robots.txt first, so only page requests overlap below
    threads = [
        threading.Thread(target=fetcher.fetch, args=(f"{base}/langsam/{i}",)) for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([p for p, _ in state.requests if p.startswith("/langsam/")]) == 4
    assert state.most_at_once == 1

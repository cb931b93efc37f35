"""A small web site on loopback for the web source tests (http.server in a thread).

Pages are set per path (body, ETag, Last-Modified, status, delay) and changed between
syncs; the site answers conditional requests as a real server does (304 when If-None-Match
or If-Modified-Since matches) and records every request: path, headers, the status sent,
and how many requests were in flight at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: str
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    delay_s: float = 0.0


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class Site:
    pages: dict[str, Page] = field(default_factory=dict)
    robots: str = "User-agent: *\nDisallow: /privat/\n"
    requests: list[Request] = field(default_factory=list)
    active: int = 0
    most_at_once: int = 0
    base: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def requested(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]


def html_page(title: str, text: str) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><nav>Meny Start Kontakt</nav>"
        f"<main><h1>{title}</h1><p>{text}</p></main><footer>Sidfot</footer></body></html>"
    )


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        _counted = False  # whether this request is in site.active

        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
            with site.lock:
                site.requests.append(Request(self.path, dict(self.headers), status))
                # Stop counting before the response leaves: once the client has read it, it
                # may send its next request before this thread would reach a later decrement,
                # and that would look like two requests at once.
                self._finish_counting()
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _finish_counting(self) -> None:  # call with site.lock held
            if self._counted:
                site.active -= 1
                self._counted = False

        def do_GET(self) -> None:
            with site.lock:
                site.active += 1
                site.most_at_once = max(site.most_at_once, site.active)
                self._counted = True
            try:
                self._route()
            finally:
                with site.lock:
                    self._finish_counting()

        def _route(self) -> None:
            if self.path == "/robots.txt":
                self._send(200, site.robots.encode(), {"Content-Type": "text/plain"})
                return
            page = site.pages.get(self.path)
            if page is None:
                self._send(404, b"finns inte")
                return
            if page.delay_s:
                time.sleep(page.delay_s)
            if page.status != 200:
                self._send(page.status, b"fel")
                return
            headers = {"Content-Type": page.content_type}
            if page.etag:
                headers["ETag"] = page.etag
            if page.last_modified:
                headers["Last-Modified"] = page.last_modified
            inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            if (page.etag and inm == page.etag) or (
                not inm and page.last_modified and ims == page.last_modified
            ):
                self._send(304, b"", headers)
                return
            self._send(200, page.body.encode(), headers)

    return Handler


@contextmanager
def serve_site(site: Site | None = None) -> Iterator[Site]:
    site = site or Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()

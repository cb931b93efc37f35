"""Fetch web pages politely, and only again when they changed (issue 19 §4, first part).

Kunskapsguiden, Socialstyrelsen and SBU publish their supports as web pages. This module
is the fetcher such sources need; ``ingest/sync.py`` runs it for `kunskap sync` and the
server's interval, ``ingest/web_sources.py`` keeps what it fetched.

- Conditional re-fetch: the last ETag and Last-Modified are sent back (``If-None-Match``,
  ``If-Modified-Since``); a 304, or a 200 whose body hashes the same, is "unchanged".
- A page that is gone (404, 410) is reported as ``gone``; the caller keeps its chunks until
  an admin removes it.
- Politeness: one request at a time per host, a timeout, a user agent naming the product,
  and robots.txt respected (read once per host and fetcher; unreadable robots.txt allows,
  as the robots exclusion standard says for 4xx, and a 5xx disallows the host).
"""

from __future__ import annotations

import hashlib
import threading
import urllib.robotparser
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx

import kunskap

# ASCII only: HTTP header values are Latin-1 at best, and servers log them.
USER_AGENT = f"Kunskapsassistenten/{kunskap.__version__} (knowledge support for social services)"
TIMEOUT_S = 20.0

FetchState = Literal["new", "changed", "unchanged", "gone", "refused", "failed"]


@dataclass(frozen=True)
class PageVersion:
    """What was fetched last time: enough to ask the server whether anything changed."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class FetchResult:
    state: FetchState
    version: PageVersion
    body: bytes | None = None  # only for new and changed pages
    content_type: str | None = None
    reason: str | None = None  # Swedish, for the report, when refused, gone or failed


class WebFetcher:
    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        user_agent: str = USER_AGENT,
        timeout: float = TIMEOUT_S,
    ) -> None:
        self.user_agent = user_agent
        self.client = client or httpx.Client(
            timeout=timeout, follow_redirects=True, headers={"User-Agent": user_agent}
        )
        self._host_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._robots: dict[str, urllib.robotparser.RobotFileParser | bool] = {}
        self._robots_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def _lock(self, url: str) -> threading.Lock:
        with self._guard:
            return self._host_locks[urlsplit(url).netloc.lower()]

    def allowed(self, url: str) -> bool:
        """robots.txt's answer for our user agent (fetched once per host)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._guard:
            robots_lock = self._robots_locks[origin]
        # One reader per origin: threads asking at once wait for the first one's answer
        # instead of each fetching robots.txt again.
        with robots_lock:
            rules = self._robots.get(origin)
            if rules is None:
                rules = self._read_robots(origin)
                self._robots[origin] = rules
        if isinstance(rules, bool):
            return rules
        return rules.can_fetch(self.user_agent, url)

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | bool:
        with self._lock(origin):
            try:
                response = self.client.get(f"{origin}/robots.txt")
            except httpx.HTTPError:
                return True  # no answer: nothing forbids (the page fetch will fail anyway)
        if response.status_code >= 500:
            return False
        if response.status_code >= 400:
            return True
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(response.text.splitlines())
        return parser

    def fetch(self, url: str, previous: PageVersion | None = None) -> FetchResult:
        """Fetch ``url``, conditionally when ``previous`` says what was seen last time."""
        previous = previous or PageVersion(url)
        if urlsplit(url).scheme not in ("http", "https"):
            return FetchResult("refused", previous, reason="bara http- och https-adresser")
        if not self.allowed(url):
            return FetchResult("refused", previous, reason="robots.txt tillåter inte hämtning")
        headers = {}
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
        with self._lock(url):
            try:
                response = self.client.get(url, headers=headers)
            except httpx.TimeoutException:
                return FetchResult("failed", previous, reason="servern svarade inte i tid")
            except httpx.HTTPError as exc:
                return FetchResult(
                    "failed", previous, reason=f"kunde inte hämtas ({type(exc).__name__})"
                )
        if response.status_code == 304:
            # A 304 carries the current validators (RFC 9110 §15.4.5): keep the newest.
            return FetchResult(
                "unchanged",
                PageVersion(
                    url,
                    etag=response.headers.get("ETag") or previous.etag,
                    last_modified=response.headers.get("Last-Modified") or previous.last_modified,
                    sha256=previous.sha256,
                ),
            )
        if response.status_code in (404, 410):
            return FetchResult(
                "gone", previous, reason=f"sidan finns inte längre ({response.status_code})"
            )
        if response.status_code != 200:
            return FetchResult("failed", previous, reason=f"servern svarade {response.status_code}")
        body = response.content
        version = PageVersion(
            url,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            sha256=hashlib.sha256(body).hexdigest(),
        )
        if previous.sha256 == version.sha256:
            return FetchResult("unchanged", version)
        state: FetchState = "changed" if previous.sha256 else "new"
        return FetchResult(state, version, body, response.headers.get("Content-Type"))

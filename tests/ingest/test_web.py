"""The web fetcher against a local HTTP server the test starts (never the internet).

The site is the shared one of the web source tests (``tests/utils/web_site.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from ingest.web import USER_AGENT, PageVersion, WebFetcher
from tests.utils.web_site import Page, Site, serve_site

PAGE = (
    "<html><body><main><h1>Stöd</h1><p>Hembesök ska föregås av ett samtal.</p></main></body></html>"
)
# Answers after the fetcher's 0.1 s timeout in the robots test; slow enough that four
# requests at once would overlap in the one-at-a-time test.
SLOW = 0.3


def stod(version: int) -> Page:
    """The page that changes between fetches: its ETag names the version."""
    body = PAGE.replace("samtal", f"samtal {version}")
    return Page(body, etag=f'"v{version}"', content_type="text/html")


@pytest.fixture
def site() -> Iterator[Site]:
    pages = {
        "/stod": stod(1),
        "/utan-etag": Page(PAGE, content_type="text/html"),
        "/langsam": Page(PAGE, delay_s=SLOW),
        **{f"/langsam/{i}": Page(PAGE, delay_s=SLOW) for i in range(4)},
    }
    with serve_site(Site(pages=pages)) as served:  # /borta is not there: 404
        yield served


def test_a_page_is_fetched_again_only_when_it_changed(site: Site) -> None:
    base = site.base
    fetcher = WebFetcher()
    first = fetcher.fetch(f"{base}/stod")
    assert first.state == "new" and first.body and b"samtal 1" in first.body
    assert first.version.etag == '"v1"'
    again = fetcher.fetch(f"{base}/stod", first.version)
    assert again.state == "unchanged" and again.body is None
    assert site.requests[-1].headers.get("If-None-Match") == '"v1"'
    site.pages["/stod"] = stod(2)
    changed = fetcher.fetch(f"{base}/stod", again.version)
    assert changed.state == "changed" and changed.body and b"samtal 2" in changed.body
    # Without validators, the content hash decides.
    plain = fetcher.fetch(f"{base}/utan-etag")
    assert fetcher.fetch(f"{base}/utan-etag", plain.version).state == "unchanged"
    assert (
        fetcher.fetch(f"{base}/utan-etag", PageVersion(f"{base}/utan-etag", sha256="0" * 64)).state
        == "changed"
    )


def test_robots_user_agent_gone_pages_and_timeouts(site: Site) -> None:
    base = site.base
    fetcher = WebFetcher(timeout=0.1)
    refused = fetcher.fetch(f"{base}/privat/sida")
    assert refused.state == "refused" and "robots.txt" in (refused.reason or "")
    assert not any(r.path.startswith("/privat/") for r in site.requests)
    gone = fetcher.fetch(f"{base}/borta")
    assert gone.state == "gone" and "404" in (gone.reason or "")
    slow = fetcher.fetch(f"{base}/langsam")
    assert slow.state == "failed" and "i tid" in (slow.reason or "")
    assert all(r.headers.get("User-Agent") == USER_AGENT for r in site.requests)
    assert [r.path for r in site.requests].count("/robots.txt") == 1
    assert fetcher.fetch("file:///etc/passwd").state == "refused"


def test_one_request_at_a_time_per_host(site: Site) -> None:
    base = site.base
    fetcher = WebFetcher(client=httpx.Client(timeout=5, headers={"User-Agent": USER_AGENT}))
    fetcher.allowed(f"{base}/")  # robots.txt first, so only page requests overlap below
    threads = [
        threading.Thread(target=fetcher.fetch, args=(f"{base}/langsam/{i}",)) for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([r for r in site.requests if r.path.startswith("/langsam/")]) == 4
    assert site.most_at_once == 1

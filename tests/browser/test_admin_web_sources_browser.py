"""Web sources on the admin page in Chromium (issue 19 §4): an admin fetches the manifest's
web page with "Hämta webbkällorna nu", sees it ingested, and after the page disappears
from its site sees it "Försvunnen sedan …" with its chunks still counted.

The page comes from a site on loopback (``tests/utils/web_site.py``) that `kunskap serve`
fetches; the corpus and manifest are in a temporary folder. Screenshots go to
build/browser/ (``admin-web-*.png``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import Traffic, _serve, _server_env, chromium_context
from tests.conftest import REPO_ROOT
from tests.utils.web_site import Page, Site, html_page, serve_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = REPO_ROOT / "build" / "browser"
ADMIN = "webb-admin"
PASSWORD = "hantera-webbkallorna-42"


@pytest.fixture(scope="module")
def web_admin_site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Site]]:
    root = tmp_path_factory.mktemp("admin-web")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "familjehem.md").write_text(
        "# Familjehem\n\nFamiljehemmet ska få utbildning och handledning.", encoding="utf-8"
    )
    with serve_site() as site:
        site.pages["/stod/hembesok"] = Page(
            html_page("Hembesök", "Ett hembesök ska föregås av ett telefonsamtal till den äldre."),
            etag='"v1"',
        )
        manifest = corpus / "corpus_manifest.yaml"
        manifest.write_text(
            "sources:\n"
            "  - id: familjehem\n    title: Familjehemsvård\n    path: familjehem.md\n"
            "    doc_type: kunskapsstod\n    publisher: Socialstyrelsen\n"
            "    areas: [barn_och_unga]\n"
            "  - id: hembesok\n    title: Hembesök hos äldre\n"
            f"    url: {site.url('/stod/hembesok')}\n"
            "    doc_type: kunskapsstod\n    publisher: Socialstyrelsen\n    areas: [aldre]\n",
            encoding="utf-8",
        )
        data_dir = root / "data"
        env = {**_server_env(data_dir, auth_mode="local"), "KUNSKAP_MANIFEST": str(manifest)}
        for command in (["ingest"], ["needs", "user", "add", ADMIN, "--role", "admin"]):
            done = subprocess.run(
                [sys.executable, "-m", "kunskap.cli", *command],
                cwd=REPO_ROOT,
                env={**env, "KUNSKAP_NEW_USER_PASSWORD": PASSWORD},
                timeout=600,
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
            if command == ["ingest"]:  # the web page is not fetched yet: a warning
                assert "inte hämtad än" in done.stdout + done.stderr
        with _serve(data_dir, env, root / "serve.log", "admin-web-serve.log") as base:
            yield base, site


def test_fetch_the_web_sources_then_see_a_vanished_page(
    web_admin_site: tuple[str, Site], chromium_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, site = web_admin_site
    SHOTS.mkdir(parents=True, exist_ok=True)
    traffic = Traffic()
    with sync_playwright() as pw, chromium_context(pw, chromium_path, traffic) as context:
        page = context.new_page()
        page.goto(f"{base}/analys/login")
        page.locator("#username").fill(ADMIN)
        page.locator("#password").fill(PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_url("**/analys")
        page.goto(f"{base}/admin/kallor")
        row = page.locator('#sources tbody tr[data-doc-id="hembesok"]')
        expect(row).to_contain_text("Väntar på inläsning", timeout=15_000)
        expect(row).to_contain_text("Webbsida i corpus_manifest.yaml")
        expect(page.locator("#sync-status")).to_contain_text("har inte hämtats än")

        page.get_by_role("button", name="Hämta webbkällorna nu").click()
        expect(page.locator("body")).to_have_attribute("data-job-state", "done", timeout=180_000)
        expect(row).to_contain_text("Inläst")
        expect(page.locator("#sync-status")).to_contain_text("1 uppdaterade")
        page.screenshot(path=str(SHOTS / "admin-web-01-fetched.png"), full_page=True)
        chunks = row.locator("td").nth(4).inner_text()
        assert int(chunks) >= 1

        del site.pages["/stod/hembesok"]  # the site now answers 404
        page.get_by_role("button", name="Hämta webbkällorna nu").click()
        expect(page.locator("#sync-status")).to_contain_text("1 försvunna", timeout=180_000)
        page.reload()
        expect(row).to_have_attribute("data-status", "vanished", timeout=15_000)
        expect(row.locator("td").nth(3)).to_contain_text("Försvunnen sedan")
        expect(row).to_contain_text("Delarna ligger kvar")
        assert row.locator("td").nth(4).inner_text() == chunks  # the chunks stay
        expect(page.locator("#sync-problems")).to_contain_text(site.url("/stod/hembesok"))
        page.screenshot(path=str(SHOTS / "admin-web-02-vanished.png"), full_page=True)

    assert traffic.hosts() == {"127.0.0.1"}
    assert not traffic.csp_violations(), traffic.csp_violations()
    # The server fetched with its own user agent, robots.txt first.
    assert site.requests[0].path == "/robots.txt"
    assert all(
        r.headers.get("User-Agent", "").startswith("Kunskapsassistenten/") for r in site.requests
    )

"""The sources admin page in Chromium (issue 19 §3): an admin logs in, uploads a small PDF,
watches the ingest reach done, asks the chat a question the PDF answers, and the citation
opens the document at the page the quote stands on.

A corpus of its own (one Markdown file, in a temporary folder with its own manifest), so the
upload's managed manifest is written there and never into the repository. Screenshots go
to build/browser/ (``admin-*.png``).
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.browser.conftest import Traffic, _serve, _server_env, chromium_context
from tests.conftest import REPO_ROOT
from tests.utils.documents import write_pdf

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = REPO_ROOT / "build" / "browser"
ADMIN = "kallor-admin"
PASSWORD = "hantera-kallorna-42"
PAGES = [
    "Riktlinjer för äldreomsorgen\nDenna riktlinje gäller alla utförare i kommunen.",
    "Biståndsbeslut ska dokumenteras i journalen samma dag som de fattas.",
    "Hembesök hos äldre ska alltid föregås av ett telefonsamtal till den äldre.",
]
QUESTION = "Ska hembesök hos äldre föregås av ett telefonsamtal?"


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("admin-sources")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "familjehem.md").write_text(
        "# Familjehem\n\nFamiljehemmet ska få utbildning och handledning från socialnämnden.",
        encoding="utf-8",
    )
    manifest = corpus / "corpus_manifest.yaml"
    manifest.write_text(
        "sources:\n  - id: familjehem\n    title: Familjehemsvård\n    path: familjehem.md\n"
        "    doc_type: kunskapsstod\n    publisher: Socialstyrelsen\n    areas: [barn_och_unga]\n",
        encoding="utf-8",
    )
    data_dir = root / "data"
    env = {**_server_env(data_dir, auth_mode="local"), "KUNSKAP_MANIFEST": str(manifest)}
    for command in (
        ["ingest"],
        ["needs", "user", "add", ADMIN, "--role", "admin"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "kunskap.cli", *command],
            cwd=REPO_ROOT,
            env={**env, "KUNSKAP_NEW_USER_PASSWORD": PASSWORD},
            timeout=600,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    log_path = root / "serve.log"
    with _serve(data_dir, env, log_path, "admin-serve.log") as base:
        yield base, root


def test_upload_a_pdf_then_cite_it_at_its_page(
    admin_site: tuple[str, Path], chromium_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, root = admin_site
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = write_pdf(root / "hembesok.pdf", list(PAGES))
    traffic = Traffic()
    with sync_playwright() as pw, chromium_context(pw, chromium_path, traffic) as context:
        page = context.new_page()
        page.goto(f"{base}/admin/kallor")
        expect(page.get_by_text("Logga in som administratör")).to_be_visible()
        page.goto(f"{base}/analys/login")
        page.locator("#username").fill(ADMIN)
        page.locator("#password").fill(PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_url("**/analys")
        page.goto(f"{base}/admin/kallor")
        expect(page.locator("#sources tbody tr")).to_have_count(1, timeout=15_000)
        page.screenshot(path=str(SHOTS / "admin-01-sources.png"), full_page=True)

        # A broken file first: a Swedish message, and nothing else changes.
        page.locator("#s-file").set_input_files(
            files=[{"name": "trasig.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}]
        )
        page.locator("#s-title").fill("Trasig fil")
        page.locator("#s-publisher").fill("Testkommunen")
        page.locator("input[name=areas][value=aldre]").check()
        page.locator("#s-submit").click()
        expect(page.locator("#form-message")).to_contain_text("Filen kan inte läsas in")
        expect(page.locator("#sources tbody tr")).to_have_count(1)

        # The real upload: progress to done, then the source is listed as ingested.
        page.locator("#s-file").set_input_files(str(pdf))
        page.locator("#s-title").fill("Riktlinjer för hembesök")
        page.locator("#s-doc-type").select_option("kunskapsstod")
        page.locator("#s-publisher").fill("Testkommunen")
        page.locator("input[name=areas][value=aldre]").check()
        page.locator("#s-submit").click()
        expect(page.locator("body")).to_have_attribute("data-job-state", "done", timeout=180_000)
        expect(page.locator("#job-summary")).to_contain_text("1 nya")
        row = page.locator("#sources tbody tr", has_text="Riktlinjer för hembesök")
        expect(row).to_contain_text("Inläst")
        expect(row).to_contain_text("Uppladdad här")
        page.screenshot(path=str(SHOTS / "admin-02-uploaded.png"), full_page=True)

        # The chat answers from it; the citation opens the PDF at the quote's page.
        chat = context.new_page()
        chat.goto(f"{base}/chat/")
        expect(chat.locator("#chat-input")).to_be_visible(timeout=30_000)
        # The welcome message comes over the chat's WebSocket: the session is up.
        expect(chat.get_by_text("Välkommen till Kunskapsassistenten")).to_be_visible()
        chat.locator("#chat-input").focus()
        chat.keyboard.type(QUESTION)
        chat.keyboard.press("Enter")
        last = chat.locator('[data-step-type="assistant_message"]').last
        expect(last.locator("a.element-link").first).to_be_visible(timeout=120_000)
        expect(last).to_contain_text("telefonsamtal")
        last.locator("a.element-link").first.click()
        opener = chat.locator("#side-view-content").get_by_role("link", name="Öppna dokumentet")
        expect(opener).to_be_visible()
        expect(opener).to_have_text("Öppna dokumentet (s. 3)")
        chat.wait_for_timeout(600)  # the panel slides in
        chat.screenshot(path=str(SHOTS / "admin-03-cited.png"))
        href = opener.get_attribute("href") or ""
        assert href.endswith("/file#page=3"), href
        quote = chat.locator("#side-view-content blockquote").inner_text().strip()
        response = chat.request.get(f"{base}{href.split('#')[0]}")
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.body()))
        on_page = " ".join(reader.pages[2].extract_text().split())
        assert quote.rstrip(".") in on_page, (quote, on_page)

    # Headless Chromium has no PDF viewer (a PDF navigation downloads), so the page is
    # checked in the file itself: page 3 of what the link serves holds the quote.
    assert traffic.hosts() == {"127.0.0.1"}
    assert not traffic.csp_violations(), traffic.csp_violations()

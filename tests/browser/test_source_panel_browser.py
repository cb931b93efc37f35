"""The chat's source panel in Chromium (issue 19 §5): sources open only when the reader
asks, show the source named, and never hide the answer on a phone (390×844).

Screenshots go to build/browser/ (``panel-*.png``).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.chat.texts import STARTERS
from tests.browser.conftest import Traffic, chromium_context
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = REPO_ROOT / "build" / "browser"
LAST_ASSISTANT = '[data-step-type="assistant_message"] >> nth=-1'
# Long enough for Chainlit's own effect to have opened the panel (it does so on the render
# after the cards arrive) and for anything that would close it again.
SETTLE_S = 1.5


def _ask(page, question: str) -> None:
    from playwright.sync_api import expect

    before = page.locator('[data-step-type="assistant_message"]').count()
    # Enter does nothing until the chat's WebSocket session is up; the welcome message
    # comes over it.
    expect(page.get_by_text("Välkommen till Kunskapsassistenten")).to_be_visible(timeout=30_000)
    box = page.locator("#chat-input")
    box.focus()
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    deadline = time.monotonic() + 120
    while True:
        steps = page.locator('[data-step-type="assistant_message"]')
        if steps.count() > before and steps.last.locator("a.element-link").count() > 0:
            break
        if time.monotonic() > deadline:
            page.screenshot(path=str(SHOTS / "panel-timeout.png"))
            pytest.fail("no answer with citations within 120 s")
        time.sleep(0.1)
    time.sleep(SETTLE_S)


def _panel_open(page) -> bool:
    return bool(page.locator("#side-view-content").count())


def _answer_visible(page) -> bool:
    """Is the last answer in sight: its start scrolled to the top, are at least three lines'
    worth (60 px) of it on screen with nothing drawn over them?

    With the source sheet open, the page below it takes no pointer events (a modal), so
    ``elementsFromPoint`` cannot see the answer; then what counts is the part of the answer
    above the sheet's top edge (its backdrop is see-through, kunskap.css).
    """
    return bool(
        page.evaluate(
            r"""() => {
              const steps = document.querySelectorAll('[data-step-type="assistant_message"]');
              const content = steps[steps.length - 1].querySelector('.message-content');
              content.scrollIntoView({block: 'start'});
              const box = content.getBoundingClientRect();
              const side = document.getElementById('side-view-content');
              const sheet = side && side.closest('[role="dialog"]');
              if (sheet) {
                const edge = sheet.getBoundingClientRect().top;
                return Math.min(box.bottom, innerHeight, edge) - Math.max(box.top, 0) >= 60;
              }
              const x = box.left + Math.min(30, box.width / 2);
              let visible = 0;
              for (let y = Math.max(box.top, 0) + 4; y < Math.min(box.bottom, innerHeight);
                   y += 10) {
                const top = document.elementFromPoint(x, y);
                if (top !== null && content.contains(top)) visible += 10;
              }
              return visible >= 60;
            }"""
        )
    )


def test_sources_open_only_when_asked_and_never_hide_the_answer(
    chat_server: str, chromium_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    traffic = Traffic()
    with sync_playwright() as pw, chromium_context(pw, chromium_path, traffic) as context:
        page = context.new_page()
        page.goto(f"{chat_server}/")
        expect(page.locator("#chat-input")).to_be_visible(timeout=30_000)

        # 1. An answer arrives: the panel stays closed.
        _ask(page, STARTERS[0].message)
        page.screenshot(path=str(SHOTS / "panel-01-answer-closed.png"))
        assert not _panel_open(page), "the source panel opened without being asked"

        # 2. The reader follows [n]: the panel shows that source, headed by its own [n].
        links = page.locator(LAST_ASSISTANT).locator("a.element-link")
        pick = links.nth(min(1, links.count() - 1))
        name = pick.inner_text().strip()
        pick.click()
        panel = page.locator("#side-view-content")
        expect(panel).to_be_visible()
        time.sleep(SETTLE_S)
        expect(page.locator("#side-view-title")).to_have_text(name)
        assert panel.locator("h3").count() == 1
        expect(panel.locator("h3")).to_contain_text(name)
        opener = panel.get_by_role("link", name="Öppna dokumentet")
        expect(opener).to_be_visible()
        href = opener.get_attribute("href") or ""
        assert href.startswith("/api/sources/"), href
        assert page.request.get(f"{chat_server}{href.split('#')[0]}").status == 200
        page.screenshot(path=str(SHOTS / "panel-02-asked.png"))

        # 3. The next answer: the previous question's source does not stay on screen.
        _ask(page, STARTERS[1].message)
        page.screenshot(path=str(SHOTS / "panel-03-next-answer.png"))
        assert not _panel_open(page), "the previous answer's source stayed open"

        # 4. A phone: the answer stays in sight after the reply and with a source open.
        page.set_viewport_size({"width": 390, "height": 844})
        _ask(page, STARTERS[0].message)
        page.screenshot(path=str(SHOTS / "panel-04-phone-answer.png"))
        assert not _panel_open(page), "the source sheet opened by itself on a phone"
        assert _answer_visible(page), "the answer is hidden on a phone"
        page.locator(LAST_ASSISTANT).locator("a.element-link").first.click()
        expect(page.locator("#side-view-content")).to_be_visible()
        time.sleep(SETTLE_S)
        assert _panel_open(page)
        visible = _answer_visible(page)
        page.screenshot(path=str(SHOTS / "panel-05-phone-source.png"))
        assert visible, "the open source covers the answer on a phone"

    assert not traffic.page_errors, traffic.page_errors

"""The chat in a real browser: ask, stream, cite, give feedback, hit a knowledge gap, and
prove that the page talked to nothing but the app itself."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from assistant.chat.texts import STARTERS
from assistant.models import REFUSAL_SV
from tests.browser.conftest import Traffic, chromium_context

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWERABLE = STARTERS[0].message  # "Vad menas med beprövad erfarenhet?"
UNANSWERABLE = "Hur många platser finns det på LVM-hem i Norrbotten 2023?"
FEEDBACK_COMMENT = "Saknar exempel. Gäller klient 19850312-1234."
LAST_ASSISTANT = '[data-step-type="assistant_message"] >> nth=-1'

# Records, in the page's own clock, when the next assistant message shows its first text
# and when it is complete (citation links in place, or the knowledge-need message shown).
TIMER_JS = """
() => {
  const steps = () => document.querySelectorAll('[data-step-type="assistant_message"]');
  const before = steps().length;
  const t = {t0: null, first: null, done: null};
  window.__kt = t;
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && t.t0 === null) t.t0 = performance.now();
  }, {capture: true});
  const check = () => {
    const all = steps();
    if (all.length <= before || t.t0 === null) return;
    const last = all[all.length - 1];
    const content = last.querySelector('.message-content');
    const text = content ? content.innerText.trim() : '';
    if (text && t.first === null) t.first = performance.now();
    if (t.done === null && (last.querySelector('a.element-link')
        || text.includes('kunskapsbehov'))) t.done = performance.now();
  };
  new MutationObserver(check).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}
"""


def _ask(page, question: str) -> dict[str, float]:
    """Type the question with the keyboard, send it with Enter, wait for the full answer."""
    page.evaluate(TIMER_JS)
    box = page.locator("#chat-input")
    box.focus()
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    # Polled from here: wait_for_function evaluates a string, which the page's CSP forbids.
    deadline = time.monotonic() + 120
    while page.evaluate("() => window.__kt.done") is None:
        assert time.monotonic() < deadline, "no complete answer within 120 s"
        time.sleep(0.05)
    t = page.evaluate("() => window.__kt")
    return {
        "first_token_ms": round(t["first"] - t["t0"], 1),
        "complete_ms": round(t["done"] - t["t0"], 1),
    }


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_chat_in_a_real_browser(
    chat_server: str, chat_data_dir: Path, chromium_path: Path, artifacts_dir: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    traffic = Traffic()
    requests = traffic.requests
    with sync_playwright() as pw, chromium_context(pw, chromium_path, traffic) as context:
        page = context.new_page()
        page.goto(f"{chat_server}/")
        expect(page.locator("#chat-input")).to_be_visible(timeout=30_000)
        expect(page.locator("#starters")).to_contain_text(STARTERS[0].label)
        expect(page.get_by_text("Skriv inte personuppgifter").first).to_be_visible()
        assert page.locator("html").get_attribute("lang") == "sv"
        assert page.locator("#chat-input").get_attribute("aria-label") == "Din fråga"
        page.screenshot(path=str(artifacts_dir / "chat-01-welcome.png"))

        # 1. An answerable question: streamed answer with citations.
        answered = _ask(page, ANSWERABLE)
        last = page.locator(LAST_ASSISTANT)
        links = last.locator("a.element-link")
        assert links.count() >= 1
        expect(last).to_contain_text("Källor")
        page.screenshot(path=str(artifacts_dir / "chat-02-answer.png"))

        # 2. Open the first citation with the keyboard and see its quote.
        first_ref = links.first.inner_text().strip()
        links.first.focus()
        page.keyboard.press("Enter")
        panel = page.locator("#side-view-content")
        expect(panel).to_contain_text("Citat")
        expect(panel).to_contain_text(first_ref)
        expect(panel).to_contain_text("Typ av källa")
        expect(panel.locator("blockquote").first).not_to_be_empty()
        page.screenshot(path=str(artifacts_dir / "chat-03-citation.png"))

        # 3. Thumbs down with a comment, keyboard only.
        down = last.locator("button.negative-feedback-off")
        expect(down).to_have_attribute("aria-label", "Dåligt svar")
        down.focus()
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        dialog.locator("textarea").focus()
        page.keyboard.type(FEEDBACK_COMMENT)
        dialog.locator("#submit-feedback").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_text("Tack för din återkoppling")).to_be_visible(timeout=15_000)
        expect(last.locator("button.negative-feedback-on")).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "chat-04-feedback.png"))

        # 4. A question the material cannot answer: the knowledge-need message.
        refused = _ask(page, UNANSWERABLE)
        last = page.locator(LAST_ASSISTANT)
        expect(last).to_contain_text(REFUSAL_SV.split(".")[0])
        expect(last).to_contain_text("kunskapsbehov")
        # … and where the material comes closest, for the reader to look for themselves.
        expect(last).to_contain_text("Närmast i underlaget (besvarar inte frågan")
        page.screenshot(path=str(artifacts_dir / "chat-05-knowledge-need.png"))

        # 5. Phone width: the same page stays usable.
        page.set_viewport_size({"width": 390, "height": 844})
        expect(page.locator("#chat-input")).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "chat-06-phone.png"))

    # What reached the register: the feedback (redacted) and both knowledge needs.
    db = chat_data_dir / "kunskap.sqlite3"
    feedback = _rows(db, "select rating, comment from feedback")
    assert [r[0] for r in feedback] == ["down"]
    assert "19850312-1234" not in (feedback[0][1] or "")
    reasons = {r[0] for r in _rows(db, "select reason from questions")}
    assert {"negative_feedback", "no_evidence"} <= reasons

    # Privacy: every request (HTTP and WebSocket) went to the app itself.
    hosts = traffic.hosts()
    assert hosts == {"127.0.0.1"}, f"requests left the app: {sorted(hosts, key=str)}"
    assert not traffic.csp_violations(), traffic.csp_violations()

    timings = {
        "mode": "extractive",
        "corpus": "sample",
        "answered": {"question": ANSWERABLE, **answered},
        "knowledge_need": {"question": UNANSWERABLE, **refused},
        "requests": len(requests),
    }
    (artifacts_dir / "browser-timings.json").write_text(
        json.dumps(timings, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (artifacts_dir / "browser-requests.txt").write_text("\n".join(requests) + "\n")
    print(json.dumps(timings, ensure_ascii=False, indent=2))

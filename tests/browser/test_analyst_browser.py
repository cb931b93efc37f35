"""The analyst page /analys in a real browser, as an analyst uses it: log in, read the
grouped needs (redacted), review one, merge two, export CSV and Excel, log out – with the
keyboard only – and prove that the page talked to nothing but the app itself.

The needs are logged through the real HTTP path a chat user takes (thumbs-down on an answer,
POST /api/feedback), into a server with local login and an empty register.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import AnalystSite, Traffic, chromium_context

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PERSONNUMMER = "19850312-1234"
PERSONAL = f"Hur ska jag dokumentera samtal med Anna Svensson {PERSONNUMMER}?"
PERSONAL_COMMENT = "Gäller klient Anna Svensson, tel 070-123 45 67."
PERSONAL_REDACTED = "Hur ska jag dokumentera samtal med [NAMN] [PERSONNUMMER]?"
PERSONAL_COMMENT_REDACTED = "Gäller klient [NAMN], tel [TELEFON]."
PERSONAL_DATA = (PERSONNUMMER, "19850312", "Anna Svensson", "Svensson", "070-123 45 67")
LVM = "Hur många platser finns det på LVM-hem i Norrbotten 2023?"
LVM_AGAIN = "Hur många LVM-platser fanns det i Norrbotten år 2023?"  # grouped with LVM
BISTAND = "Vilka riktlinjer gäller för ekonomiskt bistånd till hemlösa EU-medborgare?"
SKOLA = "Finns det något kunskapsstöd om skolfrånvaro hos barn placerade i familjehem?"
# The same need in other words, which the grouping keeps apart: the analyst merges it.
HEMMASITTARE = "Hur länge får ett barn vara hemmasittare innan socialtjänsten ska agera?"
SEED: list[tuple[str, str | None]] = [
    (PERSONAL, PERSONAL_COMMENT),
    (LVM, None),
    (LVM_AGAIN, None),
    (BISTAND, None),
    (SKOLA, None),
    (HEMMASITTARE, None),
]
# Written out from docs/needs.md, not imported: the file must match what analysts were told.
EXPORT_HEADER = [
    "verksamhetsområde",
    "behov (formulering)",
    "målgrupp",
    "typ av kunskapsstöd som saknas",
    "antal frågor",
    "antal sessioner",
    "exempel",
    "första",
    "senaste",
    "status",
    "kommentar",
]
TARGET_GROUP = "Socialsekreterare inom ekonomiskt bistånd"
ASSIGNEE = "FoU-enheten"
NOTE = "Tas upp på nästa metodmöte."

# Every labelled control must have a name a screen reader can read out.
UNNAMED_CONTROLS_JS = """
() => [...document.querySelectorAll('input, select, textarea, button, a[href]')]
  .filter((el) => el.getClientRects().length > 0)
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
    && !el.getAttribute('aria-labelledby') && !el.textContent.trim())
  .map((el) => el.outerHTML.slice(0, 120))
"""
FOCUS_KEY_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'body';
  if (el.id) return '#' + el.id;
  const row = el.closest('tbody tr');
  if (row) return (el.type === 'checkbox' ? 'row-checkbox:' : 'row-open:')
    + row.querySelector('button').textContent.trim();
  if (el.closest('#top-needs')) return 'top-need';
  return el.tagName.toLowerCase() + ':' + el.textContent.trim();
}
"""


@pytest.fixture(scope="module")
def site(analyst_server: AnalystSite) -> AnalystSite:
    """Six questions logged as knowledge needs by thumbs-down feedback from six sessions."""
    for i, (question, comment) in enumerate(SEED):
        response = httpx.post(
            f"{analyst_server.base_url}/api/feedback",
            json={
                "question": question,
                "rating": "down",
                "comment": comment,
                "session_id": f"browser-session-{i}",
            },
            timeout=120,
        )
        assert response.status_code == 200, response.text
        assert response.json()["need_id"], response.text
    return analyst_server


def _focused(locator) -> bool:
    return bool(locator.evaluate("(el) => el === document.activeElement"))


def _tab_to(page, locator, limit: int = 120) -> None:
    """Press Tab until ``locator`` has the focus: it is reachable with the keyboard."""
    for _ in range(limit):
        if _focused(locator):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"not reachable with Tab: {locator}")


def _choose(page, select, value: str) -> None:
    """Pick an option in a focused, closed <select> with the arrow keys."""
    assert _focused(select)
    page.keyboard.press("Home")
    for _ in range(40):
        if select.input_value() == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value!r} not reachable with the arrow keys")


def _type_into(page, field, text: str) -> None:
    _tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def _log_in(page, username: str, password: str) -> None:
    """Fill in the login form with the keyboard and send it with Enter."""
    _type_into(page, page.get_by_label("Användarnamn"), username)
    _type_into(page, page.get_by_label("Lösenord"), password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/analys$"))


def _row(page, representative: str):
    return page.locator("#needs-table tbody tr").filter(
        has=page.get_by_role("button", name=representative, exact=True)
    )


def _cells(row) -> list[str]:
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def _fact(page, name: str):
    """The value of one fact in the open need's fact list."""
    return page.locator(f'#detail-facts dt:text-is("{name}") + dd')


def _assert_no_personal_data(text: str, where: str) -> None:
    leaked = [p for p in PERSONAL_DATA if p in text]
    assert not leaked, f"personal data in {where}: {leaked}"


def test_analyst_page_in_a_real_browser(
    site: AnalystSite, chromium_path: Path, artifacts_dir: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    started = time.monotonic()
    base = site.base_url
    traffic = Traffic()

    def shot(page, name: str) -> None:
        page.screenshot(path=str(artifacts_dir / f"analyst-{name}.png"), full_page=True)

    with sync_playwright() as pw, chromium_context(pw, chromium_path, traffic) as context:
        page = context.new_page()
        page.set_default_timeout(10_000)

        # 1. Not logged in: 401 with the login form, and a wrong password is refused.
        response = page.goto(f"{base}/analys")
        assert response is not None and response.status == 401
        expect(page.locator(".message")).to_have_text("Logga in för att se behovsloggen.")
        user, password = page.get_by_label("Användarnamn"), page.get_by_label("Lösenord")
        _type_into(page, user, site.username)
        _type_into(page, password, "fel-lösenord-123")
        page.keyboard.press("Enter")
        expect(page.locator(".message")).to_have_text("Fel användarnamn eller lösenord.")
        assert page.url == f"{base}/analys/login"
        shot(page, "01-login")

        # 2. Log in with the keyboard: the list of grouped needs, redacted.
        _log_in(page, site.username, site.password)
        expect(page.locator("#user-name")).to_have_text(f"{site.username} (analytiker)")
        expect(page.locator("#list-status")).to_have_text("5 behov")
        rows = page.locator("#needs-table tbody tr")
        expect(rows).to_have_count(5)
        # Two sessions asked about LVM places in other words: one need, two questions.
        assert _cells(_row(page, LVM))[2:6] == [
            "Vuxna / skadligt bruk och beroende",
            "ny",
            "2",
            "2",
        ]
        expect(rows.first).to_contain_text(LVM)  # sorted by most questions
        expect(_row(page, PERSONAL_REDACTED)).to_have_count(1)
        for question in (BISTAND, SKOLA, HEMMASITTARE):
            assert _cells(_row(page, question))[3:6] == ["ny", "1", "1"]
        expect(page.locator("#top-needs li").first).to_have_text(f"{LVM} (2)")
        area_chart = page.locator("#chart-area svg[role=img]")
        expect(area_chart.locator("desc")).to_contain_text("Barn och unga: 2")
        expect(area_chart.locator("desc")).to_contain_text("Ekonomiskt bistånd: 1")
        # The documentation question names no area: filed as osäker for the analyst to place.
        expect(area_chart.locator("desc")).to_contain_text("osäker: 1")
        _assert_no_personal_data(page.content(), "the list page")
        shot(page, "02-list")

        # 3. Keyboard: the skip link first, then every main control in reading order.
        page.keyboard.press("Tab")
        skip = page.locator("a.skip")
        assert _focused(skip)
        box = skip.bounding_box()
        assert box is not None and box["x"] >= 0, "the skip link stays off screen on focus"
        order = ["a:Hoppa till behovslistan"]
        for _ in range(40):
            page.keyboard.press("Tab")
            key = page.evaluate(FOCUS_KEY_JS)
            if key != order[-1]:  # a date field takes one Tab per part
                order.append(key)
        expected = [
            "a:Hoppa till behovslistan",
            "button:Logga ut",
            "#f-area",
            "#f-status",
            "#f-reason",
            "#f-from",
            "#f-to",
            "#f-q",
            "#f-sort",
            "button:Visa",
            "#export-csv",
            "#export-xlsx",
            "top-need",
            "#merge-target",
            "#merge-button",
            f"row-checkbox:{LVM}",
            f"row-open:{LVM}",
        ]
        assert order[: len(expected)] == expected, order
        skip.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#list-heading")).to_be_focused()

        # 4. Review with the keyboard: filter, open, a refused and an accepted status change.
        _type_into(page, page.get_by_label("Sök i formulering"), "bistånd")
        page.keyboard.press("Enter")
        expect(page.locator("#list-status")).to_have_text("1 behov")
        expect(rows).to_have_count(1)
        _tab_to(page, page.get_by_role("button", name=BISTAND, exact=True))
        page.keyboard.press("Enter")
        detail = page.locator("#detail")
        expect(detail).to_be_visible()
        expect(page.locator("#detail-heading")).to_be_focused()
        expect(page.locator("#detail-heading")).to_have_text(BISTAND)
        expect(page.locator("#questions")).to_contain_text(BISTAND)
        unnamed = page.evaluate(UNNAMED_CONTROLS_JS)
        assert not unnamed, f"controls without a label or name: {unnamed}"

        status = page.get_by_label("Ny status")
        _tab_to(page, status)
        _choose(page, status, "avvisad")  # without a reason: the store refuses
        _tab_to(page, page.get_by_role("button", name="Spara"))
        page.keyboard.press("Enter")
        expect(page.locator("#update-status")).to_contain_text("Kunde inte spara: avvisning kräver")
        expect(_fact(page, "Status")).to_have_text("ny")

        _tab_to(page, status)
        _choose(page, status, "granskad")
        _type_into(page, page.get_by_label("Målgrupp"), TARGET_GROUP)
        _type_into(page, page.get_by_label("Ansvarig"), ASSIGNEE)
        _type_into(page, page.get_by_label("Anteckning"), NOTE)
        _tab_to(page, page.get_by_role("button", name="Spara"))
        page.keyboard.press("Enter")
        expect(page.locator("#update-status")).to_have_text("Sparat.")
        expect(_fact(page, "Status")).to_have_text("granskad")
        expect(page.locator("#notes")).to_contain_text(f"{site.username}: {NOTE}")
        expect(page.locator("#audit")).to_contain_text('"old":"ny","new":"granskad"')
        shot(page, "03-reviewed")

        # ... and it is kept: after a reload, in the list and in the need.
        page.reload()
        expect(page.locator("#list-status")).to_have_text("5 behov")
        assert _cells(_row(page, BISTAND))[3] == "granskad"
        _row(page, BISTAND).get_by_role("button").click()
        expect(_fact(page, "Status")).to_have_text("granskad")
        expect(_fact(page, "Ansvarig")).to_have_text(ASSIGNEE)
        expect(page.get_by_label("Målgrupp")).to_have_value(TARGET_GROUP)
        expect(page.locator("#notes")).to_contain_text(NOTE)

        # The need with personal data: only placeholders, in the question and the comment.
        _row(page, PERSONAL_REDACTED).get_by_role("button").click()
        expect(page.locator("#detail-heading")).to_have_text(PERSONAL_REDACTED)
        expect(page.locator("#questions")).to_contain_text(PERSONAL_REDACTED)
        expect(page.locator("#questions")).to_contain_text(
            f"Kommentar: {PERSONAL_COMMENT_REDACTED}"
        )
        _assert_no_personal_data(page.content(), "the need's page")
        shot(page, "04-redacted")

        # The need page offers the twin the grouping kept apart, and nothing unrelated.
        _row(page, SKOLA).get_by_role("button").click()
        expect(page.locator("#detail-heading")).to_have_text(SKOLA)
        similar = page.locator("#similar")
        expect(similar).to_contain_text(HEMMASITTARE)
        expect(similar).not_to_contain_text(BISTAND)
        # Each button names the need it acts on, as the list's checkboxes do.
        merge_twin = similar.get_by_role(
            "button", name=f"Slå ihop in i detta behov: {HEMMASITTARE}"
        )
        expect(merge_twin).to_have_count(1)
        expect(similar.get_by_role("button", name=f"Öppna: {HEMMASITTARE}")).to_have_count(1)

        # 5. Merge the need the grouping kept apart into its twin, with the keyboard.
        page.locator("#list-heading").focus()
        _tab_to(page, page.get_by_role("checkbox", name=f"Markera: {SKOLA}"))
        page.keyboard.press("Space")
        _tab_to(page, page.get_by_role("checkbox", name=f"Markera: {HEMMASITTARE}"))
        page.keyboard.press("Space")
        expect(_row(page, HEMMASITTARE)).to_have_class("selected")
        target = page.get_by_label("Slå ihop markerade behov in i")
        page.locator("#list-heading").focus()
        _tab_to(page, target)
        skola_id = target.locator("option", has_text=SKOLA).get_attribute("value")
        assert skola_id
        _choose(page, target, skola_id)
        _tab_to(page, page.get_by_role("button", name="Slå ihop", exact=True))
        page.keyboard.press("Enter")
        expect(page.locator("#list-status")).to_have_text("1 behov ihopslagna.")
        expect(rows).to_have_count(4)
        expect(_row(page, HEMMASITTARE)).to_have_count(0)
        assert _cells(_row(page, SKOLA))[4:6] == ["2", "2"]
        page.reload()
        expect(page.locator("#list-status")).to_have_text("4 behov")
        assert _cells(_row(page, SKOLA))[4:6] == ["2", "2"]
        _row(page, SKOLA).get_by_role("button").click()
        expect(page.locator("#questions")).to_contain_text(HEMMASITTARE)
        expect(page.locator("#questions li")).to_have_count(2)
        shot(page, "05-merged")

        # 6. Export through the page's own links, with the keyboard.
        files = {}
        for fmt, name in (("csv", "Exportera CSV"), ("xlsx", "Exportera Excel")):
            page.get_by_label("Sortera").focus()
            _tab_to(page, page.get_by_role("link", name=name))
            with page.expect_download() as info:
                page.keyboard.press("Enter")
            download = info.value
            assert download.suggested_filename.startswith("kunskapsbehov-")
            assert download.suggested_filename.endswith(f".{fmt}")
            files[fmt] = tmp_path / download.suggested_filename
            download.save_as(files[fmt])

        raw = files["csv"].read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark for Swedish Excel"
        text = raw.decode("utf-8-sig")
        _assert_no_personal_data(text, "the CSV export")
        table = list(csv.reader(io.StringIO(text), delimiter=";"))
        workbook = load_workbook(files["xlsx"], read_only=True)
        rows_xlsx = workbook["Kunskapsbehov"].iter_rows(values_only=True)
        sheet = [["" if v is None else str(v) for v in r] for r in rows_xlsx]
        workbook.close()
        _assert_no_personal_data(json.dumps(sheet, ensure_ascii=False), "the Excel export")
        for name, exported in (("csv", table), ("xlsx", sheet)):
            assert exported[0] == EXPORT_HEADER, name
            by_need = {r[1]: dict(zip(EXPORT_HEADER, r, strict=True)) for r in exported[1:]}
            assert set(by_need) == {LVM, BISTAND, SKOLA, PERSONAL_REDACTED}, name
            assert by_need[BISTAND]["status"] == "granskad", name
            assert by_need[BISTAND]["målgrupp"] == TARGET_GROUP, name
            assert by_need[BISTAND]["kommentar"] == NOTE, name
            assert by_need[SKOLA]["antal frågor"] == "2", name
            assert by_need[LVM]["antal sessioner"] == "2", name
            assert by_need[PERSONAL_REDACTED]["exempel"] == PERSONAL_REDACTED, name

        # 7. Phone width: one column, nothing wider than the screen.
        page.set_viewport_size({"width": 390, "height": 844})
        expect(page.get_by_role("button", name="Slå ihop", exact=True)).to_be_visible()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow} px wider than a phone screen"
        shot(page, "06-phone")
        page.set_viewport_size({"width": 1280, "height": 860})

        # 8. Log out with the keyboard: the page is closed again.
        page.locator("a.skip").focus()
        _tab_to(page, page.get_by_role("button", name="Logga ut"))
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/analys/login")
        response = page.goto(f"{base}/analys")
        assert response is not None and response.status == 401

        # 9. When the session ends (8 h), the next action leads to the login form – not to
        # the browser's own password dialog, which would leave the page waiting.
        _log_in(page, site.username, site.password)
        expect(page.locator("#list-status")).to_have_text("4 behov")
        context.clear_cookies()
        _tab_to(page, page.get_by_role("button", name="Visa"))
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/analys/login", timeout=10_000)
        expect(page.get_by_label("Användarnamn")).to_be_visible()

        requests = list(traffic.requests)
        violations = traffic.csp_violations()
        # The checks below can fail: a request to another host is blocked and reported.
        csp_before = len(violations)
        page.evaluate(
            "() => { const i = document.createElement('img');"
            " i.src = 'http://192.0.2.1/canary.png'; document.body.append(i); }"
        )
        deadline = time.monotonic() + 5
        while len(traffic.csp_violations()) == csp_before and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        canary = traffic.csp_violations()[csp_before:]
        assert canary and "192.0.2.1" in canary[0], "a blocked request was not reported"
        canary_hosts = Traffic(requests=traffic.requests[len(requests) :]).hosts()
        assert "192.0.2.1" in canary_hosts, "a request to another host was not recorded"

    # Privacy: every request went to the app itself; nothing was blocked; no script errors.
    hosts = Traffic(requests=requests).hosts()
    assert hosts == {"127.0.0.1"}, f"requests left the app: {sorted(hosts, key=str)}"
    assert not violations, violations
    assert not traffic.page_errors, traffic.page_errors
    # Nor was the personal data stored anywhere in the data dir (database, WAL, keys).
    for path in site.data_dir.rglob("*"):
        if path.is_file():
            _assert_no_personal_data(path.read_bytes().decode("utf-8", "replace"), str(path))

    seconds = round(time.monotonic() - started, 1)
    (artifacts_dir / "analyst-requests.txt").write_text("\n".join(requests) + "\n")
    print(f"analyst page in the browser: {seconds} s, {len(requests)} requests")

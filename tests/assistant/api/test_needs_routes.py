"""The /api/needs endpoints and the /analys page, in a small app with the real store."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api import needs_routes
from assistant.auth import hash_password
from assistant.needs.store import NeedsStore
from tests.conftest import make_settings, query_embed

PASSWORD = "ett-långt-lösenord"
Embed = Callable[[list[str]], np.ndarray]


@cache
def password_hash() -> str:
    """PASSWORD hashed once (argon2, about 0.3 s on a busy machine); logins still verify."""
    return hash_password(PASSWORD)


@pytest.fixture(scope="module")
def embed() -> Embed:
    return query_embed


@pytest.fixture
def setup(tmp_path: Path, embed: Embed) -> Iterator[tuple[TestClient, NeedsStore]]:
    settings = make_settings(tmp_path / "data")
    store = NeedsStore.from_settings(settings, embed=embed)
    store.add_user("ann", password_hash(), "analyst")
    store.add_user("root", password_hash(), "admin")
    for q, session in [
        ("Hur beräknar man försörjningsstöd enligt riksnormen?", "a"),
        ("Hur räknar man ut riksnormen för försörjningsstöd?", "b"),
        ("När ska man göra en lex Sarah-rapport?", "c"),
    ]:
        store.log_question(
            question=q, language="sv", reason="no_evidence", session_id=session,
            top_sources=[{"doc_id": "sos-1", "title": "Riksnormen", "score": 0.62}],
            index_version="i", app_version="a",
        )  # fmt: skip
    app = FastAPI()
    app.include_router(needs_routes.router)
    app.state.services = SimpleNamespace(settings=settings, needs=store)
    yield TestClient(app), store
    store.close()


def auth(name: str, password: str = PASSWORD, *, write: bool = True) -> dict[str, str]:
    """Basic credentials, with the CSRF header every state-changing call needs."""
    token = base64.b64encode(f"{name}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    if write:
        headers["X-Requested-With"] = "kunskap"
    return headers


def test_everything_needs_login(setup: tuple[TestClient, NeedsStore]) -> None:
    client, store = setup
    need_id = store.list_needs()[0].id
    for method, path in [
        ("GET", "/api/needs"),
        ("GET", f"/api/needs/{need_id}"),
        ("GET", f"/api/needs/{need_id}/similar"),
        ("GET", "/api/needs/stats"),
        ("GET", "/api/needs/meta"),
        ("GET", "/api/needs/export?format=csv"),
        ("PATCH", f"/api/needs/{need_id}"),
        ("POST", "/api/needs/merge"),
        ("POST", f"/api/needs/{need_id}/split"),
        ("POST", "/api/needs/purge"),
    ]:
        assert client.request(method, path, json={}).status_code == 401, path
    page = client.get("/analys")
    assert page.status_code == 401 and "Logga in" in page.text
    assert "riksnormen" not in page.text


def test_admin_only_routes(setup: tuple[TestClient, NeedsStore]) -> None:
    client, _ = setup
    assert client.post("/api/needs/purge", headers=auth("ann")).status_code == 403
    assert client.get("/api/needs/audit", headers=auth("ann")).status_code == 403
    assert client.post("/api/needs/purge", headers=auth("root")).json()["questions"] == 0


def test_list_filter_sort_and_detail(setup: tuple[TestClient, NeedsStore]) -> None:
    client, _ = setup
    needs = client.get("/api/needs", headers=auth("ann")).json()
    assert [n["question_count"] for n in needs] == [2, 1]
    assert needs[0]["area_label"] == "Ekonomiskt bistånd" and needs[0]["status_label"] == "ny"
    only = client.get("/api/needs?area=overgripande", headers=auth("ann")).json()
    assert len(only) == 1 and "Sarah" in only[0]["representative"]
    assert client.get("/api/needs?status=avvisad", headers=auth("ann")).json() == []
    assert client.get("/api/needs?reason=negative_feedback", headers=auth("ann")).json() == []
    assert client.get("/api/needs?from=2999-01-01", headers=auth("ann")).json() == []
    detail = client.get(f"/api/needs/{needs[0]['id']}", headers=auth("ann")).json()
    assert len(detail["questions"]) == 2
    assert detail["questions"][0]["top_sources"][0] == {
        "doc_id": "sos-1", "title": "Riksnormen", "score": 0.62,
    }  # fmt: skip
    assert client.get("/api/needs/nope", headers=auth("ann")).status_code == 404


def test_a_split_off_paraphrase_is_offered_as_similar(
    setup: tuple[TestClient, NeedsStore],
) -> None:
    client, _ = setup
    riksnorm = client.get("/api/needs", headers=auth("ann")).json()[0]
    detail = client.get(f"/api/needs/{riksnorm['id']}", headers=auth("ann")).json()
    one = [detail["questions"][0]["id"]]
    part = client.post(
        f"/api/needs/{riksnorm['id']}/split", json={"question_ids": one}, headers=auth("ann")
    ).json()
    offered = client.get(f"/api/needs/{riksnorm['id']}/similar", headers=auth("ann")).json()
    assert [o["id"] for o in offered] == [part["id"]]  # not the lex Sarah need
    assert offered[0]["status_label"] == "ny" and offered[0]["score"] > 0
    assert client.get("/api/needs/nope/similar", headers=auth("ann")).status_code == 404


def test_status_change_merge_split_audit(setup: tuple[TestClient, NeedsStore]) -> None:
    client, _ = setup
    a, b = (n["id"] for n in client.get("/api/needs", headers=auth("ann")).json())
    bad = client.patch(f"/api/needs/{a}", json={"status": "besvarad"}, headers=auth("ann"))
    assert bad.status_code == 409
    ok = client.patch(
        f"/api/needs/{a}", json={"status": "granskad", "note": "Vanlig fråga"}, headers=auth("ann")
    )
    assert ok.status_code == 200 and ok.json()["status_label"] == "granskad"
    merged = client.post(
        "/api/needs/merge", json={"target_id": a, "source_ids": [b]}, headers=auth("ann")
    ).json()
    assert merged["question_count"] == 3
    lex = [q["id"] for q in merged["questions"] if "Sarah" in q["text"]]
    new = client.post(f"/api/needs/{a}/split", json={"question_ids": lex}, headers=auth("ann"))
    assert new.status_code == 200 and new.json()["question_count"] == 1
    audit = client.get("/api/needs/audit", headers=auth("root")).json()
    actions = {(e["actor"], e["action"]) for e in audit}
    assert {("ann", "status"), ("ann", "note"), ("ann", "merge"), ("ann", "split")} <= actions


def test_stats_and_exports(setup: tuple[TestClient, NeedsStore]) -> None:
    client, _ = setup
    stats = client.get("/api/needs/stats", headers=auth("ann")).json()
    assert stats["per_area"]["ekonomiskt_bistand"] == 1 and sum(stats["per_month"].values()) == 2
    assert stats["top"][0]["question_count"] == 2
    csv = client.get("/api/needs/export?format=csv", headers=auth("ann"))
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("verksamhetsområde;behov")
    xlsx = client.get("/api/needs/export?format=xlsx", headers=auth("ann"))
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None and ws.cell(row=1, column=1).value == "verksamhetsområde"


def test_login_page_flow_and_page_is_self_contained(setup: tuple[TestClient, NeedsStore]) -> None:
    client, _ = setup
    wrong = client.post("/analys/login", data={"username": "ann", "password": "fel"})
    assert wrong.status_code == 401
    res = client.post(
        "/analys/login", data={"username": "ann", "password": PASSWORD}, follow_redirects=False
    )
    assert res.status_code == 303
    cookie = res.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = client.get("/analys")
    assert page.status_code == 200 and "<label" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    # No request to any other host: no absolute URLs in the page, its script or its styles.
    for body in (page.text, client.get("/analys/static/app.js").text,
                 client.get("/analys/static/style.css").text):  # fmt: skip
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", body)
        assert "@import" not in body and "url(http" not in body
    assert "https://" not in page.text
    # Cookie sessions must send the CSRF header for writes.
    need_id = client.get("/api/needs").json()[0]["id"]
    assert client.patch(f"/api/needs/{need_id}", json={"assignee": "ann"}).status_code == 403
    ok = client.patch(
        f"/api/needs/{need_id}", json={"assignee": "ann"}, headers={"X-Requested-With": "kunskap"}
    )
    assert ok.status_code == 200
    client.post("/analys/logout")
    client.cookies.clear()
    assert client.get("/api/needs").status_code == 401
    assert client.get("/analys/static/../store.py").status_code == 404


# --- hardening (issue 20) -----------------------------------------------------------------------


def test_login_form_locks_the_account_after_repeated_failures(
    setup: tuple[TestClient, NeedsStore], caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = setup
    with caplog.at_level("WARNING", logger="kunskap.security"):
        statuses = [
            client.post("/analys/login", data={"username": "ann", "password": f"fel-{i}"})
            for i in range(6)
        ]
    assert [r.status_code for r in statuses] == [401] * 5 + [429]
    locked = statuses[-1]
    assert 800 < int(locked.headers["Retry-After"]) <= 900
    assert "För många misslyckade inloggningar" in locked.text
    assert any("login lockout" in r.getMessage() for r in caplog.records)
    # The right password does not get in while the account is locked.
    right = client.post(
        "/analys/login", data={"username": "ann", "password": PASSWORD}, follow_redirects=False
    )
    assert right.status_code == 429 and "set-cookie" not in right.headers
    # Nor through HTTP Basic; another account from the same client still works.
    assert client.get("/api/needs/me", headers=auth("ann", write=False)).status_code == 429
    assert client.get("/api/needs/me", headers=auth("root", write=False)).status_code == 200


def test_basic_auth_guessing_is_throttled_too(setup: tuple[TestClient, NeedsStore]) -> None:
    client, _ = setup
    codes = [
        client.get("/api/needs/me", headers=auth("root", f"gissning-{i}", write=False)).status_code
        for i in range(5)
    ]
    assert codes == [401] * 5
    locked = client.get("/api/needs/me", headers=auth("root", write=False))
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


def test_address_lock_covers_names_that_do_not_exist(
    setup: tuple[TestClient, NeedsStore],
) -> None:
    client, _ = setup
    for i in range(20):  # 20 different names, so no single account reaches its limit
        client.post("/analys/login", data={"username": f"nobody{i}", "password": "x"})
    blocked = client.post(
        "/analys/login", data={"username": "ann", "password": PASSWORD}, follow_redirects=False
    )
    assert blocked.status_code == 429


def test_writes_need_the_csrf_header_whatever_the_authentication(
    setup: tuple[TestClient, NeedsStore],
) -> None:
    client, _ = setup
    # The probe's forgery: Basic credentials and a form-encoded body, no custom header.
    forged = client.post(
        "/api/needs/regroup",
        headers={**auth("root", write=False), "Content-Type": "application/x-www-form-urlencoded"},
        content=b"a=1",
    )
    assert forged.status_code == 403 and "X-Requested-With" in forged.json()["detail"]
    need_id = client.get("/api/needs", headers=auth("ann", write=False)).json()[0]["id"]
    assert (
        client.patch(
            f"/api/needs/{need_id}", json={"assignee": "x"}, headers=auth("ann", write=False)
        ).status_code
        == 403
    )
    assert client.post("/api/needs/regroup", headers=auth("root")).status_code == 200


def test_writes_need_the_csrf_header_in_sso_and_open_modes(tmp_path: Path) -> None:
    for mode, headers in [
        ("sso_header", {"X-Forwarded-User": "eva", "X-Forwarded-Groups": "kunskap-admin"}),
        ("none", {}),
    ]:
        settings = make_settings(tmp_path / mode, auth={"mode": mode})
        store = NeedsStore.from_settings(settings)
        app = FastAPI()
        app.include_router(needs_routes.router)
        app.state.services = SimpleNamespace(settings=settings, needs=store)
        client = TestClient(app)
        assert client.post("/api/needs/purge", headers=headers).status_code == 403, mode
        ok = client.post("/api/needs/purge", headers={**headers, "X-Requested-With": "kunskap"})
        assert ok.status_code == 200, mode
        store.close()


def test_login_and_logout_forms_refuse_other_sites(setup: tuple[TestClient, NeedsStore]) -> None:
    client, _ = setup
    login = {"username": "ann", "password": PASSWORD}
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ):
        assert client.post("/analys/login", data=login, headers=headers).status_code == 403
        assert client.post("/analys/logout", headers=headers).status_code == 403
    # The page's own forms: the browser says same-origin, or names this host as Origin.
    for headers in ({"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}):
        res = client.post("/analys/login", data=login, headers=headers, follow_redirects=False)
        assert res.status_code == 303
        out = client.post("/analys/logout", headers=headers, follow_redirects=False)
        assert out.status_code == 303


def test_no_basic_challenge_for_browsers(setup: tuple[TestClient, NeedsStore]) -> None:
    client, _ = setup
    browser = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html,application/xhtml+xml"}
    res = client.get("/api/needs/me", headers=browser)
    assert res.status_code == 401 and "www-authenticate" not in res.headers
    page_fetch = client.get("/api/needs/me", headers={"X-Requested-With": "kunskap"})
    assert "www-authenticate" not in page_fetch.headers
    script = client.get("/api/needs/me", headers={"Accept": "*/*"})
    assert script.headers["www-authenticate"].startswith("Basic")


def test_dates_must_be_iso_dates(setup: tuple[TestClient, NeedsStore]) -> None:
    client, _ = setup
    headers = auth("ann", write=False)
    for bad in ("0", "1700000000", "2024-1-1", "igår"):
        res = client.get(f"/api/needs?to={bad}", headers=headers)
        assert res.status_code == 422, bad
        assert res.json()["detail"][0]["msg"] == "Datumet ska skrivas ÅÅÅÅ-MM-DD."
    assert client.get("/api/needs?to=2999-12-31", headers=headers).status_code == 200


def test_no_control_character_reaches_the_register_or_the_csv(
    setup: tuple[TestClient, NeedsStore],
) -> None:
    client, store = setup
    # Three sessions: an export carries only needs that k=3 distinct sessions raised.
    for session in ("s\x00", "s2", "s3"):
        store.log_question(
            question="Hur\x00 ordnar man\x07 tolk\u202e vid\ud800 hembesök?", language="sv",
            reason="no_evidence", session_id=session, top_sources=[], index_version="i",
            app_version="a", comment="kommentar\x00",
        )  # fmt: skip
    need_id = next(n.id for n in store.list_needs() if "tolk" in n.representative)
    client.post(
        f"/api/needs/{need_id}/notes", json={"text": "Anteckning\x00 med NUL"}, headers=auth("ann")
    )
    detail = client.get(f"/api/needs/{need_id}", headers=auth("ann", write=False)).text
    csv = client.get("/api/needs/export?format=csv", headers=auth("ann", write=False)).content
    for text in (detail, csv.decode("utf-8-sig")):
        assert "Hur ordnar man tolk vid hembesök?" in text
        for bad in ("\x00", "\\u0000", "\x07", "\u202e", "\\ud800"):
            assert bad not in text
    assert "Anteckning med NUL" in csv.decode("utf-8-sig")

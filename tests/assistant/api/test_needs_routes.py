"""The /api/needs endpoints and the /analys page, in a small app with the real store."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Iterator
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
from tests.conftest import make_settings

PASSWORD = "ett-långt-lösenord"
Embed = Callable[[list[str]], np.ndarray]


@pytest.fixture(scope="module")
def embed() -> Embed:
    from ingest.embedding import build_embedding, embed_queries
    from kunskap.settings import Settings

    model = build_embedding(Settings(_env_file=None))  # type: ignore[call-arg]
    return lambda texts: embed_queries(model, texts)


@pytest.fixture
def setup(tmp_path: Path, embed: Embed) -> Iterator[tuple[TestClient, NeedsStore]]:
    settings = make_settings(tmp_path / "data")
    store = NeedsStore.from_settings(settings, embed=embed)
    store.add_user("ann", hash_password(PASSWORD), "analyst")
    store.add_user("root", hash_password(PASSWORD), "admin")
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


def auth(name: str) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_everything_needs_login(setup: tuple[TestClient, NeedsStore]) -> None:
    client, store = setup
    need_id = store.list_needs()[0].id
    for method, path in [
        ("GET", "/api/needs"),
        ("GET", f"/api/needs/{need_id}"),
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

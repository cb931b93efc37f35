"""Web sources through the server (issue 19 §4): the sync job, the vanished status on the
admin API and page, and the interval that syncs by itself.

The pages come from a real HTTP server on loopback (``tests/utils/web_site.py``); the app
runs with local login and the server's own ingest worker on embedded Qdrant.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.auth import hash_password
from assistant.needs.store import NeedsStore
from assistant.services import Services
from ingest import index_store
from ingest.embedding import build_embedding
from ingest.sync import SYNC_REASON
from ingest.web import USER_AGENT
from kunskap.settings import Settings
from tests.conftest import make_settings
from tests.utils.app import api_client
from tests.utils.web_site import Page, Site, html_page, serve_site

ADMIN = ("admin-anna", "ett långt adminlösenord")
CSRF = {"X-Requested-With": "kunskap"}


def basic() -> dict[str, str]:
    import base64

    token = base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as s:
        s.pages["/stod/hembesok"] = Page(
            html_page("Hembesök", "Ett hembesök ska föregås av ett telefonsamtal till den äldre."),
            etag='"v1"',
        )
        yield s


def make_services(tmp_path: Path, site: Site, **overrides: object) -> Services:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "familjehem.md").write_text(
        "# Familjehem\n\nFamiljehemmet ska få utbildning och handledning.", encoding="utf-8"
    )
    (root / "corpus_manifest.yaml").write_text(
        "sources:\n"
        "  - id: familjehem\n    title: Familjehemsvård\n    path: familjehem.md\n"
        "    doc_type: kunskapsstod\n    publisher: Socialstyrelsen\n    areas: [barn_och_unga]\n"
        "  - id: hembesok\n    title: Hembesök hos äldre\n"
        f"    url: {site.url('/stod/hembesok')}\n"
        "    doc_type: kunskapsstod\n    publisher: Socialstyrelsen\n    areas: [aldre]\n",
        encoding="utf-8",
    )
    settings: Settings = make_settings(
        tmp_path / "data",
        manifest=root / "corpus_manifest.yaml",
        auth={"mode": "local"},
        **overrides,
    )
    needs = NeedsStore.from_settings(settings)
    needs.add_user(ADMIN[0], hash_password(ADMIN[1]), "admin")
    return Services(settings, index_store.open_index(settings), build_embedding(settings), needs)


@pytest.fixture
def client(tmp_path: Path, site: Site) -> Iterator[TestClient]:
    services = make_services(tmp_path, site)
    with api_client(services) as test_client:
        yield test_client
    services.close()


def sync_and_wait(client: TestClient) -> dict:
    response = client.post("/api/sources/sync", headers={**basic(), **CSRF})
    assert response.status_code == 202, response.text
    assert response.json()["job"]["reason"] == SYNC_REASON
    assert client.app.state.ingest_worker.wait(120)
    overview = client.get("/api/sources/jobs", headers=basic())
    assert overview.status_code == 200
    return overview.json()


def by_id(overview: dict) -> dict[str, dict]:
    return {s["doc_id"]: s for s in overview["sources"]}


def test_the_admin_syncs_and_a_vanished_page_is_reported_with_its_chunks(
    client: TestClient, site: Site
) -> None:
    before = client.get("/api/sources/jobs", headers=basic()).json()
    assert by_id(before)["hembesok"]["status"] == "pending"  # listed before the first sync
    assert by_id(before)["hembesok"]["page"]["status"] == "pending"
    assert before["last_sync"] is None
    assert client.post("/api/sources/sync", headers=basic()).status_code == 403  # no CSRF

    first = sync_and_wait(client)
    assert first["jobs"][-1]["state"] == "done", first["jobs"][-1]
    assert "1 uppdaterade" in first["jobs"][-1]["summary"]
    page = by_id(first)["hembesok"]
    assert page["status"] == "indexed" and page["chunks"] >= 1
    assert page["url"] == site.url("/stod/hembesok") and page["page"]["status"] == "ok"
    assert first["last_sync"]["updated"] == 1
    chunks = page["chunks"]

    del site.pages["/stod/hembesok"]
    second = sync_and_wait(client)
    gone = by_id(second)["hembesok"]
    assert gone["status"] == "vanished" and gone["chunks"] == chunks
    assert gone["page"]["since"] and "404" in gone["error"]
    assert second["last_sync"]["vanished"] == 1
    assert second["last_sync"]["problems"][0]["url"] == site.url("/stod/hembesok")
    assert "1 försvunna" in second["last_sync"]["summary"]
    one = client.get("/api/sources/hembesok", headers=basic()).json()
    assert one["status"] == "vanished" and one["page"]["since"] == gone["page"]["since"]
    # The chunks still answer: the index holds the page's text.
    services = client.app.state.services
    first_chunk = index_store.chunk_at(
        services.index, services.settings.collection_name(), "hembesok", 0
    )
    assert first_chunk is not None and "telefonsamtal" in first_chunk["text"]
    # The page names the section and its button.
    html = client.get("/admin/kallor", headers=basic()).text
    assert "Hämta webbkällorna nu" in html and 'id="sync-status"' in html
    js = client.get("/admin/kallor/static/admin.js").text
    assert 'vanished: "Försvunnen"' in js and "sedan" in js
    assert all(r.headers.get("User-Agent") == USER_AGENT for r in site.requests)


def sync_done(app: FastAPI) -> bool:
    worker = getattr(app.state, "ingest_worker", None)
    return worker is not None and any(
        j.reason == SYNC_REASON and j.state == "done" for j in worker.jobs()
    )


def test_the_server_syncs_by_itself_on_its_interval(tmp_path: Path, site: Site) -> None:
    services = make_services(tmp_path, site, sources={"sync_interval_hours": 1})
    app = create_app(services=services, with_chat=False)
    try:
        with TestClient(app):
            # Never synced: due as the server starts; no request from anyone.
            deadline = time.monotonic() + 120
            while not sync_done(app):
                assert time.monotonic() < deadline, "no sync job ran"
                time.sleep(0.1)
            assert site.requested("/stod/hembesok")[0].status == 200
            first = index_store.chunk_at(
                services.index, services.settings.collection_name(), "hembesok", 0
            )
            assert first is not None
        # A restart within the hour does not fetch again.
        requests = len(site.requests)
        app2 = create_app(services=services, with_chat=False)
        with TestClient(app2):
            time.sleep(0.5)
            assert app2.state.ingest_worker.jobs() == []  # the schedule submitted nothing
        assert len(site.requests) == requests
    finally:
        worker = getattr(app.state, "ingest_worker", None)
        if worker is not None:
            worker.wait(120)
            worker.stop()
        services.close()

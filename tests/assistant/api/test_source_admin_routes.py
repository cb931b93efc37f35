"""Managing sources over the API (issue 19 §3): upload, status, edit, remove, re-ingest.

A corpus of one Markdown file is ingested into a temporary data dir; the app runs with
local login (an admin and an analyst) and the server's own ingest worker.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
import yaml
from fastapi.testclient import TestClient

from assistant.api import sources_routes
from assistant.auth import hash_password
from assistant.citations import verify
from assistant.needs.store import NeedsStore
from assistant.retrieval import Retriever
from assistant.services import Services
from ingest import index_store
from ingest.embedding import build_embedding
from ingest.managed import managed_path, uploads_dir
from ingest.manifest import AREAS, DOC_TYPES
from ingest.pipeline import run_ingest
from tests.conftest import make_settings
from tests.utils.app import api_client
from tests.utils.documents import write_pdf

MANIFEST = """sources:
  - id: familjehem
    title: Familjehemsvård
    path: familjehem.md
    doc_type: kunskapsstod
    publisher: Socialstyrelsen
    areas: [barn_och_unga]
"""
PAGES = [
    "Riktlinjer för äldreomsorgen\nEtt telefonsamtal ska föregå varje besök hos äldre.",
    "Vid hembesöket ska handläggaren alltid visa sin legitimation för den äldre.",
]
ADMIN = ("admin-anna", "ett långt adminlösenord")
ANALYST = ("analys-per", "ett långt analyslösenord")
CSRF = {"X-Requested-With": "kunskap"}


def basic(user: tuple[str, str]) -> dict[str, str]:
    token = base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "familjehem.md").write_text(
        "# Familjehem\n\nFamiljehemmet ska få utbildning och handledning.", encoding="utf-8"
    )
    (root / "corpus_manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    return root


@pytest.fixture
def services(corpus: Path, tmp_path: Path) -> Iterator[Services]:
    settings = make_settings(
        tmp_path / "data", manifest=corpus / "corpus_manifest.yaml", auth={"mode": "local"}
    )
    embedding = build_embedding(settings)
    report = run_ingest(settings, embedding=embedding)
    assert report.ok, report.failures
    needs = NeedsStore.from_settings(settings)
    needs.add_user(ADMIN[0], hash_password(ADMIN[1]), "admin")
    needs.add_user(ANALYST[0], hash_password(ANALYST[1]), "analyst")
    services = Services(settings, index_store.open_index(settings), embedding, needs)
    yield services
    services.close()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with api_client(services) as test_client:
        yield test_client


def upload(client: TestClient, data: bytes, name: str = "hembesok.pdf", **extra: object):
    fields = {
        "title": "Hembesök hos äldre",
        "doc_type": "kunskapsstod",
        "publisher": "Testkommunen",
        "areas": ["aldre"],
        **extra,
    }
    return client.post(
        "/api/sources",
        files={"file": (name, data, "application/octet-stream")},
        data=fields,
        headers={**basic(ADMIN), **CSRF},
    )


def wait_for_jobs(client: TestClient) -> dict:
    worker = client.app.state.ingest_worker
    assert worker.wait(120), "the ingest job did not finish"
    response = client.get("/api/sources/jobs", headers=basic(ADMIN))
    assert response.status_code == 200
    return response.json()


def test_the_form_vocabularies_are_the_manifests() -> None:
    assert set(get_args(sources_routes.DocType)) == set(DOC_TYPES)
    assert set(get_args(sources_routes.Area)) == set(AREAS)


def test_an_uploaded_pdf_is_ingested_by_the_server_and_cited_at_its_page(
    client: TestClient, services: Services, corpus: Path, tmp_path: Path
) -> None:
    pdf = write_pdf(tmp_path / "hembesok.pdf", list(PAGES)).read_bytes()
    response = upload(client, pdf, url="https://example.org/hembesok.pdf")
    assert response.status_code == 202, response.text
    body = response.json()
    source_id = body["source"]["doc_id"]
    assert body["source"]["status"] == "pending" and body["source"]["origin"] == "uploaded"
    overview = wait_for_jobs(client)
    job = overview["jobs"][-1]
    assert job["state"] == "done", job
    assert job["documents_done"] == job["documents_total"] == 2
    assert "1 nya" in job["summary"] and job["chunks"] >= 1

    status = client.get(f"/api/sources/{source_id}", headers=basic(ADMIN)).json()
    assert status["status"] == "indexed" and status["chunks"] >= 1
    assert status["doc_type_label"] == "Nationellt kunskapsstöd"
    assert status["last_ingested"] and status["file_url"] == f"/api/sources/{source_id}/file"
    listed = {s["doc_id"]: s for s in overview["sources"]}
    assert listed[source_id]["origin"] == "uploaded"
    assert listed["familjehem"]["origin"] == "manifest"

    # The managed manifest beside the user's, and the file beside it.
    entry = yaml.safe_load(managed_path(corpus / "corpus_manifest.yaml").read_text())["sources"]
    assert [e["id"] for e in entry] == [source_id]
    assert (corpus / entry[0]["path"]).read_bytes() == pdf

    # The server's own index answers from it at once, with the page of the quote.
    hits = Retriever(services).search("Ska handläggaren visa legitimation vid hembesök?")
    cited = verify("Handläggaren ska alltid visa sin legitimation vid hembesöket [1].", hits[:1])
    (citation,) = cited.citations
    assert citation.doc_id == source_id
    # The chunk holds both pages; the quote stands on page 2.
    assert hits[0].page == 1 and hits[0].page_end == 2
    assert citation.page == 2 and citation.file_url == f"/api/sources/{source_id}/file#page=2"
    assert client.get(f"/api/sources/{source_id}/file").content == pdf

    # `kunskap ingest` into another data dir reproduces the same documents.
    other = make_settings(tmp_path / "other", manifest=corpus / "corpus_manifest.yaml")
    again = run_ingest(other, embedding=services.embedding)
    assert again.ok and again.documents == 2 and again.new == 2


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("hemlig.pdf", "encrypted", "krypterad PDF"),
        ("trasig.pdf", "broken", "Filen kan inte läsas in"),
        ("program.exe", "text", "Okänt filformat"),
        ("stor.txt", "large", "för stor"),
        ("tom.txt", "empty", "Filen är tom"),
    ],
)
def test_a_bad_upload_gets_a_swedish_message_and_changes_nothing(
    client: TestClient,
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    kind: str,
    message: str,
) -> None:
    if kind == "encrypted":
        data = write_pdf(tmp_path / name, list(PAGES), user_password="hemligt").read_bytes()
    elif kind == "broken":
        data = write_pdf(tmp_path / name, list(PAGES)).read_bytes()[:300]
    elif kind == "large":
        monkeypatch.setattr("ingest.managed.MAX_UPLOAD_BYTES", 1000)
        data = ("Text om hembesök. " * 200).encode()
    elif kind == "empty":
        data = b""
    else:
        data = b"MZ\x90\x00 not a document"
    before = sorted(p.name for p in corpus.rglob("*"))
    response = upload(client, data, name=name)
    assert response.status_code == 422
    (item,) = response.json()["detail"]
    assert item["loc"] == ["body", "file"] and message in item["msg"], item
    assert sorted(p.name for p in corpus.rglob("*")) == before
    assert not managed_path(corpus / "corpus_manifest.yaml").exists()
    assert not uploads_dir(corpus / "corpus_manifest.yaml").exists()
    assert not getattr(client.app.state, "ingest_worker", None) or not (
        client.app.state.ingest_worker.jobs()
    )


def test_only_admins_with_the_csrf_header_manage_sources(
    client: TestClient, tmp_path: Path
) -> None:
    pdf = write_pdf(tmp_path / "a.pdf", list(PAGES)).read_bytes()
    files = {"file": ("a.pdf", pdf, "application/pdf")}
    data = {"title": "T", "doc_type": "ovrigt", "publisher": "P", "areas": ["aldre"]}
    assert client.post("/api/sources", files=files, data=data, headers=CSRF).status_code == 401
    as_analyst = {**basic(ANALYST), **CSRF}
    assert (
        client.post("/api/sources", files=files, data=data, headers=as_analyst).status_code == 403
    )
    no_csrf = basic(ADMIN)
    assert client.post("/api/sources", files=files, data=data, headers=no_csrf).status_code == 403
    assert client.delete("/api/sources/familjehem", headers=basic(ADMIN)).status_code == 403
    assert client.get("/api/sources/jobs", headers=basic(ANALYST)).status_code == 403


def test_edit_and_remove_an_uploaded_source_but_not_the_manifests_own(
    client: TestClient, services: Services, corpus: Path, tmp_path: Path
) -> None:
    pdf = write_pdf(tmp_path / "hembesok.pdf", list(PAGES)).read_bytes()
    source_id = upload(client, pdf).json()["source"]["doc_id"]
    wait_for_jobs(client)
    admin = {**basic(ADMIN), **CSRF}

    changed = client.patch(
        f"/api/sources/{source_id}", json={"title": "Hembesök – ny titel"}, headers=admin
    )
    assert changed.status_code == 202, changed.text
    wait_for_jobs(client)
    status = client.get(f"/api/sources/{source_id}", headers=admin).json()
    assert status["title"] == "Hembesök – ny titel" and status["status"] == "indexed"

    bad = client.patch(
        f"/api/sources/{source_id}", json={"url": "javascript:alert(1)"}, headers=admin
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "url"]

    collection = services.settings.collection_name()
    assert index_store.chunk_at(services.index, collection, source_id, 0) is not None
    removed = client.delete(f"/api/sources/{source_id}", headers=admin)
    assert removed.status_code == 202
    wait_for_jobs(client)
    assert index_store.chunk_at(services.index, collection, source_id, 0) is None
    assert client.get(f"/api/sources/{source_id}", headers=admin).status_code == 404
    assert not list(uploads_dir(corpus / "corpus_manifest.yaml").iterdir())

    own = client.delete("/api/sources/familjehem", headers=admin)
    assert own.status_code == 409 and "corpus_manifest.yaml" in own.json()["detail"]
    assert index_store.chunk_at(services.index, collection, "familjehem", 0) is not None
    assert client.delete("/api/sources/finns-inte", headers=admin).status_code == 404

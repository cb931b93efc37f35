"""Opening a cited document: the kept original (PDF at the page) and the text view.

A small corpus of its own (a three-page PDF, a text file) is ingested into a temporary data
dir, so the pages and quotes are known exactly.
"""

from __future__ import annotations

import base64
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from assistant.api.app import create_app
from assistant.auth import hash_password
from assistant.citations import verify
from assistant.needs.store import NeedsStore
from assistant.retrieval import Retriever
from assistant.services import Services
from ingest import index_store
from ingest.embedding import build_embedding
from ingest.pipeline import run_ingest
from tests.conftest import make_settings
from tests.utils.documents import write_pdf

PDF_PAGES = [
    "Handläggning av ärenden om barn\nSocialnämnden ska utreda varje anmälan om oro för barn.",
    "Utredningen ska vara klar inom fyra månader från att den inleddes.",
    "Förlängning av utredningstiden kräver särskilda skäl enligt socialtjänstlagen.",
]
TEXT = (
    "# Familjehem\n\nFamiljehemmet ska få utbildning och handledning från socialnämnden.\n\n"
    "# Uppföljning\n\nVården i familjehem ska följas upp regelbundet av socialsekreteraren."
)
MANIFEST = """sources:
  - id: handbok
    title: Handbok om utredning
    path: handbok.pdf
    doc_type: kunskapsstod
    publisher: Socialstyrelsen
    areas: [barn_och_unga]
  - id: familjehem
    title: Familjehemsvård
    path: familjehem
    doc_type: kunskapsstod
    publisher: Socialstyrelsen
    areas: [barn_och_unga]
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sources")
    write_pdf(root / "handbok.pdf", list(PDF_PAGES))
    (root / "familjehem").mkdir()
    (root / "familjehem" / "vard.md").write_text(TEXT, encoding="utf-8")
    (root / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    report = run_ingest(make_settings(root / "data", manifest=root / "manifest.yaml"))
    assert report.ok, report.failures
    return root


@pytest.fixture
def services(corpus: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Services]:
    auth = getattr(request, "param", {})
    settings = make_settings(
        corpus / "data",
        manifest=corpus / "manifest.yaml",
        database_url=f"sqlite:///{tmp_path / 'needs.sqlite3'}",
        auth={"secret_key": "x" * 40, **auth},
    )
    index = index_store.open_index(settings)
    needs = NeedsStore.from_settings(settings)
    services = Services(settings, index, build_embedding(settings), needs)
    yield services
    services.close()


@pytest.fixture
def client(services: Services) -> TestClient:
    return TestClient(create_app(services=services, with_chat=False))


def cite(services: Services, question: str, claim: str):
    hits = Retriever(services).search(question, top_k=3)
    (citation,) = verify(claim, hits).citations
    return citation


def test_a_pdf_citation_opens_the_kept_file_at_the_quotes_page(
    client: TestClient, services: Services, corpus: Path
) -> None:
    citation = cite(
        services,
        "Vad krävs för att förlänga utredningstiden?",
        "Förlängning av utredningstiden kräver särskilda skäl [1].",
    )
    assert citation.doc_id == "handbok"
    assert citation.page == 3 and citation.page_end is None
    assert citation.file_url == "/api/sources/handbok/file#page=3"
    response = client.get(citation.file_url.split("#")[0])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('inline; filename="handbok.pdf"')
    assert response.content == (corpus / "handbok.pdf").read_bytes()
    # The page the link names holds the quote.
    page_text = PdfReader(io.BytesIO(response.content)).pages[2].extract_text()
    assert citation.quote.split(" enligt")[0] in " ".join(page_text.split())


def test_a_text_citation_opens_our_page_with_the_quote_marked(
    client: TestClient, services: Services
) -> None:
    citation = cite(
        services,
        "Vem följer upp vården i familjehem?",
        "Vården i familjehem ska följas upp regelbundet av socialsekreteraren [1].",
    )
    assert citation.doc_id == "familjehem/vard"
    assert citation.section == "Uppföljning"
    assert citation.file_url is not None
    assert re.fullmatch(
        r"/api/sources/familjehem/vard/text\?start=\d+&end=\d+#citat", citation.file_url
    )
    response = client.get(citation.file_url.split("#")[0])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    marked = re.search(r'<mark id="citat">(.*?)</mark>', response.text, re.S)
    assert marked is not None and marked.group(1) == citation.quote
    # The whole document is there, the other section too.
    assert "Familjehemmet ska få utbildning och handledning" in response.text
    # The Markdown original is downloaded, never rendered on our origin.
    original = client.get("/api/sources/familjehem/vard/file")
    assert original.status_code == 200
    assert original.headers["content-disposition"].startswith("attachment;")
    assert original.text == TEXT


@pytest.mark.parametrize(
    "path",
    [
        "/api/sources/../../etc/passwd/file",
        "/api/sources/%2e%2e%2f%2e%2e%2fetc%2fpasswd/file",
        "/api/sources/handbok%2f..%2f..%2fauth_secret.key/file",
        "/api/sources/finns-inte/file",
        "/api/sources/finns-inte/text",
    ],
)
def test_no_path_reaches_a_file_outside_the_originals(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"PRIVATE" not in response.content and b"root:" not in response.content


def _chat_cookie(secret: str, exp_in: float = 600) -> str:
    return jwt.encode(
        {"identifier": "anna", "metadata": {}, "exp": int(time.time() + exp_in)},
        secret,
        algorithm="HS256",
    )


@pytest.mark.parametrize("services", [{"chat_login": True, "mode": "local"}], indirect=True)
def test_with_chat_login_only_a_logged_in_reader_opens_a_document(
    client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.chat.auth import chat_secret

    monkeypatch.delenv("CHAINLIT_AUTH_SECRET", raising=False)
    url = "/api/sources/handbok/file"
    assert client.get(url).status_code == 401
    assert client.get("/api/sources/handbok/text").status_code == 401
    wrong = _chat_cookie("någon annans nyckel som är lång nog 0123456789")
    assert client.get(url, cookies={"access_token": wrong}).status_code == 401
    expired = _chat_cookie(chat_secret(services.settings), exp_in=-60)
    assert client.get(url, cookies={"access_token": expired}).status_code == 401
    good = _chat_cookie(chat_secret(services.settings))
    assert client.get(url, cookies={"access_token": good}).status_code == 200
    # An analyst's own login opens it too.
    assert services.needs is not None
    services.needs.add_user("analytiker", hash_password("ett långt lösenord"), "analyst")
    basic = base64.b64encode("analytiker:ett långt lösenord".encode()).decode()
    assert client.get(url, headers={"Authorization": f"Basic {basic}"}).status_code == 200

"""The HTTP API over the real sample index, through FastAPI's in-process test client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.needs.store import NeedsStore
from assistant.services import Services
from tests.conftest import make_settings, query_embed

QUESTION = "Vilka frågor bör man ställa inför en förändring av arbetssätt?"
UNANSWERABLE = "Hur många platser finns det på LVM-hem i Norrbotten 2023?"


@pytest.fixture
def services(sample_services: Services, tmp_path: Path) -> Iterator[Services]:
    """The shared index plus a fresh needs register in a temp dir, per test."""
    settings = make_settings(tmp_path)
    store = NeedsStore.from_settings(settings, embed=query_embed)
    yield replace(sample_services, needs=store)
    store.close()


@pytest.fixture
def client(services: Services) -> TestClient:
    return TestClient(create_app(services=services, with_chat=False))


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_ask_returns_a_structured_answer(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True
    citation = body["citations"][0]
    fields = ("n", "doc_id", "title", "publisher", "doc_type", "page", "section", "url", "quote")
    for field in (*fields, "text"):
        assert field in citation
    assert 0 <= body["confidence"] <= 1
    assert "Content-Security-Policy" in response.headers


def test_unanswerable_is_logged_as_a_need_without_personal_data(
    client: TestClient, services: Services
) -> None:
    question = "Min klient Anna Svensson 19850312-1234 undrar: " + UNANSWERABLE
    body = client.post("/api/ask", json={"question": question, "session_id": "s-1"}).json()
    assert body["answered"] is False
    assert body["need_id"]
    assert services.needs is not None
    needs = services.needs.list_needs()
    stored = json.dumps([n.model_dump(mode="json") for n in needs], ensure_ascii=False)
    assert "19850312" not in stored and "Anna" not in stored and "Svensson" not in stored
    assert "LVM" in stored
    # The need id the answer gives is the one the register (and /api/needs/{id}) knows.
    assert services.needs.get_need(body["need_id"]).id == body["need_id"]
    assert body["status"] in ("partial", "declined")


def test_stream_sends_deltas_then_the_verified_answer(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": QUESTION, "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "done" and kinds.count("delta") >= 2
    streamed = "".join(data["text"] for kind, data in events if kind == "delta")
    assert streamed == events[-1][1]["answer"]


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001])
def test_bad_questions_get_422_with_a_message(client: TestClient, question: str) -> None:
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 422
    assert response.json()["detail"]


def test_missing_collection_gives_503_saying_what_to_run(tmp_path: Path) -> None:
    from assistant.services import build_services

    empty = build_services(make_settings(tmp_path / "empty"), with_needs=False)
    try:
        client = TestClient(create_app(services=empty, with_chat=False))
        response = client.post("/api/ask", json={"question": QUESTION})
        assert response.status_code == 503
        assert "kunskap ingest" in response.json()["detail"]
        assert client.get("/api/sources").status_code == 503
        health = client.get("/api/health").json()
        assert health["ok"] is False and health["index"]["ok"] is False
    finally:
        empty.close()


def test_feedback_down_reaches_the_needs_register(client: TestClient, services: Services) -> None:
    response = client.post(
        "/api/feedback",
        json={"question": QUESTION, "rating": "down", "comment": "Svarade inte på frågan"},
    )
    assert response.status_code == 200
    assert response.json()["need_id"]
    assert services.needs is not None
    needs = services.needs.list_needs()
    assert [n.reasons for n in needs] == [{"negative_feedback": 1}]
    assert "arbetssätt" in needs[0].representative


def test_sources_lists_every_ingested_document(client: TestClient) -> None:
    docs = client.get("/api/sources").json()
    ids = {d["doc_id"] for d in docs}
    assert len(docs) == 115
    assert {"goteborg-kunskapsbaserad-socialtjanst-2025", "faq-001"} <= ids
    faq = next(d for d in docs if d["doc_id"] == "faq-001")
    assert "CC BY 4.0" in faq["attribution"]


def test_health_reports_each_part(client: TestClient) -> None:
    health = client.get("/api/health").json()
    assert health["ok"] is True
    assert health["index"]["points"] > 100
    assert health["embedding"]["dim"] == 384
    assert health["llm"] == {"ok": True, "configured": False, "mode": "extractive"}
    assert health["database"]["ok"] is True


def test_openapi_docs_are_served_from_this_host(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text and "/docs-assets/swagger-ui-bundle.js" in page.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/ask",
        "/api/feedback",
        "/api/sources",
        "/api/health",
        "/v1/chat/completions",
    } <= set(paths)


def test_openai_compatible_completion_carries_citations(client: TestClient) -> None:
    response = client.post(
        "/v1/chat/completions",
        json={"model": "kunskapsassistenten", "messages": [{"role": "user", "content": QUESTION}]},
    )
    assert response.status_code == 200
    body = response.json()
    content = body["choices"][0]["message"]["content"]
    assert "Källor:" in content and "[1]" in content
    assert body["citations"][0]["doc_id"]


def test_openai_compatible_refusal_names_the_closest_documents(client: TestClient) -> None:
    question = "Hur mycket får ett familjehem i arvode per månad i kronor?"  # not in the material
    for stream in (False, True):
        response = client.post(
            "/v1/chat/completions",
            json={"messages": [{"role": "user", "content": question}], "stream": stream},
        )
        if stream:
            chunks = [line[6:] for line in response.text.splitlines() if line[:6] == "data: "]
            payloads = [json.loads(c) for c in chunks[:-1]]
            content = "".join(p["choices"][0]["delta"].get("content", "") for p in payloads)
            body = payloads[-1]
        else:
            body = response.json()
            content = body["choices"][0]["message"]["content"]
        assert body["answered"] is False and body["citations"] == []
        assert "Närmast i underlaget (besvarar inte frågan):" in content
        nearest = body["nearest_sources"]
        assert 1 <= len(nearest) <= 3 and all(f"- {s['title']} (" in content for s in nearest)


def test_openai_compatible_stream(client: TestClient) -> None:
    response = client.post(
        "/v1/chat/completions",
        json={"messages": [{"role": "user", "content": QUESTION}], "stream": True},
    )
    chunks = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    assert chunks[-1] == "[DONE]"
    payloads = [json.loads(c) for c in chunks[:-1]]
    text = "".join(p["choices"][0]["delta"].get("content", "") for p in payloads)
    assert "Källor:" in text
    assert payloads[-1]["choices"][0]["finish_reason"] == "stop"
    assert payloads[-1]["citations"]


def test_openai_client_library_works_against_it(services: Services) -> None:
    """The official client, pointed at the app through an in-process transport."""
    import httpx
    import openai

    app = create_app(services=services, with_chat=False)
    transport = httpx.ASGITransport(app=app)
    import asyncio

    async def run() -> str:
        client = openai.AsyncOpenAI(
            base_url="http://testserver/v1",
            api_key="unused",
            http_client=httpx.AsyncClient(transport=transport, base_url="http://testserver"),
        )
        completion = await client.chat.completions.create(
            model="kunskapsassistenten", messages=[{"role": "user", "content": QUESTION}]
        )
        return completion.choices[0].message.content or ""

    assert "Källor:" in asyncio.run(run())

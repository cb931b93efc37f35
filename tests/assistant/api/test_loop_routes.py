"""Confirming or dismissing that new material answers a need, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.needs.schemas import SupportOffer
from assistant.needs.store import NeedsStore
from tests.assistant.api.needs_app import Embed, auth, needs_app, real_embed


@pytest.fixture(scope="module")
def embed() -> Embed:
    return real_embed()


@pytest.fixture
def client(tmp_path: Path, embed: Embed) -> Iterator[TestClient]:
    with needs_app(tmp_path, embed) as test_client:
        yield test_client


def _flag(store: NeedsStore, need_id: str, doc_id: str) -> None:
    store.flag_possibly_answered(
        need_id,
        SupportOffer(doc_id=doc_id, title="Ny vägledning", quote="Riksnormen beräknas …",
                     page=3, status="answered", confidence=0.7),
    )  # fmt: skip


def test_confirm_and_dismiss(client: TestClient) -> None:
    store: NeedsStore = client.app.state.services.needs
    (need,) = store.list_needs()
    _flag(store, need.id, "sos/vagledning-2026")
    listed = client.get("/api/needs", headers=auth(write=False)).json()
    assert listed[0]["possibly_answered_by"][0] | {"found_at": None} == {
        "doc_id": "sos/vagledning-2026", "title": "Ny vägledning",
        "quote": "Riksnormen beräknas …", "page": 3, "status": "answered", "confidence": 0.7,
        "found_at": None,
    }  # fmt: skip
    base = f"/api/needs/{need.id}/possibly-answered"
    assert client.post(f"{base}/sos%2Fvagledning-2026/confirm",
                       headers=auth(write=False)).status_code == 403  # fmt: skip
    wrong = client.post(f"{base}/annat/confirm", headers=auth())
    assert wrong.status_code == 409 and "inte föreslaget" in wrong.json()["detail"]
    done = client.post(f"{base}/sos%2Fvagledning-2026/confirm", headers=auth())
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "besvarad"
    assert done.json()["answer_url"] == "dokument:sos/vagledning-2026"
    _flag(store, need.id, "annat")
    dismissed = client.delete(f"{base}/annat", headers=auth())
    assert dismissed.json()["possibly_answered_by"] == []
    assert client.delete("/api/needs/nope/possibly-answered/x", headers=auth()).status_code == 404

"""A corrupted index must not stop the server: it starts, says so, and the rest works."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.auth import hash_password
from assistant.services import build_services
from tests.conftest import make_settings

PASSWORD = "ett-långt-lösenord"


def corrupt_index(data_dir: Path, target: str) -> None:
    """A real embedded index (Qdrant Edge) with one of its files overwritten by random
    bytes."""
    from ingest.vector_index import IndexPoint, open_index

    settings = make_settings(data_dir)
    index = open_index(settings)
    collection = settings.collection_name()
    index.ensure_collection(collection, 4)
    point = IndexPoint("00000000-0000-0000-0000-000000000001", [1.0, 0, 0, 0], [1], [1.0], {})
    index.upsert(collection, [point])
    index.close()
    files = sorted(p for p in (data_dir / "qdrant").rglob("*") if p.is_file() and target in p.name)
    assert files, f"no {target} file in the index"
    for path in files:
        path.write_bytes(os.urandom(4096))


@pytest.mark.parametrize("target", ["edge_config.json", "version.info"])
def test_server_starts_on_a_corrupted_index_and_says_what_to_run(
    tmp_path: Path, target: str
) -> None:
    settings = make_settings(tmp_path)
    corrupt_index(tmp_path, target)
    services = build_services(settings)  # used to raise and stop `kunskap serve`
    assert services.index_error
    assert services.needs is not None
    services.needs.add_user("ann", hash_password(PASSWORD), "admin")
    app = create_app(services=services, with_chat=False)
    try:
        with TestClient(app) as client:  # runs the lifespan, as `kunskap serve` does
            health = client.get("/api/health").json()
            assert health["ok"] is False
            assert health["index"]["ok"] is False and health["index"]["broken"] is True
            assert "kunskap ingest" in health["index"]["message"]
            assert health["database"]["ok"] is True
            question = "Vad är ett familjehem?"
            chat = {"messages": [{"role": "user", "content": question}]}
            for method, path, body in [
                ("POST", "/api/ask", {"question": question}),
                ("POST", "/api/ask", {"question": question, "stream": True}),
                ("POST", "/v1/chat/completions", chat),
                ("GET", "/api/sources", None),
            ]:  # fmt: skip
                res = client.request(method, path, json=body)
                assert res.status_code == 503, path
                assert "kunskap ingest" in res.json()["detail"] and "skadat" in res.json()["detail"]
            # The needs register and the analyst page keep working.
            token = base64.b64encode(f"ann:{PASSWORD}".encode()).decode()
            basic = {"Authorization": f"Basic {token}"}
            assert client.get("/api/needs/me", headers=basic).json()["name"] == "ann"
            assert client.get("/api/needs", headers=basic).status_code == 200
            feedback = {"question": "Vad är ett familjehem?", "rating": "down"}
            assert client.post("/api/feedback", json=feedback).status_code == 200
            assert "Logga in" in client.get("/analys").text
    finally:
        services.close()

"""The whole app over the shared sample index, with a fresh needs register per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.needs.store import NeedsStore
from assistant.services import Services
from tests.conftest import make_settings, query_embed


@pytest.fixture
def app_services(sample_services: Services, tmp_path: Path) -> Iterator[Services]:
    store = NeedsStore.from_settings(make_settings(tmp_path), embed=query_embed)
    yield replace(sample_services, needs=store)
    store.close()


@pytest.fixture
def api_client(app_services: Services) -> TestClient:
    return TestClient(create_app(services=app_services, with_chat=False))

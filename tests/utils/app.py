"""The API in process for route tests, its background ingest worker waited for and stopped."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.services import Services


@contextmanager
def api_client(services: Services) -> Iterator[TestClient]:
    """A TestClient over ``create_app`` (no chat). On exit the ingest worker's queued jobs
    must finish within two minutes before it stops, so no test leaves a job writing to a
    temporary folder that is being removed."""
    app = create_app(services=services, with_chat=False)
    with TestClient(app) as client:
        yield client
    worker = getattr(app.state, "ingest_worker", None)
    if worker is not None:
        assert worker.wait(120)
        worker.stop()

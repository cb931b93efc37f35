"""A small app with the needs, rounds and loop routes over a real store, for the tests of
those routes (no index: compiling a round offers no support)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api import loop_routes, needs_routes, rounds_routes
from assistant.api.errors import add_error_handlers
from assistant.auth import hash_password
from assistant.needs.store import NeedsStore
from tests.conftest import make_settings, query_embed

PASSWORD = "ett-långt-lösenord"
Embed = Callable[[list[str]], np.ndarray]


def real_embed() -> Embed:
    """The bundled model's query side, each text embedded once per session."""
    return query_embed


@cache
def password_hash() -> str:
    """PASSWORD hashed once per session (argon2 takes about 0.3 s on a busy machine); every
    login still verifies against it."""
    return hash_password(PASSWORD)


@contextmanager
def needs_app(tmp_path: Path, embed: Embed) -> Iterator[TestClient]:
    """An analyst "ann" and one need asked in three sessions (riksnormen)."""
    settings = make_settings(tmp_path / "data")
    store = NeedsStore.from_settings(settings, embed=embed)
    store.add_user("ann", password_hash(), "analyst")
    for session in ("a", "b", "c"):
        store.log_question(
            question="Hur beräknar man försörjningsstöd enligt riksnormen?", language="sv",
            reason="no_evidence", session_id=session, top_sources=[], index_version="i",
            app_version="a",
        )  # fmt: skip
    app = FastAPI()
    add_error_handlers(app)
    for routes in (needs_routes, rounds_routes, loop_routes):
        app.include_router(routes.router)
    app.state.services = SimpleNamespace(settings=settings, needs=store)
    try:
        yield TestClient(app)
    finally:
        store.close()


def auth(write: bool = True) -> dict[str, str]:
    """Basic credentials, with the CSRF header every state-changing call needs."""
    token = base64.b64encode(f"ann:{PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    if write:
        headers["X-Requested-With"] = "kunskap"
    return headers

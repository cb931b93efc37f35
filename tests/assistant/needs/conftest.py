"""Fixtures for the needs register: the real embedding, and the store over SQLite and over
a throwaway PostgreSQL server started from the Debian packages (not a mock)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.needs.store import NeedsStore
from tests.conftest import make_settings, query_embed

Embed = Callable[[list[str]], np.ndarray]


@pytest.fixture(scope="session")
def embed() -> Embed:
    return query_embed


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); "
            "run scripts/install_system_deps.sh",
            pytrace=False,
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Start a PostgreSQL cluster in a temp dir on 127.0.0.1; yield its admin URL."""
    bindir = _pg_bin()
    root = Path(tempfile.mkdtemp(prefix="kunskap-pg-"))
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:
        # initdb refuses to run as root; the Debian package created the postgres user.
        shutil.chown(root, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, sock, logfile = root / "data", root / "sock", root / "server.log"
    port = _free_port()
    run = lambda *args: subprocess.run(  # noqa: E731 - one line per call below reads better
        [*prefix, *args], check=True, capture_output=True, text=True
    )
    run("mkdir", "-p", str(sock))
    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
    run(
        str(bindir / "pg_ctl"), "-D", str(data), "-l", str(logfile), "-w", "-o",
        f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start",
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def _new_pg_database(server: str) -> str:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.replace("postgresql+psycopg", "postgresql") + "/postgres",
                         autocommit=True) as conn:  # fmt: skip
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_factory(
    backend: str, tmp_path: Path, embed: Embed, request: pytest.FixtureRequest
) -> Iterator[Callable[..., NeedsStore]]:
    """Builds stores over one fresh database (SQLite file or PostgreSQL database)."""
    url = None
    if backend == "postgresql":
        url = _new_pg_database(request.getfixturevalue("pg_server"))
    opened: list[NeedsStore] = []

    def make(**overrides: object) -> NeedsStore:
        settings = make_settings(tmp_path / "data", database_url=url, **overrides)
        store = NeedsStore.from_settings(settings, embed=embed)
        opened.append(store)
        return store

    yield make
    for s in opened:
        s.close()


@pytest.fixture
def store(store_factory: Callable[..., NeedsStore]) -> NeedsStore:
    return store_factory()

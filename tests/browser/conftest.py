"""The real server, and Debian's Chromium driven by Playwright.

Two servers: ``chat_server`` over its own ingested sample corpus (the chat needs an index),
and ``analyst_server`` over an empty data dir with local login and one analyst account (the
analyst page reads only the needs register, so it starts in seconds).

No ``playwright install``: the browser is /usr/bin/chromium from Debian
(scripts/install_system_deps.sh installs it when missing).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import EMBEDDING_STORE, REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Playwright

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "test-artifacts"
# Flags that work in containers and keep Chromium itself from calling Google's services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        subprocess.run(["bash", str(REPO_ROOT / "scripts" / "install_system_deps.sh")], check=True)
    assert CHROMIUM.exists(), "Chromium is missing and could not be installed with apt"
    return CHROMIUM


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(data_dir: Path, auth_mode: str = "none") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUNSKAP_", "CHAINLIT_"))}
    env.update(
        KUNSKAP_DATA_DIR=str(data_dir),
        KUNSKAP_MANIFEST=str(REPO_ROOT / "corpus_manifest.yaml"),
        KUNSKAP_AUTH_MODE=auth_mode,
        KUNSKAP_LOG_LEVEL="WARNING",
        # Chainlit would load a developer's .env from the working directory.
        CHAINLIT_ENV_FILE=".env.does-not-exist",
    )
    # Extractive answers only: no LLM endpoint, so the timings measure our own path.
    for key in ("KUNSKAP_LLM_BASE_URL", "KUNSKAP_LLM_MODEL"):
        env.pop(key, None)
    return env


@pytest.fixture(scope="session")
def _ingested_sample(tmp_path_factory: pytest.TempPathFactory, sample_index_dir: Path) -> Path:
    """The sample corpus ingested once per test session by `kunskap ingest`.

    Not the shared cached index: other test processes may hold its embedded-Qdrant lock.
    It takes the chunks' vectors from the session's embedding store instead of embedding
    every chunk again (that was about two minutes on two idle cores, four on a busy
    machine); done once and copied for each test module (``chat_data_dir``).

    ``sample_index_dir`` is asked for first because it fills that store: in a fresh clone
    the two test processes otherwise ingested at the same time, both found the store empty
    and both embedded the corpus (75 s and 68 s of setup, side by side, on two idle cores).
    """
    data_dir = tmp_path_factory.mktemp("chat-data-template")
    # The chunks' vectors come from the session's store (tests/conftest.py): the same
    # vectors, so the CLI's whole path runs but nothing is embedded twice.
    env = {**_server_env(data_dir), "KUNSKAP_EMBEDDING_STORE_DIR": str(EMBEDDING_STORE)}
    result = subprocess.run(
        [sys.executable, "-m", "kunskap.cli", "ingest"],
        cwd=REPO_ROOT,
        env=env,
        timeout=1200,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return data_dir


def _fresh_needs_log(data_dir: Path) -> Path:
    for db in data_dir.glob("kunskap.sqlite3*"):
        db.unlink()
    return data_dir


@pytest.fixture(scope="module")
def chat_data_dir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A data dir of its own for a test module: a copy of the session's ingested sample
    corpus, with an empty knowledge-needs log (a module's server writes to it)."""
    reuse = os.environ.get("CHAT_BROWSER_DATA_DIR")
    if reuse:
        # For iterating on this test: an already ingested dir, with a fresh needs log.
        return _fresh_needs_log(Path(reuse))
    template: Path = request.getfixturevalue("_ingested_sample")
    data_dir = tmp_path_factory.mktemp("chat-data") / "data"
    shutil.copytree(template, data_dir)
    return _fresh_needs_log(data_dir)


@contextmanager
def _serve(data_dir: Path, env: dict[str, str], log_path: Path, artifact: str) -> Iterator[str]:
    """`kunskap serve` on a free local port until the block ends; yields its base URL.

    The server's log is copied to test-artifacts/``artifact`` afterwards.
    """
    port = _free_port()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kunskap.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"kunskap serve exited:\n{log_path.read_text()[-3000:]}")
                try:
                    if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"kunskap serve did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(log_path, ARTIFACTS / artifact)


@pytest.fixture(scope="module")
def chat_server(chat_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kunskap serve` over the ingested sample corpus, no login; yields its base URL."""
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    with _serve(chat_data_dir, _server_env(chat_data_dir), log_path, "browser-serve.log") as base:
        yield base


@dataclass(frozen=True)
class AnalystSite:
    base_url: str
    username: str
    password: str
    data_dir: Path


ANALYST_USER = "fou-analytiker"
ANALYST_PASSWORD = "granska-behoven-42"


@pytest.fixture(scope="module")
def analyst_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnalystSite]:
    """`kunskap serve` with local login over an empty data dir and an empty needs register,
    with one analyst account made by `kunskap needs user add`.

    No index and no `kunskap ingest`: the analyst page reads only the needs register, and
    thumbs-down feedback (POST /api/feedback) logs knowledge needs without one.
    """
    data_dir = tmp_path_factory.mktemp("analyst-data")
    env = _server_env(data_dir, auth_mode="local")
    # The page's export of a few needs from one or two sessions each; the privacy floor
    # (k distinct sessions) is tested in tests/assistant/needs/test_export_cli.py.
    env["KUNSKAP_NEEDS_EXPORT_MIN_SESSIONS"] = "1"
    added = subprocess.run(
        [sys.executable, "-m", "kunskap.cli", "needs", "user", "add", ANALYST_USER],
        cwd=REPO_ROOT,
        env={**env, "KUNSKAP_NEW_USER_PASSWORD": ANALYST_PASSWORD},
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert added.returncode == 0, added.stdout + added.stderr
    log_path = tmp_path_factory.mktemp("serve-analyst") / "serve.log"
    with _serve(data_dir, env, log_path, "analyst-serve.log") as base:
        yield AnalystSite(base, ANALYST_USER, ANALYST_PASSWORD, data_dir)


@dataclass
class Traffic:
    """What a browser context asked for (HTTP and WebSocket) and what its pages reported."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def hosts(self) -> set[str | None]:
        return {
            urlsplit(url).hostname
            for url in self.requests
            if not url.startswith(("data:", "blob:"))
        }

    def csp_violations(self) -> list[str]:
        return [e for e in self.console_errors if "Content Security Policy" in e]


@contextmanager
def chromium_context(
    pw: Playwright, chromium_path: Path, traffic: Traffic, **context_options: Any
) -> Iterator[BrowserContext]:
    """Debian's Chromium, one context whose every request and console error land in
    ``traffic``; closed when the block ends."""
    browser = pw.chromium.launch(
        executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
    )
    options: dict[str, Any] = {
        "viewport": {"width": 1280, "height": 860},
        "locale": "sv-SE",
        "service_workers": "block",
        **context_options,
    }
    context = browser.new_context(**options)
    context.on("request", lambda r: traffic.requests.append(r.url))
    context.on("websocket", lambda ws: traffic.requests.append(ws.url))

    def watch(page: Any) -> None:
        page.on(
            "console",
            lambda m: traffic.console_errors.append(m.text) if m.type == "error" else None,
        )
        page.on("pageerror", lambda exc: traffic.page_errors.append(str(exc)))

    context.on("page", watch)
    try:
        yield context
    finally:
        context.close()
        browser.close()

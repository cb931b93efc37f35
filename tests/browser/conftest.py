"""The real server over the sample corpus, and Debian's Chromium driven by Playwright.

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
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT

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


def _server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUNSKAP_", "CHAINLIT_"))}
    env.update(
        KUNSKAP_DATA_DIR=str(data_dir),
        KUNSKAP_MANIFEST=str(REPO_ROOT / "corpus_manifest.yaml"),
        KUNSKAP_AUTH_MODE="none",
        KUNSKAP_LOG_LEVEL="WARNING",
        # Chainlit would load a developer's .env from the working directory.
        CHAINLIT_ENV_FILE=".env.does-not-exist",
    )
    # Extractive answers only: no LLM endpoint, so the timings measure our own path.
    for key in ("KUNSKAP_LLM_BASE_URL", "KUNSKAP_LLM_MODEL"):
        env.pop(key, None)
    return env


@pytest.fixture(scope="module")
def chat_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh data dir with its own index of the sample corpus, built by `kunskap ingest`.

    Not the shared cached index: other test processes may hold its embedded-Qdrant lock,
    and this run must start from an empty knowledge-needs log. About two minutes on two
    cores (embedding every chunk with the bundled e5 model).
    """
    reuse = os.environ.get("CHAT_BROWSER_DATA_DIR")
    if reuse:
        # For iterating on this test: an already ingested dir, with a fresh needs log.
        data_dir = Path(reuse)
        for db in data_dir.glob("kunskap.sqlite3*"):
            db.unlink()
        return data_dir
    data_dir = tmp_path_factory.mktemp("chat-data")
    result = subprocess.run(
        [sys.executable, "-m", "kunskap.cli", "ingest"],
        cwd=REPO_ROOT,
        env=_server_env(data_dir),
        timeout=1200,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return data_dir


@pytest.fixture(scope="module")
def chat_server(chat_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kunskap serve` on a free local port; yields its base URL."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
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
            env=_server_env(chat_data_dir),
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
                time.sleep(0.5)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(log_path, ARTIFACTS / "browser-serve.log")

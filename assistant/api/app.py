"""The one FastAPI app: assistant API, OpenAI-compatible API, analyst page and the chat."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import kunskap
from assistant import answering
from assistant.api import ask_routes, needs_routes, openai_routes
from assistant.api.docs_routes import add_local_docs
from assistant.api.security import SecurityHeadersMiddleware
from assistant.services import Services, build_services
from kunskap.settings import Settings, get_settings

log = logging.getLogger(__name__)


def _warm_up(services: Services) -> None:
    answering.warm_up(services)
    if services.needs is not None:
        services.needs.warm_up()


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    with_chat: bool = True,
) -> FastAPI:
    """Build the app. Tests pass their own ``services``; `kunskap serve` lets it build them."""
    settings = services.settings if services is not None else (settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = services is None
        app.state.services = services or build_services(settings)
        if own:
            # A few seconds of model and data loading that would otherwise delay the first
            # answer and the first refusal.
            threading.Thread(target=_warm_up, args=(app.state.services,), daemon=True).start()
        try:
            yield
        finally:
            if own:
                app.state.services.close()

    app = FastAPI(
        title="Kunskapsassistenten",
        version=kunskap.__version__,
        description="Källhänvisade svar ur socialtjänstens kunskapsstöd, och ett register över "
        "kunskapsbehov.",
        lifespan=lifespan,
        docs_url=None,  # served from local assets below, not from a CDN
        redoc_url=None,
    )
    if services is not None:
        # Available before startup too, for test clients that skip the lifespan.
        app.state.services = services
    app.add_middleware(SecurityHeadersMiddleware)
    add_local_docs(app)
    app.include_router(ask_routes.router)
    app.include_router(openai_routes.router)
    app.include_router(needs_routes.router)
    if with_chat:
        from assistant.chat.mount import mount_chat

        mount_chat(app, settings)
    return app

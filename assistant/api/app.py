"""The one FastAPI app: assistant API, OpenAI-compatible API, analyst page and the chat."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import kunskap
from assistant import answering
from assistant.api import (
    admin_page_routes,
    ask_routes,
    documents_routes,
    loop_routes,
    needs_routes,
    openai_routes,
    rounds_routes,
    source_worker,
    sources_routes,
)
from assistant.api.docs_routes import add_local_docs
from assistant.api.errors import add_error_handlers
from assistant.api.limits import BodySizeLimitMiddleware
from assistant.api.security import SecurityHeadersMiddleware
from assistant.services import Services, build_services
from kunskap.limits import (
    ANSWER_HISTORY_TURNS,
    ANSWER_TURN_CHARS,
    MAX_HISTORY_TURNS,
    MAX_MESSAGES,
    MAX_QUESTION_CHARS,
    MAX_TURN_CHARS,
    MAX_UPLOAD_BYTES,
)
from kunskap.settings import Settings, get_settings

log = logging.getLogger(__name__)


def _warm_up(services: Services) -> None:
    answering.warm_up(services)
    if services.needs is not None:
        services.needs.warm_up()


def api_description(settings: Settings) -> str:
    return f"""Källhänvisade svar ur socialtjänstens kunskapsstöd, och ett register över
kunskapsbehov.

**Gränser per anrop** (över dem: 422, för stor kropp: 413):

| vad | gräns |
|---|---|
| kroppen | {settings.server.max_body_bytes} byte (`KUNSKAP_SERVER_MAX_BODY_BYTES`) |
| en fråga | {MAX_QUESTION_CHARS} tecken; styrtecken tas bort, en fråga utan bokstäver får 422 |
| `history` i POST /api/ask | {MAX_HISTORY_TURNS} repliker à {MAX_TURN_CHARS} tecken |
| `messages` i POST /v1/chat/completions | {MAX_MESSAGES} meddelanden à {MAX_TURN_CHARS} tecken |
| till svarssteget | de {ANSWER_HISTORY_TURNS} sista replikerna, {ANSWER_TURN_CHARS} tecken av var |

**Fel**: varje 422 har formen `{{"detail": [{{"loc": [...], "msg": "...", "type": "..."}}]}}`
med svenskt `msg` och utan klientens indata. Övriga fel: `{{"detail": "..."}}`.

**Analytikernas anrop** (`/api/needs`): ändrande anrop (POST, PATCH) kräver huvudet
`X-Requested-With: kunskap` oavsett inloggningssätt (skydd mot CSRF); för många misslyckade
inloggningar ger 429 med `Retry-After`.
"""


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
        # Web sources fetched again every sources.sync_interval_hours (0: off), as jobs of
        # the one ingest worker.
        schedule = source_worker.start_sync_schedule(app)
        try:
            yield
        finally:
            if schedule is not None:
                schedule.stop()
            if own:
                app.state.services.close()

    app = FastAPI(
        title="Kunskapsassistenten",
        version=kunskap.__version__,
        description=api_description(settings),
        lifespan=lifespan,
        docs_url=None,  # served from local assets below, not from a CDN
        redoc_url=None,
    )
    if services is not None:
        # Available before startup too, for test clients that skip the lifespan.
        app.state.services = services
    app.add_middleware(SecurityHeadersMiddleware)
    # Added last, so outermost: a too large body is refused before anything reads it.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body_bytes=settings.server.max_body_bytes,
        # A source file (admin page) may be larger; the form fields around it are small.
        uploads={"/api/sources": MAX_UPLOAD_BYTES + 64 * 1024},
    )
    add_error_handlers(app)
    add_local_docs(app)
    app.include_router(ask_routes.router)
    app.include_router(documents_routes.router)
    app.include_router(sources_routes.router)
    app.include_router(admin_page_routes.page_router)
    app.include_router(openai_routes.router)
    app.include_router(needs_routes.router)
    app.include_router(rounds_routes.router)
    app.include_router(loop_routes.router)
    if with_chat:
        from assistant.chat.mount import mount_chat

        mount_chat(app, settings)
    return app

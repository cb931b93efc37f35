"""HTTP surface of the seven moments of SKR's model: inventory rounds under /api/rounds.

The same access as the needs register (``needs_routes``): analysts and admins only, writes
with a login cookie need ``X-Requested-With: kunskap``; refused changes answer 409 with a
Swedish message, unknown ids 404, and invalid bodies the one 422 shape of
``assistant/api/errors.py``.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from assistant.api.needs_routes import AUTH_RESPONSES, NOT_FOUND_OR_CONFLICT, _errors, _store
from assistant.auth import AnalystUser
from assistant.needs.rounds import SupportFinder
from assistant.needs.schemas import (
    AnalystNeedIn,
    BatchPublic,
    HandOverIn,
    NeedDetail,
    RoundDetail,
    RoundIn,
    RoundPublic,
    SetAsideIn,
    VoteIn,
)
from assistant.needs.store import NeedsError

router = APIRouter(responses=AUTH_RESPONSES)
UNAVAILABLE: dict[int | str, dict[str, object]] = {
    503: {"description": "Sökindexet är inte tillgängligt (kör `kunskap ingest`)."}
}


def _finder(request: Request) -> SupportFinder | None:
    """The assistant's own search, when this app has one (the analyst-only server of some
    tests has no index: then nothing is offered)."""
    from assistant.needs.support import support_finder
    from assistant.services import Services

    services = request.app.state.services
    return support_finder(services) if isinstance(services, Services) else None


@router.get("/api/rounds", response_model=list[RoundPublic])
def list_rounds(request: Request, _user: AnalystUser) -> list[RoundPublic]:
    return _store(request).list_rounds()


@router.post("/api/rounds", response_model=RoundDetail, responses=NOT_FOUND_OR_CONFLICT)
def start_round(request: Request, body: RoundIn, user: AnalystUser) -> RoundDetail:
    try:
        return _store(request).start_round(body, actor=user.name)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.get("/api/rounds/{round_id}", response_model=RoundDetail, responses=NOT_FOUND_OR_CONFLICT)
def get_round(request: Request, round_id: str, _user: AnalystUser) -> RoundDetail:
    try:
        return _store(request).get_round(round_id)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.post(
    "/api/rounds/{round_id}/gather", response_model=RoundDetail, responses=NOT_FOUND_OR_CONFLICT
)
def gather(request: Request, round_id: str, user: AnalystUser) -> RoundDetail:
    store = _store(request)
    try:
        store.gather(round_id, actor=user.name)
        return store.get_round(round_id)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.post(
    "/api/rounds/{round_id}/compile",
    response_model=RoundDetail,
    responses={**NOT_FOUND_OR_CONFLICT, **UNAVAILABLE},
)
def compile_round(request: Request, round_id: str, user: AnalystUser) -> RoundDetail:
    from ingest.index_store import IndexUnavailable

    try:
        return _store(request).compile_round(round_id, _finder(request), actor=user.name)
    except NeedsError as exc:
        raise _errors(exc) from None
    except IndexUnavailable:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "sökindexet är inte tillgängligt"
        ) from None


@router.post(
    "/api/rounds/{round_id}/needs/{need_id}/set-aside",
    response_model=RoundDetail,
    responses=NOT_FOUND_OR_CONFLICT,
)
def set_aside(
    request: Request, round_id: str, need_id: str, body: SetAsideIn, user: AnalystUser
) -> RoundDetail:
    try:
        return _store(request).set_aside(round_id, need_id, body.reason, actor=user.name)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.delete(
    "/api/rounds/{round_id}/needs/{need_id}/set-aside",
    response_model=RoundDetail,
    responses=NOT_FOUND_OR_CONFLICT,
)
def take_back(request: Request, round_id: str, need_id: str, user: AnalystUser) -> RoundDetail:
    try:
        return _store(request).set_aside(round_id, need_id, None, actor=user.name)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.put(
    "/api/rounds/{round_id}/needs/{need_id}/vote",
    response_model=RoundDetail,
    responses=NOT_FOUND_OR_CONFLICT,
)
def vote(
    request: Request, round_id: str, need_id: str, body: VoteIn, user: AnalystUser
) -> RoundDetail:
    try:
        return _store(request).vote(round_id, need_id, body.points, actor=user.name)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.post(
    "/api/rounds/{round_id}/hand-over", response_model=BatchPublic, responses=NOT_FOUND_OR_CONFLICT
)
def hand_over(request: Request, round_id: str, body: HandOverIn, user: AnalystUser) -> BatchPublic:
    try:
        return _store(request).hand_over(round_id, body.recipient, actor=user.name)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.post("/api/needs", response_model=NeedDetail, responses=NOT_FOUND_OR_CONFLICT)
def add_analyst_need(request: Request, body: AnalystNeedIn, user: AnalystUser) -> NeedDetail:
    """An analyst's own entry (origin `analytiker`), optionally straight into a round."""
    try:
        return _store(request).add_analyst_need(body, actor=user.name)
    except NeedsError as exc:
        raise _errors(exc) from None

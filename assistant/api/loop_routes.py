"""Closing the loop over HTTP: confirm or dismiss that new material answers a need.

After an ingest, open needs that a new or changed document answers are flagged
``possibly_answered_by`` (``assistant/needs/loop.py``); an analyst confirms one (the need
becomes *besvarad*) or dismisses it. Same access and error shapes as ``needs_routes``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from assistant.api.needs_routes import AUTH_RESPONSES, NOT_FOUND_OR_CONFLICT, _errors, _store
from assistant.auth import AnalystUser
from assistant.needs.schemas import NeedDetail
from assistant.needs.store import NeedsError

router = APIRouter(responses=AUTH_RESPONSES)


@router.post(
    "/api/needs/{need_id}/possibly-answered/{doc_id:path}/confirm",
    response_model=NeedDetail,
    responses=NOT_FOUND_OR_CONFLICT,
)
def confirm(request: Request, need_id: str, doc_id: str, user: AnalystUser) -> NeedDetail:
    try:
        return _store(request).confirm_answered(need_id, doc_id, actor=user.name)
    except NeedsError as exc:
        raise _errors(exc) from None


@router.delete(
    "/api/needs/{need_id}/possibly-answered/{doc_id:path}",
    response_model=NeedDetail,
    responses=NOT_FOUND_OR_CONFLICT,
)
def dismiss(request: Request, need_id: str, doc_id: str, user: AnalystUser) -> NeedDetail:
    try:
        return _store(request).dismiss_possible_answer(need_id, doc_id, actor=user.name)
    except NeedsError as exc:
        raise _errors(exc) from None

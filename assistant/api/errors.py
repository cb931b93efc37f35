"""One shape for every 422, with Swedish messages and none of the client's input in it.

FastAPI's own 422 body echoes the whole input (``"input": ...``): 100,000 characters sent
came back, and a lone surrogate in it made the handler itself fail with a 500. Here every
422, whether pydantic's or our own (an empty question, a question without letters), is

    {"detail": [{"loc": ["body", "question"], "msg": "Frågan är tom.", "type": "question"}]}

which is the ``HTTPValidationError`` schema the OpenAPI document already states for 422.
``loc`` names only fields of our own models: a key the client invented is shown as "…".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

# Pydantic error types → Swedish. ``{x}`` takes a value from the error's context, which holds
# our own limits (never the client's input).
_MESSAGES: dict[str, str] = {
    "missing": "Fältet saknas.",
    "extra_forbidden": "Okänt fält.",
    "json_invalid": "Kroppen är inte giltig JSON.",
    "json_type": "Kroppen ska vara JSON.",
    "model_type": "Ska vara ett JSON-objekt.",
    "model_attributes_type": "Ska vara ett JSON-objekt.",
    "dict_type": "Ska vara ett JSON-objekt.",
    "list_type": "Ska vara en lista.",
    "string_type": "Ska vara text.",
    "string_unicode": "Texten är inte giltig Unicode.",
    "string_too_short": "Texten är för kort (minst {min_length} tecken).",
    "string_too_long": "Texten är för lång (högst {max_length} tecken).",
    "string_pattern_mismatch": "Texten har fel form.",
    "too_short": "För få poster (minst {min_length}).",
    "too_long": "För många poster (högst {max_length}).",
    "bool_type": "Ska vara true eller false.",
    "bool_parsing": "Ska vara true eller false.",
    "int_type": "Ska vara ett heltal.",
    "int_parsing": "Ska vara ett heltal.",
    "int_from_float": "Ska vara ett heltal.",
    "float_type": "Ska vara ett tal.",
    "float_parsing": "Ska vara ett tal.",
    "finite_number": "Ska vara ett ändligt tal.",
    "greater_than": "Ska vara större än {gt}.",
    "greater_than_equal": "Ska vara minst {ge}.",
    "less_than": "Ska vara mindre än {lt}.",
    "less_than_equal": "Ska vara högst {le}.",
    "literal_error": "Ogiltigt värde; tillåtna: {expected}.",
    "enum": "Ogiltigt värde; tillåtna: {expected}.",
    "date_type": "Ska vara ett datum (ÅÅÅÅ-MM-DD).",
    "date_parsing": "Ska vara ett datum (ÅÅÅÅ-MM-DD).",
    "date_from_datetime_parsing": "Ska vara ett datum (ÅÅÅÅ-MM-DD).",
    "date_from_datetime_inexact": "Ska vara ett datum (ÅÅÅÅ-MM-DD).",
    "union_tag_invalid": "Ogiltig typ.",
    "none_required": "Ska vara null.",
}
GENERIC = "Ogiltigt värde."


def _location(loc: Sequence[Any]) -> list[str | int]:
    return [
        part if isinstance(part, int) or _FIELD_NAME.fullmatch(str(part)) else "…" for part in loc
    ]


def swedish_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    template = _MESSAGES.get(kind)
    if template is None:
        # Our own PydanticCustomError types carry a Swedish message already.
        return str(error["msg"]) if kind in OWN_TYPES else GENERIC
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return GENERIC


# Error types raised by our validators, whose messages are written in Swedish.
OWN_TYPES = frozenset({"date_format", "question", "messages", "url_scheme"})


def error_item(loc: Sequence[Any], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": _location(loc), "msg": msg, "type": kind}


def unprocessable(loc: Sequence[Any], msg: str, kind: str = "question") -> HTTPException:
    """A 422 of our own (an empty question…) in the same shape as pydantic's."""
    return HTTPException(status_code=422, detail=[error_item(loc, msg, kind)])


def validation_body(errors: Sequence[Any]) -> dict[str, Any]:
    return {
        "detail": [
            error_item(e.get("loc", ()), swedish_message(e), str(e.get("type", "value_error")))
            for e in errors
        ]
    }


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        raise exc
    return JSONResponse(validation_body(exc.errors()), status_code=422)


# FastAPI's answer when a JSON body is not even text (invalid UTF-8): a 400 that no
# operation documents. It is the same mistake as malformed JSON, so it gets the same 422.
_BODY_NOT_PARSED = "There was an error parsing the body"


async def _on_http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    if exc.status_code == 400 and exc.detail == _BODY_NOT_PARSED:
        return JSONResponse(
            {"detail": [error_item(["body"], _MESSAGES["json_invalid"], "json_invalid")]},
            status_code=422,
        )
    return await http_exception_handler(request, exc)


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)

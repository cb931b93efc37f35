"""Field types for what clients send: text without control characters, strict dates.

``CleanText`` strips control characters, lone surrogates and bidi overrides before any
other check (see ``kunskap.text.strip_control``), so neither the answer step nor the needs
register ever sees them. ``IsoDate`` accepts only ``YYYY-MM-DD``: pydantic's lax date
parsing would take ``0`` as 1970-01-01, which the OpenAPI schema (format: date) does not
allow.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from kunskap.text import strip_control

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _clean(value: Any) -> Any:
    return strip_control(value) if isinstance(value, str) else value


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "Datumet ska skrivas ÅÅÅÅ-MM-DD.")


CleanText = Annotated[str, BeforeValidator(_clean)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]

"""Field types for what clients send: text without control characters, strict dates.

``CleanText`` strips control characters and bidi overrides (see
``kunskap.text.strip_control``), so neither the answer step nor the needs register ever
sees them. ``IsoDate`` accepts only ``YYYY-MM-DD``: pydantic's lax date
parsing would take ``0`` as 1970-01-01, which the OpenAPI schema (format: date) does not
allow.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from kunskap.text import strip_control

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "Datumet ska skrivas ÅÅÅÅ-MM-DD.")


# After, not before, the field's own checks: a text over max_length must get 422 even when
# stripping would have shortened it (the schema says what is sent, not what is kept).
CleanText = Annotated[str, AfterValidator(strip_control)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]

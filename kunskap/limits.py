"""Limits on what one request may send, in one place.

The request models use them as schema constraints (so the OpenAPI document states them and
FastAPI answers 422 beyond them); the answer step gets at most ``ANSWER_HISTORY_TURNS``
turns of at most ``ANSWER_TURN_CHARS`` characters each, whatever the request carried. The
body size limit is a setting (``KUNSKAP_SERVER_MAX_BODY_BYTES``): it is an operations knob.
"""

from __future__ import annotations

MAX_QUESTION_CHARS = 2000
"""One question (POST /api/ask, the chat, the last user message on /v1)."""

MAX_HISTORY_TURNS = 40
"""Earlier turns in one POST /api/ask."""

MAX_MESSAGES = 100
"""Messages in one POST /v1/chat/completions (system messages included)."""

MAX_TURN_CHARS = 8000
"""Characters in one earlier turn or message: an answer with its source list fits."""

ANSWER_HISTORY_TURNS = 6
"""Earlier turns the answer step reads (the follow-up rule and the condense prompt use the
last few only)."""

ANSWER_TURN_CHARS = 2000
"""Characters of each of those turns the answer step reads."""

MAX_ANSWER_INPUT_CHARS = MAX_QUESTION_CHARS + ANSWER_HISTORY_TURNS * ANSWER_TURN_CHARS
"""So at most this many characters of user input reach the answer step per request."""

MAX_UPLOAD_BYTES = 25_000_000
"""One uploaded source file (POST /api/sources, the admin page): 25 MB holds a long
national guideline as a PDF with its figures; larger files are refused with a Swedish
message before anything is stored."""

"""A question as it arrives: checked (not empty, not too long, has letters), its language
told, and the text that is searched and judged (redacted, shorthand spelled out).

Every entry point (the API, the chat, the OpenAI-compatible endpoint, ``kunskap ask``) runs
a question through here before anything else sees it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.needs.redact import redact
from assistant.shorthand import spell_out
from ingest.language import detect_language
from kunskap.limits import MAX_QUESTION_CHARS
from kunskap.text import strip_control

_PLACEHOLDER = re.compile(r"\[[A-ZÅÄÖ_]+\]")
LANGUAGE_NAMES = {"sv": "svenska", "en": "engelska"}


class QuestionError(ValueError):
    """The question cannot be asked (empty or too long). The message is for the user."""


def searchable(question: str) -> str:
    """What is searched and judged: redacted, placeholders dropped, shorthand spelled out."""
    redacted = redact(question).text
    return spell_out(" ".join(_PLACEHOLDER.sub(" ", redacted).split()) or redacted)


def validate_question(question: str) -> str:
    # Control characters (NUL…) and lone surrogates are stripped before the length and
    # letter checks: nothing downstream, the needs register included, may see them.
    if not question.split():
        raise QuestionError("Frågan är tom.")
    question = " ".join(strip_control(question).split())
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(f"Frågan är för lång (högst {MAX_QUESTION_CHARS} tecken).")
    if not any(ch.isalpha() for ch in question):
        raise QuestionError("Frågan innehåller inga bokstäver. Skriv frågan med ord.")
    return question


# Source terms a question quotes or gives in brackets ("proven experience (beprövad
# erfarenhet)") are in the sources' language, not the asker's.
_QUOTED = re.compile(r"\([^()]*\)|(?<!\w)[\"'“‘][^\"'”’]+[\"'”’](?!\w)")


@lru_cache(maxsize=256)
def question_language(question: str) -> str:
    """The question's language, as langdetect (seeded, so the same text always gets the
    same answer) reads its own words. Cached: a question's path asks more than once, and
    the evaluation compares several searches of each question (about 10 ms a call)."""
    own_words = _QUOTED.sub(" ", question)
    if len(own_words.split()) < 4:
        own_words = question
    language = detect_language(own_words, default="sv")
    return language if language in LANGUAGE_NAMES else "sv"

"""Language detection for documents and chunks (langdetect, made deterministic)."""

from __future__ import annotations

import re

from langdetect import DetectorFactory, LangDetectException, detect

# langdetect samples randomly; a fixed seed makes the same text always get the same answer.
DetectorFactory.seed = 0

# Under this many words langdetect guesses wildly ("Ok tack" is Tagalog, "LSS" Finnish).
MIN_WORDS = 4
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str, default: str = "sv") -> str:
    """ISO 639-1 code of ``text``'s language; ``default`` for short or undetectable text."""
    if len(_WORD.findall(text)) < MIN_WORDS:
        return default
    try:
        code = detect(text)
    except LangDetectException:
        return default
    # langdetect names a few languages with region suffixes (zh-cn); keep the base code.
    return code.split("-")[0]

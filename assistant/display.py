"""Source text as the reader sees it: OCR residue and footnote numbers cleaned away.

Only what is shown is cleaned; a citation keeps the source's own text, so that its quote
stays verifiable against the document.
"""

from __future__ import annotations

import re
from functools import lru_cache

# A footnote number fused to the word before it by PDF extraction: "forskning12 visar".
# Only before running text or a sentence's end: "Kommun1;" in a list is a label.
_FUSED_FOOTNOTE = re.compile(r"\b([A-ZÅÄÖa-zåäö][a-zåäö]{4,})(\d{1,2})(?=\s+[a-zåäö]|[.,](?:\s|$))")
# OCR read "år" as "är" after a number: "för tio är sedan", "två är senare".
_YEAR_AS_IS = re.compile(
    r"\b(\d+|ett|en|två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|femton|tjugo)\s+är"
    r"(?=\s+(?:sedan|senare|gammal|gamla|tidigare|framåt|efter)\b|[,.])",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]{4,}")
KNOWN_ZIPF = 1.0
COMMON_ZIPF = 3.0
DOMINANCE_ZIPF = 2.0  # as in ingest.ocr_repair: a variant a hundred times commoner
SAFE_ZIPF = 4.0  # a word this common is a word, doubled letters and all ("tillåta")


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    from ingest.ocr_repair import swedish_lexicon

    return swedish_lexicon()


@lru_cache(maxsize=20_000)
def _repaired_word(word: str) -> str:
    """A word that one collapsed doubled letter ("måånga") or, for a long word, one changed
    letter ("ssmmanlagt") turns into a much commoner word (a hundred times: wordfreq's web
    list holds OCR junk like "måånga" too), as that word; else unchanged."""
    lexicon = _lexicon()
    lower = word.lower()
    own = lexicon.get(lower, 0.0)
    if own >= SAFE_ZIPF:
        return word
    options: set[str] = set()
    for i in range(1, len(lower)):
        if lower[i] == lower[i - 1]:
            options.add(lower[:i] + lower[i + 1 :])
    if len(lower) >= 8 and own < KNOWN_ZIPF:
        for i in range(len(lower)):
            for letter in "aeiouyåäö":
                options.add(lower[:i] + letter + lower[i + 1 :])
    floor = max(COMMON_ZIPF, own + DOMINANCE_ZIPF)
    good = sorted(o for o in options if lexicon.get(o, 0.0) >= floor)
    if len(good) != 1:
        return word  # none, or too many readings to choose from
    fixed = good[0]
    return fixed[:1].upper() + fixed[1:] if word[:1].isupper() else fixed


def shown(text: str) -> str:
    """``text`` as the reader sees it: footnote numbers and OCR residue cleaned away."""
    text = _FUSED_FOOTNOTE.sub(r"\1", text)
    text = _YEAR_AS_IS.sub(lambda m: f"{m.group(1)} år", text)
    return _WORD.sub(lambda m: _repaired_word(m.group()), text)

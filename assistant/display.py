"""Source text as the reader sees it: OCR residue and footnote numbers cleaned away.

Only what is shown is cleaned; a citation keeps the source's own text, so that its quote
stays verifiable against the document. How common a word must be to stand or to replace
another is ``Settings.display``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kunskap.settings import DisplaySettings

# A footnote number fused to the word before it by PDF extraction: "forskning12 visar".
# Only before running text or a sentence's end: "Kommun1;" in a list is a label.
_FUSED_FOOTNOTE = re.compile(r"\b([A-ZÅÄÖa-zåäö][a-zåäö]{4,})(\d{1,2})(?=\s+[a-zåäö]|[.,](?:\s|$))")
# OCR read "år" as "är" after a number: "för tio är sedan", "två är senare".
_YEAR_AS_IS = re.compile(
    r"\b(\d+|ett|en|två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|femton|tjugo)\s+är"
    r"(?=\s+(?:sedan|senare|gammal|gamla|tidigare|framåt|efter)\b|[,.])",
    re.IGNORECASE,
)
# A footnote number that OCR read as a sign, fused to the word or full stop before it:
# "kunskap®", "organisationer®®", "avdelningschefer'®", "kommunerna.'?" (a superscript 12).
_FOOTNOTE_SIGN = re.compile(r"['’”]?[®™]+|(?<=[\w.])['’]\?(?=[\s;,]|$)")
# What is left of a footnote mark read as "*’" once the star is gone: a lone apostrophe.
_LONE_APOSTROPHE = re.compile(r"(?:(?<=\s)|^)['’]+\s+")
# OCR read a superscript footnote and the capital I after it as "® |": "| presentationerna …".
_BAR_AS_I = re.compile(r"^\|\s+(?=[a-zåäö])")
# Markdown emphasis left over where it spanned more than the quoted sentence ("**Tid för
# respektive nätverk."), and the list marker of a line quoted as a sentence.
_EMPHASIS_MARK = re.compile(r"\*+(?=\S)|(?<=\S)\*+")
_LEADING_MARKER = re.compile(r"^(?:[-•–✓]\s+)+|(?<=[.!?] )(?:[-•–✓]\s+)+(?=[A-ZÅÄÖ])")
# A list bullet that OCR read as a letter, before an item: "e Funktionshinder för utförare".
_OCR_BULLET = re.compile(r"^[eo]\s+(?=\W*[A-ZÅÄÖ])")  # also before a quote: e ”EBP-…”
_WORD = re.compile(r"[^\W\d_]{4,}")
# How common a word must be to stand or to replace another: ``Settings.display``.
DEFAULTS = DisplaySettings()


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    from ingest.ocr_repair import swedish_lexicon

    return swedish_lexicon()


@lru_cache(maxsize=20_000)
def _repaired_word(
    word: str, known: float, common: float, dominance: float, safe: float, long_word: int
) -> str:
    """A word that one collapsed doubled letter ("måånga") or, for a long word, one changed
    letter ("ssmmanlagt") turns into a much commoner word (a hundred times: wordfreq's web
    list holds OCR junk like "måånga" too), as that word; else unchanged. The numbers are
    ``DisplaySettings``' (plain arguments, so that the cache can key on them)."""
    lexicon = _lexicon()
    lower = word.lower()
    own = lexicon.get(lower, 0.0)
    if own >= safe:
        return word
    options: set[str] = set()
    for i in range(1, len(lower)):
        if lower[i] == lower[i - 1]:
            options.add(lower[:i] + lower[i + 1 :])
    if len(lower) >= long_word and own < known:
        for i in range(len(lower)):
            for letter in "aeiouyåäö":
                options.add(lower[:i] + letter + lower[i + 1 :])
    floor = max(common, own + dominance)
    good = sorted(o for o in options if lexicon.get(o, 0.0) >= floor)
    if len(good) != 1:
        return word  # none, or too many readings to choose from
    fixed = good[0]
    return fixed[:1].upper() + fixed[1:] if word[:1].isupper() else fixed


def shown(text: str, tuning: DisplaySettings | None = None) -> str:
    """``text`` as the reader sees it: footnote numbers and marks, markdown, OCR'd bullets and
    OCR residue cleaned away. ``tuning`` is ``Settings.display`` (its defaults when not
    given)."""
    t = tuning or DEFAULTS
    numbers = (t.known_zipf, t.common_zipf, t.dominance_zipf, t.safe_zipf, t.long_word_letters)
    text = _EMPHASIS_MARK.sub("", text)
    text = _LONE_APOSTROPHE.sub("", _FOOTNOTE_SIGN.sub("", text)).strip()
    text = _BAR_AS_I.sub("I ", text)
    text = _OCR_BULLET.sub("", _LEADING_MARKER.sub("", text))  # also after a sentence
    text = _FUSED_FOOTNOTE.sub(r"\1", text)
    text = _YEAR_AS_IS.sub(lambda m: f"{m.group(1)} år", text)
    return _WORD.sub(lambda m: _repaired_word(m.group(), *numbers), text)

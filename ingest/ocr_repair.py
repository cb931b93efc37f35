"""Repair Swedish letters that OCR misread (``frén`` → från, ``&r`` → är, ``6nskemal`` → önskemål).

OCR of Swedish reports typically loses the dots and rings of å, ä and ö: they come out as
``é``, ``6``, ``&``, ``d``, ``i`` or simply as ``a``/``o``. We repair a token only when the
lexicon (wordfreq's Swedish list, bundled with the package, so nothing is downloaded) says
the token is not a word but a variant made by undoing typical confusions is, or when the
token is a rare word and such a variant is at least a hundred times more common (``dr``,
``pa``, ``for`` are in the web-derived list as ASCII spellings of är, på, för).

Only documents that look damaged are repaired (see ``looks_damaged``), so clean text is
never touched. Measurements are in docs/ocr_repair.md.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kunskap.text import SWEDISH_MONTHS

# A token is "known" when its Zipf frequency (log10 per billion words) reaches this.
# 1.0 keeps every entry of the list; the list's rarest entries are real Swedish compounds
# (kunskapsbaserad is 1.5), while OCR damage like ``frén`` is absent entirely.
KNOWN_ZIPF = 1.0
# A known token is still replaced when a confusion variant is this much more frequent
# (2.0 = a hundred times): catches ``dr``/``ar``→är, ``pa``→på, ``bade``→både, while
# ``sa`` (past tense of säga, 1.4 below så) and ``far`` stay.
DOMINANCE_ZIPF = 2.0
# Tokens this frequent are never replaced: they are unambiguous common words.
SAFE_ZIPF = 5.5
# A document is repaired only when more than this share of its word tokens would be
# repaired. Measured (docs/ocr_repair.md): 0 to 0.003 on the clean seeds and every FAQ
# answer, 0.22 on the OCR'd report. The plain unknown-token share is a worse signal: short
# FAQ answers full of rare compounds and names ("Mercell", "avropsförfrågan") reach 0.25.
DAMAGED_SHARE = 0.05
# Too few tokens to judge a document by.
DAMAGED_MIN_TOKENS = 20
MAX_SUBSTITUTIONS = 3
# Parts of a compound must be common words themselves, so junk does not split into parts.
COMPOUND_PART_ZIPF = 3.0
# Capitalised unknown tokens are often names (Larzon, Klamas): their repair must be a
# common word, not a rare list entry.
CAPITALISED_MIN_ZIPF = 2.5

# What OCR wrote → what the letter probably was. Two-letter keys are one letter split in two.
CONFUSIONS: dict[str, tuple[str, ...]] = {
    "é": ("ä", "å", "ö", "e"),
    "6": ("ö",),
    "&": ("ä", "å", "ö"),
    "#": ("ä",),
    "4": ("å",),
    "d": ("ä", "ö", "å"),
    "a": ("ä", "å"),
    "o": ("ö",),
    "i": ("ä", "å"),
    "1": ("l",),
    "g": ("ö",),
    "éi": ("ä",),
    "éa": ("ä",),
    "ié": ("ä",),
    "éd": ("ä",),
    "id": ("ä",),
    "ad": ("å",),
}
_SPLIT_KEYS = tuple(k for k in CONFUSIONS if len(k) == 2)

# Word-like tokens, including the characters OCR puts in place of å/ä/ö.
TOKEN_RE = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ&#0-9]+")
_HAS_LETTER = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]")
# A lone "1" between lower-case words is an OCR'd "i" ("engagerade 1 systematisk"), but not
# a day before its month: "träda i kraft 1 juli 2025" is a date, not "i juli".
_LONE_ONE = re.compile(rf"(?<=[a-zåäö,] )1(?= [a-zåäö])(?! (?:{'|'.join(SWEDISH_MONTHS)})\b)")
# …unless the word before takes a number: "steg 1 innebär", "kapitel 1 handlar". The display
# of quotes (assistant/display.py) reads a lone 1 after these words as a number too.
NUMBERED_NOUNS = frozenset({
    "steg", "kapitel", "kap", "sida", "s", "bilaga", "fas", "nivå", "punkt", "version",
    "figur", "tabell", "avsnitt", "del", "nr", "nummer", "år", "klass", "grad", "typ",
    "modell", "alternativ", "fall", "exempel",
})  # fmt: skip


@lru_cache(maxsize=1)
def swedish_lexicon() -> dict[str, float]:
    """wordfreq's Swedish list as word → Zipf frequency (about 0.2 s; loaded once)."""
    import wordfreq

    return {word: math.log10(freq) + 9 for word, freq in wordfreq.get_frequency_dict("sv").items()}


def word_tokens(text: str) -> list[str]:
    """Tokens that are words or OCR-damaged words (at least one letter, two characters)."""
    return [t for t in TOKEN_RE.findall(text) if len(t) >= 2 and _HAS_LETTER.search(t)]


def _match_case(template: str, word: str) -> str:
    letters = [c for c in template if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    # Only a visible capital carries over: "&verblickbarhet" stays lower case.
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


@dataclass
class RepairStats:
    tokens: int = 0
    unknown_before: int = 0
    unknown_after: int = 0
    repaired: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tokens": self.tokens,
            "unknown_before": self.unknown_before,
            "unknown_after": self.unknown_after,
            "repaired": self.repaired,
        }


class OcrRepairer:
    """Build once and reuse: the lexicon and the per-token decisions are cached."""

    def __init__(self, lexicon: dict[str, float] | None = None) -> None:
        self.lexicon = lexicon if lexicon is not None else swedish_lexicon()
        self._decisions: dict[tuple[str, bool], str | None] = {}

    # -- lexicon ---------------------------------------------------------------------------
    def zipf(self, word: str) -> float:
        return self.lexicon.get(word.lower(), 0.0)

    def _compound_zipf(self, word: str) -> float:
        """Score of the best split into two common words (with an optional linking s)."""
        best = 0.0
        # Heads of at least four letters: "maj" + "lågt" must not beat "möjligt".
        for i in range(4, len(word) - 2):
            head, tail = word[:i], word[i:]
            tail_z = self.lexicon.get(tail, 0.0)
            if tail_z < COMPOUND_PART_ZIPF:
                continue
            head_z = self.lexicon.get(head, 0.0)
            if head_z < COMPOUND_PART_ZIPF and head.endswith("s"):
                head_z = self.lexicon.get(head[:-1], 0.0)
            if head_z >= COMPOUND_PART_ZIPF:
                # A compound is rarer than its parts; rank it below listed words.
                best = max(best, (head_z + tail_z) / 2 - 2.0)
        return best

    def word_score(self, word: str) -> float:
        lower = word.lower()
        z = self.lexicon.get(lower, 0.0)
        if z >= KNOWN_ZIPF or len(lower) < 7 or not lower.isalpha():
            return z
        return self._compound_zipf(lower)

    def is_known(self, word: str) -> bool:
        return self.word_score(word) >= KNOWN_ZIPF

    # -- candidates ------------------------------------------------------------------------
    def _candidates(self, lower: str) -> dict[str, int]:
        """Variants of ``lower`` → the number of substitutions that made them."""
        # Positions where a confusion applies: (start, length, replacements).
        slots: list[tuple[int, int, tuple[str, ...]]] = []
        for i, ch in enumerate(lower):
            if ch in CONFUSIONS:
                slots.append((i, 1, CONFUSIONS[ch]))
            pair = lower[i : i + 2]
            if pair in _SPLIT_KEYS:
                slots.append((i, 2, CONFUSIONS[pair]))
        out: dict[str, int] = {}
        for k in range(1, min(MAX_SUBSTITUTIONS, len(slots)) + 1):
            for combo in itertools.combinations(slots, k):
                # Skip overlapping slots (a single letter inside a split pair).
                ends = [s + n for s, n, _ in combo]
                if any(combo[j + 1][0] < ends[j] for j in range(k - 1)):
                    continue
                for repl in itertools.product(*(r for _, _, r in combo)):
                    parts, pos = [], 0
                    for (start, n, _), r in zip(combo, repl, strict=True):
                        parts.append(lower[pos:start])
                        parts.append(r)
                        pos = start + n
                    parts.append(lower[pos:])
                    out.setdefault("".join(parts), k)
        return out

    def _decide(self, lower: str, capitalised: bool) -> str | None:
        """The repaired lower-case word, or None to keep the token."""
        listed = self.lexicon.get(lower, 0.0)
        if listed >= SAFE_ZIPF:
            return None
        candidates = self._candidates(lower)
        if not candidates:
            return None
        floor = CAPITALISED_MIN_ZIPF if capitalised else KNOWN_ZIPF

        def best_of(score: dict[str, float]) -> tuple[float, str]:
            # The most frequent variant; among near-equals, the one with fewer changes.
            word = max(score, key=lambda c: (score[c] - 0.05 * candidates[c], c))
            return score[word], word

        # A listed word wins over the token unless the token is itself a listed word that
        # is not a hundred times rarer. A token that merely splits into two words
        # ("arbets|sitt", "fram|fort") is not listed, so a listed variant still wins.
        best_z, best = best_of({c: self.lexicon.get(c, 0.0) for c in candidates})
        if best_z >= KNOWN_ZIPF:
            if best_z < floor:
                return None
            if listed < KNOWN_ZIPF or best_z - listed >= DOMINANCE_ZIPF:
                return best
            return None
        # No listed variant: a compound variant, but only for tokens that are no word at all.
        if self.word_score(lower) >= KNOWN_ZIPF:
            return None
        alpha = {c: self._compound_zipf(c) for c in candidates if c.isalpha()}
        if not alpha:
            return None
        best_z, best = best_of(alpha)
        return best if best_z >= floor else None

    def repair_word(self, token: str) -> str:
        if any(c.isdigit() for c in token) and not any(c.islower() for c in token):
            return token  # codes like "U11" or "P4" are not damaged words
        key = token.lower()
        capitalised = token[:1].isupper()
        if (key, capitalised) not in self._decisions:
            self._decisions[key, capitalised] = self._decide(key, capitalised)
        fixed = self._decisions[key, capitalised]
        return token if fixed is None else _match_case(token, fixed)

    # -- text ------------------------------------------------------------------------------
    def unknown_share(self, text: str) -> float:
        tokens = word_tokens(text)
        if not tokens:
            return 0.0
        return sum(not self.is_known(t) for t in tokens) / len(tokens)

    def repairable_share(self, text: str) -> float:
        """Share of word tokens that ``repair_word`` would change."""
        tokens = word_tokens(text)
        if not tokens:
            return 0.0
        return sum(self.repair_word(t) != t for t in tokens) / len(tokens)

    def looks_damaged(self, text: str) -> bool:
        if len(word_tokens(text)) < DAMAGED_MIN_TOKENS:
            return False
        return self.repairable_share(text) > DAMAGED_SHARE

    def repair_text(self, text: str) -> tuple[str, dict[str, Any]]:
        """Repair every token; returns the new text and counts (see RepairStats).

        The caller decides whether the document needs it (``looks_damaged``).
        """
        stats = RepairStats()

        def fix(match: re.Match[str]) -> str:
            token = match.group(0)
            if len(token) < 2 or not _HAS_LETTER.search(token):
                return token
            stats.tokens += 1
            known = self.is_known(token)
            stats.unknown_before += not known
            fixed = self.repair_word(token)
            if fixed != token:
                stats.repaired += 1
                known = self.is_known(fixed)
            stats.unknown_after += not known
            return fixed

        def fix_one(match: re.Match[str]) -> str:
            before = match.string[: match.start()].rstrip(" ,").rsplit(None, 1)
            if before and before[-1].lower() in NUMBERED_NOUNS:
                return match.group(0)
            stats.repaired += 1
            return "i"

        repaired = TOKEN_RE.sub(fix, text)
        return _LONE_ONE.sub(fix_one, repaired), stats.as_dict()


def unknown_token_share(text: str, repairer: OcrRepairer | None = None) -> float:
    """Share of word tokens in ``text`` that the Swedish lexicon does not know."""
    return (repairer or default_repairer()).unknown_share(text)


@lru_cache(maxsize=1)
def default_repairer() -> OcrRepairer:
    """One shared repairer per process: the lexicon takes about half a second to load."""
    return OcrRepairer()

"""The Swedish text analyser: words → stop words out → Snowball stems → diacritics folded.

Everything that compares Swedish words by meaning goes through here: the sparse vectors
(``ingest/sparse.py``), the question analysis and answerability rules, citation checks,
the corpus vocabulary and the extractive composer. Stems are taken before folding
diacritics (the Swedish stemmer needs å/ä/ö to find the suffixes), then folded, so
`behöver`, `behover` and OCR's `behover` meet on one term.

Changing what ``analyze`` returns changes the stored sparse vectors: bump
``kunskap.settings.SPARSE_ENCODER_VERSION`` with it.

Other word splitters in the code differ from this one on purpose, each for what it compares:

- ``assistant/needs/grouping.py`` (``stems``): unfolded stems and a longer stop-word list,
  measured for grouping questions into needs; it drops words nearly every question in the
  register shares ("socialtjänsten", "klient") so that they do not make two needs look alike.
- ``evals/metrics.py`` (``words``): surface words with diacritics removed and nothing
  dropped, to align a gold quote with a chunk word by word and in order.
- ``evals/baselines.py`` (``tokenize``): lower-cased words only, the plain BM25 baseline
  the pipeline is measured against.
- ``ingest/language.py`` counts letter-only words to decide whether a text is long enough
  to detect its language; ``assistant/display.py`` picks out words of four letters or more
  to mend OCR residue.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)

# Snowball's Swedish stop-word list (snowballstem.org/algorithms/swedish/stop.txt) plus a
# few question words that carry no topic ("vad", "hur", "vilka").
SWEDISH_STOPWORDS = frozenset(
    """
    och det att i en jag hon som han på den med var sig för så till är men ett om hade de av
    icke mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde
    något från ut när efter upp vi dem vara vad över än dig kan sina här ha mot alla under
    någon eller allt mycket sedan ju denna själv detta åt utan varit hur ingen mitt ni bli
    blev oss din dessa några deras blir mina samma vilken er sådan vår blivit dess inom
    mellan sådant varför varje vilka ditt vem vilket sitta sådana vart dina vars vårt våra
    ert era vilkas finns får ska skall kommer också vilket
    the a an of and or to in on for is are was were be by with as at from that this what
    which who how does do can
    """.split()
)

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o"})


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("swedish")


def fold(term: str) -> str:
    return unicodedata.normalize("NFC", term).translate(_FOLD)


@lru_cache(maxsize=200_000)
def _stem_folded(word: str) -> str:
    return fold(_stemmer().stemWord(word))


def analyze(text: str) -> list[str]:
    """Lower-case words → drop stop words → Swedish stem → fold diacritics."""
    terms = []
    for match in _WORD.finditer(text.lower()):
        word = match.group(0)
        if word in SWEDISH_STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        terms.append(_stem_folded(word))
    return terms


def one_letter_deletions(term: str) -> set[str]:
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


def typo_repairs(term: str) -> set[str]:
    """Stems of the words one edit away from ``term`` by dropping a letter or swapping two
    neighbours: a mistyped word ("socialtjänsetn") keeps the ending the stemmer would have
    stripped, so the repair is stemmed again ("socialtjanst")."""
    swapped = {term[:i] + term[i + 1] + term[i] + term[i + 2 :] for i in range(len(term) - 1)}
    return {t for repair in swapped | one_letter_deletions(term) for t in analyze(repair)} - {term}


def term_set(text: str) -> set[str]:
    """The terms of ``text``, hyphenated words also by their parts: "VFU-center" gives
    "vfu-cent", "vfu" and "cent", so that a claim or question naming "VFU" finds it; the
    same across an apostrophe ("FY'S-doktoranderna", OCR for "FYS-")."""
    return set(analyze(text)) | set(analyze(text.replace("-", " ").replace("'", " ")))


def _related(a: str, b: str) -> bool:
    """Two stems that the Snowball stemmer left apart but a reader would match.

    Swedish inflection and compounding defeat a light stemmer: `deltog`/`deltagare`
    (shared start) and `anmälan`/`orosanmälan` (a compound ending in the other word).
    """
    return _covered_by(a, b) or _covered_by(b, a)


# Memoised: the judge and the passage finder compare each question term with every term of
# every candidate passage, about 16,000 comparisons a question, mostly the same pairs again
# (3.9 s of 18.5 s over the 84 English development questions, profiled 2026-12-06).
@lru_cache(maxsize=1 << 16)
def _covered_by(wanted: str, other: str) -> bool:
    """``other`` (in a text) says at least what ``wanted`` (in a question) says: the same word
    inflected, or a compound ending in it ("orosanmälan" covers "anmälan"). Not the other way:
    a text that only says "tjänst" does not mention "färdtjänst"."""
    short, long_ = (wanted, other) if len(wanted) <= len(other) else (other, wanted)
    if len(short) < 4:
        return False
    common = len(os.path.commonprefix([short, long_]))  # noqa: RUF071 - characters wanted
    if common >= max(4, len(short) - 2) and len(long_) - len(short) <= 4:
        return True
    return len(wanted) >= 5 and other.endswith(wanted)


class _TermIndex:
    """A large set of terms arranged so that ``_covered_by`` against all of them is a few
    lookups instead of a loop, with the same answers.

    ``_covered_by(w, o)`` holds in two cases, and each has a key: (a) a common prefix of at
    least four letters, so ``o`` shares ``w``'s first four; (b) ``o`` ends with ``w`` and
    ``w`` has five letters or more, so ``w`` is one of ``o``'s suffixes of five letters or
    more. The evidence of one question is compared with a few hundred question terms and
    their typo repairs; as a loop that was about a fifth of an English answer's time.
    """

    def __init__(self, terms: frozenset[str]) -> None:
        self.terms = terms
        self.by_prefix: dict[str, list[str]] = {}
        for term in terms:
            if len(term) >= 4:
                self.by_prefix.setdefault(term[:4], []).append(term)
        self.suffixes = {t[i:] for t in terms for i in range(len(t) - 4)}

    def covers(self, wanted: str) -> bool:
        """``wanted in terms or any(_covered_by(wanted, o) for o in terms)``."""
        if wanted in self.terms or (len(wanted) >= 5 and wanted in self.suffixes):
            return True
        return any(_covered_by(wanted, o) for o in self.by_prefix.get(wanted[:4], ()))

    def related(self, wanted: str) -> bool:
        """``wanted in terms or any(_related(wanted, o) for o in terms)``."""
        if self.covers(wanted):
            return True
        # _covered_by(o, wanted) by case (b): o is a suffix of wanted, five letters or more.
        return any(wanted[i:] in self.terms for i in range(1, len(wanted) - 4))


# Below this many terms a plain loop is cheaper than building an index (a sentence's terms).
_INDEX_FROM = 64


@lru_cache(maxsize=16)
def _term_index(terms: frozenset[str]) -> _TermIndex:
    return _TermIndex(terms)


def found_terms(wanted: set[str] | list[str], available: set[str]) -> set[str]:
    """The terms of ``wanted`` that ``available`` covers (see ``_covered_by``): stricter than
    ``matched_terms`` for deciding whether a text is about what a question asks."""
    if len(available) >= _INDEX_FROM:
        index = _term_index(frozenset(available))
        return {t for t in wanted if index.covers(t)}
    return {t for t in wanted if t in available or any(_covered_by(t, o) for o in available)}


def matched_terms(wanted: set[str] | list[str], available: set[str]) -> set[str]:
    """The terms of ``wanted`` found in ``available``, exactly or as a related stem."""
    if len(available) >= _INDEX_FROM:
        index = _term_index(frozenset(available))
        return {t for t in wanted if index.related(t)}
    found = set()
    for term in wanted:
        if term in available or any(_related(term, other) for other in available):
            found.add(term)
    return found

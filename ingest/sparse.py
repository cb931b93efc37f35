"""Exact-word (sparse) vectors: BM25-style term weights over Swedish Snowball stems.

Qdrant multiplies each stored weight by the term's IDF at query time (the collection's
sparse vector uses ``Modifier.IDF``), so a document vector carries only BM25's saturated,
length-normalised term frequency, and a query vector carries 1.0 per distinct term.

Stems are taken before folding diacritics (the Swedish stemmer needs å/ä/ö to find the
suffixes), then folded, so `behöver`, `behover` and OCR's `behover` meet on one term.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import Counter
from functools import lru_cache

import snowballstemmer

# Bump when tokenisation, stemming or weighting changes: it is part of the collection name,
# so old vectors are never mixed with new ones.
SPARSE_ENCODER_VERSION = "sv-snowball-fold-bm25-v1"

BM25_K1 = 1.2
BM25_B = 0.75
# Chunks are cut to a target token size, so their lengths vary little; a fixed average keeps
# a document's vector independent of the rest of the corpus (and incremental ingest exact).
BM25_AVG_TERMS = 120.0

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


@lru_cache(maxsize=200_000)
def term_index(term: str) -> int:
    # A stable 31-bit hash: Qdrant sparse indices are uint32 and need no vocabulary file.
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "big") >> 1


def _to_sparse(weights: dict[int, float]) -> tuple[list[int], list[float]]:
    items = sorted(weights.items())
    return [i for i, _ in items], [w for _, w in items]


def document_vector(text: str) -> tuple[list[int], list[float]]:
    """BM25 term-frequency part for a passage; IDF is applied by Qdrant."""
    counts = Counter(term_index(t) for t in analyze(text))
    length = sum(counts.values())
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / BM25_AVG_TERMS)
    return _to_sparse({i: tf * (BM25_K1 + 1) / (tf + norm) for i, tf in counts.items()})


def query_vector(text: str) -> tuple[list[int], list[float]]:
    return _to_sparse(dict.fromkeys((term_index(t) for t in analyze(text)), 1.0))


def _related(a: str, b: str) -> bool:
    """Two stems that the Snowball stemmer left apart but a reader would match.

    Swedish inflection and compounding defeat a light stemmer: `deltog`/`deltagare`
    (shared start) and `anmälan`/`orosanmälan` (a compound ending in the other word).
    """
    return _covered_by(a, b) or _covered_by(b, a)


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


def found_terms(wanted: set[str] | list[str], available: set[str]) -> set[str]:
    """The terms of ``wanted`` that ``available`` covers (see ``_covered_by``): stricter than
    ``matched_terms`` for deciding whether a text is about what a question asks."""
    return {t for t in wanted if t in available or any(_covered_by(t, o) for o in available)}


def matched_terms(wanted: set[str] | list[str], available: set[str]) -> set[str]:
    """The terms of ``wanted`` found in ``available``, exactly or as a related stem."""
    found = set()
    for term in wanted:
        if term in available or any(_related(term, other) for other in available):
            found.add(term)
    return found

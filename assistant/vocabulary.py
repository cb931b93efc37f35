"""Every term of the indexed material, to tell "the search did not find it" from "the material
never mentions it".

A question about *färdtjänst* over a corpus that never uses the word is on a topic the
material does not treat, however well its other words ("regler", "funktionsnedsättning")
are covered: the answerability judge declines it. Lookups follow the same one-way rule as
``ingest.sparse.found_terms`` (an inflection, or a longer compound ending in the term), and
a compound is known when its head and its tail both are ("funktionsstödschef").
"""

from __future__ import annotations

import bisect
import math
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.aliases import ALIASES
from ingest import index_store
from kunskap.analysis import analyze, one_letter_deletions, term_set, typo_repairs

if TYPE_CHECKING:
    from assistant.services import Caches
    from ingest.vector_index import VectorIndex

MIN_COMPOUND_HEAD = 5  # shorter heads ("färd" of "färdtjänst") stem like too many other words
# A word of at least this many letters one edit from a known word is that word mistyped
# ("utredningn"); shorter ones are too often other words ("barn"/"bark", "stöd"/"stod").
# The answerability judge's key-term coverage uses the same bound.
MIN_TYPO_LENGTH = 7


class CorpusVocabulary:
    def __init__(
        self,
        terms: Iterable[str],
        *,
        chunk_frequency: Mapping[str, int] | None = None,
        chunks: int = 0,
    ) -> None:
        self.terms = frozenset(terms)
        # In how many chunks each term occurs, for ``weight``.
        self.chunk_frequency = dict(chunk_frequency or {})
        self.chunks = chunks
        self._weights: dict[str, float] = {}  # the judge asks for each term once a sentence
        self._sorted = sorted(self.terms)
        self._reversed = sorted(t[::-1] for t in self.terms)
        # Symmetric-delete index: two words one edit apart share a one-letter deletion (or
        # one is a deletion of the other), so a typo is found without comparing every pair.
        self._deletions: set[str] = set()
        for known in self.terms:
            if len(known) >= MIN_TYPO_LENGTH - 1:
                self._deletions |= one_letter_deletions(known)

    def __len__(self) -> int:
        return len(self.terms)

    def weight(self, term: str) -> float:
        """How much ``term`` says about what a text is about: its inverse chunk frequency,
        log((N + 1) / (n + 0.5)), so "Stockholm" in a question weighs more than "arbetar".
        A question's stem may differ from the material's ("omhändertogs" → "omhandertog",
        "omhandert"): the commonest vocabulary term that starts with it, or that it starts
        with, stands in. A word the material never uses weighs most; without frequencies
        every term weighs 1."""
        if not self.chunks:
            return 1.0
        if term not in self._weights:
            self._weights[term] = math.log((self.chunks + 1) / (self._frequency(term) + 0.5))
        return self._weights[term]

    def _frequency(self, term: str) -> int:
        frequency = self.chunk_frequency.get(term)
        if frequency is None:
            longer: list[str] = []
            i = bisect.bisect_left(self._sorted, term)
            while i < len(self._sorted) and self._sorted[i].startswith(term) and len(longer) < 50:
                longer.append(self._sorted[i])
                i += 1
            shorter = [term[:n] for n in range(4, len(term))]
            frequency = max(
                (self.chunk_frequency.get(t, 0) for t in (*longer, *shorter)), default=0
            )
        return frequency

    def _inflected(self, term: str) -> bool:
        stem = term[: max(4, len(term) - 2)]
        i = bisect.bisect_left(self._sorted, stem)
        while i < len(self._sorted) and self._sorted[i].startswith(stem):
            if abs(len(self._sorted[i]) - len(term)) <= 4:
                return True
            i += 1
        return False

    def _starts_a_word(self, term: str) -> bool:
        """A word cut short, as people type them ("massflyktsdir", "verksamhetsutv")."""
        i = bisect.bisect_left(self._sorted, term)
        return i < len(self._sorted) and self._sorted[i].startswith(term)

    def _ends_a_compound(self, term: str) -> bool:
        backwards = term[::-1]
        i = bisect.bisect_left(self._reversed, backwards)
        return i < len(self._reversed) and self._reversed[i].startswith(backwards)

    def _mistyped(self, term: str) -> bool:
        if len(term) < MIN_TYPO_LENGTH:
            return False
        deleted = one_letter_deletions(term)
        if term in self._deletions or any(d in self.terms or d in self._deletions for d in deleted):
            return True
        return any(len(t) >= MIN_TYPO_LENGTH - 1 and t in self.terms for t in typo_repairs(term))

    def _has_word(self, part: str) -> bool:
        # A part cut from a stemmed compound may already be a stem ("erfaren" of
        # "yrkeserfaren"), which stemming again would cut further ("erfar").
        return len(part) >= 3 and (
            part in self.terms or all(t in self.terms for t in analyze(part) or [part])
        )

    def knows(self, term: str) -> bool:
        if term in self.terms or len(term) < 4:
            return True  # short terms and acronyms are judged by the evidence check alone
        if (
            self._inflected(term)
            or self._starts_a_word(term)
            or (len(term) >= 5 and self._ends_a_compound(term))
            or self._mistyped(term)
        ):
            return True
        for cut in range(MIN_COMPOUND_HEAD, len(term) - 2):
            head, tail = term[:cut], term[cut:]
            # Inside a compound the head stands unstemmed ("service" + "insats"), and the
            # vocabulary holds stems ("servic"): compare each part as a stemmed word.
            heads = (head, head[:-1]) if head.endswith("s") else (head,)
            if any(self._has_word(h) for h in heads) and self._has_word(tail):
                return True
        return False

    def unknown(self, terms: Iterable[str], *, min_length: int = 6) -> list[str]:
        """Words of at least ``min_length`` letters the material never uses."""
        return [t for t in terms if t.isalpha() and len(t) >= min_length and not self.knows(t)]


def alias_terms(terms: set[str]) -> set[str]:
    """The words of every other form of a name (``assistant.aliases``) whose one form the
    material uses: a corpus saying "SKL" knows "Sveriges Kommuner och Landsting"."""
    extra: set[str] = set()
    for forms in ALIASES:
        analysed = [set(analyze(form)) for form in forms]
        if any(words and words <= terms for words in analysed):
            extra.update(*analysed)
    return extra


_RECHECK_S = 60.0  # the index may be re-ingested while the assistant runs (a server)


@dataclass
class BuiltVocabulary:
    collection: str
    points: int
    checked: float  # time.monotonic() of the last point count
    vocabulary: CorpusVocabulary


def corpus_vocabulary(index: VectorIndex, collection: str, caches: Caches) -> CorpusVocabulary:
    """The collection's vocabulary, rebuilt when its point count changes (counted at most
    once a minute). About 0.06 s for 500 chunks; kept in ``caches`` (``Services.caches``)."""
    now = time.monotonic()
    built = caches.vocabulary
    if built is not None and built.collection == collection:
        if now - built.checked < _RECHECK_S:
            return built.vocabulary
        points = index.count(collection)
        if points == built.points:
            built.checked = now
            return built.vocabulary
    else:
        points = index.count(collection)
    frequency: Counter[str] = Counter()
    chunks = 0
    for payload in index_store.scroll_payloads(
        index, collection, fields=["text", "title", "section"]
    ):
        chunks += 1
        frequency.update(
            term_set(f"{payload.get('title', '')} {payload.get('section') or ''}")
            | term_set(payload.get("text", ""))
        )
    terms = set(frequency)
    vocabulary = CorpusVocabulary(
        terms | alias_terms(terms), chunk_frequency=frequency, chunks=chunks
    )
    caches.vocabulary = BuiltVocabulary(collection, points, now, vocabulary)
    return vocabulary

"""The evaluation's arithmetic: pure functions over plain values, no index and no model.

Retrieval metrics take, for each retrieved item in rank order, the set of gold items it
matches (a gold document, or a gold quote it contains). A gold item counts once, at the
first rank that matches it, so three chunks of one gold document do not count three times.

Answer metrics follow ALCE (Gao et al. 2023, "Enabling Large Language Models to Generate
Text with Citations") for citations and CRAG (Yang et al. 2024) for the answer score.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

# A gold item: a document id, or the index of a gold quote.
G = TypeVar("G", bound=Hashable)

# --- retrieval ---------------------------------------------------------------------------


def first_ranks(matches: Sequence[set[G]], gold: set[G]) -> dict[G, int]:
    """The 1-based rank at which each gold item is first retrieved (absent: never)."""
    ranks: dict[G, int] = {}
    for rank, matched in enumerate(matches, start=1):
        for item in matched:
            if item in gold and item not in ranks:
                ranks[item] = rank
    return ranks


def hit_at_k(matches: Sequence[set[G]], gold: set[G], k: int) -> float:
    """1.0 when any gold item is among the first ``k`` results."""
    return 1.0 if any(r <= k for r in first_ranks(matches, gold).values()) else 0.0


def recall_at_k(matches: Sequence[set[G]], gold: set[G], k: int) -> float:
    """Share of the gold items found among the first ``k`` results."""
    if not gold:
        return 0.0
    return sum(1 for r in first_ranks(matches, gold).values() if r <= k) / len(gold)


def mrr_at_k(matches: Sequence[set[G]], gold: set[G], k: int = 10) -> float:
    """Reciprocal rank of the first gold item, 0 when none is in the first ``k``."""
    ranks = [r for r in first_ranks(matches, gold).values() if r <= k]
    return 1.0 / min(ranks) if ranks else 0.0


def ndcg_at_k(matches: Sequence[set[G]], gold: set[G], k: int = 10) -> float:
    """Binary-relevance nDCG: each gold item gains 1/log2(rank+1) at its first rank."""
    if not gold:
        return 0.0
    dcg = sum(1.0 / math.log2(r + 1) for r in first_ranks(matches, gold).values() if r <= k)
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(gold), k) + 1))
    return dcg / ideal


def retrieval_scores(
    matches: Sequence[set[G]], gold: set[G], ks: Sequence[int] = (1, 3, 5, 10)
) -> dict[str, float]:
    """Every retrieval metric of one question, keyed as in the reports."""
    scores: dict[str, float] = {}
    for k in ks:
        scores[f"hit@{k}"] = hit_at_k(matches, gold, k)
    for k in ks:
        scores[f"recall@{k}"] = recall_at_k(matches, gold, k)
    scores["mrr@10"] = mrr_at_k(matches, gold, 10)
    scores["ndcg@10"] = ndcg_at_k(matches, gold, 10)
    return scores


# --- text normalisation --------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, diacritics removed (å→a, ö→o), whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def quote_overlap(quote: str, passage: str) -> float:
    """Share of the quote's words that the passage contains in the same order.

    Order matters (a longest-matching-blocks alignment, not a bag of words) so that a long
    chunk full of common words does not "contain" a short quote by accident; unmatched
    words are tolerated, so OCR damage in the quote or repair in the chunk costs only the
    damaged words.
    """
    from difflib import SequenceMatcher

    q = words(quote)
    if not q:
        return 0.0
    p = words(passage)
    if not set(q) & set(p):
        return 0.0
    blocks = SequenceMatcher(None, q, p, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(q)


# --- answers -------------------------------------------------------------------------------


def split_alternatives(fact: str) -> list[str]:
    return [alt.strip() for alt in fact.split(" | ") if alt.strip()]


def fact_present(fact: str, answer: str) -> bool:
    """A key fact is present when any of its " | " alternatives occurs in the answer."""
    haystack = f" {' '.join(words(answer))} "
    for alt in split_alternatives(fact):
        needle = " ".join(words(alt))
        if needle and f" {needle} " in haystack:
            return True
    return False


def key_fact_coverage(answer: str, key_facts: Sequence[str]) -> float:
    """Share of key facts present in the answer (1.0 when there are none to check)."""
    if not key_facts:
        return 1.0
    return sum(fact_present(f, answer) for f in key_facts) / len(key_facts)


Entails = Callable[[str, list[str]], bool]  # (claim, cited passages) -> supported?


@dataclass(frozen=True)
class CitationScore:
    """ALCE's counts for one answer; rates are derived so several answers can be pooled."""

    sentences: int
    supported: int  # sentences whose cited passages together entail them
    citations: int
    precise: int  # citations that support their sentence and are needed

    @property
    def recall(self) -> float:
        return self.supported / self.sentences if self.sentences else 0.0

    @property
    def precision(self) -> float:
        return self.precise / self.citations if self.citations else 0.0


def alce_citation_score(
    sentences: Sequence[tuple[str, Sequence[str]]], entails: Entails
) -> CitationScore:
    """Citation recall and precision as in ALCE's ``compute_autoais``.

    ``sentences``: each claim with the texts of the passages it cites. A sentence is
    supported when its cited passages together entail it (recall). A citation is precise
    when its sentence is supported and it is not redundant: a citation that does not entail
    the claim alone, while the other citations do without it, is irrelevant.
    """
    supported = n_citations = precise = 0
    for claim, cited in sentences:
        cited = list(cited)
        n_citations += len(cited)
        joint = bool(cited) and entails(claim, cited)
        supported += joint
        if joint and len(cited) > 1:
            for i, passage in enumerate(cited):
                if entails(claim, [passage]):
                    precise += 1
                    continue
                rest = cited[:i] + cited[i + 1 :]
                if not entails(claim, rest):
                    precise += 1  # needed: the others do not support the claim without it
        else:
            precise += joint
    return CitationScore(len(sentences), supported, n_citations, precise)


@dataclass(frozen=True)
class AbstentionScore:
    """Abstention treated as a classifier whose positive class is "unanswerable"."""

    true_abstain: int  # abstained on an unanswerable question
    false_abstain: int  # abstained on an answerable question
    missed: int  # answered an unanswerable question
    answerable: int
    unanswerable: int

    @property
    def precision(self) -> float:
        called = self.true_abstain + self.false_abstain
        return self.true_abstain / called if called else 0.0

    @property
    def recall(self) -> float:
        return self.true_abstain / self.unanswerable if self.unanswerable else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_abstention_rate(self) -> float:
        return self.false_abstain / self.answerable if self.answerable else 0.0


def abstention_score(outcomes: Sequence[tuple[bool, bool]]) -> AbstentionScore:
    """``outcomes``: (answerable, abstained) per question."""
    return AbstentionScore(
        true_abstain=sum(1 for ok, ab in outcomes if not ok and ab),
        false_abstain=sum(1 for ok, ab in outcomes if ok and ab),
        missed=sum(1 for ok, ab in outcomes if not ok and not ab),
        answerable=sum(1 for ok, _ in outcomes if ok),
        unanswerable=sum(1 for ok, _ in outcomes if not ok),
    )


def crag_score(answerable: bool, abstained: bool, correct: bool) -> int:
    """CRAG's truthfulness score: correct +1, abstained 0, wrong (or invented) −1.

    For an unanswerable question, abstaining is the correct answer and any answer is an
    invention, so abstaining always beats inventing.
    """
    if not answerable:
        return 1 if abstained else -1
    if abstained:
        return 0
    return 1 if correct else -1


# --- latency -------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation between ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def latency_summary(values: Sequence[float]) -> dict[str, float]:
    """p50, p95 and mean of latencies in ms, rounded to 0.01 ms as the reports show them."""
    return {
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "mean": round(mean(values), 2),
    }

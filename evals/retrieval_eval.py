"""Retrieval scored per system and dataset, at document and at passage level.

**Document**: a retrieved chunk is a hit when it belongs to a gold document. **Passage**
(datasets with gold quotes): a hit when it also holds the gold quote (``evals/gold.py``).
k counts retrieved chunks, as the answer step sees them.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from evals import metrics
from evals.baselines import RetrievalSystem
from evals.datasets import Dataset
from evals.gold import DocResolver, passage_matches

K = 10


# What one question retrieved; "hit@5" is not an identifier, hence the functional form.
QuestionRetrieval = TypedDict(
    "QuestionRetrieval", {"id": str, "retrieved": list[str], "hit@5": float}
)


class RetrievalResult(TypedDict):
    """One system on one dataset, as report.json holds it."""

    n: int
    doc: dict[str, float]
    latency_ms: dict[str, float]
    per_question: list[QuestionRetrieval]
    passage: NotRequired[dict[str, float]]
    n_passage: NotRequired[int]


def _means(rows: list[dict[str, float]]) -> dict[str, float]:
    if not rows:
        return {}
    return {key: round(metrics.mean([r[key] for r in rows]), 4) for key in rows[0]}


def evaluate_retrieval(
    system: RetrievalSystem, dataset: Dataset, resolver: DocResolver, k: int = K
) -> RetrievalResult:
    """Mean retrieval metrics of one system on the answerable questions of one dataset."""
    doc_rows: list[dict[str, float]] = []
    passage_rows: list[dict[str, float]] = []
    totals: list[float] = []
    per_question: list[QuestionRetrieval] = []
    for item in dataset.items:
        if not item.answerable or not item.gold_doc_ids:
            continue
        hits, timings = system.search(item.question, k)
        # The query embedding is cached across systems, so it is left out of search latency.
        totals.append(sum(v for stage, v in timings.items() if stage != "embed"))
        gold_docs = {resolver.resolve(g) for g in item.gold_doc_ids}
        doc_matches = [{h.doc_id} & gold_docs for h in hits]
        doc_rows.append(metrics.retrieval_scores(doc_matches, set(gold_docs)))
        if item.gold_quotes:
            quotes = set(range(len(item.gold_quotes)))
            pmatches = [passage_matches(item, h.doc_id, h.text, resolver) for h in hits]
            passage_rows.append(metrics.retrieval_scores(pmatches, quotes))
        per_question.append(
            {"id": item.id, "retrieved": [h.doc_id for h in hits], "hit@5": doc_rows[-1]["hit@5"]}
        )
    result: RetrievalResult = {
        "n": len(doc_rows),
        "doc": _means(doc_rows),
        "latency_ms": metrics.latency_summary(totals),
        "per_question": per_question,
    }
    if passage_rows:
        result["passage"] = _means(passage_rows)
        result["n_passage"] = len(passage_rows)
    return result

"""Answers scored per question and summarised per dataset.

Answers come from ``assistant.answering.answer`` (the real path, without logging needs), or
from POST /api/ask when the harness times the API in the same pass, and are scored for key
facts, ALCE citation precision/recall (claims judged by ``evals/support.py``), abstention,
the graded status and CRAG. A row and a summary are written to report.json as they are; the
TypedDicts below say what they hold.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict

from assistant import answering, glossary, intake
from assistant.citations import MARKER
from assistant.display import shown
from assistant.models import Answer
from assistant.retrieval import Retriever
from assistant.services import Services
from evals import metrics, shown_text
from evals.datasets import Dataset, EvalItem
from evals.gold import DocResolver
from evals.support import SupportJudge
from ingest.embedding import empty_cache
from kunskap.text import split_sentences

CORRECT_MIN_COVERAGE = 0.5  # an answer with at least half its key facts counts as correct
STAGES = ("embed", "retrieve", "postprocess", "judge", "compose", "total")

Progress = Callable[[str], None]
Ask = Callable[[str], Answer]  # a question → the assistant's answer, however it is asked


class AnswerRow(TypedDict):
    """One question answered and scored."""

    id: str
    question: str
    answerable: bool
    abstained: bool
    status: str
    expected_status: str
    confidence: float
    answer: str
    cited_docs: list[str]
    gold_docs: list[str]
    timings_ms: dict[str, float]
    tags: dict[str, Any]
    language: str  # the question's, as the assistant detected it
    decline_reason: NotRequired[str | None]  # declined answers
    citation_precision: NotRequired[float]  # answered ones
    citation_recall: NotRequired[float]
    cites_gold: NotRequired[bool]
    key_fact_coverage: NotRequired[float]  # answered, with key facts
    cited_docs_gold: NotRequired[float]  # answered, with gold documents
    answer_words: NotRequired[int]  # answered
    shown_defects: NotRequired[list[str]]  # answered or partial: evals/shown_text.py
    correct: NotRequired[bool]
    crag: NotRequired[int]
    gold_in_evidence: NotRequired[bool]  # answerable questions declined


class AnswerResult(TypedDict):
    summary: dict[str, Any]
    per_question: list[AnswerRow]


def answer_claims(answer: Answer) -> list[tuple[str, list[str]]]:
    """Each claim of an answer with the texts of the passages it cites (framing left out).

    A claim quotes its source as the reader is shown it (``display.shown``: OCR's letters read
    again, "Stadendvergripande" shown as "Stadenövergripande"), while a citation keeps the
    source's own text: each cited passage is read in both forms, so the support judge does not
    count a repaired word as unsupported."""
    texts = {c.n: _as_written_and_shown(c.text) for c in answer.citations}
    claims = []
    for line in answer.answer.split("\n"):
        if not line.strip() or line.rstrip().endswith(":"):
            continue  # "Så här beskriver underlaget det:" frames, it claims nothing
        for sentence in split_sentences(line):
            claim = MARKER.sub("", sentence).strip().lstrip("-•* ").strip()
            if not claim or claim in {"(...)", "…"}:
                continue
            cited = [texts[n] for n in dict.fromkeys(int(m) for m in MARKER.findall(sentence))]
            claims.append((claim, [t for t in cited if t]))
    return claims


def _as_written_and_shown(text: str) -> str:
    # One passage per citation still: ALCE's precision counts each cited passage alone.
    cleaned = shown(text)
    return text if cleaned == text else f"{text}\n{cleaned}"


def expected_status(item: EvalItem) -> str:
    """The graded verdict a question should get: ``answered`` when answerable; ``partial``
    for a near-miss (the material treats the topic, not the asked fact); ``declined`` for
    the rest. A dataset may say so itself (``expected_status``)."""
    given = item.tags.get("expected_status")
    if isinstance(given, str):
        return given
    if item.answerable:
        return "answered"
    return "partial" if item.tags.get("near_miss") else "declined"


def score_answer(
    item: EvalItem, answer: Answer, resolver: DocResolver, judge: SupportJudge
) -> AnswerRow:
    abstained = not answer.answered
    gold_docs = {resolver.resolve(g) for g in item.gold_doc_ids}
    cited_docs = list(dict.fromkeys(c.doc_id for c in answer.citations))
    row: AnswerRow = {
        "id": item.id,
        "question": item.question,
        "answerable": item.answerable,
        "abstained": abstained,
        "status": answer.status,
        "expected_status": expected_status(item),
        "confidence": answer.confidence,
        "answer": answer.answer,
        "cited_docs": cited_docs,
        "gold_docs": sorted(gold_docs),
        "timings_ms": answer.timings_ms,
        "tags": item.tags,
        "language": answer.language,
    }
    if abstained:
        row["decline_reason"] = answer.decline_reason
    if answer.citations:  # answered, or partial with the nearest passages quoted
        row["shown_defects"] = sorted(shown_text.defects(answer.answer))
    if not abstained:
        cross = answer.language != "sv"
        score = metrics.alce_citation_score(
            answer_claims(answer),
            lambda claim, passages: judge.entails(claim, passages, cross_language=cross),
        )
        row["citation_precision"] = score.precision
        row["citation_recall"] = score.recall
        row["cites_gold"] = bool(gold_docs & set(cited_docs))
        if gold_docs and cited_docs:
            # Of the documents the answer quotes, the share that are gold: what else it quotes
            # is mostly filler from sources that do not address the question. A lower bound,
            # since another document may say the same as a gold one.
            row["cited_docs_gold"] = len(gold_docs & set(cited_docs)) / len(cited_docs)
        row["answer_words"] = len(re.findall(r"\w+", MARKER.sub("", answer.answer)))
        if item.key_facts:
            row["key_fact_coverage"] = metrics.key_fact_coverage(answer.answer, item.key_facts)
    if item.answerable and not abstained:
        if item.key_facts:
            correct = row["key_fact_coverage"] >= CORRECT_MIN_COVERAGE
        else:
            correct = row["cites_gold"]
    else:
        correct = False
    row["correct"] = correct
    row["crag"] = metrics.crag_score(item.answerable, abstained, correct)
    return row


def decline_kind(reason: str | None) -> str:
    """A decline reason without its particulars: "key-term coverage 0.33" → "key-term
    coverage", "not in the material: fardtjanst" → "not in the material"."""
    if not reason:
        return "unknown"
    return re.sub(r"\s*\d[\d.]*", "", reason.split(":", 1)[0]).strip()


def _rate(rows: Sequence[Mapping[str, Any]], key: str) -> float | None:
    values = [float(r[key]) for r in rows if key in r]
    return round(metrics.mean(values), 4) if values else None


def summarise_answers(rows: list[AnswerRow]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    answered_ok = [r for r in answerable if not r["abstained"]]
    answered = [r for r in rows if not r["abstained"]]
    abst = metrics.abstention_score([(r["answerable"], r["abstained"]) for r in rows])
    with_facts = [r for r in answerable if "key_fact_coverage" in r or r["abstained"]]
    summary: dict[str, Any] = {
        "n": len(rows),
        "n_answerable": abst.answerable,
        "n_unanswerable": abst.unanswerable,
        "answered": len(answered),
        "key_fact_coverage": _rate(answered_ok, "key_fact_coverage"),
        "key_fact_coverage_all": (
            round(
                metrics.mean([r.get("key_fact_coverage", 0.0) for r in with_facts]),
                4,
            )
            if any("key_fact_coverage" in r for r in with_facts)
            else None
        ),
        "citation_precision": _rate(answered, "citation_precision"),
        "citation_recall": _rate(answered, "citation_recall"),
        "cites_gold_doc": _rate(answered_ok, "cites_gold"),
        "cited_docs_gold": _rate(answered_ok, "cited_docs_gold"),
        "answer_words": _rate(answered_ok, "answer_words"),
        # Issue 16 §1's "no filler", as a reader sees it: answers whose quoted text shows
        # markdown, a footnote mark, an OCR'd bullet, a fragment or a repeat.
        "shown_text": shown_text.summarise(
            r["shown_defects"] for r in rows if "shown_defects" in r
        ),
        "false_abstention_rate": round(abst.false_abstention_rate, 4) if abst.answerable else None,
        # The false abstentions split by cause (see evaluate_answers) and by the rule that
        # declined them.
        "false_abstentions": {
            "gold_in_evidence": sum(1 for r in answerable if r.get("gold_in_evidence") is True),
            "gold_not_retrieved": sum(1 for r in answerable if r.get("gold_in_evidence") is False),
            "by_reason": dict(
                Counter(
                    decline_kind(r.get("decline_reason")) for r in answerable if r["abstained"]
                ).most_common()
            ),
        },
        "crag_score": round(metrics.mean([r["crag"] for r in rows]), 4),
        "crag_counts": {
            "correct": sum(1 for r in rows if r["crag"] == 1),
            "abstained_or_missed": sum(1 for r in rows if r["crag"] == 0),
            "wrong": sum(1 for r in rows if r["crag"] == -1),
        },
        "latency_ms": {
            stage: metrics.latency_summary(
                [r["timings_ms"][stage] for r in rows if stage in r["timings_ms"]]
            )
            for stage in STAGES
            if any(stage in r["timings_ms"] for r in rows)
        },
    }
    if abst.unanswerable:
        summary["abstention"] = {
            "precision": round(abst.precision, 4),
            "recall": round(abst.recall, 4),
            "f1": round(abst.f1, 4),
            "true_abstain": abst.true_abstain,
            "false_abstain": abst.false_abstain,
            "missed": abst.missed,
        }
    twins = twin_pairs(rows)
    if twins:
        summary["twins"] = twins
    summary["status"] = status_summary(rows)
    summary["by_tag"] = _by_tag(rows)
    return summary


def status_summary(rows: list[AnswerRow]) -> dict[str, Any]:
    """The graded verdict against the expected one: accuracy over the three statuses, the
    two errors that matter to a reader (an answer to an unanswerable question; a refusal,
    partial or declined, of an answerable one) and the confusion counts."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    confusion = Counter(f"{r['expected_status']}->{r['status']}" for r in rows)
    return {
        "accuracy": round(metrics.mean([r["status"] == r["expected_status"] for r in rows]), 4),
        "answered_while_unanswerable": (
            round(metrics.mean([r["status"] == "answered" for r in unanswerable]), 4)
            if unanswerable
            else None
        ),
        "wrong_refusals": (
            round(metrics.mean([r["status"] != "answered" for r in answerable]), 4)
            if answerable
            else None
        ),
        "confusion": dict(sorted(confusion.items())),
    }


def pooled(datasets: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The answered sets' questions counted together, the development sets (the rules were
    tuned on them) apart from the held-out ones, each also by the question's language: one
    set is too small to read alone, and the tuned and untuned figures belong side by side.
    ``datasets`` is a run's ``results["datasets"]``; groups without answers are left out."""
    groups: dict[str, tuple[list[str], list[AnswerRow]]] = {}
    for name, entry in datasets.items():
        if "answers" not in entry:
            continue
        sets, rows = groups.setdefault(
            "held out" if entry.get("heldout") else "development", ([], [])
        )
        sets.append(name)
        rows.extend(entry["answers"]["per_question"])
    out: dict[str, Any] = {}
    for group, (sets, rows) in groups.items():
        by_language = {"all": rows}
        for row in rows:
            by_language.setdefault(row["language"], []).append(row)
        out[group] = {
            "sets": sets,
            **{language: _pooled_figures(part) for language, part in by_language.items()},
        }
    return out


def _pooled_figures(rows: list[AnswerRow]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    summary = summarise_answers(rows)
    return {
        "n": len(rows),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "status_accuracy": summary["status"]["accuracy"],
        "key_fact_coverage_all": summary["key_fact_coverage_all"],
        "answered_while_unanswerable": sum(r["status"] == "answered" for r in unanswerable),
        "wrong_refusals": sum(r["status"] != "answered" for r in answerable),
        "shown_with_defect": (summary["shown_text"] or {}).get("share_with_defect"),
    }


def twin_pairs(rows: list[AnswerRow]) -> dict[str, Any] | None:
    """How a set of answerable/unanswerable twins (items tagged ``twin``) is handled pair by
    pair, as in contrast sets (Gardner et al. 2020): ``told_apart`` counts pairs where the
    answerable twin was answered and the unanswerable one declined, whatever the answer
    said; ``both_correct`` pairs where both scored +1. A judge that answers or declines
    everything tells no pair apart, however good its recall or its false-abstention rate."""
    by_id = {r["id"]: r for r in rows}
    pairs = {
        tuple(sorted((r["id"], twin)))
        for r in rows
        if (twin := r["tags"].get("twin")) in by_id and by_id[twin]["answerable"] != r["answerable"]
    }
    if not pairs:
        return None
    told_apart = both_correct = 0
    for pair in pairs:
        yes, no = sorted((by_id[i] for i in pair), key=lambda r: not r["answerable"])
        told_apart += not yes["abstained"] and no["abstained"]
        both_correct += yes["crag"] == 1 and no["crag"] == 1
    return {
        "pairs": len(pairs),
        "told_apart": told_apart,
        "both_correct": both_correct,
        "told_apart_rate": round(told_apart / len(pairs), 4),
        "both_correct_rate": round(both_correct / len(pairs), 4),
    }


def _by_tag(rows: list[AnswerRow]) -> dict[str, dict[str, dict[str, float]]]:
    """CRAG score and answer rate per value of each simple tag (language, phrasing, …)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    tag_names = sorted(
        {t for r in rows for t, v in r["tags"].items() if _simple(v) and t not in _FREE_TEXT}
    )
    for tag in tag_names:
        groups: dict[str, list[AnswerRow]] = {}
        for r in rows:
            if tag in r["tags"] and _simple(r["tags"][tag]):
                groups.setdefault(str(r["tags"][tag]), []).append(r)
        if len(groups) < 2 or len(groups) > 8:
            continue  # constant or free-text tags say nothing per group
        out[tag] = {
            value: {
                "n": len(g),
                "answered": round(metrics.mean([0.0 if r["abstained"] else 1.0 for r in g]), 4),
                "crag": round(metrics.mean([r["crag"] for r in g]), 4),
            }
            for value, g in sorted(groups.items())
        }
    return out


_FREE_TEXT = {"notes", "gold_doc", "question", "id", "twin", "expected_status"}


def _simple(value: Any) -> bool:
    return isinstance(value, str | bool | int) and not isinstance(value, float)


def evaluate_answers(
    services: Services,
    dataset: Dataset,
    resolver: DocResolver,
    judge: SupportJudge,
    progress: Progress | None = None,
    ask: Ask | None = None,
) -> AnswerResult:
    """Answer every question of a dataset and score it. ``ask`` is the way in (default: the
    answering function in-process, needs not logged); the harness passes POST /api/ask."""
    ask = ask or (lambda question: answering.answer(question, services=services, log_needs=False))
    # Each dataset is answered from an empty embedding cache, so stage timings include the
    # embedding work a first asker pays (the retrieval comparison has filled the cache);
    # the same for the question's detected language.
    empty_cache(services.embedding)
    intake.question_language.cache_clear()
    retriever = Retriever(services)
    rows: list[AnswerRow] = []
    for n, item in enumerate(dataset.items, start=1):
        if progress and n % 10 == 0:
            progress(f"{dataset.name}: answered {n}/{len(dataset.items)}")
        result = ask(item.question)
        row = score_answer(item, result, resolver, judge)
        if item.answerable and not result.answered:
            # Whose fault: was a gold document among the evidence the judge saw (then the
            # answerability rules abstained) or not (then retrieval missed it)?
            searched = intake.searchable(result.question)
            evidence = retriever.search(glossary.search_text(searched, result.language))
            row["gold_in_evidence"] = bool(set(row["gold_docs"]) & {h.doc_id for h in evidence})
        rows.append(row)
    return {"summary": summarise_answers(rows), "per_question": rows}

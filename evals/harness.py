"""Run every retrieval system and the assistant over the datasets and score them.

Retrieval is scored at two levels. **Document**: a retrieved chunk is a hit when it belongs
to a gold document. **Passage** (datasets with gold quotes): a hit when it belongs to the
gold document *and* contains at least half of the quote's words in order, after
normalising case, diacritics and whitespace (so a chunk whose OCR damage was repaired still
matches the damaged quote). k counts retrieved chunks, as the answer step sees them.

Answers come from ``assistant.answering.answer`` (the real path, without logging needs),
and are scored for key facts, ALCE citation precision/recall, abstention and CRAG.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import platform
import re
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from assistant import answering, glossary
from assistant.citations import lexical_support
from assistant.models import Answer
from assistant.retrieval import Retriever
from assistant.services import Services
from evals import metrics
from evals.baselines import RetrievalSystem, build_systems, load_chunks
from evals.datasets import Dataset, EvalItem
from ingest.embedding import empty_cache
from kunskap.text import split_sentences

log = logging.getLogger(__name__)

K = 10
PASSAGE_OVERLAP = 0.5  # share of a gold quote's words a chunk must hold, in order
# The judge is deliberately stricter than the verifier inside the assistant (0.5), so the
# evaluation is not the verifier grading itself.
JUDGE_LEXICAL_SUPPORT = 0.6
JUDGE_EMBEDDING_SUPPORT = 0.84  # e5 cosine claim ↔ best passage sentence (cross-language)
CORRECT_MIN_COVERAGE = 0.5  # an answer with at least half its key facts counts as correct
STAGES = ("embed", "retrieve", "postprocess", "judge", "compose", "total")

Progress = Callable[[str], None]


# --- gold documents ------------------------------------------------------------------------


class DocResolver:
    """Maps the ids a dataset uses to the index's doc_ids.

    Datasets name a document by its index doc_id, its source id (a single-document source),
    its file name or stem, or the last part of a JSONL doc_id ("faq-042" for "src/faq-042").
    """

    def __init__(self, doc_ids: set[str], aliases: dict[str, str]) -> None:
        self.doc_ids = doc_ids
        self.aliases = aliases

    @classmethod
    def from_services(cls, services: Services) -> DocResolver:
        chunks = load_chunks(services)
        per_source: dict[str, set[str]] = {}
        aliases: dict[str, str] = {}
        for c in chunks:
            per_source.setdefault(c.source_id, set()).add(c.doc_id)
            if c.path:
                name = c.path.rsplit("/", 1)[-1]
                for alias in (c.path, name, name.rsplit(".", 1)[0]):
                    aliases.setdefault(alias, c.doc_id)
            aliases.setdefault(c.doc_id.rsplit("/", 1)[-1], c.doc_id)
        for source, docs in per_source.items():
            if len(docs) == 1:
                aliases.setdefault(source, next(iter(docs)))
        return cls({c.doc_id for c in chunks}, aliases)

    def resolve(self, gold_id: str) -> str:
        if gold_id in self.doc_ids:
            return gold_id
        return self.aliases.get(gold_id, gold_id)

    def unknown(self, gold_ids: list[str]) -> list[str]:
        return sorted({g for g in gold_ids if self.resolve(g) not in self.doc_ids})


@lru_cache(maxsize=65536)
def _overlap(quote: str, passage: str) -> float:
    return metrics.quote_overlap(quote, passage)


def passage_matches(item: EvalItem, hit_doc: str, text: str, resolver: DocResolver) -> set[int]:
    """Indices of the gold quotes this retrieved chunk contains."""
    return {
        i
        for i, g in enumerate(item.gold_quotes)
        if resolver.resolve(g.doc_id) == hit_doc and _overlap(g.quote, text) >= PASSAGE_OVERLAP
    }


# --- retrieval -----------------------------------------------------------------------------


def _latency(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(metrics.percentile(values, 50), 2),
        "p95": round(metrics.percentile(values, 95), 2),
        "mean": round(metrics.mean(values), 2),
    }


def _means(rows: list[dict[str, float]]) -> dict[str, float]:
    if not rows:
        return {}
    return {key: round(metrics.mean([r[key] for r in rows]), 4) for key in rows[0]}


def evaluate_retrieval(
    system: RetrievalSystem, dataset: Dataset, resolver: DocResolver, k: int = K
) -> dict[str, Any]:
    """Mean retrieval metrics of one system on the answerable questions of one dataset."""
    doc_rows: list[dict[str, float]] = []
    passage_rows: list[dict[str, float]] = []
    totals: list[float] = []
    per_question = []
    for item in dataset.items:
        if not item.answerable or not item.gold_doc_ids:
            continue
        hits, timings = system.search(item.question, k)
        # The query embedding is cached across systems, so it is left out of search latency.
        totals.append(sum(v for stage, v in timings.items() if stage != "embed"))
        gold_docs = {resolver.resolve(g) for g in item.gold_doc_ids}
        doc_matches = [{h.doc_id} & gold_docs for h in hits]
        doc_rows.append(metrics.retrieval_scores(doc_matches, set(gold_docs)))  # type: ignore[arg-type]
        if item.gold_quotes:
            quotes = set(range(len(item.gold_quotes)))
            pmatches = [passage_matches(item, h.doc_id, h.text, resolver) for h in hits]
            passage_rows.append(metrics.retrieval_scores(pmatches, quotes))  # type: ignore[arg-type]
        per_question.append(
            {"id": item.id, "retrieved": [h.doc_id for h in hits], "hit@5": doc_rows[-1]["hit@5"]}
        )
    result: dict[str, Any] = {
        "n": len(doc_rows),
        "doc": _means(doc_rows),
        "latency_ms": _latency(totals),
        "per_question": per_question,
    }
    if passage_rows:
        result["passage"] = _means(passage_rows)
        result["n_passage"] = len(passage_rows)
    return result


# --- answers -------------------------------------------------------------------------------


@dataclass
class SupportJudge:
    """Does a set of passages support a claim? Lexical, e5 for other languages, or an LLM."""

    embed: Callable[[list[str]], np.ndarray] | None = None
    llm: Any = None
    kind: str = "lexical"
    _cache: dict[tuple[str, tuple[str, ...]], bool] = field(default_factory=dict)

    @classmethod
    def for_services(cls, services: Services) -> SupportJudge:
        from ingest.embedding import embed_passages

        def embed(texts: list[str]) -> np.ndarray:
            return embed_passages(services.embedding, texts)

        if services.llm is not None:
            return cls(embed=embed, llm=services.llm, kind="llm")
        return cls(embed=embed, kind="lexical+embedding")

    def entails(self, claim: str, passages: list[str], *, cross_language: bool = False) -> bool:
        key = (claim, tuple(passages))
        if key not in self._cache:
            self._cache[key] = self._entails(claim, passages, cross_language)
        return self._cache[key]

    def _entails(self, claim: str, passages: list[str], cross_language: bool) -> bool:
        if not passages:
            return False
        joined = "\n".join(passages)
        if self.llm is not None:
            try:
                return _llm_entails(self.llm, claim, joined)
            except Exception as exc:  # a flaky endpoint falls back to the offline check
                log.warning("LLM judge failed, judging lexically: %s", type(exc).__name__)
        if lexical_support(claim, joined) >= JUDGE_LEXICAL_SUPPORT:
            return True
        if cross_language and self.embed is not None:
            sentences = [s.strip() for p in passages for s in split_sentences(p) if s.strip()]
            if sentences:
                vectors = self.embed([claim, *sentences])
                return bool(float(np.max(vectors[1:] @ vectors[0])) >= JUDGE_EMBEDDING_SUPPORT)
        return False


def _llm_entails(llm: Any, claim: str, passage: str) -> bool:
    from assistant.llm import complete

    prompt = (
        "Premise:\n"
        f"{passage}\n\n"
        f"Hypothesis: {claim}\n\n"
        "Does the premise entail the hypothesis? Answer with one word: yes or no."
    )
    return complete(llm, prompt).lower().lstrip("*\"' ").startswith(("yes", "ja"))


def answer_claims(answer: Answer) -> list[tuple[str, list[str]]]:
    """Each claim of an answer with the texts of the passages it cites (framing left out)."""
    import re

    marker = re.compile(r"\s*\[(\d+)\]")
    texts = {c.n: c.text for c in answer.citations}
    claims = []
    for line in answer.answer.split("\n"):
        if not line.strip() or line.rstrip().endswith(":"):
            continue  # "Så här beskriver underlaget det:" frames, it claims nothing
        for sentence in split_sentences(line):
            claim = marker.sub("", sentence).strip().lstrip("-•* ").strip()
            if not claim or claim in {"(...)", "…"}:
                continue
            cited = [texts[n] for n in dict.fromkeys(int(m) for m in marker.findall(sentence))]
            claims.append((claim, [t for t in cited if t]))
    return claims


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
) -> dict[str, Any]:
    abstained = not answer.answered
    gold_docs = {resolver.resolve(g) for g in item.gold_doc_ids}
    cited_docs = list(dict.fromkeys(c.doc_id for c in answer.citations))
    row: dict[str, Any] = {
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
    }
    if abstained:
        row["decline_reason"] = answer.decline_reason
    if not abstained:
        cross = answer.language != "sv"
        score = metrics.alce_citation_score(
            answer_claims(answer),
            lambda claim, passages: judge.entails(claim, passages, cross_language=cross),
        )
        row["citation_precision"] = score.precision
        row["citation_recall"] = score.recall
        row["cites_gold"] = bool(gold_docs & set(cited_docs))
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


def _rate(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [float(r[key]) for r in rows if key in r]
    return round(metrics.mean(values), 4) if values else None


def summarise_answers(rows: list[dict[str, Any]]) -> dict[str, Any]:
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
            stage: _latency([r["timings_ms"][stage] for r in rows if stage in r["timings_ms"]])
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


def status_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
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


def twin_pairs(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
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


def _by_tag(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """CRAG score and answer rate per value of each simple tag (language, phrasing, …)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    tag_names = sorted(
        {t for r in rows for t, v in r["tags"].items() if _simple(v) and t not in _FREE_TEXT}
    )
    for tag in tag_names:
        groups: dict[str, list[dict[str, Any]]] = {}
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
) -> dict[str, Any]:
    # Each dataset is answered from an empty embedding cache, so stage timings include the
    # embedding work a first asker pays (the retrieval comparison has filled the cache).
    empty_cache(services.embedding)
    retriever = Retriever(services)
    rows = []
    for n, item in enumerate(dataset.items, start=1):
        if progress and n % 10 == 0:
            progress(f"{dataset.name}: answered {n}/{len(dataset.items)}")
        result = answering.answer(item.question, services=services, log_needs=False)
        row = score_answer(item, result, resolver, judge)
        if item.answerable and not result.answered:
            # Whose fault: was a gold document among the evidence the judge saw (then the
            # answerability rules abstained) or not (then retrieval missed it)?
            searched = answering.searchable(result.question)
            evidence = retriever.search(glossary.search_text(searched, result.language))
            row["gold_in_evidence"] = bool(set(row["gold_docs"]) & {h.doc_id for h in evidence})
        rows.append(row)
    return {"summary": summarise_answers(rows), "per_question": rows}


# --- the HTTP path -------------------------------------------------------------------------


def api_latency(services: Services, questions: list[str]) -> dict[str, Any]:
    """POST /api/ask latency, in-process through FastAPI's TestClient over the real app."""
    from fastapi.testclient import TestClient

    from assistant.api.app import create_app

    app = create_app(services=services, with_chat=False)
    times: list[float] = []
    by_language: dict[str, list[float]] = {}
    statuses: dict[str, int] = {}
    empty_cache(services.embedding)  # the answer evaluation asked these same questions
    with TestClient(app) as client:
        client.post("/api/ask", json={"question": questions[0]})  # warm-up, not timed
        for question in questions:
            t0 = time.perf_counter()
            response = client.post("/api/ask", json={"question": question})
            times.append((time.perf_counter() - t0) * 1000)
            statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
            # English questions take another path (glossary, meaning-based checks): their
            # latency is reported on its own, not hidden in the Swedish majority.
            language = answering.question_language(question)
            by_language.setdefault(language, []).append(times[-1])
    return {
        "by_language": {
            language: {"n": len(values), **_latency(values)}
            for language, values in sorted(by_language.items())
        },
        "how": "in-process FastAPI TestClient over create_app(with_chat=False), no network hop; "
        "embedding cache emptied first, one warm-up question not timed",
        "mode": "llm" if services.llm is not None else "extractive",
        "n": len(times),
        "status_codes": statuses,
        **_latency(times),
        "samples_ms": [round(t, 2) for t in times],
    }


# --- the whole run -------------------------------------------------------------------------


@dataclass
class EvalOptions:
    systems: tuple[str, ...] | None = None  # None: every system in baselines.SYSTEM_NAMES
    answers: bool = True
    # Other answer settings to answer every dataset with too, side by side with the default:
    # label → overrides of ``answer.*`` (e.g. {"composer=passage": {"composer": "passage"}}).
    answer_variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    api: bool = True
    k: int = K


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # not on every platform
        return None


def _uncommitted() -> list[str]:
    """Changed product files in the working tree: the run measured those, not the commit."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--", "assistant", "ingest", "kunskap", "prompts"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        return [line[3:] for line in out.stdout.splitlines() if line.strip()]
    except (OSError, subprocess.SubprocessError):
        return []


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def run(
    services: Services,
    datasets: list[Dataset],
    options: EvalOptions | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Every system on every dataset, the assistant's answers, and the API's latency."""
    from evals.baselines import SYSTEM_NAMES

    options = options or EvalOptions()
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    resolver = DocResolver.from_services(services)
    systems = build_systems(services, options.systems or SYSTEM_NAMES)
    # Load the model and the sentence and language data before anything is timed.
    answering.warm_up(services)
    results: dict[str, Any] = {
        "meta": {
            "created": time.strftime("%Y-%m-%d %H:%M:%S"),
            "commit": _git_commit(),
            "uncommitted": _uncommitted(),
            "collection": services.settings.collection_name(),
            "chunks": len(load_chunks(services)),
            "documents": len(resolver.doc_ids),
            "cpus": os.cpu_count(),
            "machine": f"{platform.system()} {platform.machine()}, Python "
            f"{platform.python_version()}",
            "load_average": _load_average(),
            "k": options.k,
            "answer_mode": "llm" if services.llm is not None else "extractive",
            "judge": "",
        },
        "systems": {s.name: s.description for s in systems},
        "datasets": {},
    }
    judge = SupportJudge.for_services(services)
    results["meta"]["judge"] = judge.kind
    for dataset in datasets:
        entry: dict[str, Any] = {
            "version": dataset.version,
            "path": str(dataset.path),
            "kind": dataset.kind,
            "n": len(dataset.items),
            "n_answerable": sum(1 for i in dataset.items if i.answerable),
            "heldout": dataset.heldout,
            "unknown_gold_docs": resolver.unknown(
                [g for i in dataset.items for g in i.gold_doc_ids]
            ),
            "retrieval": {},
        }
        for system in systems:
            say(f"{dataset.name}: retrieval with {system.name}")
            entry["retrieval"][system.name] = evaluate_retrieval(
                system, dataset, resolver, options.k
            )
        if options.answers:
            say(f"{dataset.name}: answers")
            entry["answers"] = evaluate_answers(services, dataset, resolver, judge, say)
            variants: dict[str, Any] = {}
            for label, overrides in options.answer_variants.items():
                say(f"{dataset.name}: answers, {label}")
                variant = with_answer_settings(services, overrides)
                variants[label] = evaluate_answers(variant, dataset, resolver, judge, say)
            if variants:
                entry["answer_variants"] = variants
        results["datasets"][dataset.name] = entry
    if options.api:
        questions = [i.question for d in datasets for i in d.items]
        say(f"POST /api/ask latency over {len(questions)} questions")
        results["api"] = api_latency(services, questions)
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    # Latency on a shared 2-core machine depends on what else runs: record it with the run.
    results["meta"]["load_average_end"] = _load_average()
    return results


# --- thresholds ----------------------------------------------------------------------------


def with_answer_settings(services: Services, overrides: dict[str, Any]) -> Services:
    """The same services (index, embedding, LLM) answering under other ``answer.*``
    settings; the judge is built anew for them, the rest of the caches are shared."""
    settings = services.settings.model_copy(
        update={"answer": services.settings.answer.model_copy(update=overrides)}
    )
    extras = {k: v for k, v in services.extras.items() if k != answering.JUDGE_KEY}
    return dataclasses.replace(services, settings=settings, extras=extras)


def flatten(results: dict[str, Any]) -> dict[str, float]:
    """Every gateable number under a dotted key, e.g. ``sample_qa.retrieval.hybrid.doc.hit@5``."""
    flat: dict[str, float] = {}
    for name, entry in results.get("datasets", {}).items():
        for system, r in entry.get("retrieval", {}).items():
            for level in ("doc", "passage"):
                for metric, value in r.get(level, {}).items():
                    flat[f"{name}.retrieval.{system}.{level}.{metric}"] = value
            flat[f"{name}.retrieval.{system}.latency_p95_ms"] = r["latency_ms"]["p95"]
        summary = entry.get("answers", {}).get("summary")
        if summary:
            for metric in (
                "key_fact_coverage",
                "key_fact_coverage_all",
                "citation_precision",
                "citation_recall",
                "cites_gold_doc",
                "false_abstention_rate",
                "crag_score",
            ):
                if summary.get(metric) is not None:
                    flat[f"{name}.answers.{metric}"] = summary[metric]
            for metric, value in summary.get("abstention", {}).items():
                if metric in ("precision", "recall", "f1"):
                    flat[f"{name}.answers.abstention.{metric}"] = value
            for metric in ("accuracy", "answered_while_unanswerable", "wrong_refusals"):
                if summary.get("status", {}).get(metric) is not None:
                    flat[f"{name}.answers.status.{metric}"] = summary["status"][metric]
            for metric in ("told_apart_rate", "both_correct_rate"):
                if metric in summary.get("twins", {}):
                    flat[f"{name}.answers.twins.{metric}"] = summary["twins"][metric]
            for stage, lat in summary["latency_ms"].items():
                flat[f"{name}.answers.latency.{stage}.p50_ms"] = lat["p50"]
                flat[f"{name}.answers.latency.{stage}.p95_ms"] = lat["p95"]
    if "api" in results:
        flat["api.ask.p50_ms"] = results["api"]["p50"]
        flat["api.ask.p95_ms"] = results["api"]["p95"]
        for language, lat in results["api"].get("by_language", {}).items():
            flat[f"api.ask.{language}.p95_ms"] = lat["p95"]
    return flat


@dataclass(frozen=True)
class Failure:
    metric: str
    measured: float | None
    threshold: float
    direction: str  # "min" or "max"

    def line(self) -> str:
        if self.measured is None:
            return f"{self.metric}: not measured (threshold {self.direction} {self.threshold})"
        op = "<" if self.direction == "min" else ">"
        return f"{self.metric}: {self.measured:.4f} {op} threshold {self.threshold:.4f}"


def evaluated(results: dict[str, Any]) -> set[str]:
    """The first parts of the metric keys this run produced (datasets, and "api")."""
    return set(results.get("datasets", {})) | ({"api"} if "api" in results else set())


def check(
    flat: dict[str, float], thresholds: dict[str, Any], scope: set[str] | None = None
) -> list[Failure]:
    """Metrics below their ``min`` or above their ``max``.

    A threshold whose dataset was part of the run but whose metric is missing fails (a
    metric must not vanish silently); one for a dataset not run (``scope``) is skipped.
    """
    failures = []
    for direction in ("min", "max"):
        for metric, limit in (thresholds.get(direction) or {}).items():
            if scope is not None and metric.split(".", 1)[0] not in scope:
                continue
            measured = flat.get(metric)
            if measured is None:
                failures.append(Failure(metric, None, float(limit), direction))
            elif (direction == "min" and measured < limit) or (
                direction == "max" and measured > limit
            ):
                failures.append(Failure(metric, measured, float(limit), direction))
    return failures


# Metrics the CI gate holds (fnmatch patterns over ``flatten`` keys). Baselines are
# reported, not gated: they only say how much the pipeline adds. Latency is not gated either:
# on a shared CI machine it measures the neighbours as much as the code.
GATED_MIN = (
    "*.retrieval.hybrid.doc.*",
    "*.retrieval.hybrid.passage.*",
    "*.retrieval.dense.doc.hit@5",
    "*.retrieval.dense.doc.ndcg@10",
    "*.retrieval.sparse.doc.hit@5",
    "*.retrieval.sparse.doc.ndcg@10",
    "*.answers.key_fact_coverage",
    "*.answers.key_fact_coverage_all",
    "*.answers.citation_precision",
    "*.answers.citation_recall",
    "*.answers.cites_gold_doc",
    "*.answers.crag_score",
    "*.answers.abstention.*",
)
GATED_MAX = ("*.answers.false_abstention_rate",)


def raised_thresholds(flat: dict[str, float], current: dict[str, Any]) -> dict[str, Any]:
    """Thresholds moved up to what was measured, never down (floor/ceil to 0.01 for noise).

    Existing thresholds only tighten; gated metrics without one get one at the measured
    value. A metric measured below its threshold keeps the threshold (the gate then fails).
    Held-out datasets never get one.
    """
    from fnmatch import fnmatch

    from evals.datasets import is_heldout

    out: dict[str, dict[str, float]] = {
        "min": dict(current.get("min") or {}),
        "max": dict(current.get("max") or {}),
    }
    for key, value in flat.items():
        if is_heldout(key.split(".", 1)[0]):
            continue
        if any(fnmatch(key, p) for p in GATED_MIN) or key in out["min"]:
            floor = float(np.floor(value * 100 + 1e-9) / 100)
            out["min"][key] = max(floor, float(out["min"].get(key, floor)))
        if any(fnmatch(key, p) for p in GATED_MAX) or key in out["max"]:
            ceil = float(np.ceil(value * 100 - 1e-9) / 100)
            out["max"][key] = min(ceil, float(out["max"].get(key, ceil)))
    return {direction: dict(sorted(v.items())) for direction, v in out.items()}

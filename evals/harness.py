"""One evaluation run: every retrieval system and the assistant over the datasets.

The steps live in their own modules: ``gold.py`` (dataset ids → index ids, quote matches),
``retrieval_eval.py``, ``answer_eval.py`` with the support judge of ``support.py``, and
``gate.py`` (thresholds). This module runs them in order, times POST /api/ask (the answer
pass asks through it), and records what the run measured (commit, machine, load). Its
result is the dict report.json holds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import platform
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from assistant import answering, intake
from assistant.models import Answer
from assistant.services import Services
from evals import metrics
from evals.answer_eval import Progress, evaluate_answers, pooled
from evals.baselines import RetrievalSystem, build_systems, load_chunks
from evals.datasets import Dataset
from evals.gold import DocResolver
from evals.retrieval_eval import K, evaluate_retrieval
from evals.support import SupportJudge
from ingest.embedding import empty_cache


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


# --- the HTTP path -------------------------------------------------------------------------


class ApiAsker:
    """Questions asked through POST /api/ask, in-process through FastAPI's TestClient over
    the real app, each one timed. The answer pass asks its questions this way when the API
    is timed, so that CI answers every question once, not once in-process and once again
    over HTTP (100 s of a busy CI run); what comes back is the same ``Answer``."""

    HOW = "in-process FastAPI TestClient over create_app(with_chat=False), no network hop; "

    def __init__(self, services: Services, cache: str) -> None:
        from fastapi.testclient import TestClient

        from assistant.api.app import create_app

        self.services = services
        self.cache = cache  # when the embedding cache was emptied, for the report
        self.client = TestClient(create_app(services=services, with_chat=False))
        self.times: list[float] = []
        self.by_language: dict[str, list[float]] = {}
        self.statuses: dict[str, int] = {}

    def __enter__(self) -> ApiAsker:
        self.client.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(*exc)

    def warm_up(self, question: str) -> None:
        """The first request pays for the app's start: not timed."""
        self.client.post("/api/ask", json={"question": question})

    def post(self, question: str) -> httpx.Response:
        t0 = time.perf_counter()
        response = self.client.post("/api/ask", json={"question": question})
        self.times.append((time.perf_counter() - t0) * 1000)
        code = str(response.status_code)
        self.statuses[code] = self.statuses.get(code, 0) + 1
        # English questions take another path (glossary, meaning-based checks): their
        # latency is reported on its own, not hidden in the Swedish majority.
        language = intake.question_language(question)
        self.by_language.setdefault(language, []).append(self.times[-1])
        return response

    def __call__(self, question: str) -> Answer:
        """The answer, as a client reads it; anything but 200 stops the run."""
        response = self.post(question)
        if response.status_code != 200:
            raise RuntimeError(
                f"POST /api/ask answered {response.status_code} to {question!r}: "
                f"{response.text[:300]}"
            )
        return Answer.model_validate(response.json())

    def summary(self) -> dict[str, Any]:
        return {
            "by_language": {
                language: {"n": len(values), **metrics.latency_summary(values)}
                for language, values in sorted(self.by_language.items())
            },
            "how": f"{self.HOW}{self.cache}, one warm-up question not timed",
            "mode": "llm" if self.services.llm is not None else "extractive",
            "n": len(self.times),
            "status_codes": self.statuses,
            **metrics.latency_summary(self.times),
            "samples_ms": [round(t, 2) for t in self.times],
        }


def api_latency(services: Services, questions: list[str]) -> dict[str, Any]:
    """POST /api/ask latency alone, for a run that does not score answers (``--no-answers``)."""
    # The retrieval comparison embedded these questions and detected their language.
    empty_cache(services.embedding)
    intake.question_language.cache_clear()
    with ApiAsker(services, "embedding cache emptied first") as asker:
        asker.warm_up(questions[0])
        for question in questions:
            asker.post(question)
    return asker.summary()


def _meta(services: Services, resolver: DocResolver, options: EvalOptions) -> dict[str, Any]:
    """What the run measured: the code, the index and the machine."""
    return {
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "commit": _git_commit(),
        "uncommitted": _uncommitted(),
        "collection": services.settings.collection_name(),
        "chunks": len(load_chunks(services)),
        "documents": len(resolver.doc_ids),
        "cpus": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "load_average": _load_average(),
        "k": options.k,
        "answer_mode": "llm" if services.llm is not None else "extractive",
        "judge": "",
    }


def _evaluate_dataset(
    services: Services,
    dataset: Dataset,
    systems: list[RetrievalSystem],
    resolver: DocResolver,
    judge: SupportJudge,
    options: EvalOptions,
    say: Progress,
    asker: ApiAsker | None = None,
) -> dict[str, Any]:
    """One dataset: every retrieval system, then the answers (and their variants); the
    default answers through ``asker`` when the API is timed."""
    entry: dict[str, Any] = {
        "version": dataset.version,
        "path": str(dataset.path),
        "kind": dataset.kind,
        "n": len(dataset.items),
        "n_answerable": sum(1 for i in dataset.items if i.answerable),
        "heldout": dataset.heldout,
        "unknown_gold_docs": resolver.unknown([g for i in dataset.items for g in i.gold_doc_ids]),
        "retrieval": {},
    }
    for system in systems:
        say(f"{dataset.name}: retrieval with {system.name}")
        entry["retrieval"][system.name] = evaluate_retrieval(system, dataset, resolver, options.k)
    if options.answers:
        say(f"{dataset.name}: answers")
        entry["answers"] = evaluate_answers(services, dataset, resolver, judge, say, asker)
        variants: dict[str, Any] = {}
        for label, overrides in options.answer_variants.items():
            say(f"{dataset.name}: answers, {label}")
            variant = with_answer_settings(services, overrides)
            variants[label] = evaluate_answers(variant, dataset, resolver, judge, say)
        if variants:
            entry["answer_variants"] = variants
    return entry


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
        "meta": _meta(services, resolver, options),
        "systems": {s.name: s.description for s in systems},
        "datasets": {},
    }
    judge = SupportJudge.for_services(services)
    results["meta"]["judge"] = judge.kind
    questions = [i.question for d in datasets for i in d.items]
    with contextlib.ExitStack() as stack:
        asker = None
        if options.api and options.answers and questions:
            say(f"answers through POST /api/ask, timed ({len(questions)} questions)")
            asker = stack.enter_context(
                ApiAsker(services, "each dataset answered from an empty embedding cache")
            )
            asker.warm_up(questions[0])
        for dataset in datasets:
            results["datasets"][dataset.name] = _evaluate_dataset(
                services, dataset, systems, resolver, judge, options, say, asker
            )
    if options.answers:
        results["pooled"] = pooled(results["datasets"])
    if asker is not None:
        results["api"] = asker.summary()
    elif options.api and questions:
        say(f"POST /api/ask latency over {len(questions)} questions")
        results["api"] = api_latency(services, questions)
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    # Latency on a shared 2-core machine depends on what else runs: record it with the run.
    results["meta"]["load_average_end"] = _load_average()
    return results


def with_answer_settings(services: Services, overrides: dict[str, Any]) -> Services:
    """The same services (index, embedding, LLM) answering under other ``answer.*``
    settings; the judge is built anew for them, the rest of the caches are shared."""
    # Validated, so that "learned_judge_threshold=0.6" from the command line is a number.
    answer = type(services.settings.answer).model_validate(
        {**services.settings.answer.model_dump(), **overrides}
    )
    settings = services.settings.model_copy(update={"answer": answer})
    caches = dataclasses.replace(services.caches, judge=None)
    return dataclasses.replace(services, settings=settings, caches=caches)

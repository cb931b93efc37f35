"""Does the evidence answer the question? One interface, several judges.

A judge reads the analysed question and what the search found, and returns a graded
verdict:

- ``answered``: a passage states what was asked;
- ``partial``: the material treats the topic, but not the asked fact (a date, a count, a
  name …): the reader is told so plainly and shown the nearest passages;
- ``declined``: nothing relevant.

``RulesJudge`` is the project's rules (``answerability.judge``) graded; ``LLMJudge`` asks
a configured language model, paper-qa style, and falls back to the rules whenever the
model's reply cannot be read; ``learned_judge.LearnedJudge`` scores the passages with a
cross-encoder the project trains itself. ``build_judge`` picks one from ``answer.judge``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

from assistant import answerability
from assistant.llm import LLM
from assistant.models import AnswerStatus
from assistant.passages import Passage, Weight, choose, find_passages, nearest
from assistant.prompts import load_prompt
from assistant.question import QuestionAnalysis
from assistant.retrieval import Hit
from assistant.vocabulary import CorpusVocabulary
from kunskap.settings import AnswerSettings, PassageSettings

log = logging.getLogger(__name__)

Status = AnswerStatus


@dataclass(frozen=True)
class Evidence:
    """What a judge decides on: the analysed question (stand-alone, redacted, shorthand
    spelled out) and what the search found for it."""

    question: QuestionAnalysis
    hits: list[Hit]
    vocabulary: CorpusVocabulary
    # How passages are cut and scored (``passages.*`` settings); the defaults when None.
    passage_tuning: PassageSettings | None = None

    @property
    def weight(self) -> Weight:
        return self.vocabulary.weight

    @cached_property
    def passages(self) -> list[Passage]:
        """Every passage naming part of the question, best first; found once per evidence
        (an LLM judge and the rules it falls back to read the same list)."""
        return find_passages(self.hits, self.question, self.weight, tuning=self.passage_tuning)

    def verdict(self, settings: AnswerSettings) -> answerability.Verdict:
        """The rules' yes/no verdict (``evals.tune`` sweeps its settings)."""
        return answerability.judge(
            self.question.text,
            self.hits,
            settings,
            language=self.question.language,
            vocabulary=self.vocabulary,
        )


@dataclass(frozen=True)
class Judgement:
    status: Status
    confidence: float  # 0..1; below 0.5 for anything not answered
    reason: str  # short English reason, for logs and evaluation
    # The supporting (or nearest) passages, or how to find them: the sentence composer, the
    # default, never reads an answered question's passages, and finding them costs about
    # 10 ms of an answer (50 candidate passages scored), so the rules find them on demand.
    supporting: Sequence[Passage] | Callable[[], Sequence[Passage]] = field(
        default=(), compare=False
    )

    @cached_property
    def passages(self) -> list[Passage]:
        """Supporting, or nearest; best first."""
        found = self.supporting
        return list(found() if callable(found) else found)

    @property
    def answered(self) -> bool:
        return self.status == "answered"


class Judge(Protocol):
    name: str

    def judge(self, evidence: Evidence) -> Judgement: ...


def _partial_reason(reason: str) -> bool:
    """The rules' reasons that mean "topic found, asked fact missing"."""
    return reason.startswith("asks for")


class RulesJudge:
    """The rules of ``answerability`` (similarity, key terms, vocabulary, asked fact), graded:
    a question whose topic the evidence treats (a passage names it) but whose asked fact it
    lacks is ``partial``."""

    name = "rules"

    def __init__(self, settings: AnswerSettings) -> None:
        self.settings = settings

    def judge(self, evidence: Evidence) -> Judgement:
        verdict = evidence.verdict(self.settings)
        if verdict.answerable:
            # Without a passage naming the topic the composer has nothing to quote, and the
            # answer step says so (the rules alone cannot tell).
            return Judgement(
                "answered",
                verdict.confidence,
                verdict.reason,
                lambda: choose(
                    evidence.passages, evidence.question, tuning=evidence.passage_tuning
                ),
            )
        confidence = min(verdict.confidence, 0.49)
        # Passages are looked for only where they can make the verdict partial.
        if _partial_reason(verdict.reason) and evidence.passages:
            shown = nearest(evidence.passages, tuning=evidence.passage_tuning)
            return Judgement("partial", confidence, verdict.reason, shown)
        return Judgement("declined", confidence, verdict.reason)


# The model answers with one word and a passage number: "JA 2", "DELVIS 1", "NEJ".
_LLM_VERDICT = re.compile(r"\b(JA|DELVIS|NEJ|YES|PARTIAL|NO)\b(?:\D{0,12}(\d+))?", re.IGNORECASE)
_WORD_STATUS: dict[str, Status] = {
    "ja": "answered",
    "yes": "answered",
    "delvis": "partial",
    "partial": "partial",
    "nej": "declined",
    "no": "declined",
}


class LLMJudge:
    """A language model reads the question and the best passages and says whether one of
    them states the answer (``prompts/judge.txt``). Its reply is parsed leniently: the first
    JA/DELVIS/NEJ (or YES/PARTIAL/NO) and the passage number after it. Anything else – an
    error, a timeout, a reply without a verdict – is answered by ``fallback``."""

    name = "llm"

    def __init__(self, llm: LLM, fallback: Judge, passages: int | None = None) -> None:
        self.llm = llm
        self.fallback = fallback
        self.passages = passages or AnswerSettings().llm_judge_passages

    def judge(self, evidence: Evidence) -> Judgement:
        from assistant.llm import complete

        passages = evidence.passages[: self.passages]
        if not passages:
            return self.fallback.judge(evidence)
        listed = "\n".join(f"[{i}] {p.text}" for i, p in enumerate(passages, start=1))
        prompt = load_prompt("judge").render(question=evidence.question.text, passages=listed)
        try:
            reply = complete(self.llm, prompt)
        except Exception as exc:  # a judge that cannot be asked must not stop the answer
            log.warning("LLM judge failed, using %s: %s", self.fallback.name, type(exc).__name__)
            return self.fallback.judge(evidence)
        found = _LLM_VERDICT.search(reply)
        if not found:
            log.warning("LLM judge gave no verdict, using %s", self.fallback.name)
            return self.fallback.judge(evidence)
        status = _WORD_STATUS[found.group(1).lower()]
        number = int(found.group(2)) if found.group(2) else 1
        chosen = passages[number - 1] if 1 <= number <= len(passages) else passages[0]
        if status == "declined":
            return Judgement("declined", 0.2, "the language model found no answer")
        if status == "partial":
            return Judgement("partial", 0.4, "the language model found the topic only", [chosen])
        return Judgement("answered", 0.8, "the language model found the answer", [chosen])


def build_judge(
    settings: AnswerSettings, llm: LLM | None = None, cache_dir: Path | None = None
) -> Judge:
    """The judge ``answer.judge`` names; the learned one keeps its assembled model file in
    ``cache_dir`` (the data dir's ``models/``)."""
    rules = RulesJudge(settings)
    if settings.judge == "llm" and llm is not None:
        return LLMJudge(llm, rules, settings.llm_judge_passages)
    if settings.judge == "learned":
        from assistant.learned_judge import build_learned_judge  # loads numpy and the engine

        return build_learned_judge(settings, rules, cache_dir or Path("data") / "models")
    return rules

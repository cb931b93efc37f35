"""How a judged question ends: an ``Answer`` that is answered, partial or declined, and the
knowledge need a question the material falls short on is logged as.

``answering`` decides which ending a question gets; this module writes it, so that every
entry point gets the same fields, the same need reasons and the same ``need_id``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal

import kunskap
from assistant import citations, passages
from assistant.judge import Evidence, Judgement
from assistant.models import Answer, SourceRef, refusal_for
from assistant.needs.register import LoggedQuestion
from assistant.retrieval import Hit
from assistant.services import Services
from kunskap.settings import Settings

log = logging.getLogger(__name__)

NeedReason = Literal["no_evidence", "low_confidence", "partial"]
AnswerMode = Literal["extractive", "llm", "extractive_fallback"]

NEAREST_SOURCES = 3


def nearest_sources(hits: list[Hit], n: int = NEAREST_SOURCES) -> list[SourceRef]:
    """The closest documents, one entry each, for a reader to look in when nothing answered."""
    # By title as well: the answers of one FAQ page are separate documents with one title,
    # and the same line twice tells the reader nothing.
    by_doc: dict[str, Hit] = {}
    titles: set[str] = set()
    for hit in sorted(hits, key=lambda h: h.dense_score, reverse=True):
        if hit.doc_id not in by_doc and hit.title not in titles:
            by_doc[hit.doc_id] = hit
            titles.add(hit.title)
    return [hit.source_ref() for hit in list(by_doc.values())[:n]]


def top_sources(hits: list[Hit], n: int = 5) -> list[dict]:
    return [
        {"doc_id": h.doc_id, "title": h.title, "score": round(h.dense_score, 4)} for h in hits[:n]
    ]


def _log_need(
    services: Services,
    question: str,
    language: str,
    reason: NeedReason,
    hits: list[Hit],
    session_id: str | None,
) -> LoggedQuestion | None:
    if services.needs is None:
        return None
    try:
        return services.needs.log_question(
            question=question,
            language=language,
            reason=reason,
            top_sources=top_sources(hits),
            session_id=session_id,
            index_version=services.settings.collection_name(),
            app_version=kunskap.__version__,
        )
    except Exception as exc:  # an answer must not fail because the register is down
        # Only the exception type: its message could contain the question.
        log.error("could not log knowledge need: %s", type(exc).__name__)
        return None


def _answered_need_notice(answered_by: str | None, language: str) -> str | None:
    """A declined question of a need an analyst has marked answered points to the support
    that answered it (a link, or ``dokument:<id>`` for a document now in the material)."""
    if not answered_by:
        return None
    if language == "en":
        return f"This question has been answered by a new knowledge support: {answered_by}"
    return f"Frågan har besvarats av ett nytt kunskapsstöd: {answered_by}"


def _partial_text(
    judgement: Judgement,
    hits: list[Hit],
    language: str,
    settings: Settings,
    framing: str | None = None,
) -> citations.VerifiedAnswer | None:
    """The nearest passages under a plain statement that they do not say what was asked
    (or ``framing``: which part of the question they leave open)."""
    framing = framing or passages.PARTIAL_FRAMING["en" if language == "en" else "sv"]
    text, quotes = passages.compose(
        judgement.passages, language=language, framing=framing, display=settings.display
    )
    if not text:
        return None
    verified = citations.verify(
        text,
        hits,
        quotes=quotes,
        keep_uncited=lambda s: s.endswith(":") or s in framing,
        tuning=settings.citations,
        display=settings.display,
    )
    return verified if verified.citations else None


@dataclass
class Turn:
    """One question on its way to an answer: what every step reads, and the timings."""

    question: str  # as asked: needs are logged with it
    evidence: Evidence
    services: Services
    session_id: str | None
    log_needs: bool
    timings: dict[str, float]
    started: float

    @property
    def language(self) -> str:
        return self.evidence.question.language

    def not_answered(
        self,
        confidence: float,
        reason: str,
        partial: Judgement | None = None,
        framing: str | None = None,
    ) -> Answer:
        """Partial (the nearest passages, said plainly) or declined, logged as a need."""
        hits, language = self.evidence.hits, self.language
        shown = (
            _partial_text(partial, hits, language, self.services.settings, framing)
            if partial is not None
            else None
        )
        status: Literal["partial", "declined"] = "partial" if shown else "declined"
        logged = (
            _log_need(
                self.services,
                self.question,
                language,
                "partial" if status == "partial" else "no_evidence",
                hits,
                self.session_id,
            )
            if self.log_needs
            else None
        )
        return Answer(
            answered=False,
            status=status,
            answer=shown.text if shown else refusal_for(language),
            language=language,
            citations=shown.citations if shown else [],
            confidence=round(min(confidence, 0.49), 3),
            need_id=logged.need_id if logged else None,
            question=self.evidence.question.text,
            decline_reason=reason,
            nearest_sources=nearest_sources(hits),
            notice=_answered_need_notice(logged.answered_by if logged else None, language),
            timings_ms=self.timings,
        )

    def answered(
        self,
        judgement: Judgement,
        verified: citations.VerifiedAnswer,
        mode: AnswerMode,
        notice: str | None,
    ) -> Answer:
        """The verified answer; one the judge was unsure of is logged as a need too."""
        need_id = None
        if self.log_needs and judgement.confidence < self.services.settings.answer.low_confidence:
            low = _log_need(
                self.services,
                self.question,
                self.language,
                "low_confidence",
                self.evidence.hits,
                self.session_id,
            )
            need_id = low.need_id if low else None
        self.stamp_total()
        return Answer(
            answered=True,
            status="answered",
            answer=verified.text,
            language=self.language,
            citations=verified.citations,
            confidence=round(judgement.confidence, 3),
            need_id=need_id,
            mode=mode,
            notice=notice,
            question=self.evidence.question.text,
            timings_ms={k: round(v, 2) for k, v in self.timings.items()},
        )

    def stamp_total(self) -> None:
        self.timings["total"] = (time.perf_counter() - self.started) * 1000

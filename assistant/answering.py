"""A question's whole path: stand-alone question → retrieve → answerable? → compose (LLM or
extractive) → verify citations → log a knowledge need when the material falls short.

``answer()`` returns the finished ``Answer``; ``answer_events()`` yields the same answer as
it streams (``AnswerDelta``… then one ``AnswerDone``), for the API and the chat.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from starlette.concurrency import iterate_in_threadpool

import kunskap
from assistant import answerability, citations, display, extractive, glossary, passages
from assistant.conversation import standalone_question
from assistant.judge import Evidence, Judge, Judgement, build_judge
from assistant.llm import stream_chat
from assistant.models import (
    Answer,
    AnswerDelta,
    AnswerDone,
    HistoryTurn,
    SearchFilters,
    SourceRef,
    StreamEvent,
    refusal_for,
)
from assistant.needs.redact import redact
from assistant.needs.register import LoggedQuestion
from assistant.prompts import load_prompt
from assistant.question import analyse
from assistant.retrieval import Hit, Retriever
from assistant.services import Services, build_services
from assistant.shorthand import spell_out
from ingest.embedding import embed_passages
from ingest.index_store import IndexUnavailable
from ingest.language import detect_language
from kunskap.limits import MAX_QUESTION_CHARS
from kunskap.settings import Settings, get_settings
from kunskap.text import strip_control

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\[[A-ZÅÄÖ_]+\]")
LANGUAGE_NAMES = {"sv": "svenska", "en": "engelska"}
NeedReason = Literal["no_evidence", "low_confidence", "partial"]

LLM_FALLBACK_NOTICE = {
    "sv": "Språkmodellen svarade inte, så svaret består av citat ur källorna.",
    "en": "The language model did not respond, so the answer consists of quotes from the sources.",
}


class QuestionError(ValueError):
    """The question cannot be asked (empty or too long). The message is for the user."""


def searchable(question: str) -> str:
    """What is searched and judged: redacted, placeholders dropped, shorthand spelled out."""
    redacted = redact(question).text
    return spell_out(" ".join(_PLACEHOLDER.sub(" ", redacted).split()) or redacted)


def warm_up(services: Services) -> None:
    """Load what the first question would otherwise wait for: the embedding model, the
    sentence splitter's punkt data (about 0.6 s), langdetect's profiles (about 0.4 s), the
    English glossary and the same-meaning word groups (about 0.02 s) and the material's
    vocabulary (about 0.06 s per 500 chunks) and the word list that cleans OCR residue from
    what is shown."""
    from kunskap.text import split_sentences

    services.embedding.get_query_embedding("uppvärmning")
    split_sentences("En mening. En till.")
    detect_language("Det här är en mening på svenska om socialtjänsten.")
    glossary.glossary()
    answerability.same_meaning_groups()
    display.shown("uppvärmning", services.settings.display)  # reads the word list (about 0.2 s)
    retriever = Retriever(services)
    try:
        retriever.ensure_ready()
    except IndexUnavailable:
        return  # nothing ingested yet: the first question will say so
    retriever.vocabulary()


def validate_question(question: str) -> str:
    # Control characters (NUL…) and lone surrogates are stripped before the length and
    # letter checks: nothing downstream, the needs register included, may see them.
    if not question.split():
        raise QuestionError("Frågan är tom.")
    question = " ".join(strip_control(question).split())
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(f"Frågan är för lång (högst {MAX_QUESTION_CHARS} tecken).")
    if not any(ch.isalpha() for ch in question):
        raise QuestionError("Frågan innehåller inga bokstäver. Skriv frågan med ord.")
    return question


# Source terms a question quotes or gives in brackets ("proven experience (beprövad
# erfarenhet)") are in the sources' language, not the asker's.
_QUOTED = re.compile(r"\([^()]*\)|(?<!\w)[\"'“‘][^\"'”’]+[\"'”’](?!\w)")


def question_language(question: str) -> str:
    own_words = _QUOTED.sub(" ", question)
    if len(own_words.split()) < 4:
        own_words = question
    language = detect_language(own_words, default="sv")
    return language if language in LANGUAGE_NAMES else "sv"


def find_evidence(
    question: str,
    *,
    services: Services,
    history: list[HistoryTurn] | None = None,
    filters: SearchFilters | None = None,
    retriever: Retriever | None = None,
) -> Evidence:
    """The first half of answering: validate, detect the language, make the question stand
    alone and search. ``evals.tune`` judges the same evidence under other settings."""
    retriever = retriever or Retriever(services)
    question = validate_question(question)
    language = question_language(question)
    # Client details say nothing about the topic and must not steer the search (nor be
    # echoed back in the answer object): search with the redacted question.
    standalone = searchable(
        standalone_question(question, history, services.llm, services.settings.conversation)
    )
    hits = retriever.search(glossary.search_text(standalone, language), filters=filters)
    return Evidence(
        analyse(standalone, language), hits, retriever.vocabulary(), services.settings.passages
    )


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


def _format_sources(hits: list[Hit]) -> str:
    template = load_prompt("source")
    parts = []
    for n, hit in enumerate(hits, start=1):
        location = ""
        if hit.page:
            location = f", s. {hit.page}"
        elif hit.section:
            location = f", avsnitt {hit.section}"
        parts.append(
            template.render(
                n=n,
                title=hit.title,
                doc_type_label=hit.doc_type_label,
                location=location,
                text=hit.text.replace("</källor>", ""),
            )
        )
    return "\n".join(parts)


def _chunks(text: str, size: int = 24) -> Iterator[str]:
    for start in range(0, len(text), size):
        yield text[start : start + size]


def judge_for(services: Services) -> Judge:
    """The judge the settings name (``answer.judge``), built once per ``Services``."""
    if services.caches.judge is None:
        services.caches.judge = build_judge(
            services.settings.answer, services.llm, services.settings.data_dir / "models"
        )
    return services.caches.judge


def _partial_text(
    judgement: Judgement, hits: list[Hit], language: str, settings: Settings
) -> citations.VerifiedAnswer | None:
    """The nearest passages under a plain statement that they do not say what was asked."""
    text, quotes = passages.compose(
        judgement.passages, language=language, partial=True, display=settings.display
    )
    if not text:
        return None
    framing = passages.PARTIAL_FRAMING["en" if language == "en" else "sv"]
    verified = citations.verify(
        text,
        hits,
        quotes=quotes,
        keep_uncited=lambda s: s.endswith(":") or s in framing,
        tuning=settings.citations,
    )
    return verified if verified.citations else None


@dataclass
class _Turn:
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
        self, confidence: float, reason: str, partial: Judgement | None = None
    ) -> Answer:
        """Partial (the nearest passages, said plainly) or declined, logged as a need."""
        hits, language = self.evidence.hits, self.language
        shown = (
            _partial_text(partial, hits, language, self.services.settings)
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


AnswerMode = Literal["extractive", "llm", "extractive_fallback"]


@dataclass
class _Draft:
    """What the language model wrote: a verified answer, a refusal, or nothing usable."""

    verified: citations.VerifiedAnswer | None = None
    mode: AnswerMode = "extractive"
    notice: str | None = None
    refused: bool = False


def _from_llm(turn: _Turn, embed: extractive.EmbedFn) -> Generator[AnswerDelta, None, _Draft]:
    """Stream the configured model's answer as it is written, then verify its citations.
    A model that fails, times out or writes nothing leaves the draft empty with a notice,
    and the extractive answer follows."""
    services, hits, language = turn.services, turn.evidence.hits, turn.language
    assert services.llm is not None
    draft = _Draft()
    try:
        system = load_prompt("answer_system").render(
            refusal=refusal_for(language), language_name=LANGUAGE_NAMES[language]
        )
        user = load_prompt("answer_user").render(
            sources=_format_sources(hits), question=turn.evidence.question.text
        )
        pieces: list[str] = []
        deadline = services.settings.llm.timeout_s
        for delta in stream_chat(services.llm, system, user, deadline_s=deadline):
            pieces.append(delta)
            yield AnswerDelta(text=delta)
        raw = "".join(pieces).strip()
        if raw and refusal_for(language) not in raw:
            draft.verified = citations.verify(
                raw,
                hits,
                embed=embed if language != "sv" else None,
                tuning=services.settings.citations,
            )
            draft.mode = "llm"
        elif raw:
            draft.refused = True
    except Exception as exc:
        log.warning("LLM failed, answering extractively: %s", type(exc).__name__)
        draft.mode, draft.notice = "extractive_fallback", LLM_FALLBACK_NOTICE[language]
    return draft


def answer_events(
    question: str,
    *,
    history: list[HistoryTurn] | None = None,
    filters: SearchFilters | None = None,
    services: Services,
    session_id: str | None = None,
    log_needs: bool = True,
) -> Iterator[StreamEvent]:
    """Answer ``question``, yielding text as it is produced and the verified Answer last:
    search, judge, then write (the model, or the extractive composer), verify, log."""
    timings: dict[str, float] = {}
    t_start = time.perf_counter()
    question = validate_question(question)  # needs are logged with the question as asked
    retriever = Retriever(services)
    evidence = find_evidence(
        question, services=services, history=history, filters=filters, retriever=retriever
    )
    timings.update(retriever.last_timings_ms)
    turn = _Turn(question, evidence, services, session_id, log_needs, timings, t_start)

    t0 = time.perf_counter()
    judgement = judge_for(services).judge(evidence)
    timings["judge"] = (time.perf_counter() - t0) * 1000

    if not judgement.answered:
        partial = judgement if judgement.status == "partial" else None
        result = turn.not_answered(judgement.confidence, judgement.reason, partial)
        yield AnswerDelta(text=result.answer)
        turn.stamp_total()
        yield AnswerDone(answer=result)
        return

    def embed(texts: list[str]) -> np.ndarray:
        return embed_passages(services.sentences or services.embedding, texts)

    t0 = time.perf_counter()
    draft = (yield from _from_llm(turn, embed)) if services.llm is not None else _Draft()
    if draft.refused:
        result = turn.not_answered(judgement.confidence, "the language model refused")
        timings["compose"] = (time.perf_counter() - t0) * 1000
        turn.stamp_total()
        yield AnswerDone(answer=result)
        return
    verified, mode = draft.verified, draft.mode
    if verified is None or not verified.citations:
        verified = _extractive(judgement, evidence, services, embed)
        if mode == "llm":
            mode = "extractive_fallback"
        if services.llm is None:
            for piece in _chunks(verified.text):
                yield AnswerDelta(text=piece)
    timings["compose"] = (time.perf_counter() - t0) * 1000

    if not verified.citations:
        result = turn.not_answered(judgement.confidence, "no sentence of the answer was verified")
        turn.stamp_total()
        yield AnswerDone(answer=result)
        return
    yield AnswerDone(answer=turn.answered(judgement, verified, mode, draft.notice))


def _extractive(
    judgement: Judgement,
    evidence: Evidence,
    services: Services,
    embed: extractive.EmbedFn,
) -> citations.VerifiedAnswer:
    """The offline answer from the composer the settings name, its citations verified."""
    analysis, hits = evidence.question, evidence.hits
    cross = embed if analysis.language != "sv" else None
    composer = services.settings.answer.composer
    # A question in another language whose words the glossary does not know has no terms to
    # find a passage by: it is answered by meaning, sentence by sentence, as before.
    if composer == "passage" and (judgement.passages or analysis.lexical):
        text, quotes = passages.compose(
            judgement.passages, language=analysis.language, display=services.settings.display
        )
        return citations.verify(
            text, hits, quotes=quotes, embed=cross, tuning=services.settings.citations
        )
    text, quotes = extractive.compose(
        hits,
        list(analysis.key_terms),
        max_sentences=services.settings.answer.max_sentences,
        language=analysis.language,
        query_vec=Retriever(services).embed_query(analysis.text) if cross else None,
        embed=cross,
        asked=analysis.asked,
        source_terms=list(analysis.source_terms),
        max_embedded=services.settings.answer.semantic_candidates,
        display=services.settings.display,
    )
    return citations.verify(
        text, hits, quotes=quotes, embed=cross, tuning=services.settings.citations
    )


def answer(
    question: str,
    *,
    history: list[HistoryTurn] | None = None,
    filters: SearchFilters | None = None,
    settings: Settings | None = None,
    services: Services | None = None,
    session_id: str | None = None,
    log_needs: bool = True,
) -> Answer:
    """Answer one question from the ingested sources; see the module docstring."""
    own = services is None
    services = services or build_services(settings or get_settings())
    try:
        final: Answer | None = None
        for event in answer_events(
            question,
            history=history,
            filters=filters,
            services=services,
            session_id=session_id,
            log_needs=log_needs,
        ):
            if isinstance(event, AnswerDone):
                final = event.answer
        assert final is not None  # answer_events always ends with AnswerDone
        return final
    finally:
        if own:
            services.close()


async def stream_answer(
    question: str,
    *,
    history: list[HistoryTurn] | None = None,
    filters: SearchFilters | None = None,
    services: Services,
    session_id: str | None = None,
) -> AsyncIterator[StreamEvent]:
    """``answer_events`` for async callers (FastAPI, Chainlit), run in a worker thread."""
    events = answer_events(
        question, history=history, filters=filters, services=services, session_id=session_id
    )
    async for event in iterate_in_threadpool(events):
        yield event

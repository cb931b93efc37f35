"""A question's whole path: stand-alone question → retrieve → answerable? → compose (LLM or
extractive) → verify citations → log a knowledge need when the material falls short.

``answer()`` returns the finished ``Answer``; ``answer_events()`` yields the same answer as
it streams (``AnswerDelta``… then one ``AnswerDone``), for the API and the chat.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Iterator

import numpy as np
from starlette.concurrency import iterate_in_threadpool

from assistant import answerability, citations, display, extractive, glossary, passages
from assistant.conversation import standalone_question
from assistant.intake import QuestionError, question_language, searchable, validate_question
from assistant.judge import Evidence, Judge, Judgement, build_judge
from assistant.llm_answer import Draft, from_llm
from assistant.models import (
    Answer,
    AnswerDelta,
    AnswerDone,
    HistoryTurn,
    SearchFilters,
    StreamEvent,
)
from assistant.outcome import Turn
from assistant.question import analyse, question_parts
from assistant.retrieval import Retriever
from assistant.services import Services, build_services
from ingest.embedding import embed_passages
from ingest.index_store import IndexUnavailable
from ingest.language import detect_language
from kunskap.settings import Settings, get_settings

log = logging.getLogger(__name__)


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
    # A question in another language is searched with its Swedish terms added, and the
    # sentence composer ranks sentences by the meaning of the question itself: two vectors,
    # embedded in one call of the model. With a training job on both cores that took the p95
    # of the 84 English gate questions' embedding from 316-330 ms (two calls) to 195-218 ms,
    # the same vectors bit for bit (docs/benchmarks.md).
    also = (standalone,) if language != "sv" else ()
    hits = retriever.search(
        glossary.search_text(standalone, language), filters=filters, also_embed=also
    )
    return Evidence(
        analyse(standalone, language), hits, retriever.vocabulary(), services.settings.passages
    )


@dataclasses.dataclass(frozen=True)
class PartsJudged:
    """A two-part question judged part by part: the evidence of every part in one list, and
    the verdict: answered when every part is, partial when some are."""

    evidence: Evidence
    judgement: Judgement
    unanswered: tuple[str, ...]  # the parts the material does not answer


def parts_framing(unanswered: tuple[str, ...], language: str) -> str | None:
    """What a partial answer by parts says first: which part the material leaves open."""
    if not unanswered:
        return None
    open_parts = " ".join(f"”{part}”" for part in unanswered)
    if language == "en":
        return (
            f"The sources answer part of the question, but not {open_parts}. "
            "What they say on the rest:"
        )
    return f"Underlaget svarar på en del av frågan, men inte på {open_parts}. Det som står:"


def judge_by_parts(
    evidence: Evidence,
    *,
    services: Services,
    filters: SearchFilters | None = None,
) -> PartsJudged | None:
    """Each part of a question that asks two things, searched and judged on its own.

    The whole question's search serves both parts at once, and its three most similar hits
    may all be about one of them ("Vilket datum började lagen gälla och vad föreslog
    utredningen Hållbar socialtjänst?"). None when no part is answered on its own."""
    parts = question_parts(evidence.question.text)
    if len(parts) < 2:
        return None
    judge = judge_for(services)
    retriever = Retriever(services)
    judged: list[tuple[str, Evidence, Judgement]] = []
    for part in parts:
        # A part is a question of its own, asked as one would ask it alone.
        part = part[:1].upper() + part[1:]
        try:
            found = find_evidence(part, services=services, filters=filters, retriever=retriever)
        except QuestionError:
            return None
        judged.append((part, found, judge.judge(found)))
    answered = [(found, j) for _, found, j in judged if j.answered and j.passages]
    if not answered:
        return None
    # One list of hits for the citations: every part's, each chunk once; each shown passage
    # points into it.
    hits = list(evidence.hits)
    rank = {h.chunk_id: i for i, h in enumerate(hits)}
    shown = []
    for found, j in answered:
        for hit in found.hits:
            if hit.chunk_id not in rank:
                rank[hit.chunk_id] = len(hits)
                hits.append(hit)
        best = j.passages[0]
        shown.append(dataclasses.replace(best, hit_rank=rank[found.hits[best.hit_rank].chunk_id]))
    unanswered = tuple(part.rstrip(" ?") for part, _, j in judged if not j.answered)
    confidence = min(j.confidence for _, j in answered)
    merged = dataclasses.replace(evidence, hits=hits)
    if unanswered:
        verdict = Judgement("partial", min(confidence, 0.49), "a part is not answered", shown)
    else:
        verdict = Judgement("answered", confidence, "each part answered on its own search", shown)
    return PartsJudged(merged, verdict, unanswered)


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
    turn = Turn(question, evidence, services, session_id, log_needs, timings, t_start)

    t0 = time.perf_counter()
    judgement = judge_for(services).judge(evidence)
    timings["judge"] = (time.perf_counter() - t0) * 1000

    by_parts = None
    if not judgement.answered and evidence.question.several_parts:
        t0 = time.perf_counter()
        by_parts = judge_by_parts(evidence, services=services, filters=filters)
        timings["parts"] = (time.perf_counter() - t0) * 1000
        if by_parts is not None:
            evidence, judgement = by_parts.evidence, by_parts.judgement
            turn.evidence = evidence

    if not judgement.answered:
        partial = judgement if judgement.status == "partial" else None
        framing = parts_framing(by_parts.unanswered, turn.language) if by_parts else None
        result = turn.not_answered(judgement.confidence, judgement.reason, partial, framing)
        yield AnswerDelta(text=result.answer)
        turn.stamp_total()
        yield AnswerDone(answer=result)
        return

    def embed(texts: list[str]) -> np.ndarray:
        return embed_passages(services.sentences or services.embedding, texts)

    t0 = time.perf_counter()
    draft = (yield from from_llm(turn, embed)) if services.llm is not None else Draft()
    if draft.refused:
        result = turn.not_answered(judgement.confidence, "the language model refused")
        timings["compose"] = (time.perf_counter() - t0) * 1000
        turn.stamp_total()
        yield AnswerDone(answer=result)
        return
    verified, mode = draft.verified, draft.mode
    if verified is None or not verified.citations:
        verified = _extractive(judgement, evidence, services, embed, by_parts=by_parts is not None)
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
    *,
    by_parts: bool = False,
) -> citations.VerifiedAnswer:
    """The offline answer from the composer the settings name, its citations verified; a
    question answered part by part is answered with each part's passage."""
    analysis, hits = evidence.question, evidence.hits
    # A question about "rapporten" is answered from the report when one was found, not from
    # an FAQ answer that shares a word with it.
    named = [h for h in hits if h.doc_type in analysis.source_types]
    hits = named or hits
    cross = embed if analysis.language != "sv" else None
    composer = services.settings.answer.composer
    # A question in another language whose words the glossary does not know has no terms to
    # find a passage by: it is answered by meaning, sentence by sentence, as before.
    if by_parts or (composer == "passage" and (judgement.passages or analysis.lexical)):
        text, quotes = passages.compose(
            judgement.passages, language=analysis.language, display=services.settings.display
        )
    else:
        by_meaning = cross is not None or services.settings.answer.by_meaning == "all"
        text, quotes = extractive.compose(
            hits,
            list(analysis.key_terms),
            max_sentences=services.settings.answer.max_sentences,
            language=analysis.language,
            query_vec=Retriever(services).embed_query(analysis.text) if by_meaning else None,
            embed=embed if by_meaning else None,
            asked=analysis.asked,
            source_terms=list(analysis.source_terms),
            max_embedded=services.settings.answer.semantic_candidates,
            display=services.settings.display,
            tuning=services.settings.answer,
        )
    return citations.verify(
        text,
        hits,
        quotes=quotes,
        embed=cross,
        tuning=services.settings.citations,
        display=services.settings.display,
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

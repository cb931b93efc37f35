"""The answer a configured language model writes: streamed as it comes, then its citations
verified. Anything the model gets wrong (no ``[n]``, a refusal in its own words, a timeout)
leaves a ``Draft`` that the extractive answer replaces.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass

from assistant import citations, extractive
from assistant.intake import LANGUAGE_NAMES
from assistant.llm import stream_chat
from assistant.models import AnswerDelta, refusal_for
from assistant.outcome import AnswerMode, Turn
from assistant.prompts import load_prompt
from assistant.retrieval import Hit

log = logging.getLogger(__name__)

LLM_FALLBACK_NOTICE = {
    "sv": "Språkmodellen svarade inte, så svaret består av citat ur källorna.",
    "en": "The language model did not respond, so the answer consists of quotes from the sources.",
}


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


@dataclass
class Draft:
    """What the language model wrote: a verified answer, a refusal, or nothing usable."""

    verified: citations.VerifiedAnswer | None = None
    mode: AnswerMode = "extractive"
    notice: str | None = None
    refused: bool = False


def from_llm(turn: Turn, embed: extractive.EmbedFn) -> Generator[AnswerDelta, None, Draft]:
    """Stream the configured model's answer as it is written, then verify its citations.
    A model that fails, times out or writes nothing leaves the draft empty with a notice,
    and the extractive answer follows."""
    services, hits, language = turn.services, turn.evidence.hits, turn.language
    assert services.llm is not None
    draft = Draft()
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
                display=services.settings.display,
            )
            draft.mode = "llm"
        elif raw:
            draft.refused = True
    except Exception as exc:
        log.warning("LLM failed, answering extractively: %s", type(exc).__name__)
        draft.mode, draft.notice = "extractive_fallback", LLM_FALLBACK_NOTICE[language]
    return draft

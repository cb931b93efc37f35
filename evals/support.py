"""The support judge of the evaluation: do these passages support this claim?

Citation precision and recall (ALCE) ask it of every claim of an answer. Lexical offline
(the claim's stemmed content words in the passages), e5 for answers in another language,
or the configured LLM. It is deliberately stricter than the verifier inside the assistant
(``assistant/citations.py``, 0.5), so the evaluation is not the verifier grading itself.
Its kind goes into the report's ``meta.judge``: figures from different judges are never
compared as equal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.citations import lexical_support
from assistant.llm import LLM
from assistant.services import Services
from kunskap.text import split_sentences

log = logging.getLogger(__name__)

JUDGE_LEXICAL_SUPPORT = 0.6
JUDGE_EMBEDDING_SUPPORT = 0.84  # e5 cosine claim ↔ best passage sentence (cross-language)


@dataclass
class SupportJudge:
    """Does a set of passages support a claim? Lexical, e5 for other languages, or an LLM."""

    embed: Callable[[list[str]], np.ndarray] | None = None
    llm: LLM | None = None
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


def _llm_entails(llm: LLM, claim: str, passage: str) -> bool:
    from assistant.llm import complete

    prompt = (
        "Premise:\n"
        f"{passage}\n\n"
        f"Hypothesis: {claim}\n\n"
        "Does the premise entail the hypothesis? Answer with one word: yes or no."
    )
    return complete(llm, prompt).lower().lstrip("*\"' ").startswith(("yes", "ja"))

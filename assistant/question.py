"""What a question asks, worked out once: its key terms, its specific terms, the kind of
fact it asks for and its parts.

The judge and the composer both read this instead of each re-deriving it (or the composer
reading the judge's internals), so that a judge can be swapped without the composer
noticing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant import glossary
from assistant.asked_facts import AskedFact, asked_fact
from assistant.question_terms import key_terms, specific_terms
from kunskap.analysis import analyze

# Where one question of several ends and the next begins: "Vilket datum började lagen gälla
# och vad föreslog utredningen?" asks two things. The same cut the judge uses to find the
# part that asks for a fact (asked_facts._NEXT_QUESTION), minus the comma before "och",
# which in a single question joins two nouns as often as two questions.
_PART_CUT = re.compile(
    r"\?\s+(?=\w)|;\s*|\s(?:och|samt|and)\s+(?=(?:hur|vad|vilk\w*|när|vem|var|varför"
    r"|how|what|which|when|who|where|why)\b)",
    re.IGNORECASE,
)
MIN_PART_TERMS = 2
_ASKED_HEAD = re.compile(
    r"\b(?:vilk(?:en|et|a)|hur\s+många|which|what)\s+(?:(?:typ|slags?|sorts?|kind)\s+(?:av\s+|of\s+)?)?"
    r"(?P<head>[^\W\d_]{3,})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QuestionAnalysis:
    """A question as searched (stand-alone, redacted, shorthand spelled out)."""

    text: str
    language: str
    key_terms: tuple[str, ...]  # the question's own content words, stemmed
    # What the Swedish sources can contain: the key terms of a Swedish question; of another
    # one, its Swedish glossary terms and the source terms it gives in brackets.
    source_terms: tuple[str, ...]
    specific_terms: tuple[str, ...]
    asked: AskedFact
    # Each part's source terms, for a question that asks two things; one entry otherwise.
    parts: tuple[tuple[str, ...], ...]
    # What kind of thing is asked for, where the question names it: "steg" in "Vilka steg
    # har modellen?", "insatser" in "Vilka insatser finns …". The passage that answers
    # usually names it too; its near-miss neighbour often names only the subject.
    asked_head: tuple[str, ...] = ()
    # The kinds of source the question asks about by name: "Vad rekommenderar *rapporten* om
    # metodhandledare?" asks what the R&D report says, not an FAQ answer that shares a word.
    source_types: frozenset[str] = frozenset()

    @property
    def lexical(self) -> bool:
        """Whether the sources (Swedish) can contain the question's own words."""
        return self.language == "sv"

    @property
    def several_parts(self) -> bool:
        return len(self.parts) > 1


def question_parts(question: str) -> list[str]:
    """The sub-questions of ``question``; a part with fewer than two content words is not a
    question of its own ("… och varför?") and stays with the one before it."""
    cuts = list(_PART_CUT.finditer(question))
    starts, ends = [0, *(c.end() for c in cuts)], [*(c.start() for c in cuts), len(question)]
    spans = [(a, b) for a, b in zip(starts, ends, strict=True) if question[a:b].strip()]
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and len(key_terms(question[start:end])) < MIN_PART_TERMS:
            merged[-1] = (merged[-1][0], end)  # the text between, "och" included, stays
        else:
            merged.append((start, end))
    return [question[a:b].strip() for a, b in merged] or [question]


_BRACKETED = re.compile(r"\(([^()]*)\)|[\"“”]([^\"“”]+)[\"“”]")


def _source_terms(text: str, language: str) -> tuple[str, ...]:
    if language == "sv":
        return tuple(key_terms(text)) or tuple(analyze(text))
    quoted = " ".join(a or b for a, b in _BRACKETED.findall(text))
    swedish = " ".join(glossary.swedish_terms(text))
    return tuple(dict.fromkeys(analyze(f"{swedish} {quoted}")))


# A source named by its kind, as ``kunskap.domain.DOC_TYPES`` keys them. Definite forms
# only ("rapporten", "minnesanteckningarna"): "en rapport om …" names a topic, not a source.
_SOURCE_TYPES = {
    "fou_rapport": re.compile(r"\b(?:fou-)?rapporten\b|\bthe (?:r&d )?report\b", re.I),
    "minnesanteckningar": re.compile(
        r"\b(?:minnes)?anteckningarna\b|\bprotokollet\b|\bthe (?:meeting )?(?:notes|minutes)\b",
        re.I,
    ),
    "nyhet": re.compile(r"\bnyheten\b|\bnyhetsartikeln\b|\bthe news (?:item|article)\b", re.I),
}


def source_types_named(question: str) -> frozenset[str]:
    """The kinds of source ``question`` names ("rapporten" → ``fou_rapport``)."""
    return frozenset(kind for kind, names in _SOURCE_TYPES.items() if names.search(question))


def analyse(question: str, language: str) -> QuestionAnalysis:
    source_terms = _source_terms(question, language)
    parts = tuple(_source_terms(p, language) for p in question_parts(question))
    parts = tuple(p for p in parts if p) or (source_terms,)
    head = _ASKED_HEAD.search(question)
    asked_head = tuple(analyze(head.group("head"))) if head and language == "sv" else ()
    return QuestionAnalysis(
        asked_head=asked_head,
        text=question,
        language=language,
        key_terms=tuple(key_terms(question)),
        source_terms=source_terms,
        specific_terms=tuple(specific_terms(question, names=language == "sv")),
        asked=asked_fact(question, language=language),
        parts=parts,
        source_types=source_types_named(question),
    )

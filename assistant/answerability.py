"""Decide from the evidence, before composing anything, whether the question can be answered.

Three checks, all of which must pass:

1. **Meaning**: the best chunk's cosine similarity to the question (e5) reaches
   ``answer.min_dense_score``.
2. **Key terms**: the question's content words are covered by the evidence
   (``answer.min_term_coverage``), and every *specific* term (an acronym such as LVM, a
   number, a name, a long compound) occurs in it. This catches questions on a topic the
   corpus does not treat at all even when the embedding finds something vaguely similar.
3. **Asked-for fact**: a question about an amount, a count or a date needs evidence that
   contains one. This is what makes near-misses abstain: the topic is there, the number is
   not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.retrieval import Hit
from ingest.sparse import analyze, fold, matched_terms
from kunskap.settings import AnswerSettings

# Words that say what kind of question it is rather than what it is about.
_GENERIC_TERMS = set(
    analyze(
        "vad hur vilken vilket vilka varför när var vem vems gäller innebär betyder "
        "menas står säger enligt göra gör behöver bör måste kunna får finns ska skulle "
        "fråga frågor svar beskriv förklara berätta exempel olika viktigt viktiga "
        "what how which why when where who mean means does say says according describe "
        "explain tell example important should must need"
    )
)

_ACRONYM = re.compile(r"\b[A-ZÅÄÖ]{2,6}\b")
_NUMBER = re.compile(r"\d")
_AMOUNT_Q = re.compile(
    r"\b(hur mycket|kostar|kostade|kostnad\w*|belopp\w*|kronor|pris\w*|summa|ersättning\w*"
    r"|how much|cost\w*|amount|price)\b",
    re.IGNORECASE,
)
_AMOUNT_EVIDENCE = re.compile(r"\d[\d\s]*\s?(kr\b|kronor|sek\b|:-|procent|%)", re.IGNORECASE)
_COUNT_Q = re.compile(r"\b(hur många|antal\w*|how many|number of)\b", re.IGNORECASE)
_DATE_Q = re.compile(
    r"\b(när|vilket år|vilket datum|vilken dag|datum|årtal|sedan när|when|what year|what date)\b",
    re.IGNORECASE,
)
_DATE_EVIDENCE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b\d{1,2} (januari|februari|mars|april|maj|juni|juli|augusti|"
    r"september|oktober|november|december)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = re.compile(
    r"\b(en|ett|två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|tjugo|trettio|femtio|hundra"
    r"|\d+)\b",
    re.IGNORECASE,
)


@dataclass
class Verdict:
    answerable: bool
    confidence: float
    reason: str  # a short English reason, for logs and evaluation reports
    key_terms: list[str] = field(default_factory=list)
    missing_terms: list[str] = field(default_factory=list)


def key_terms(question: str) -> list[str]:
    return [t for t in dict.fromkeys(analyze(question)) if t not in _GENERIC_TERMS]


def specific_terms(question: str) -> list[str]:
    """Terms the evidence must contain literally: acronyms, numbers, names, long compounds."""
    specific: list[str] = []
    words = re.findall(r"[^\W_]+", question)
    for i, word in enumerate(words):
        is_acronym = bool(_ACRONYM.fullmatch(word))
        is_name = i > 0 and word[:1].isupper() and not is_acronym and len(word) > 2
        if is_acronym or word.isdigit() or is_name or len(word) >= 13:
            specific.extend(analyze(word))
    return [t for t in dict.fromkeys(specific) if t not in _GENERIC_TERMS]


def asks_for_number(question: str) -> bool:
    return bool(_AMOUNT_Q.search(question) or _COUNT_Q.search(question) or _DATE_Q.search(question))


def asked_fact_present(question: str, evidence: str) -> tuple[bool, str]:
    if _AMOUNT_Q.search(question) and not _AMOUNT_EVIDENCE.search(evidence):
        return False, "asks for an amount the evidence does not give"
    if _DATE_Q.search(question) and not _DATE_EVIDENCE.search(evidence):
        return False, "asks for a date the evidence does not give"
    if _COUNT_Q.search(question) and not _NUMBER.search(evidence):
        return False, "asks for a count the evidence does not give"
    return True, ""


def judge(question: str, hits: list[Hit], settings: AnswerSettings, *, language: str) -> Verdict:
    if not hits:
        return Verdict(False, 0.0, "no hits")
    best = max(h.dense_score for h in hits)
    top = sorted(hits, key=lambda h: h.dense_score, reverse=True)[:3]
    evidence = " ".join(f"{h.title} {h.section or ''} {h.text}" for h in top)
    evidence_terms = set(analyze(evidence))
    terms = key_terms(question)
    # Cross-language questions cannot be checked word by word; they rely on the embedding.
    lexical = language == "sv"
    covered = matched_terms(terms, evidence_terms)
    coverage = len(covered) / len(terms) if terms else 1.0
    missing_specific = [
        t
        for t in specific_terms(question)
        if t not in evidence_terms and fold(t) not in fold(evidence.lower())
    ]
    dense_margin = (best - settings.min_dense_score) / max(1 - settings.min_dense_score, 1e-6)
    confidence = max(0.0, min(1.0, 0.5 + dense_margin)) * (coverage if lexical else 1.0)
    missing = [t for t in terms if t not in covered]

    if best < settings.min_dense_score:
        return Verdict(
            False, confidence, f"best similarity {best:.3f} below threshold", terms, missing
        )
    if lexical and coverage < settings.min_term_coverage:
        return Verdict(False, confidence, f"key-term coverage {coverage:.2f}", terms, missing)
    if missing_specific:
        return Verdict(
            False, confidence, f"specific terms missing: {', '.join(missing_specific)}", terms,
            missing_specific,
        )  # fmt: skip
    ok, why = asked_fact_present(question, evidence)
    if not ok:
        return Verdict(False, confidence, why, terms, missing)
    return Verdict(True, confidence, "answerable", terms, missing)

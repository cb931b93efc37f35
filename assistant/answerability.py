"""Decide from the evidence, before composing anything, whether the question can be answered.

Four checks, all of which must pass:

1. **Meaning**: the best chunk's cosine similarity to the question (e5) reaches
   ``answer.min_dense_score``.
2. **Key terms**: the question's content words are covered by the evidence
   (``answer.min_term_coverage``; less when the meaning is very close, for questions
   worded differently from the sources), and every *specific* term (an acronym such as
   LVM, a number, a name, a long compound) occurs in it. This catches questions on a topic the
   corpus does not treat at all even when the embedding finds something vaguely similar.
3. **Known words**: no long content word of the question is absent from the whole material
   (``vocabulary``): a question about *färdtjänst* to a corpus that never says it is off
   topic however well its other words are covered.
4. **Asked-for fact**: a question about an amount, a count or a date needs evidence that
   contains one. This is what makes near-misses abstain: the topic is there, the number is
   not.

The first three checks compare words (``assistant/question_terms.py``); the fourth looks
for the kind of fact asked (``assistant/asked_facts.py``). This module weighs them into a
``Verdict``; ``assistant/judge.py``'s ``RulesJudge`` grades it (answered / partial /
declined). The names of both modules are also importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.aliases import with_aliases
from assistant.asked_facts import (
    _DATE_Q,
    _NEXT_QUESTION,
    AskedFact,
    AskedKind,
    _asked_about,
    asked_fact,
    asked_fact_present,
)
from assistant.question_terms import (
    _PARENTHETICAL,
    TopicMatch,
    _specific,
    _unweighted,
    covered_terms,
    key_terms,
    same_meaning_groups,
    specific_terms,
    spoken_dates,
    term_present,
    with_same_meaning,
)
from assistant.retrieval import Hit
from assistant.vocabulary import CorpusVocabulary
from kunskap.analysis import analyze, fold, term_set
from kunskap.settings import AnswerSettings

# The names other modules and the tests import from here, where they were defined before
# the split.
__all__ = [
    "_DATE_Q",
    "_NEXT_QUESTION",
    "AskedFact",
    "AskedKind",
    "TopicMatch",
    "Verdict",
    "_asked_about",
    "asked_fact",
    "asked_fact_present",
    "covered_terms",
    "judge",
    "key_terms",
    "same_meaning_groups",
    "specific_terms",
    "spoken_dates",
    "term_present",
    "with_same_meaning",
]


@dataclass
class Verdict:
    answerable: bool
    confidence: float
    reason: str  # a short English reason, for logs and evaluation reports
    key_terms: list[str] = field(default_factory=list)
    missing_terms: list[str] = field(default_factory=list)


def judge(
    question: str,
    hits: list[Hit],
    settings: AnswerSettings,
    *,
    language: str,
    vocabulary: CorpusVocabulary | None = None,
) -> Verdict:
    if not hits:
        return Verdict(False, 0.0, "no hits")
    best = max(h.dense_score for h in hits)
    top = sorted(hits, key=lambda h: h.dense_score, reverse=True)[: settings.evidence_hits]
    # What the reader sees of a source counts as evidence too: its title, section, type
    # ("FoU-rapport"), publisher and date; and the other forms of the names it uses ("SoS"
    # for "Socialstyrelsen").
    evidence = with_aliases(
        " ".join(
            f"{h.title} {h.section or ''} {h.doc_type_label} {h.publisher or ''} "
            f"{h.published or ''} {h.text}"
            for h in top
        )
    )
    body = " ".join(h.text for h in top)
    evidence_terms = with_same_meaning(term_set(f"{evidence} {spoken_dates(evidence)}"))
    evidence_folded = fold(evidence.lower())
    terms = key_terms(question)
    # Cross-language questions cannot be checked word by word; they rely on the embedding.
    lexical = language == "sv"
    covered = covered_terms(terms, evidence_terms)
    coverage = len(covered) / len(terms) if terms else 1.0
    missing_specific = [
        t
        for t, is_name in _specific(question, names=lexical).items()
        if not term_present(t, evidence_terms, evidence_folded, is_name=is_name)
    ]
    floor = settings.min_dense_score if lexical else settings.min_dense_score_cross_language
    dense_margin = (best - floor) / max(1 - floor, 1e-6)
    confidence = max(0.0, min(1.0, 0.5 + dense_margin)) * (coverage if lexical else 1.0)
    missing = [t for t in terms if t not in covered]

    threshold = settings.min_dense_score if lexical else settings.min_dense_score_cross_language
    if best < threshold:
        return Verdict(
            False, confidence, f"best similarity {best:.3f} below threshold", terms, missing
        )
    # A question worded differently from the sources ("Hur stöttar man mammor och pappor …"
    # for a text on "stöd till föräldrar") shares few words with them; a close match in
    # meaning stands in for the missing words, down to a floor.
    paraphrase = (
        best >= settings.paraphrase_dense_score
        and coverage >= settings.paraphrase_min_term_coverage
    )
    if lexical and coverage < settings.min_term_coverage and not paraphrase:
        return Verdict(False, confidence, f"key-term coverage {coverage:.2f}", terms, missing)
    # An English question is checked on the Swedish terms it gives in brackets ("a contact
    # family (kontaktfamilj)"): the only words of it the Swedish material could contain.
    own_terms = terms if lexical else analyze(" ".join(_PARENTHETICAL.findall(question)))
    unknown = vocabulary.unknown(own_terms) if vocabulary is not None else []
    # One odd word in a long question is a detail; in a short one it is the topic.
    if unknown and len(unknown) / len(own_terms) > settings.max_unknown_share:
        return Verdict(
            False, confidence, f"not in the material: {', '.join(unknown)}", terms, unknown
        )
    if missing_specific:
        return Verdict(
            False, confidence, f"specific terms missing: {', '.join(missing_specific)}", terms,
            missing_specific,
        )  # fmt: skip
    topic = TopicMatch(
        weight=vocabulary.weight if vocabulary is not None else _unweighted,
        publisher_terms=frozenset(term_set(" ".join(h.publisher or "" for h in top))),
        share=settings.relevant_share,
    )
    ok, why = asked_fact_present(question, body, lexical=lexical, terms=terms, topic=topic)
    if not ok:
        return Verdict(False, confidence, why, terms, missing)
    return Verdict(True, confidence, "answerable", terms, missing)

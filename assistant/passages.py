"""Find the passage that answers, then show it: the offline answer as a featured snippet.

The evidence is cut into passages a reader can take in at once: one sentence, two adjacent
sentences, a whole list with its lead-in, or a labelled line from a minutes' header
(``extractive.candidates`` does the cutting; it knows the corpus's lists and headers). Each
passage is scored for the question: how much of the question's topic it names, each word
weighted by how rare it is in the material (a passage naming "metodhandledare" says more
than one naming "arbete"), whether it states the kind of fact asked for (a date for a
"när"), and how close its source is in meaning. The best passage is the answer; a second
one, from another place, only when the question has two parts or the first lacks the
asked fact.

The passage is shown cleaned (OCR residue, footnote numbers fused into words); the
citation keeps the original sentence, so the quote stays verifiable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from assistant.citations import SENTENCE_STOP
from assistant.display import shown
from assistant.extractive import Candidate, candidates, split_pieces, unrepeated
from assistant.question import QuestionAnalysis
from assistant.retrieval import Hit, jaccard
from kunskap.analysis import matched_terms, term_set
from kunskap.settings import DisplaySettings, PassageSettings

Weight = Callable[[str], float]

# Every score and limit below is ``Settings.passages`` (its defaults when none is given).
DEFAULTS = PassageSettings()

# A sentence opening with one of these points back to the one before it ("Dessa personer
# fungerar som …", "Här avsätts två timmar …"): shown alone it does not say who or what.
_ANAPHORA = re.compile(
    r"^(?:dessa|denna|detta|det|den|de|där|här|då|sådana|därför|this|these|they|it|there)\b",
    re.IGNORECASE,
)
# "Vad är beprövad erfarenhet?", "Vad menas med X?", "What is meant by X?"
_DEFINITION_Q = re.compile(
    r"^\W*(?:vad\s+(?:är|innebär|betyder|menas\s+med|avses\s+med)|vad\s+står\s+\S+\s+för"
    r"|what\s+(?:is|are|does)(?:\s+meant\s+by)?)\s+(?P<subject>.+?)\??\s*$",
    re.IGNORECASE,
)
_DEFINES = re.compile(
    r"\b(?:är|innebär|betyder|avses|menas|definieras|står\s+för|handlar\s+om|beskrivs\s+som)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Passage:
    hit_rank: int  # 0-based index of the hit in the evidence
    pieces: tuple[str, ...]  # the candidates' text as they stand in the source
    items: tuple[str, ...]  # a list's items, shown one to a line; empty for prose
    intro: str  # a list's lead-in
    score: float
    coverage: float  # weighted share of the question's topic the passage names
    part_coverage: tuple[float, ...]  # the same for each part of the question
    gives_fact: bool

    @property
    def text(self) -> str:
        return " ".join(self.pieces)


def _weighted_coverage(terms: tuple[str, ...], found: set[str], weight: Weight) -> float:
    if not terms:
        return 0.0
    total = sum(weight(t) for t in terms)
    return sum(weight(t) for t in terms if t in found) / total if total else 0.0


@dataclass(frozen=True)
class _Source:
    """What the passages of one hit share: how much of the question its whole text names,
    and its distance in meaning from the closest hit."""

    coverage: float
    part_coverage: tuple[float, ...]
    dense_gap: float


def _sources(hits: list[Hit], question: QuestionAnalysis, weight: Weight) -> list[_Source]:
    best = max((h.dense_score for h in hits), default=0.0)
    out = []
    for hit in hits:
        terms = term_set(f"{hit.title} {hit.section or ''} {hit.text}")
        found = matched_terms(list(question.source_terms), terms)
        out.append(
            _Source(
                _weighted_coverage(question.source_terms, found, weight),
                tuple(
                    _weighted_coverage(part, matched_terms(list(part), terms), weight)
                    for part in question.parts
                ),
                hit.dense_score - best,
            )
        )
    return out


def _passage(
    group: list[Candidate],
    sources: list[_Source],
    question: QuestionAnalysis,
    weight: Weight,
    tuning: PassageSettings,
) -> Passage:
    t = tuning
    terms: set[str] = set()
    for cand in group:
        if cand.item_terms:
            # A list is about its lead-in and its items together.
            terms |= cand.intro_terms.union(*cand.item_terms)
        else:
            terms |= cand.terms
    found = matched_terms(list(question.source_terms), terms)
    coverage = _weighted_coverage(question.source_terms, found, weight)
    parts = tuple(
        _weighted_coverage(part, matched_terms(list(part), terms), weight)
        for part in question.parts
    )
    text = " ".join(c.text for c in group)
    gives_fact = any(c.gives_fact for c in group)
    source = sources[group[0].hit_rank]
    if question.several_parts:
        best_part = max(range(len(parts)), key=lambda i: parts[i])
        own, context = parts[best_part], source.part_coverage[best_part]
    else:
        own, context = coverage, source.coverage
    score = t.passage_weight * own + t.context_weight * context
    if gives_fact:
        score += t.reason_bonus if question.asked.kinds == {"reason"} else t.fact_bonus
    if question.asked_head and matched_terms(list(question.asked_head), terms):
        score += t.head_bonus
    if _defines(question, text, t):
        score += t.definition_bonus
    score += t.dense_weight * source.dense_gap
    first = group[0]
    announces = len(first.text.split()) < t.announcement_words and (
        _weighted_coverage(
            question.source_terms,
            matched_terms(list(question.source_terms), first.terms),
            weight,
        )
        >= t.announcement_coverage
    )
    if len(group) > 1 and announces:
        # A short first sentence announces what follows ("Modellen utgörs i korthet av två
        # steg."): shown alone it names the topic and says nothing about it.
        score += t.announcement_bonus
    else:
        score -= t.second_sentence_cost * (len(group) - 1)
    score -= t.rank_cost * group[0].hit_rank
    if len(text.split()) > t.long_passage_words:
        score -= t.long_passage_cost
    list_cand = next((c for c in group if c.items), None)
    return Passage(
        hit_rank=group[0].hit_rank,
        pieces=tuple(c.text for c in group),
        items=tuple(list_cand.items[: t.list_items_shown]) if list_cand else (),
        intro=list_cand.intro if list_cand else "",
        score=score,
        coverage=coverage,
        part_coverage=parts,
        gives_fact=gives_fact,
    )


def _defines(question: QuestionAnalysis, text: str, tuning: PassageSettings) -> bool:
    """A definition question answered by a sentence that says what its subject is."""
    asked = _DEFINITION_Q.match(question.text)
    if not asked:
        return False
    subject = asked.group("subject").lower().strip(" ?")
    head = subject.split()[-1] if subject.split() else subject
    lowered = text.lower()
    at = lowered.find(head[: max(tuning.definition_stem_chars, len(head) - 2)])
    return at >= 0 and bool(
        _DEFINES.search(lowered[at : at + len(subject) + tuning.definition_window_chars])
    )


def find_passages(
    hits: list[Hit],
    question: QuestionAnalysis,
    weight: Weight,
    *,
    tuning: PassageSettings | None = None,
) -> list[Passage]:
    """Every passage of the evidence that names part of the question's topic, best first."""
    t = tuning or DEFAULTS
    cands = candidates(hits, set(question.source_terms))
    for cand in cands:
        cand.gives_fact = question.asked.stated_in(cand.text)
    by_hit: dict[int, list[Candidate]] = {}
    for cand in cands:
        if cand.lead_in and not cand.gives_fact:
            continue  # a lead-in whose list is elsewhere says nothing on its own
        by_hit.setdefault(cand.hit_rank, []).append(cand)
    sources = _sources(hits, question, weight)
    passages: list[Passage] = []
    for group in by_hit.values():
        group.sort(key=lambda c: c.position)
        for i, cand in enumerate(group):
            passages.append(_passage([cand], sources, question, weight, t))
            if cand.items:
                continue
            # Sentences that stand next to each other in the source read as one passage
            # ("Modellen utgörs i korthet av två steg. Steg 1 innebär …").
            window = [cand]
            for following in group[i + 1 : i + t.max_window]:
                if following.items or following.position != window[-1].position + 1:
                    break
                window.append(following)
                passages.append(_passage(list(window), sources, question, weight, t))
    passages = [_with_antecedent(p, by_hit, sources, question, weight, t) for p in passages]
    # A passage naming too little of the question is not about it, whatever fact it states;
    # only what an acronym stands for may be said without its words ("Förkortningen står
    # för …" in a footnote).
    relevant = [
        p
        for p in passages
        if p.coverage >= t.min_coverage or (p.gives_fact and "definition" in question.asked.kinds)
    ]
    unique = {(p.hit_rank, p.pieces): p for p in relevant}
    return sorted(unique.values(), key=lambda p: (-p.score, p.hit_rank, p.pieces))


def _with_antecedent(
    passage: Passage,
    by_hit: dict[int, list[Candidate]],
    sources: list[_Source],
    question: QuestionAnalysis,
    weight: Weight,
    tuning: PassageSettings,
) -> Passage:
    """A passage whose first sentence points back ("Dessa personer …") with the sentence it
    points to in front of it."""
    if passage.items or not _ANAPHORA.match(passage.pieces[0]):
        return passage
    group = by_hit[passage.hit_rank]
    at = next((i for i, c in enumerate(group) if c.text == passage.pieces[0]), None)
    if not at or group[at - 1].position != group[at].position - 1 or group[at - 1].items:
        return passage
    members = [c for c in group if c.text in passage.pieces and not c.items]
    rescored = _passage([group[at - 1], *members], sources, question, weight, tuning)
    # Keep the score the passage earned on its own: the sentence in front is context.
    return replace(rescored, score=passage.score)


def _distinct(p: Passage, chosen: list[Passage], t: PassageSettings) -> bool:
    """No sentence already shown (overlapping chunks hold the same sentence twice), and not
    mostly the same words."""
    words = set(p.text.lower().split())
    return not any(
        set(p.pieces) & set(c.pieces)
        or jaccard(words, set(c.text.lower().split())) >= t.distinct_jaccard
        for c in chosen
    )


def nearest(passages: list[Passage], *, tuning: PassageSettings | None = None) -> list[Passage]:
    """What a partial answer shows: the best passages, up to ``max_passages``, none repeating
    another. The rules found the topic but not the asked fact, and they are often wrong
    about the fact: the passage after the best one may hold it (on the development sets the
    best passage held the asked fact in 102 of 182 questions, passages 2-6 in 45 more)."""
    t = tuning or DEFAULTS
    chosen: list[Passage] = []
    for p in passages:
        if len(chosen) >= t.max_passages:
            break
        if _distinct(p, chosen, t):
            chosen.append(p)
    return chosen


def choose(
    passages: list[Passage], question: QuestionAnalysis, *, tuning: PassageSettings | None = None
) -> list[Passage]:
    """The answer: the best passage, and a second only where the question needs one."""
    t = tuning or DEFAULTS
    if not passages:
        return []
    best = passages[0]
    chosen = [best]

    def distinct(p: Passage) -> bool:
        return _distinct(p, chosen, t)

    if question.several_parts:
        # Each part not named by the passages so far gets the best passage that names it.
        for i, _part in enumerate(question.parts):
            if max(c.part_coverage[i] for c in chosen) >= t.part_coverage:
                continue
            extra = next(
                (p for p in passages if p.part_coverage[i] >= t.part_coverage and distinct(p)),
                None,
            )
            if extra is not None:
                chosen.append(extra)
    elif question.asked.kinds - {"reason"} and not best.gives_fact:
        extra = next(
            (p for p in passages if p.gives_fact and p.coverage >= t.min_coverage and distinct(p)),
            None,
        )
        if extra is not None:
            chosen.append(extra)
    # The best passage holds the asked fact in only about half the questions of the
    # development sets (2026-12-06: 102 of 182; another 45 had it in passages 2-6), so up
    # to two more follow it, each one that names most of the question on its own.
    for p in passages[1:]:
        if len(chosen) >= t.max_passages:
            break
        if (
            p.coverage >= t.support_coverage
            and p.score >= best.score - t.support_score_gap
            and distinct(p)
        ):
            chosen.append(p)
    return chosen


# --- what the reader sees --------------------------------------------------------------------

FRAMING = {
    "sv": "Så här står det i underlaget:",
    "en": "Here is what the sources say (quoted in Swedish):",
}
PARTIAL_FRAMING = {
    "sv": "Underlaget tar upp ämnet men säger inte det du frågar efter. Det närmaste som står:",
    "en": "The sources treat the topic but do not say what you ask. The closest they come:",
}


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def compose(
    passages: list[Passage],
    *,
    language: str,
    framing: str | None = None,
    display: DisplaySettings | None = None,
) -> tuple[str, dict[int, list[str]]]:
    """Answer text with [n] markers (n = 1-based hit index) and, per n, the sentences as they
    stand in the source (the citation's quote, verifiable against the source text).
    ``framing`` is the line above the quotes (``FRAMING`` in the language when not given;
    a partial answer says what the passages do not say). ``display`` is
    ``Settings.display``: how OCR residue is cleaned from what is shown."""
    if not passages:
        return "", {}
    lang = "en" if language == "en" else "sv"
    blocks: list[str] = []
    quotes: dict[int, list[str]] = {}
    shown_before: set[str] = set()
    for passage in passages:
        n = passage.hit_rank + 1
        lines: list[str] = []
        if passage.items:
            # A list stays a list: its lead-in, then one item to a line. Items read as one
            # sentence start in lower case; one to a line, they start a line.
            intro = shown(passage.intro, display).rstrip(":")
            if intro and unrepeated([intro], shown_before):  # steps may have no lead-in
                lines.append(f"{intro} [{n}]:")
            for item in passage.items:
                fresh = unrepeated(split_pieces(_capitalised(shown(item, display))), shown_before)
                if fresh:
                    lines.append("- " + " ".join(f"{s} [{n}]" for s in fresh))
        for piece in () if passage.items else passage.pieces:
            text = shown(piece, display)
            text = text if SENTENCE_STOP.search(text) else f"{text}."
            fresh = unrepeated(split_pieces(text), shown_before)
            if fresh:
                lines.append(" ".join(f"{s} [{n}]" for s in fresh))
        if not lines:
            continue  # every sentence of it is already shown
        bucket = quotes.setdefault(n, [])
        bucket.extend(p for p in passage.pieces if p not in bucket)
        blocks.append("\n".join(lines) if passage.items else " ".join(lines))
    framing = framing or FRAMING[lang]
    return f"{framing}\n\n" + "\n\n".join(blocks), quotes

"""The offline answer: the most relevant sentences of the evidence, each with its [n].

No LLM is involved, so nothing is invented: every sentence is quoted from a source. The
composer picks sentences that carry the question's key terms (or, for a question in
another language than the sources, that are closest in meaning), avoids repeating
itself, and keeps each source's sentences in reading order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.retrieval import Hit, jaccard
from ingest.sparse import analyze
from kunskap.text import split_sentences

INTRO = {
    "sv": "Så här beskriver underlaget det:",
    "en": "Here is what the sources say (quoted in Swedish):",
}
MIN_WORDS = 5
REDUNDANT_JACCARD = 0.6

EmbedFn = Callable[[list[str]], np.ndarray]


@dataclass
class Candidate:
    hit_rank: int  # 0-based position of the hit in the evidence list
    position: int  # sentence position within the hit
    text: str
    terms: set[str]
    score: float = 0.0


def _candidates(hits: list[Hit]) -> list[Candidate]:
    out = []
    for rank, hit in enumerate(hits):
        for pos, sentence in enumerate(split_sentences(hit.text)):
            sentence = " ".join(sentence.split())
            if len(sentence.split()) < MIN_WORDS or sentence.endswith(":"):
                continue
            out.append(Candidate(rank, pos, sentence, set(analyze(sentence))))
    return out


def _score_lexical(cands: list[Candidate], key_terms: list[str], hits: list[Hit]) -> None:
    weights = {t: 1.0 for t in key_terms}
    for c in cands:
        overlap = sum(weights.get(t, 0.0) for t in c.terms)
        length_norm = max(len(c.terms), 4) ** 0.5
        c.score = overlap / length_norm + 0.3 * hits[c.hit_rank].dense_score - 0.03 * c.hit_rank


def _score_semantic(cands: list[Candidate], query_vec: np.ndarray, embed: EmbedFn) -> None:
    sims = embed([c.text for c in cands]) @ query_vec
    for c, sim in zip(cands, sims, strict=True):
        c.score = float(sim) - 0.01 * c.hit_rank


def select_sentences(
    hits: list[Hit],
    key_terms: list[str],
    *,
    max_sentences: int,
    language: str,
    query_vec: np.ndarray | None = None,
    embed: EmbedFn | None = None,
) -> list[Candidate]:
    cands = _candidates(hits[:4])
    if not cands:
        return []
    if language != "sv" and embed is not None and query_vec is not None:
        _score_semantic(cands, query_vec, embed)
    else:
        _score_lexical(cands, key_terms, hits)
        cands = [c for c in cands if c.terms & set(key_terms)] or cands[:1]
    chosen: list[Candidate] = []
    for cand in sorted(cands, key=lambda c: c.score, reverse=True):
        if any(jaccard(cand.terms, other.terms) >= REDUNDANT_JACCARD for other in chosen):
            continue
        chosen.append(cand)
        if len(chosen) == max_sentences:
            break
    # Read each source in its own order, sources in order of relevance.
    best_rank = {c.hit_rank: min(x.score for x in chosen) for c in chosen}
    for c in chosen:
        best_rank[c.hit_rank] = max(best_rank[c.hit_rank], c.score)
    return sorted(chosen, key=lambda c: (-best_rank[c.hit_rank], c.hit_rank, c.position))


def compose(
    hits: list[Hit],
    key_terms: list[str],
    *,
    max_sentences: int,
    language: str,
    query_vec: np.ndarray | None = None,
    embed: EmbedFn | None = None,
) -> tuple[str, dict[int, list[str]]]:
    """Answer text with [n] markers (n = 1-based index into ``hits``) and the quotes per n."""
    chosen = select_sentences(
        hits,
        key_terms,
        max_sentences=max_sentences,
        language=language,
        query_vec=query_vec,
        embed=embed,
    )
    if not chosen:
        return "", {}
    quotes: dict[int, list[str]] = {}
    paragraphs: list[list[str]] = []
    last_rank = None
    for cand in chosen:
        n = cand.hit_rank + 1
        quotes.setdefault(n, []).append(cand.text)
        if cand.hit_rank != last_rank:
            paragraphs.append([])
            last_rank = cand.hit_rank
        paragraphs[-1].append(f"{cand.text} [{n}]")
    intro = INTRO["en" if language == "en" else "sv"]
    body = "\n\n".join(" ".join(p) for p in paragraphs)
    return f"{intro}\n\n{body}", quotes

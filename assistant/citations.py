"""Citation verification, run on every answer whatever wrote it.

Each ``[n]`` must point to a source that exists and whose text supports the sentence it
follows. Unsupported markers are removed; a sentence left with no support is dropped; the
remaining sources are renumbered 1..k in order of first use, and a source no sentence uses
is not listed. The quote shown for a source is the sentence(s) of its text that best
support the claims citing it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.display import shown
from assistant.models import Citation
from assistant.question_terms import specific_terms
from assistant.retrieval import Hit
from kunskap.analysis import analyze, term_set
from kunskap.settings import CitationSettings, DisplaySettings
from kunskap.text import split_sentences

# A citation marker "[n]" with the space before it; evals read answers with it too.
MARKER = re.compile(r"\s*\[(\d+)\]")
# "… barn. [1] Nästa" would let a sentence splitter hand [1] to the next sentence, so
# markers written after the full stop are moved in front of it first: "… barn [1]. Nästa".
# A quotation or bracket may close after the stop: "… erfarenheter.” [1]" → "… [1].”".
# OCR and quoting leave a stop after the closer too ("… utvecklingsfrågor!”."): the whole
# cluster is the sentence's end, or the marker lands after the splitter's cut.
_CLOSERS = '"”’»)\\]'
_STOP = rf"[.!?…]+[{_CLOSERS}]*[.!?…]*"
_MARKERS_AFTER_STOP = re.compile(rf"({_STOP})((?:[ \t]*\[\d+\])+)")
# The end of a sentence: its stop and any quotation mark or bracket closing after it.
SENTENCE_STOP = re.compile(rf"({_STOP})$")


def normalise_markers(text: str) -> str:
    return _MARKERS_AFTER_STOP.sub(lambda m: m.group(2) + m.group(1), text)


def with_markers(claim: str, numbers: list[int]) -> str:
    """Put citation markers before the sentence's final punctuation."""
    markers = "".join(f" [{n}]" for n in numbers)
    stop = SENTENCE_STOP.search(claim)
    if stop:
        return claim[: stop.start()] + markers + stop.group(1)
    return claim + markers


# Lines that frame an answer rather than claim something ("Enligt källorna:").
_FRAMING = re.compile(r":\s*$")

# The thresholds of support and the quote's length: ``Settings.citations``.
DEFAULTS = CitationSettings()

EmbedFn = Callable[[list[str]], np.ndarray]


@dataclass
class VerifiedAnswer:
    text: str
    citations: list[Citation]
    dropped_sentences: int
    removed_markers: int


def lexical_support(claim: str, source: str, source_terms: set[str] | None = None) -> float:
    claim_terms = set(analyze(claim))
    if not claim_terms:
        return 1.0
    terms = source_terms if source_terms is not None else set(analyze(source))
    return len(claim_terms & terms) / len(claim_terms)


def shown_terms(source: str, display: DisplaySettings | None = None) -> set[str]:
    """The terms of ``source`` as a reader is shown it: a quote's OCR residue is repaired for
    the reader ("Géteborgsregionens" → "Göteborgsregionens", ``display.py``), and the quote
    must still count as the source's own words."""
    return term_set(shown(source, display))


def best_quote(claim: str, source: str, tuning: CitationSettings = DEFAULTS) -> str:
    """The sentences of ``source`` that share most content words with ``claim``."""
    sentences = [s.strip() for s in split_sentences(source) if s.strip()]
    if not sentences:
        return source.strip()[: tuning.quote_fallback_chars]
    claim_terms = set(analyze(claim))
    scored = sorted(
        enumerate(sentences),
        key=lambda item: len(claim_terms & set(analyze(item[1]))),
        reverse=True,
    )
    best = sorted(
        i for i, _ in scored[: tuning.quote_sentences] if claim_terms & set(analyze(sentences[i]))
    )
    return " ".join(sentences[i] for i in (best or [scored[0][0]]))


def _supported(
    claim: str,
    source: str,
    embed: EmbedFn | None,
    cache: dict[str, np.ndarray],
    tuning: CitationSettings,
    source_terms: set[str],
) -> tuple[bool, str]:
    # A name, acronym or number the source never mentions cannot be supported by it,
    # however close the rest of the sentence is ("… godkännas av IVO" from a text without IVO).
    if any(t not in source_terms for t in specific_terms(claim)):
        return False, ""
    if lexical_support(claim, source, source_terms) >= tuning.lexical_support:
        return True, best_quote(claim, source, tuning)
    if embed is None:
        return False, ""
    sentences = [s.strip() for s in split_sentences(source) if s.strip()]
    if not sentences:
        return False, ""
    if source not in cache:
        cache[source] = embed(sentences)
    claim_vec = embed([claim])[0]
    sims = cache[source] @ claim_vec
    best = int(np.argmax(sims))
    return bool(sims[best] >= tuning.embedding_support), sentences[best]


def verify(
    answer: str,
    sources: list[Hit],
    *,
    quotes: dict[int, list[str]] | None = None,
    embed: EmbedFn | None = None,
    keep_uncited: Callable[[str], bool] | None = None,
    tuning: CitationSettings | None = None,
    display: DisplaySettings | None = None,
) -> VerifiedAnswer:
    """Check every [n] in ``answer`` against ``sources`` (1-based), renumber, build citations.

    ``embed`` enables a meaning-based check for claims in another language than the sources
    (an English answer quoting Swedish text); same-language claims must share their words.
    ``quotes`` may give, per source number, the exact sentences a composer took from it
    (extractive answers); otherwise the best supporting sentences are looked up.
    ``keep_uncited`` decides whether a sentence without any citation may stay (the refusal
    sentence, framing lines); by default only framing lines ending in ':' do.
    ``tuning`` is ``Settings.citations`` and ``display`` ``Settings.display`` (how the
    composers clean what they show; their defaults when not given).
    """
    tuning = tuning or DEFAULTS
    keep_uncited = keep_uncited or (lambda s: bool(_FRAMING.search(s)))
    cache: dict[str, np.ndarray] = {}
    terms: dict[str, set[str]] = {}
    readable: dict[str, set[str]] = {}
    renumber: dict[int, int] = {}
    source_quotes: dict[int, list[str]] = {}
    kept_lines: list[str] = []
    dropped = removed = 0
    for line in normalise_markers(answer).split("\n"):
        kept_sentences: list[str] = []
        for sentence in split_sentences(line) if line.strip() else []:
            claim = MARKER.sub("", sentence).strip()
            numbers = [int(n) for n in MARKER.findall(sentence)]
            if not re.search(r"\w", claim):  # a marker or stray "?" the splitter cut off
                removed += len(numbers)
                continue
            good: list[int] = []
            for n in dict.fromkeys(numbers):
                if not 1 <= n <= len(sources):
                    removed += 1
                    continue
                source = sources[n - 1].text
                if source not in terms:
                    terms[source] = term_set(source)
                ok, quote = _supported(claim, source, embed, cache, tuning, terms[source])
                if not ok:
                    # Read as shown only where the source's own words fall short (cleaning a
                    # chunk costs about a millisecond, and most claims never need it); by
                    # words alone, the meaning having been tried above.
                    if source not in readable:
                        readable[source] = terms[source] | shown_terms(source, display)
                    ok, quote = _supported(claim, source, None, cache, tuning, readable[source])
                if not ok:
                    removed += 1
                    continue
                good.append(n)
                chosen = (quotes or {}).get(n) or [quote]
                bucket = source_quotes.setdefault(n, [])
                bucket.extend(q for q in chosen if q not in bucket)
            if not good:
                if numbers or not keep_uncited(claim):
                    dropped += 1
                    continue
                kept_sentences.append(claim)
                continue
            for n in good:
                renumber.setdefault(n, len(renumber) + 1)
            kept_sentences.append(with_markers(claim, [renumber[n] for n in good]))
        if kept_sentences or not line.strip():
            kept_lines.append(" ".join(kept_sentences))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept_lines)).strip()
    citations = []
    for original, n in sorted(renumber.items(), key=lambda item: item[1]):
        hit = sources[original - 1]
        quote = " ".join(source_quotes.get(original, []))
        citations.append(
            Citation(
                # The page and section of the quote itself, not of the whole chunk.
                **hit.source_ref(quote).model_dump(),
                n=n,
                quote=quote,
                text=hit.text,
                chunk_id=hit.chunk_id,
                score=hit.score,
            )
        )
    return VerifiedAnswer(text, citations, dropped, removed)

"""Exact-word (sparse) vectors: BM25-style term weights over the Swedish analyser's terms.

Qdrant multiplies each stored weight by the term's IDF at query time (the collection's
sparse vector uses ``Modifier.IDF``), so a document vector carries only BM25's saturated,
length-normalised term frequency, and a query vector carries 1.0 per distinct term. The
terms are ``kunskap.analysis.analyze``'s: Swedish Snowball stems with diacritics folded.
A change to the weighting here bumps ``kunskap.settings.SPARSE_ENCODER_VERSION``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from functools import lru_cache

from kunskap.analysis import analyze

BM25_K1 = 1.2
BM25_B = 0.75
# Chunks are cut to a target token size, so their lengths vary little; a fixed average keeps
# a document's vector independent of the rest of the corpus (and incremental ingest exact).
BM25_AVG_TERMS = 120.0


@lru_cache(maxsize=200_000)
def term_index(term: str) -> int:
    # A stable 31-bit hash: Qdrant sparse indices are uint32 and need no vocabulary file.
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "big") >> 1


def _to_sparse(weights: dict[int, float]) -> tuple[list[int], list[float]]:
    items = sorted(weights.items())
    return [i for i, _ in items], [w for _, w in items]


def document_vector(text: str) -> tuple[list[int], list[float]]:
    """BM25 term-frequency part for a passage; IDF is applied by Qdrant."""
    counts = Counter(term_index(t) for t in analyze(text))
    length = sum(counts.values())
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / BM25_AVG_TERMS)
    return _to_sparse({i: tf * (BM25_K1 + 1) / (tf + norm) for i, tf in counts.items()})


def query_vector(text: str) -> tuple[list[int], list[float]]:
    return _to_sparse(dict.fromkeys((term_index(t) for t in analyze(text)), 1.0))

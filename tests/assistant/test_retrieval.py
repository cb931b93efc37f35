"""The retriever's own work on what the index returns."""

from __future__ import annotations

from assistant.retrieval import _chunk_terms
from kunskap.analysis import analyze


def test_a_chunk_s_words_are_analysed_once_and_as_analyze_reads_them() -> None:
    text = "Beprövad erfarenhet – Socialtjänsten ska bedriva verksamhet i enlighet med vetenskap."
    _chunk_terms.cache_clear()
    assert _chunk_terms(text) == frozenset(analyze(text))
    _chunk_terms(text)
    assert _chunk_terms.cache_info().hits == 1

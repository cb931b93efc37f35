"""Builders for retrieval hits, for tests of the answer steps that need no index."""

from __future__ import annotations

from assistant.retrieval import Hit


def make_hit(
    text: str, *, doc_id: str = "doc-1", n: int = 0, dense: float = 0.88, **extra: object
) -> Hit:
    fields: dict[str, object] = {
        "chunk_id": f"chunk-{doc_id}-{n}",
        "doc_id": doc_id,
        "source_id": "test",
        "title": f"Titel {doc_id}",
        "text": text,
        "score": 1.0 / (n + 1),
        "dense_score": dense,
        "term_coverage": 1.0,
        "doc_type": "kunskapsstod",
        "doc_type_label": "Nationellt kunskapsstöd",
        "page": 3,
    }
    fields.update(extra)
    return Hit(**fields)

"""Build the outside-world clients once, in one place, and pass them in.

Nothing here runs at import time; tests build a ``Services`` over a temporary data dir
(embedded Qdrant Edge on disk, SQLite) and hand it to the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kunskap.settings import Settings

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from assistant.needs.store import NeedsStore
    from ingest.vector_index import VectorIndex


@dataclass
class Services:
    settings: Settings
    index: VectorIndex  # Qdrant Edge embedded, or a Qdrant server (ingest/vector_index.py)
    embedding: BaseEmbedding
    needs: NeedsStore | None = None
    llm: Any = None  # a llama-index LLM when KUNSKAP_LLM_* is configured
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.index.close()
        if self.needs is not None:
            self.needs.close()


def build_services(settings: Settings, *, with_needs: bool = True) -> Services:
    from assistant.llm import build_llm
    from ingest.embedding import build_embedding, embed_queries, with_cache
    from ingest.vector_index import open_index

    embedding = build_embedding(settings)
    if settings.embedding.cache_entries:
        embedding = with_cache(embedding, max_entries=settings.embedding.cache_entries)
    needs = None
    if with_needs:
        from assistant.needs.store import NeedsStore

        # Needs are grouped by comparing questions with questions: the query side of e5.
        needs = NeedsStore.from_settings(
            settings, embed=lambda texts: embed_queries(embedding, texts)
        )
    return Services(
        settings=settings,
        index=open_index(settings),
        embedding=embedding,
        needs=needs,
        llm=build_llm(settings),
    )

"""Build the outside-world clients once, in one place, and pass them in.

Nothing here runs at import time; tests build a ``Services`` over a temporary data dir
(embedded Qdrant on disk, SQLite) and hand it to the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kunskap.settings import Settings

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from qdrant_client import QdrantClient

    from assistant.needs.store import NeedsStore


@dataclass
class Services:
    settings: Settings
    qdrant: QdrantClient
    embedding: BaseEmbedding
    needs: NeedsStore | None = None
    llm: Any = None  # a llama-index LLM when KUNSKAP_LLM_* is configured
    extras: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        self.qdrant.close()
        if self.needs is not None:
            self.needs.close()


def build_services(settings: Settings, *, with_needs: bool = True) -> Services:
    from assistant.llm import build_llm
    from ingest.embedding import build_embedding, embed_queries, with_cache
    from ingest.index_store import open_qdrant

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
        qdrant=open_qdrant(settings),
        embedding=embedding,
        needs=needs,
        llm=build_llm(settings),
    )

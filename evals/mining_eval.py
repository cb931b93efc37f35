"""Needs found in documents, scored against labelled sets of the ``needs_mining`` shape.

One object per labelled document: ``doc_id``, ``scope``, ``complete``, ``needs`` (``id``,
``quote``, ``page``, ``formulation``, ``kind``, ``area``) and ``not_needs`` (``quote``,
``why``). Two sets: ``needs_mining`` (held out: nobody working on the finder reads it; only
the figures are looked at) and ``needs_mining_dev`` (the development set the finder is tuned
on: chapters of the Göteborg report outside the held-out chapter 6, and three invented
documents with their own manifest).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The blind labelled set for needs found in documents (the manifest's needs_mining); measured
# when present.
MINING_SET = Path(__file__).parent / "datasets" / "needs_mining" / "needs_mining.jsonl"
# The development set: its labels, the manifest of its invented documents, and the chapters
# of partly labelled documents (``scope.json``: doc_id → [{starts, ends_before}], the first
# characters of a chapter's first line and of the line after it).
MINING_DEV_DIR = Path(__file__).parent / "datasets" / "needs_mining_dev"
# A candidate matches a labelled quote when one contains the other (whitespace and case
# folded) or their token overlap coefficient |A ∩ B| / min(|A|, |B|) reaches this.
QUOTE_OVERLAP = 0.6


def quotes_match(candidate: str, labelled: str) -> bool:
    """The matching rule of the labelled set: containment or token overlap ≥ QUOTE_OVERLAP."""
    from assistant.needs.mining import normalise, tokens

    a, b = normalise(candidate), normalise(labelled)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    ta, tb = set(tokens(a)), set(tokens(b))
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= QUOTE_OVERLAP


def score_mining(
    labelled: list[dict[str, Any]], candidates: list[dict[str, Any]]
) -> dict[str, Any]:
    """Precision over the candidates of labelled documents, recall over labelled needs, and
    how many labelled not-needs were proposed. ``candidates`` have ``doc_id``, ``quote`` and
    ``page``, and may say ``in_scope`` themselves.

    A document labelled only in part (``scope``, e.g. one chapter) judges the candidates in
    its scope (``in_scope`` when the caller located them; otherwise the pages its labelled
    needs span), plus any candidate that matches one of its labelled needs or not-needs; the
    rest of the document is neither right nor wrong.
    """
    by_doc = {row["doc_id"]: row for row in labelled}
    judged = 0
    correct = 0
    not_needs_proposed: set[tuple[str, int]] = set()
    found: set[str] = set()
    for cand in candidates:
        row = by_doc.get(cand["doc_id"])
        if row is None:
            continue
        hits = [n["id"] for n in row["needs"] if quotes_match(cand["quote"], n["quote"])]
        wrong = [
            i for i, n in enumerate(row.get("not_needs", []))
            if quotes_match(cand["quote"], n["quote"])
        ]  # fmt: skip
        in_scope = cand.get("in_scope")
        if in_scope is None:
            in_scope = _in_scope(row, cand.get("page"))
        if not hits and not wrong and not in_scope:
            continue
        judged += 1
        correct += bool(hits)
        found.update(hits)
        not_needs_proposed.update((row["doc_id"], i) for i in wrong)
    total_needs = sum(len(r["needs"]) for r in labelled)
    total_not = sum(len(r.get("not_needs", [])) for r in labelled)
    return {
        "documents": len(labelled),
        "labelled_needs": total_needs,
        "candidates_judged": judged,
        "precision": round(correct / judged, 4) if judged else None,
        "recall": round(len(found) / total_needs, 4) if total_needs else None,
        "labelled_not_needs": total_not,
        "not_needs_proposed": len(not_needs_proposed),
    }


def _in_scope(row: dict[str, Any], page: int | None) -> bool:
    if not row.get("scope"):
        return True  # the whole document is labelled
    pages = [n["page"] for n in row["needs"] if isinstance(n.get("page"), int)]
    return bool(pages) and page is not None and min(pages) <= page <= max(pages)


def measure_mining(
    path: Path | None = None,
    manifest: Path | None = None,
    *,
    more_manifests: tuple[Path, ...] = (),
    scopes: dict[str, list[dict[str, str]]] | None = None,
) -> dict[str, Any] | None:
    """Mine the labelled documents' sources and score them; None when the set is absent.
    ``more_manifests`` are mined beside the corpus manifest (the development set's invented
    documents); ``scopes`` locate the labelled chapters of partly labelled documents."""
    from assistant.needs.mining import mine_corpus
    from kunskap.settings import get_settings

    path = path or MINING_SET
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as fh:
        labelled = [json.loads(line) for line in fh if line.strip()]
    settings = get_settings()
    labelled_ids = {r["doc_id"] for r in labelled}
    candidates: list[dict[str, Any]] = []
    mined_ids: set[str] = set()
    for source in (manifest or settings.manifest, *more_manifests):
        mined = mine_corpus(source, tuning=settings.needs, display=settings.display)
        mined_ids |= set(mined.doc_hashes)
        for c in mined.candidates:
            if c.doc_id not in labelled_ids:
                continue
            cand: dict[str, Any] = {"doc_id": c.doc_id, "quote": c.quote, "page": c.page}
            if scopes and c.doc_id in scopes:
                cand["in_scope"] = _in_chapters(mined.texts[c.doc_id], c.quote, scopes[c.doc_id])
            candidates.append(cand)
    report = score_mining(labelled, candidates)
    report["documents_not_mined"] = sorted(labelled_ids - mined_ids)
    return report


def _in_chapters(text: str, quote: str, chapters: list[dict[str, str]]) -> bool:
    """Whether a quote of ``text`` lies in one of the chapters, each given by the first
    characters of its first line and of the line after it (whitespace collapsed)."""
    flat = _collapse(text)
    at = flat.find(_collapse(quote))
    for chapter in chapters:
        start = flat.find(_collapse(chapter["starts"]))
        end = flat.find(_collapse(chapter["ends_before"]), start + 1)
        if start < 0 or end < 0:
            raise ValueError(f"chapter not found in the document: {chapter}")
        if start <= at < end:
            return True
    return False


def _collapse(text: str) -> str:
    return " ".join(text.split())


def measure_mining_dev(directory: Path | None = None) -> dict[str, Any] | None:
    """The development set: the corpus's documents and the set's own invented ones."""
    directory = directory or MINING_DEV_DIR
    path = directory / "needs_mining_dev.jsonl"
    if not path.exists():
        return None
    scopes = json.loads((directory / "scope.json").read_text(encoding="utf-8"))
    return measure_mining(path, more_manifests=(directory / "sources.yaml",), scopes=scopes)

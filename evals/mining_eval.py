"""Needs found in documents, scored against the blind labelled set (``needs_mining``).

One object per labelled document: ``doc_id``, ``scope``, ``complete``, ``needs`` (``id``,
``quote``, ``page``, ``formulation``, ``kind``, ``area``) and ``not_needs`` (``quote``,
``why``). Nobody working on the finder reads it; only the figures are looked at.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The blind labelled set for needs found in documents (the manifest's needs_mining); measured
# when present.
MINING_SET = Path(__file__).parent / "datasets" / "needs_mining" / "needs_mining.jsonl"
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
    ``page``.

    A document labelled only in part (``scope``, e.g. one chapter) judges the candidates on
    the pages its labelled needs span, plus any candidate that matches one of its labelled
    needs or not-needs; the rest of the document is neither right nor wrong.
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
        if not hits and not wrong and not _in_scope(row, cand.get("page")):
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


def measure_mining(path: Path | None = None, manifest: Path | None = None) -> dict[str, Any] | None:
    """Mine the labelled documents' sources and score them; None when the set is absent."""
    from assistant.needs.mining import mine_corpus
    from kunskap.settings import get_settings

    path = path or MINING_SET
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as fh:
        labelled = [json.loads(line) for line in fh if line.strip()]
    settings = get_settings()
    mined = mine_corpus(
        manifest or settings.manifest, tuning=settings.needs, display=settings.display
    )
    labelled_ids = {r["doc_id"] for r in labelled}
    candidates = [
        {"doc_id": c.doc_id, "quote": c.quote, "page": c.page}
        for c in mined.candidates
        if c.doc_id in labelled_ids
    ]
    report = score_mining(labelled, candidates)
    report["documents_not_mined"] = sorted(labelled_ids - set(mined.doc_hashes))
    return report

"""Needs found in documents, scored against labelled sets of the ``needs_mining`` shape.

One object per labelled document: ``doc_id``, ``scope``, ``complete``, ``needs`` (``id``,
``quote``, ``page``, ``formulation``, ``kind``, ``area``) and ``not_needs`` (``quote``,
``why``). A set's folder may also hold ``sources.yaml`` (a source manifest of documents
written for the set, mined beside the corpus) and ``scope.json`` (the labelled chapters of
partly labelled documents). The sets (``MINING_SETS``): ``needs_mining_dev``, which the
finder is tuned on, and the held-out ``needs_mining``, ``needs_mining_b`` and
``needs_mining_c``, which nobody working on the finder reads; only their figures are looked
at.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals import STORE_DIR

if TYPE_CHECKING:
    from assistant.needs.mining import MinedCorpus

DATASETS = Path(__file__).parent / "datasets"
# Each labelled set, by its folder under evals/datasets/ (its role: the manifest's).
MINING_SETS = ("needs_mining_dev", "needs_mining", "needs_mining_b", "needs_mining_c")
MINING_SET = DATASETS / "needs_mining" / "needs_mining.jsonl"
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


Mine = Callable[[Path], "MinedCorpus"]


def miner(scorer: str | None = None, reads: dict[Path, Any] | None = None) -> Mine:
    """Mines a manifest with the settings' tuning (``scorer``: another
    ``needs.mining_scorer``), each manifest once: the sets share the corpus, and reading the
    OCR'd report takes seconds. Miners given the same ``reads`` read each manifest once
    between them."""
    from assistant.needs.mining import learned_scorer, mine_corpus, read_manifest
    from kunskap.settings import get_settings

    settings = get_settings()
    needs = settings.needs
    if scorer is not None:
        needs = needs.model_copy(update={"mining_scorer": scorer})
    # The learned scorer's sentence vectors through the store the tests seed and the eval's
    # index reads (or the one KUNSKAP_EMBEDDING_STORE_DIR names).
    embedding = settings.embedding.model_copy(
        update={"store_dir": settings.embedding.store_dir or STORE_DIR}
    )
    settings = settings.model_copy(update={"needs": needs, "embedding": embedding})
    learned = learned_scorer(settings)
    cache: dict[Path, MinedCorpus] = {}
    read = {} if reads is None else reads

    def mine(manifest: Path) -> MinedCorpus:
        key = manifest.resolve()
        if key not in cache:
            if key not in read:
                read[key] = read_manifest(key)
            cache[key] = mine_corpus(
                key, tuning=settings.needs, display=settings.display, scorer=learned,
                read=read[key],
            )  # fmt: skip
        return cache[key]

    return mine


def measure_mining(
    path: Path | None = None,
    manifest: Path | None = None,
    *,
    more_manifests: tuple[Path, ...] = (),
    scopes: dict[str, list[dict[str, str]]] | None = None,
    mine: Mine | None = None,
) -> dict[str, Any] | None:
    """Mine the labelled documents' sources and score them; None when the set is absent.
    ``more_manifests`` are mined beside the corpus manifest (a set's own documents);
    ``scopes`` locate the labelled chapters of partly labelled documents."""
    from kunskap.settings import get_settings

    path = path or MINING_SET
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as fh:
        labelled = [json.loads(line) for line in fh if line.strip()]
    mine = mine or miner()
    labelled_ids = {r["doc_id"] for r in labelled}
    candidates: list[dict[str, Any]] = []
    mined_ids: set[str] = set()
    for source in (manifest or get_settings().manifest, *more_manifests):
        mined = mine(source)
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


def measure_set(directory: Path, mine: Mine | None = None) -> dict[str, Any] | None:
    """One labelled set's folder: ``<folder name>.jsonl``, and its ``sources.yaml`` and
    ``scope.json`` where it has them; None when the set is absent."""
    path = directory / f"{directory.name}.jsonl"
    if not path.exists():
        return None
    scope_file, sources = directory / "scope.json", directory / "sources.yaml"
    scopes = json.loads(scope_file.read_text(encoding="utf-8")) if scope_file.exists() else None
    more = (sources,) if sources.exists() else ()
    return measure_mining(path, more_manifests=more, scopes=scopes, mine=mine)


def mined_manifests() -> list[Path]:
    """Every manifest the sets mine: the corpus's and each set's own ``sources.yaml``."""
    from kunskap.settings import get_settings

    own = [DATASETS / name / "sources.yaml" for name in MINING_SETS]
    return [get_settings().manifest, *(p for p in own if p.exists())]


def measure_mining_sets() -> dict[str, dict[str, Any] | None]:
    """Every set of ``MINING_SETS`` by name, the corpus mined once for all, with the
    settings' scorer; under ``other_scorer`` the same figures with the other one (the
    learned model beside the rules), so that a report always shows both."""
    from kunskap.settings import get_settings

    scorer = get_settings().needs.mining_scorer
    other = "rules" if scorer == "rules_and_model" else "rules_and_model"
    reads: dict[Path, Any] = {}  # the documents read once for both finders
    mine, mine_other = miner(reads=reads), miner(other, reads=reads)
    out: dict[str, dict[str, Any] | None] = {}
    for name in MINING_SETS:
        figures = measure_set(DATASETS / name, mine)
        if figures is not None:
            beside = measure_set(DATASETS / name, mine_other) or {}
            figures["scorer"] = scorer
            figures["other_scorer"] = {
                "scorer": other,
                **{k: beside.get(k) for k in ("precision", "recall", "not_needs_proposed")},
            }
        out[name] = figures
    return out

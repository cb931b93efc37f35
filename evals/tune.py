"""Sweep a few retrieval and answer settings over the datasets and print one table.

    python -m evals.tune                                  # one setting at a time
    python -m evals.tune --vary answer.min_dense_score=0.78,0.8,0.82 \\
                         --vary answer.min_term_coverage=0.4,0.5 --product

Each row is the hybrid pipeline with the settings of that row, scored as in the
evaluation (retrieval hit@5/nDCG@10 on answerable questions, answer rate, false
abstentions, abstention recall, key facts, CRAG). Query vectors are cached across rows:
this is for choosing settings by quality, not for timing them.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
from pathlib import Path
from typing import Any

from evals import datasets as ds
from evals import harness
from evals.baselines import PipelineSystem
from ingest.embedding import with_cache
from kunskap.settings import Settings, get_settings

TUNABLE = {
    "retrieval.dense_candidates": int,
    "retrieval.sparse_candidates": int,
    "retrieval.fusion": str,
    "retrieval.top_k": int,
    "answer.min_dense_score": float,
    "answer.min_term_coverage": float,
}


def default_grid(settings: Settings) -> dict[str, list[Any]]:
    d = settings.answer.min_dense_score
    return {
        "retrieval.dense_candidates": [20, 40, 80],
        "retrieval.sparse_candidates": [20, 40, 80],
        "retrieval.fusion": ["rrf", "dbsf"],
        "answer.min_dense_score": [round(d + delta, 3) for delta in (-0.02, -0.01, 0.01, 0.02)],
        "answer.min_term_coverage": [0.3, 0.4, 0.5, 0.6],
    }


def current(settings: Settings, key: str) -> Any:
    group, field = key.split(".")
    return getattr(getattr(settings, group), field)


def with_values(settings: Settings, values: dict[str, Any]) -> Settings:
    groups: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        group, field = key.split(".")
        groups.setdefault(group, {})[field] = value
    update = {g: getattr(settings, g).model_copy(update=f) for g, f in groups.items()}
    return settings.model_copy(update=update)


def variants(grid: dict[str, list[Any]], settings: Settings, product: bool) -> list[dict[str, Any]]:
    """The rows to run: the current settings first, then each change (or every combination)."""
    rows: list[dict[str, Any]] = [{}]
    if product:
        keys = list(grid)
        for combo in itertools.product(*(grid[k] for k in keys)):
            row = {k: v for k, v in zip(keys, combo, strict=True) if v != current(settings, k)}
            if row and row not in rows:
                rows.append(row)
        return rows
    for key, values in grid.items():
        rows += [{key: v} for v in values if v != current(settings, key)]
    return rows


def score(services: Any, loaded: list[ds.Dataset], resolver: harness.DocResolver) -> dict[str, Any]:
    judge = harness.SupportJudge.for_services(services)
    system = PipelineSystem(services, "hybrid")
    out: dict[str, Any] = {}
    for dataset in loaded:
        r = harness.evaluate_retrieval(system, dataset, resolver)
        a = harness.evaluate_answers(services, dataset, resolver, judge)["summary"]
        out[dataset.name] = {
            "hit@5": r["doc"]["hit@5"],
            "ndcg@10": r["doc"]["ndcg@10"],
            "answered": a["answered"] / a["n"],
            "false_abst": a["false_abstention_rate"],
            "abst_recall": (a.get("abstention") or {}).get("recall"),
            "key_facts": a["key_fact_coverage"],
            "crag": a["crag_score"],
        }
    return out


def _cell(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    from assistant.services import build_services
    from evals.cli import default_data_dir

    parser = argparse.ArgumentParser(prog="python -m evals.tune", description=__doc__)
    parser.add_argument(
        "--dataset", action="append", help="name or path (default: all but the held-out ones)"
    )
    parser.add_argument("--data-dir", type=Path, help="index (default: as `kunskap eval`)")
    parser.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help=f"a setting and its values; keys: {', '.join(TUNABLE)}",
    )
    parser.add_argument("--product", action="store_true", help="every combination")
    args = parser.parse_args(argv)

    base = get_settings()
    base = base.model_copy(
        update={"data_dir": args.data_dir or default_data_dir(base.collection_name())}
    )
    grid: dict[str, list[Any]] = {}
    for spec in args.vary:
        key, _, values = spec.partition("=")
        if key not in TUNABLE or not values:
            parser.error(f"--vary {spec!r}: use KEY=V1,V2 with KEY one of {', '.join(TUNABLE)}")
        grid[key] = [TUNABLE[key](v) for v in values.split(",")]
    grid = grid or default_grid(base)
    loaded = [d for d in ds.load_many(args.dataset) if not (d.heldout and not args.dataset)]
    if any(d.heldout for d in loaded):
        parser.error("held-out datasets are for reporting, never for tuning")

    services = build_services(base, with_needs=False)
    if not services.qdrant.collection_exists(base.collection_name()):
        print(f"no index in {base.data_dir}: run `kunskap eval` once first", file=sys.stderr)
        return 2
    services = dataclasses.replace(
        services, embedding=with_cache(services.embedding, max_entries=1_000_000)
    )
    resolver = harness.DocResolver.from_services(services)
    metrics = ["hit@5", "ndcg@10", "answered", "false_abst", "abst_recall", "key_facts", "crag"]
    header = ["change"] + [f"{d.name[:10]} {m}" for d in loaded for m in metrics]
    print(" | ".join(header))
    try:
        for row in variants(grid, base, args.product):
            settings = with_values(base, row)
            result = score(dataclasses.replace(services, settings=settings), loaded, resolver)
            label = ", ".join(f"{k.split('.')[1]}={v}" for k, v in row.items()) or "(current)"
            cells = [_cell(result[d.name][m]) for d in loaded for m in metrics]
            print(" | ".join([label, *cells]), flush=True)
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

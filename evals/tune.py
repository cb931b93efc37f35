"""Sweep a few retrieval and answer settings over the datasets and print one table.

    python -m evals.tune                                  # one setting at a time
    python -m evals.tune --vary answer.min_dense_score=0.78,0.8,0.82 \\
                         --vary answer.min_term_coverage=0.4,0.5 --product
    python -m evals.tune --judge-only --product --sample 300 --json sweep.json

Each row is the hybrid pipeline with the settings of that row, scored as in the
evaluation (retrieval hit@5/nDCG@10 on answerable questions, answer rate, false
abstentions, abstention recall, key facts, CRAG). Query vectors are cached across rows:
this is for choosing settings by quality, not for timing them.

``--judge-only`` varies only the answerability judge's settings (``answer.*``): every
question is searched once and its evidence judged under each row, about a hundred times
faster than rerunning the answers. Each row gives, per dataset, how many unanswerable
questions were declined and how many answerable ones; the rows no other row beats on both,
pooled over the datasets, are the judge's frontier. It shows what retuning can and cannot
buy: a target no row on the frontier reaches needs a better judge, not other numbers.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answering import find_evidence
from assistant.judge import Evidence
from assistant.retrieval import Retriever
from evals import datasets as ds
from evals.answer_eval import evaluate_answers
from evals.baselines import PipelineSystem
from evals.gold import DocResolver
from evals.retrieval_eval import evaluate_retrieval
from evals.support import SupportJudge
from evals.targets import TARGETS
from ingest.embedding import with_cache
from kunskap.settings import AnswerSettings, Settings, get_settings

TUNABLE = {
    "retrieval.dense_candidates": int,
    "retrieval.sparse_candidates": int,
    "retrieval.fusion": str,
    "retrieval.top_k": int,
    "answer.min_dense_score": float,
    "answer.min_dense_score_cross_language": float,
    "answer.min_term_coverage": float,
    "answer.paraphrase_dense_score": float,
    "answer.paraphrase_min_term_coverage": float,
    "answer.max_unknown_share": float,
    "answer.relevant_share": float,
}
JUDGE_KEYS = tuple(k for k in TUNABLE if k.startswith("answer."))


def default_grid(settings: Settings) -> dict[str, list[Any]]:
    d = settings.answer.min_dense_score
    return {
        "retrieval.dense_candidates": [20, 40, 80],
        "retrieval.sparse_candidates": [20, 40, 80],
        "retrieval.fusion": ["rrf", "dbsf"],
        "answer.min_dense_score": [round(d + delta, 3) for delta in (-0.02, -0.01, 0.01, 0.02)],
        "answer.min_term_coverage": [0.3, 0.4, 0.5, 0.6],
    }


def judge_grid(settings: Settings) -> dict[str, list[Any]]:
    """Values around the current ones for every judge setting (1.01 for the paraphrase
    similarity turns the paraphrase allowance off)."""
    a = settings.answer
    near = [-0.04, -0.02, 0.0, 0.02, 0.04, 0.06, 0.08]
    return {
        "answer.min_dense_score": [round(a.min_dense_score + d, 3) for d in near],
        "answer.min_dense_score_cross_language": [
            round(a.min_dense_score_cross_language + d, 3) for d in near
        ],
        "answer.min_term_coverage": [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
        "answer.paraphrase_dense_score": [0.85, 0.87, 0.89, 1.01],
        "answer.max_unknown_share": [0.0, 0.1, 0.2, 0.34, 1.0],
        "answer.relevant_share": [0.2, 0.3, 0.4, 0.5, 0.6, 0.8],
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


def variants(
    grid: dict[str, list[Any]],
    settings: Settings,
    product: bool,
    *,
    sample: int | None = None,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """The rows to run: the current settings first, then each change (or every combination,
    or ``sample`` combinations drawn at random with ``seed``)."""
    rows: list[dict[str, Any]] = [{}]
    if product:
        keys = list(grid)
        combos = list(itertools.product(*(grid[k] for k in keys)))
        if sample is not None and sample < len(combos):
            combos = random.Random(seed).sample(combos, sample)
        for combo in combos:
            row = {k: v for k, v in zip(keys, combo, strict=True) if v != current(settings, k)}
            if row and row not in rows:
                rows.append(row)
        return rows
    for key, values in grid.items():
        rows += [{key: v} for v in values if v != current(settings, key)]
    return rows


def score(services: Any, loaded: list[ds.Dataset], resolver: DocResolver) -> dict[str, Any]:
    judge = SupportJudge.for_services(services)
    system = PipelineSystem(services, "hybrid")
    out: dict[str, Any] = {}
    for dataset in loaded:
        r = evaluate_retrieval(system, dataset, resolver)
        a = evaluate_answers(services, dataset, resolver, judge)["summary"]
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


@dataclass(frozen=True)
class JudgeCounts:
    """One dataset under one row: declined/total for unanswerable and answerable questions."""

    declined_unanswerable: int
    unanswerable: int
    declined_answerable: int
    answerable: int

    def __add__(self, other: JudgeCounts) -> JudgeCounts:
        return JudgeCounts(
            *(
                a + b
                for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other), strict=True)
            )
        )

    @property
    def recall(self) -> float | None:
        """Share of unanswerable questions declined (the abstention target's measure)."""
        return self.declined_unanswerable / self.unanswerable if self.unanswerable else None

    @property
    def false_abstentions(self) -> float | None:
        return self.declined_answerable / self.answerable if self.answerable else None

    @property
    def meets_targets(self) -> bool:
        """Within the #4 abstention targets (``evals.targets.TARGETS``)."""
        return (self.recall or 0) >= TARGETS["abstention_recall"] and (
            self.false_abstentions or 0
        ) <= TARGETS["false_abstention_rate"]


def pooled(counts: dict[str, JudgeCounts]) -> JudgeCounts:
    """One row's counts summed over its datasets."""
    return sum(counts.values(), JudgeCounts(0, 0, 0, 0))


def gather_evidence(
    services: Any, loaded: list[ds.Dataset]
) -> dict[str, list[tuple[bool, Evidence]]]:
    """Every question searched once, as the assistant searches it: (answerable, evidence)."""
    retriever = Retriever(services)
    return {
        d.name: [
            (item.answerable, find_evidence(item.question, services=services, retriever=retriever))
            for item in d.items
        ]
        for d in loaded
    }


def judge_counts(
    evidence: dict[str, list[tuple[bool, Evidence]]], settings: AnswerSettings
) -> dict[str, JudgeCounts]:
    out = {}
    for name, questions in evidence.items():
        out[name] = _counts(
            [(answerable, not e.verdict(settings).answerable) for answerable, e in questions]
        )
    return out


def frontier(pooled: list[JudgeCounts]) -> list[int]:
    """Indexes of the rows no other row beats: none declines as many unanswerable questions
    or more with as few false abstentions or fewer, and is better in one of the two."""

    def beats(a: JudgeCounts, b: JudgeCounts) -> bool:
        return (
            a.declined_unanswerable >= b.declined_unanswerable
            and a.declined_answerable <= b.declined_answerable
            and (a.declined_unanswerable, a.declined_answerable)
            != (b.declined_unanswerable, b.declined_answerable)
        )

    return [i for i, row in enumerate(pooled) if not any(beats(o, row) for o in pooled)]


@dataclass(frozen=True)
class JudgeRow:
    change: dict[str, Any]  # the settings this row changes; {} for the current ones
    counts: dict[str, JudgeCounts]  # by dataset
    on_frontier: bool

    def to_json(self) -> dict[str, Any]:
        total = pooled(self.counts)
        return {
            "change": self.change,
            "counts": {name: dataclasses.asdict(c) for name, c in self.counts.items()},
            "pooled": dataclasses.asdict(total),
            "on_frontier": self.on_frontier,
            "meets_targets": total.meets_targets,
        }


def _label(change: dict[str, Any]) -> str:
    return ", ".join(f"{k.split('.')[1]}={v}" for k, v in change.items()) or "(current)"


def run_judge_sweep(
    services: Any, loaded: list[ds.Dataset], rows: list[dict[str, Any]], base: Settings
) -> list[JudgeRow]:
    """Judge every dataset's evidence under every row; print a line a row and the frontier."""
    evidence = gather_evidence(services, loaded)
    print("change | " + " | ".join(f"{d.name[:10]} declined unans./ans." for d in loaded))
    counts = []
    for row in rows:
        counts.append(judge_counts(evidence, with_values(base, row).answer))
        _print_row(row, counts[-1])
    return _frontier_rows(loaded, rows, counts)


LEARNED_THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def run_learned_sweep(
    services: Any, loaded: list[ds.Dataset], base: Settings, model_dir: Path | None = None
) -> list[JudgeRow]:
    """The rules against the learned judge (``assistant.learned_judge``) at each threshold,
    as a veto on the rules and alone: every passage is scored once, each row decided from
    the scores (``learned_judge.decide``), and the row's statuses counted as declined when
    not ``answered``."""
    from assistant.judge import RulesJudge
    from assistant.learned_judge import CrossEncoder, decide

    evidence = gather_evidence(services, loaded)
    scorer = CrossEncoder(base.data_dir / "models", model_dir)
    rules = RulesJudge(base.answer)
    n = base.answer.learned_judge_passages
    scored = {
        name: [
            (
                answerable,
                rules.judge(e),
                e.passages[:n],
                scorer.scores(e.question.text, [p.text for p in e.passages[:n]]),
            )
            for answerable, e in questions
        ]
        for name, questions in evidence.items()
    }
    rows: list[dict[str, Any]] = [{"answer.judge": "rules"}] + [
        {
            "answer.judge": "learned",
            "answer.learned_judge_with_rules": with_rules,
            "answer.learned_judge_threshold": threshold,
        }
        for with_rules in (True, False)
        for threshold in LEARNED_THRESHOLDS
    ]
    print("change | " + " | ".join(f"{d.name[:10]} declined unans./ans." for d in loaded))
    counts = []
    for row in rows:
        settings = with_values(base, row).answer
        row_counts = {}
        for name, questions in scored.items():
            declined = [
                (
                    answerable,
                    (
                        verdict if settings.judge == "rules" else decide(verdict, ps, sc, settings)
                    ).status
                    != "answered",
                )
                for answerable, verdict, ps, sc in questions
            ]
            row_counts[name] = _counts(declined)
        counts.append(row_counts)
        _print_row(row, row_counts)
    return _frontier_rows(loaded, rows, counts)


def _counts(declined: list[tuple[bool, bool]]) -> JudgeCounts:
    return JudgeCounts(
        declined_unanswerable=sum(d for a, d in declined if not a),
        unanswerable=sum(not a for a, _ in declined),
        declined_answerable=sum(d for a, d in declined if a),
        answerable=sum(a for a, _ in declined),
    )


def _print_row(row: dict[str, Any], counts: dict[str, JudgeCounts]) -> None:
    cells = [
        f"{c.declined_unanswerable}/{c.unanswerable}, {c.declined_answerable}/{c.answerable}"
        for c in counts.values()
    ]
    print(" | ".join([_label(row), *cells]), flush=True)


def _frontier_rows(
    loaded: list[ds.Dataset], rows: list[dict[str, Any]], counts: list[dict[str, JudgeCounts]]
) -> list[JudgeRow]:
    totals = [pooled(c) for c in counts]
    best = frontier(totals)
    print(f"\nfrontier, pooled over {', '.join(d.name for d in loaded)} (recall, false abst.):")
    for i in sorted(best, key=lambda i: totals[i].declined_unanswerable):
        total = totals[i]
        print(f"  {_cell(total.recall)}  {_cell(total.false_abstentions)}  {_label(rows[i])}")
    print(
        f"rows meeting both targets (recall ≥ {TARGETS['abstention_recall']:.2f}, false "
        f"abstentions ≤ {TARGETS['false_abstention_rate']:.2f}): "
        f"{sum(t.meets_targets for t in totals)} of {len(rows)}"
    )
    return [
        JudgeRow(change=row, counts=c, on_frontier=i in best)
        for i, (row, c) in enumerate(zip(rows, counts, strict=True))
    ]


def _cell(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _parser() -> argparse.ArgumentParser:
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
    parser.add_argument(
        "--sample", type=int, metavar="N", help="with --product: N combinations drawn at random"
    )
    parser.add_argument("--seed", type=int, default=0, help="for --sample (default 0)")
    parser.add_argument(
        "--judge-only",
        action="store_true",
        help=f"vary only the answerability judge ({', '.join(JUDGE_KEYS)}): search once, "
        "judge each row, print the frontier",
    )
    parser.add_argument(
        "--learned",
        action="store_true",
        help="the rules against the learned judge at each threshold, as a veto and alone",
    )
    parser.add_argument(
        "--judge-model",
        type=Path,
        metavar="DIR",
        help="with --learned: a candidate model folder (card.json, e5-judge.patch.npz) "
        "instead of the shipped assistant/judge_model",
    )
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="--judge-only/--learned: rows as JSON"
    )
    return parser


def _grid(
    args: argparse.Namespace, base: Settings, parser: argparse.ArgumentParser
) -> dict[str, list[Any]]:
    """The settings to vary, from ``--vary`` (or the default grid), checked against the mode."""
    grid: dict[str, list[Any]] = {}
    for spec in args.vary:
        key, _, values = spec.partition("=")
        if key not in TUNABLE or not values:
            parser.error(f"--vary {spec!r}: use KEY=V1,V2 with KEY one of {', '.join(TUNABLE)}")
        grid[key] = [TUNABLE[key](v) for v in values.split(",")]
    if args.judge_only and (outside := [k for k in grid if k not in JUDGE_KEYS]):
        parser.error(f"--judge-only varies the judge's settings only, not {', '.join(outside)}")
    if args.json and not (args.judge_only or args.learned):
        parser.error("--json goes with --judge-only or --learned")
    return grid or (judge_grid(base) if args.judge_only else default_grid(base))


def _judge_rows(
    args: argparse.Namespace,
    services: Any,
    loaded: list[ds.Dataset],
    rows: list[dict[str, Any]],
    base: Settings,
) -> None:
    """``--judge-only`` and ``--learned``: judge cached evidence, optionally write JSON."""
    if args.learned:
        results = run_learned_sweep(services, loaded, base, args.judge_model)
    else:
        results = run_judge_sweep(services, loaded, rows, base)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "datasets": [d.name for d in loaded],
                    "current": {k: current(base, k) for k in JUDGE_KEYS},
                    "rows": [r.to_json() for r in results],
                },
                indent=1,
            ),
            encoding="utf-8",
        )


def _answer_rows(
    services: Any, loaded: list[ds.Dataset], rows: list[dict[str, Any]], base: Settings
) -> None:
    """Answer every dataset under every row and print a line of metrics a row."""
    resolver = DocResolver.from_services(services)
    metrics = ["hit@5", "ndcg@10", "answered", "false_abst", "abst_recall", "key_facts", "crag"]
    header = ["change"] + [f"{d.name[:10]} {m}" for d in loaded for m in metrics]
    print(" | ".join(header))
    for row in rows:
        settings = with_values(base, row)
        result = score(dataclasses.replace(services, settings=settings), loaded, resolver)
        cells = [_cell(result[d.name][m]) for d in loaded for m in metrics]
        print(" | ".join([_label(row), *cells]), flush=True)


def main(argv: list[str] | None = None) -> int:
    from assistant.services import build_services
    from evals.cli import default_data_dir

    parser = _parser()
    args = parser.parse_args(argv)
    base = get_settings()
    base = base.model_copy(
        update={"data_dir": args.data_dir or default_data_dir(base.collection_name())}
    )
    grid = _grid(args, base, parser)
    loaded = [d for d in ds.load_many(args.dataset) if not (d.heldout and not args.dataset)]
    if any(d.heldout for d in loaded):
        parser.error("held-out datasets are for reporting, never for tuning")
    rows = variants(grid, base, args.product, sample=args.sample, seed=args.seed)

    services = build_services(base, with_needs=False)
    if not services.index.exists(base.collection_name()):
        print(f"no index in {base.data_dir}: run `kunskap eval` once first", file=sys.stderr)
        return 2
    services = dataclasses.replace(
        services, embedding=with_cache(services.embedding, max_entries=1_000_000)
    )
    try:
        if args.judge_only or args.learned:
            _judge_rows(args, services, loaded, rows, base)
        else:
            _answer_rows(services, loaded, rows, base)
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

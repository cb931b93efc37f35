"""Turn one evaluation run into JSON, a Markdown report and PNG plots.

The Markdown is generated, never edited by hand: ``docs/eval-report.md`` is this module's
output for the shipped datasets, so a reader can trust that every number in it was measured.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from evals.datasets import is_heldout
from evals.gate import Failure
from evals.plots import STAGE_LABELS, plot
from evals.targets import needs_targets, targets

RETRIEVAL_COLUMNS = ("hit@1", "hit@5", "hit@10", "recall@5", "recall@10", "mrr@10", "ndcg@10")


def _f(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]], align_right_from: int = 1) -> list[str]:
    sep = ["---" if i < align_right_from else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _best(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _status_row(label: str, s: dict[str, Any]) -> list[str]:
    st = s.get("status") or {}
    return [
        label,
        _f(st.get("accuracy")),
        _f(s.get("key_fact_coverage_all")),
        _f(st.get("answered_while_unanswerable")),
        _f(st.get("wrong_refusals")),
        _f(s.get("crag_score")),
        _f(s.get("cited_docs_gold")),
        _f(s.get("answer_words"), 0),
        _f((s.get("shown_text") or {}).get("share_with_defect")),
        _f((s.get("latency_ms", {}).get("total") or {}).get("p95"), 0),
    ]


def _status_section(results: dict[str, Any], answered: dict[str, Any]) -> list[str]:
    """The graded verdict per dataset and, where the run compared answer variants (today's
    composer vs the passage composer, say), each variant beside the default."""
    rows: list[list[str]] = []
    for name, s in answered.items():
        entry = results["datasets"][name]
        tag = " (held out)" if entry.get("heldout") else ""
        rows.append(_status_row(f"`{name}`{tag}", s))
        for label, variant in entry.get("answer_variants", {}).items():
            rows.append(_status_row(f"`{name}`{tag}, {label}", variant["summary"]))
    if not rows:
        return []
    return [
        "",
        "### Graded verdict (answered / partial / declined) and answer variants",
        "",
        *_table(
            [
                "dataset, variant",
                "status accuracy",
                "key facts (all answerable)",
                "answered while unanswerable",
                "wrong refusals",
                "CRAG",
                "cited docs gold",
                "words",
                "shown with a defect",
                "total p95 ms",
            ],
            rows,
        ),
        "",
        "- cited docs gold: per answer to an answerable question, the share of the documents "
        "it cites that are gold documents (mean); the rest is mostly filler from sources "
        "that do not address the question. A lower bound: another document may say the same. "
        "words: the answer's length in words (mean). shown with a defect: the share of "
        "answers (and partial answers) whose quoted text shows markdown, a footnote mark, a "
        "footnote's text run into the prose, an OCR'd bullet, two sentences run together, a "
        "fragment or a repeated sentence (`evals/shown_text.py`; issue 16 §1 "
        "asks for none).",
        "- expected status: answerable → answered; a near-miss (the material treats the topic, "
        "not the asked fact) → partial; else declined. Wrong refusals count partial and "
        "declined answers to answerable questions.",
    ]


def _share(count: int, of: int) -> str:
    return f"{count} of {of} ({count / of:.3f})" if of else "–"


def _pooled_section(pooled: dict[str, Any]) -> list[str]:
    """Development and held-out sets pooled, side by side, each also by language."""
    rows = []
    for group, entry in pooled.items():
        for language, fig in entry.items():
            if language == "sets":
                continue
            rows.append(
                [
                    group if language == "all" else f"{group}, questions in {language}",
                    f"{fig['n']} ({fig['n_answerable']} / {fig['n_unanswerable']})",
                    _f(fig["status_accuracy"]),
                    _f(fig["key_fact_coverage_all"]),
                    _share(fig["answered_while_unanswerable"], fig["n_unanswerable"]),
                    _share(fig["wrong_refusals"], fig["n_answerable"]),
                    _f(fig["shown_with_defect"]),
                ]
            )
    if not rows:
        return []
    sets = "; ".join(f"{group}: {', '.join(entry['sets'])}" for group, entry in pooled.items())
    return [
        "",
        "### Tuned and held out, pooled",
        "",
        *_table(
            [
                "sets, questions",
                "questions (answerable / unanswerable)",
                "status accuracy",
                "key facts (all answerable)",
                "answered while unanswerable",
                "wrong refusals",
                "shown with a defect",
            ],
            rows,
        ),
        "",
        f"- Every question of the run's sets counted once ({sets}). The rules were tuned on "
        "the development sets; the held-out figures are the ones the issue's targets are "
        "for. A held-out set read before as an aggregate is no longer blind.",
    ]


def _false_abstentions(summary: dict[str, Any]) -> str:
    rate = _f(summary["false_abstention_rate"])
    split = summary.get("false_abstentions")
    if not split or summary["false_abstention_rate"] in (None, 0):
        return rate
    return (
        f"{rate} ({split['gold_in_evidence']} gold in evidence, "
        f"{split['gold_not_retrieved']} not retrieved)"
    )


def markdown(
    results: dict[str, Any],
    *,
    figures: dict[str, str] | None = None,
    failures: list[Failure] | None = None,
    thresholds_checked: bool = False,
) -> str:
    out = _run_section(results)
    out += _needs_section(results)
    out += _mining_section(results)
    if thresholds_checked:
        out += _gate_section(failures)
    out += _retrieval_section(results)
    answered = {
        n: e["answers"]["summary"] for n, e in results["datasets"].items() if "answers" in e
    }
    if answered:
        out += _answers_section(answered)
        out += _false_abstention_reasons(answered)
        out += _status_section(results, answered)
        out += _pooled_section(results.get("pooled") or {})
        out += _twins_section(answered)
        out += _by_tag_sections(answered)
        out += _latency_section(answered)
    api = results.get("api")
    if api:
        out += [
            "",
            f"POST /api/ask ({api['how']}; {api['mode']} mode, {api['n']} requests, status "
            f"codes {api['status_codes']}): p50 {_f(api['p50'], 1)} ms, p95 "
            f"{_f(api['p95'], 1)} ms. Latency depends on the machine and its load; it is "
            "reported, not gated.",
        ]
    if figures:
        out += ["", "## Figures", ""]
        out += [f"![{title}]({path})" for title, path in figures.items()]
    return "\n".join(out) + "\n"


def _run_section(results: dict[str, Any]) -> list[str]:
    """The title, what was run on what, and the targets of the assistant issue."""
    meta = results["meta"]
    out: list[str] = [
        "# Evaluation report",
        "",
        "Generated by `kunskap eval` (evals/): do not edit by hand; re-run the command.",
        "",
        f"- run: {meta['created']}, commit `{meta['commit']}`, {meta['seconds']} s"
        + (
            f" (working tree with uncommitted changes in {', '.join(meta['uncommitted'])})"
            if meta.get("uncommitted")
            else ""
        ),
        f"- index: collection `{meta['collection']}`, {meta['documents']} documents, "
        f"{meta['chunks']} chunks",
        f"- machine: {meta['machine']}, {meta['cpus']} CPUs, load average (1/5/15 min) "
        f"{meta.get('load_average')} at the start, {meta.get('load_average_end')} at the end",
        f"- answers: {meta['answer_mode']} mode; citation judge: {meta['judge']}",
        "- datasets: "
        + ", ".join(
            f"`{n}` ({e['version']}, {e['n']} questions, {e['n_answerable']} answerable"
            + (", **held out**: never tuned on, not gated" if is_heldout(n) else "")
            + ")"
            for n, e in results["datasets"].items()
        ),
        "",
        "## Targets of the assistant issue",
        "",
    ]
    out += _table(
        ["target", "measured", "goal", "met"],
        [
            [r["what"], _f(r["measured"]), r["target"], "yes" if r["met"] else "**no**"]
            for r in targets(results)
        ],
    )
    return out


def _needs_section(results: dict[str, Any]) -> list[str]:
    rows = needs_targets(results)
    if not rows:
        return []
    out = ["", "## Targets of the knowledge-needs issue (#18 §4, held-out sets)", ""]
    return out + _table(
        ["target", "measured", "goal", "met"],
        [
            [r["what"], _f(r["measured"]), r["target"], "yes" if r["met"] else "**no**"]
            for r in rows
        ],
    )


def _mining_section(results: dict[str, Any]) -> list[str]:
    """Needs found in documents (issue 18 §1): each labelled set with the settings' finder
    and, beside it, the other (``evals.mining_eval.measure_mining_sets``)."""
    from evals import datasets as ds

    sets = {n: f for n, f in (results.get("mining") or {}).items() if f is not None}
    if not sets:
        return []
    out = ["", "## Needs found in documents (#18 §1)", ""]
    out.append(
        "Precision over the candidates of the labelled documents (their labelled parts), "
        "recall over the labelled needs, labelled non-needs proposed; the settings' finder "
        "first, the other beside it."
    )
    out.append("")
    rows = []
    for name, f in sets.items():
        other = f["other_scorer"]
        rows.append(
            [
                f"`{name}`",
                "held out" if ds.is_heldout(name) else "development",
                f"{f['labelled_needs']} in {f['documents']}",
                f"`{f['scorer']}`: {_f(f['precision'])} / {_f(f['recall'])} / "
                f"{f['not_needs_proposed']} of {f['labelled_not_needs']}",
                f"`{other['scorer']}`: {_f(other['precision'])} / {_f(other['recall'])} / "
                f"{other['not_needs_proposed']}",
            ]
        )
    return out + _table(
        ["set", "role", "needs in documents", "precision / recall / non-needs", "other finder"],
        rows,
    )


def _gate_section(failures: list[Failure] | None) -> list[str]:
    out = ["", "## CI gate (evals/thresholds.yaml)", ""]
    if failures:
        out += [f"- FAILED {f.line()}" for f in failures]
    else:
        out.append("Every metric is at or above its threshold.")
    return out


def _retrieval_section(results: dict[str, Any]) -> list[str]:
    """One table per dataset and level (document, passage), the best figure in bold."""
    out = ["", "## Retrieval", ""]
    out.append(
        "k counts retrieved chunks; each gold item counts once, at its first rank. Document "
        "level: a chunk of a gold document is a hit. Passage level: the chunk also holds at "
        "least half of a gold quote's words in order (case, diacritics and whitespace "
        "normalised). Search latency excludes the query embedding, which the systems share "
        "(see the answer path below for its cost)."
    )
    for name, entry in results["datasets"].items():
        for level, title in (("doc", "document level"), ("passage", "passage level")):
            systems = {s: r for s, r in entry["retrieval"].items() if level in r}
            if not systems:
                continue
            n = next(iter(systems.values()))["n" if level == "doc" else "n_passage"]
            out += ["", f"### `{name}` – {title} ({n} answerable questions)", ""]
            out += _retrieval_table(systems, level)
        if entry["unknown_gold_docs"]:
            out += ["", f"Gold documents not in the index: {', '.join(entry['unknown_gold_docs'])}"]
    out += ["", "Systems:", ""]
    out += [f"- `{name}`: {desc}" for name, desc in results["systems"].items()]
    return out


def _retrieval_table(systems: dict[str, Any], level: str) -> list[str]:
    best = {c: _best([r[level].get(c) for r in systems.values()]) for c in RETRIEVAL_COLUMNS}
    rows = []
    for system, r in systems.items():
        cells = [f"`{system}`"]
        for c in RETRIEVAL_COLUMNS:
            v = r[level].get(c)
            cells.append(f"**{_f(v)}**" if v is not None and v == best[c] else _f(v))
        if level == "doc":
            cells += [_f(r["latency_ms"]["p50"], 1), _f(r["latency_ms"]["p95"], 1)]
        rows.append(cells)
    header = ["system", *RETRIEVAL_COLUMNS]
    if level == "doc":
        header += ["search p50 ms", "search p95 ms"]
    return _table(header, rows)


ANSWER_NOTES = [
    "",
    "- key facts: share of a question's key facts in the answer (case and diacritics "
    "folded; any ` | ` alternative counts), over answered answerable questions.",
    "- citation precision/recall: ALCE. A sentence is supported when its cited passages "
    "together entail it; a citation is precise when its sentence is supported and it is "
    "needed. Entailment is judged by the judge named above (offline: ≥60% of the "
    "claim's stemmed content words in the cited passages, stricter than the assistant's "
    "own verifier at 50%; e5 cosine ≥ 0.84 to a passage sentence for English answers). "
    "Extractive answers quote their sources, so offline they score near 1 by design; "
    "the number becomes informative with an LLM composing and an LLM judge.",
    "- abstention: unanswerable is the positive class. CRAG: correct +1, abstained 0, "
    "wrong −1; on an unanswerable question abstaining is correct and any answer wrong. "
    "An answer is correct when it holds at least half its key facts (no key facts: when "
    "it cites a gold document).",
    "- false abst.: share of answerable questions the assistant declined; in brackets "
    "how many of them had a gold document among the evidence (the answerability rules "
    "declined) and how many not (retrieval missed it: answering would have meant "
    "answering from other documents).",
]


def _answers_section(answered: dict[str, Any]) -> list[str]:
    out = ["", "## Answers (the assistant, hybrid retrieval)", ""]
    rows = []
    for name, s in answered.items():
        abst = s.get("abstention") or {}
        c = s["crag_counts"]
        rows.append(
            [
                f"`{name}`",
                f"{s['answered']}/{s['n']}",
                _f(s["key_fact_coverage"]),
                _f(s["citation_precision"]),
                _f(s["citation_recall"]),
                _f(s["cites_gold_doc"]),
                _f(abst.get("precision")),
                _f(abst.get("recall")),
                _f(abst.get("f1")),
                _false_abstentions(s),
                f"{_f(s['crag_score'])} (+{c['correct']} / 0×{c['abstained_or_missed']} / "
                f"−{c['wrong']})",
            ]
        )
    out += _table(
        [
            "dataset",
            "answered",
            "key facts",
            "cit. precision",
            "cit. recall",
            "cites gold doc",
            "abst. precision",
            "abst. recall",
            "abst. F1",
            "false abst.",
            "CRAG score",
        ],
        rows,
    )
    return out + ANSWER_NOTES


def _false_abstention_reasons(answered: dict[str, Any]) -> list[str]:
    reasons = {
        name: s.get("false_abstentions", {}).get("by_reason") or {} for name, s in answered.items()
    }
    if not any(reasons.values()):
        return []
    out = ["", "### False abstentions by the rule that declined", ""]
    kinds = sorted({k for r in reasons.values() for k in r})
    out += _table(
        ["rule", *(f"`{name}`" for name in reasons)],
        [[kind, *(str(r.get(kind, 0)) for r in reasons.values())] for kind in kinds],
    )
    return out


def _twins_section(answered: dict[str, Any]) -> list[str]:
    twins = {name: s["twins"] for name, s in answered.items() if s.get("twins")}
    if not twins:
        return []
    out = ["", "### Twin sets, pair by pair", ""]
    out += _table(
        ["dataset", "pairs", "told apart", "both correct"],
        [
            [
                f"`{name}`",
                str(t["pairs"]),
                f"{t['told_apart']} ({_f(t['told_apart_rate'])})",
                f"{t['both_correct']} ({_f(t['both_correct_rate'])})",
            ]
            for name, t in twins.items()
        ],
        align_right_from=1,
    )
    out += [
        "",
        "- told apart: the answerable twin answered and the unanswerable one declined "
        "(what the answers said aside); both correct: both twins scored +1. A judge "
        "that answers everything, or declines everything, tells no pair apart.",
    ]
    return out


def _by_tag_sections(answered: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for name, s in answered.items():
        if not s.get("by_tag"):
            continue
        out += ["", f"### `{name}` by tag", ""]
        rows = []
        for tag, groups in s["by_tag"].items():
            for value, g in groups.items():
                rows.append([tag, value, str(g["n"]), _f(g["answered"]), _f(g["crag"])])
        out += _table(["tag", "value", "n", "answered", "CRAG"], rows, align_right_from=2)
    return out


def _latency_section(answered: dict[str, Any]) -> list[str]:
    out = ["", "## Latency", "", "Answer path per stage, ms (`answer()` timings):", ""]
    rows = []
    for name, s in answered.items():
        for stage, lat in s["latency_ms"].items():
            label = STAGE_LABELS.get(stage, stage)
            rows.append([f"`{name}`", label, _f(lat["p50"], 1), _f(lat["p95"], 1)])
    out += _table(["dataset", "stage", "p50", "p95"], rows, align_right_from=2)
    return out


def write(
    results: dict[str, Any],
    report_dir: Path,
    *,
    markdown_path: Path | None = None,
    failures: list[Failure] | None = None,
    thresholds_checked: bool = False,
) -> dict[str, Path]:
    """Write report.json, the Markdown report and the plots; return what was written."""
    report_dir.mkdir(parents=True, exist_ok=True)
    json_path = report_dir / "report.json"
    json_path.write_text(
        json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    md_path = markdown_path or report_dir / "report.md"
    md_path.parent.mkdir(parents=True, exist_ok=True)
    images = plot(results, report_dir)
    figures = {
        title: Path(os.path.relpath(path, md_path.parent)).as_posix()
        for title, path in images.items()
    }
    md_path.write_text(
        markdown(
            results, figures=figures, failures=failures, thresholds_checked=thresholds_checked
        ),
        encoding="utf-8",
    )
    return {"json": json_path, "markdown": md_path, **{p.stem: p for p in images.values()}}

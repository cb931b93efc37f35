"""The issues' targets, met or not, against one evaluation run.

Not the CI gate (``evals/thresholds.yaml`` guards against regression at measured values):
these are the bars the answers issue (#16) and the knowledge-needs issue (#18) set, kept
visible in every report whether or not they are met.
"""

from __future__ import annotations

from typing import Any

# The assistant issue's targets, checked in the report (the CI gate is thresholds.yaml).
TARGETS = {
    # The answers issue (#16), on questions nobody tuned on: held-out sets.
    "key_fact_coverage_all": 0.80,
    "answered_while_unanswerable": 0.10,
    "wrong_refusals": 0.10,
    "hit@5": 0.90,
    "abstention_recall": 0.90,
    "false_abstention_rate": 0.05,
    "api_p95_ms": 300.0,
    # §1 "no filler": no answer whose quoted text shows markdown, a footnote mark, a
    # footnote's text run into the prose, an OCR'd bullet, two sentences run together, a
    # fragment cut mid-sentence or a repeated sentence (evals/shown_text.py).
    "shown_with_defect": 0.0,
}


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The assistant issue's targets against this run, one row per dataset and target."""
    rows: list[dict[str, Any]] = []
    for name, entry in results["datasets"].items():
        hybrid = entry["retrieval"].get("hybrid")
        # A set of unanswerable questions only has no retrieval figures to meet a target.
        if hybrid and "hit@5" in hybrid.get("doc", {}):
            rows.append(
                {
                    "what": f"{name}: retrieval hit@5 (answerable, hybrid)",
                    "measured": hybrid["doc"]["hit@5"],
                    "target": f"≥ {TARGETS['hit@5']:.2f}",
                    "met": hybrid["doc"]["hit@5"] >= TARGETS["hit@5"],
                }
            )
        summary = entry.get("answers", {}).get("summary", {})
        abst = summary.get("abstention")
        if abst:
            rows.append(
                {
                    "what": f"{name}: correct abstention (recall on unanswerable)",
                    "measured": abst["recall"],
                    "target": f"≥ {TARGETS['abstention_recall']:.2f}",
                    "met": abst["recall"] >= TARGETS["abstention_recall"],
                }
            )
        if summary.get("false_abstention_rate") is not None:
            rows.append(
                {
                    "what": f"{name}: false abstentions (share of answerable)",
                    "measured": summary["false_abstention_rate"],
                    "target": f"≤ {TARGETS['false_abstention_rate']:.2f}",
                    "met": summary["false_abstention_rate"] <= TARGETS["false_abstention_rate"],
                }
            )
        status = summary.get("status")
        if status and entry.get("heldout"):
            held = f"{name} (held out)"
            errors = {key: (status[key], "") for key in _ERRORS if status.get(key) is not None}
            rows += _answer_rows(held, summary.get("key_fact_coverage_all"), errors)
            shown = summary.get("shown_text") or {}
            if shown.get("share_with_defect") is not None:
                rows.append(
                    {
                        "what": f"{held}: answers whose quoted text shows a defect "
                        f"({shown['with_defect']} of {shown['answers']})",
                        "measured": shown["share_with_defect"],
                        "target": f"≤ {TARGETS['shown_with_defect']:.2f}",
                        "met": shown["share_with_defect"] <= TARGETS["shown_with_defect"],
                    }
                )
    rows += _pooled_targets(results.get("pooled", {}).get("held out"))
    api = results.get("api")
    for language, lat in (api or {}).get("by_language", {}).items():
        rows.append(
            {
                "what": f"POST /api/ask p95, questions in {language} ({lat['n']} requests)",
                "measured": lat["p95"],
                "target": f"≤ {TARGETS['api_p95_ms']:.0f} ms",
                "met": lat["p95"] <= TARGETS["api_p95_ms"],
            }
        )
    if api:
        rows.append(
            {
                "what": f"POST /api/ask p95, {api['mode']} ({api['n']} requests)",
                "measured": api["p95"],
                "target": f"≤ {TARGETS['api_p95_ms']:.0f} ms",
                "met": api["p95"] <= TARGETS["api_p95_ms"],
            }
        )
    return rows


# The answers issue's two verdict errors, as the report names them.
_ERRORS = {
    "answered_while_unanswerable": "answered while unanswerable",
    "wrong_refusals": "wrong refusals (partial or declined, answerable)",
}


def _answer_rows(
    what: str, key_facts: float | None, errors: dict[str, tuple[float, str]]
) -> list[dict[str, Any]]:
    """The answers issue's three held-out targets for one set or a pool: key facts, and each
    verdict error given as (share, what it counts, e.g. " (21 of 40)")."""
    rows = []
    if key_facts is not None:
        rows.append(
            {
                "what": f"{what}: key facts of answerable (refusals count 0)",
                "measured": key_facts,
                "target": f"≥ {TARGETS['key_fact_coverage_all']:.2f}",
                "met": key_facts >= TARGETS["key_fact_coverage_all"],
            }
        )
    for key, (share, counted) in errors.items():
        rows.append(
            {
                "what": f"{what}: {_ERRORS[key]}{counted}",
                "measured": share,
                "target": f"≤ {TARGETS[key]:.2f}",
                "met": share <= TARGETS[key],
            }
        )
    return rows


def _pooled_targets(held: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The answers issue's three held-out targets over every held-out set of the run at once
    (``answer_eval.pooled``)."""
    if not held or not held["all"]["n"]:
        return []
    fig = held["all"]
    n_sets = len(held["sets"])
    what = f"held-out sets pooled ({n_sets} set{'s' * (n_sets != 1)}, {fig['n']} questions)"
    of = {"answered_while_unanswerable": "n_unanswerable", "wrong_refusals": "n_answerable"}
    errors = {
        key: (round(fig[key] / fig[of[key]], 4), f" ({fig[key]} of {fig[of[key]]})")
        for key in _ERRORS
        if fig[of[key]]
    }
    return _answer_rows(what, fig["key_fact_coverage_all"], errors)


def _before_model(areas: dict[str, Any]) -> str:
    """The same set with the area descriptions in place of the area model, for comparison."""
    if areas.get("filed_accuracy_descriptions") is None:
        return ""
    return (
        f"; with the area descriptions instead of the area model "
        f"{areas['filed_accuracy_descriptions']:.3f}, {areas['filed_share_descriptions']:.0%} "
        f"filed, forced choice {areas['accuracy_descriptions']:.3f}"
    )


def needs_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The knowledge-needs issue's targets (#18 §4) against this run's held-out sets."""
    needs = results.get("needs")
    if not needs:
        return []
    goal = needs["targets"]
    rows = []
    for name, entry in needs["sets"].items():
        g, a = entry["grouping"], entry["areas"]
        # Not a target: how often the need page offers a split part another part of its need.
        s = entry.get("suggestions") or {}
        offered = (
            f"; the need page offers a split part another part {s['found']:.0%} of the time"
            if s.get("found") is not None
            else ""
        )
        rows += [
            {
                "what": f"{name}: paraphrases split over several needs "
                f"({g['split_needs']:g} of {g['true_needs']:g} needs, {g['orders']} orders"
                f"{offered})",
                "measured": g["split_rate"],
                "target": f"≤ {goal['split_rate']:.2f}",
                "met": g["split_rate"] <= goal["split_rate"],
            },
            {
                "what": f"{name}: grouping purity",
                "measured": g["purity"],
                "target": f"≥ {goal['purity']:.2f}",
                "met": g["purity"] >= goal["purity"],
            },
            {
                "what": f"{name}: areas filed right ({a['filed_share']:.0%} filed, the rest "
                f"osäker; forced choice {a['accuracy']:.3f}){_before_model(a)}",
                "measured": a["filed_accuracy"],
                "target": f"≥ {goal['area_filed_accuracy']:.2f}",
                "met": (a["filed_accuracy"] or 0.0) >= goal["area_filed_accuracy"],
            },
        ]
    return rows

"""Every figure two `kunskap eval` runs share, side by side (Markdown on stdout).

    python scripts/compare_eval_reports.py BEFORE/report.json AFTER/report.json
    python scripts/compare_eval_reports.py --same BEFORE/report.json AFTER/report.json

Quality figures (retrieval, answers, abstention) first, with the change; latency apart,
since it depends on what else the machine was doing.

``--same`` checks that a change kept behaviour: every value of the two reports except
timings and run metadata (every answer text, status, citation, retrieved list and figure)
must be equal; it lists each difference and exits 1 when there is one.
"""

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from evals.gate import flatten  # after the path set-up above

LATENCY_MARKS = ("latency", "_ms", "ms_", "p50", "p95", "seconds", "time")
# Values that describe the run rather than the behaviour: when and where it ran, how long.
RUN_KEYS = {"meta", "latency_ms", "timings_ms", "samples_ms", "p50", "p95", "mean"}


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_latency(key: str) -> bool:
    return any(mark in key for mark in LATENCY_MARKS)


def shown(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def leaves(value: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of a report under its path ("datasets.x.answers.per_question[3].answer"),
    timings and run metadata left out (``RUN_KEYS``; the API's timings by language too)."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if key in RUN_KEYS or (path == "api.by_language"):
                continue
            out.update(leaves(item, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.update(leaves(item, f"{path}[{i}]"))
    else:
        out[path] = value
    return out


def same(before: dict[str, Any], after: dict[str, Any]) -> int:
    a, b = leaves(before), leaves(after)
    answers = [k for k in a if k.endswith(".answer")]
    differing = sorted(k for k in set(a) | set(b) if a.get(k, "<absent>") != b.get(k, "<absent>"))
    print(
        f"{len(a)} values compared ({len(answers)} answer texts, "
        f"{sum(1 for v in a.values() if is_number(v))} numbers); {len(differing)} differ"
    )
    for key in differing:
        print(f"- {key}: {a.get(key, '<absent>')!r} -> {b.get(key, '<absent>')!r}")
    return 1 if differing else 0


def main() -> None:
    args = sys.argv[1:]
    strict = args[:1] == ["--same"]
    paths = args[1:] if strict else args
    reports = [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]
    if strict:
        raise SystemExit(same(*reports))
    before, after = (flatten(r) for r in reports)
    common = [
        k for k in sorted(set(before) & set(after)) if is_number(before[k]) and is_number(after[k])
    ]
    quality = [k for k in common if not is_latency(k)]
    latency = [k for k in common if is_latency(k)]
    identical = sum(1 for k in quality if abs(before[k] - after[k]) < 1e-9)
    print(f"{len(quality)} figures compared, {identical} identical", file=sys.stderr)
    print("| figure | before | after | change |\n|---|---:|---:|---:|")
    for k in quality:
        change = after[k] - before[k]
        cell = "0" if abs(change) < 1e-9 else f"{change:+.3f}"
        print(f"| `{k}` | {shown(before[k])} | {shown(after[k])} | {cell} |")
    print("\nLatency (ms):\n\n| figure | before | after |\n|---|---:|---:|")
    for k in latency:
        print(f"| `{k}` | {shown(before[k])} | {shown(after[k])} |")


if __name__ == "__main__":
    main()

"""Every figure two `kunskap eval` runs share, side by side (Markdown on stdout).

    python scripts/compare_eval_reports.py BEFORE/report.json AFTER/report.json

Quality figures (retrieval, answers, abstention) first, with the change; latency apart,
since it depends on what else the machine was doing.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from evals.harness import flatten  # after the path set-up above

LATENCY_MARKS = ("latency", "_ms", "ms_", "p50", "p95", "seconds", "time")


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_latency(key: str) -> bool:
    return any(mark in key for mark in LATENCY_MARKS)


def shown(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main() -> None:
    before = flatten(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    after = flatten(json.loads(Path(sys.argv[2]).read_text(encoding="utf-8")))
    common = [
        k for k in sorted(set(before) & set(after)) if is_number(before[k]) and is_number(after[k])
    ]
    quality = [k for k in common if not is_latency(k)]
    latency = [k for k in common if is_latency(k)]
    same = sum(1 for k in quality if abs(before[k] - after[k]) < 1e-9)
    print(f"{len(quality)} figures compared, {same} identical", file=sys.stderr)
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

"""A bounded load test of a running server: concurrent clients ask POST /api/ask for a fixed
time, then the needs register is checked against what the answers said.

Reports requests, errors (non-200 or transport errors), latency p50/p95/max, answered and
abstained counts, and logged-vs-expected: every answer that carries a ``need_id`` (all
abstentions, plus answers below the confidence threshold) must add exactly one question to
the register. Questions come from the development set evals/datasets/v1/sample_qa.jsonl
(never a held-out set), each made unique by a counter so that no two requests are the same.

    kunskap serve &                      # or make run
    kunskap needs user add lasttest --role analyst   # an account to read the register
    python scripts/load_test.py --url http://127.0.0.1:8000 --clients 20 --seconds 60 \\
        --user lasttest --password '…'

Not a timed test: the figures depend on the machine; docs/security.md records a run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

DATASET = Path(__file__).resolve().parent.parent / "evals" / "datasets" / "v1" / "sample_qa.jsonl"
CSRF = {"X-Requested-With": "kunskap"}


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    abstained: int = 0
    need_ids: int = 0

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def load_questions() -> list[str]:
    rows = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines()]
    return [row["question"] for row in rows if row.get("question")]


def logged_questions(client: httpx.Client, auth: tuple[str, str]) -> int:
    """Questions in the register: the sum of question_count over every need."""
    res = client.get("/api/needs", params={"limit": 10000}, auth=auth, timeout=60)
    res.raise_for_status()
    return sum(int(need["question_count"]) for need in res.json())


def worker(
    base: str, questions: list[str], start: int, step: int, until: float, tally: Tally
) -> None:
    i = start
    with httpx.Client(base_url=base, timeout=120) as client:
        while time.monotonic() < until:
            question = f"{questions[i % len(questions)]} ({i})"
            i += step
            t0 = time.perf_counter()
            try:
                res = client.post("/api/ask", json={"question": question})
            except httpx.HTTPError as exc:
                tally.error(type(exc).__name__)
                continue
            took = (time.perf_counter() - t0) * 1000
            if res.status_code != 200:
                tally.error(str(res.status_code))
                continue
            body = res.json()
            with tally.lock:
                tally.latencies_ms.append(took)
                if body.get("answered"):
                    tally.answered += 1
                else:
                    tally.abstained += 1
                if body.get("need_id"):
                    tally.need_ids += 1


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--user", help="analyst account, to count the register")
    parser.add_argument("--password")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    questions = load_questions()
    auth = (args.user, args.password) if args.user and args.password else None
    with httpx.Client(base_url=args.url, timeout=60) as client:
        before = logged_questions(client, auth) if auth else None
    tally = Tally()
    until = time.monotonic() + args.seconds
    started = time.perf_counter()
    threads = [
        threading.Thread(
            target=worker, args=(args.url, questions, n, args.clients, until, tally), daemon=True
        )
        for n in range(args.clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    # Needs are written before the answer returns; a moment's grace for the last commits.
    time.sleep(1.0)
    with httpx.Client(base_url=args.url, timeout=60) as client:
        after = logged_questions(client, auth) if auth else None

    ok = len(tally.latencies_ms)
    report = {
        "clients": args.clients,
        "seconds": round(wall, 1),
        "requests": ok + sum(tally.errors.values()),
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "requests_per_s": round((ok + sum(tally.errors.values())) / wall, 1),
        "p50_ms": round(percentile(tally.latencies_ms, 50), 1),
        "p95_ms": round(percentile(tally.latencies_ms, 95), 1),
        "max_ms": round(max(tally.latencies_ms), 1) if tally.latencies_ms else None,
        "mean_ms": round(statistics.fmean(tally.latencies_ms), 1) if tally.latencies_ms else None,
        "answered": tally.answered,
        "abstained": tally.abstained,
        "answers_with_need_id": tally.need_ids,
        "logged_in_register": None if after is None or before is None else after - before,
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:>22}: {value}")
    logged = report["logged_in_register"]
    if logged is not None and logged != tally.need_ids:
        print(f"MISMATCH: {tally.need_ids} answers carried a need_id, {logged} were logged")
        return 1
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())

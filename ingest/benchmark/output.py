"""The machine, and the rows as a Markdown table."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def machine() -> str:
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    cpu = platform.processor() or platform.machine()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = " " + line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}{model}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


COLUMNS = [
    "corpus", "engine", "points", "load_s", "hnsw_build_s", "disk_mb", "load_rss_mb",
    "reopen_s", "query_rss_mb", "dense_p50_ms", "dense_p95_ms", "sparse_p50_ms",
    "sparse_p95_ms", "hybrid_p50_ms", "hybrid_p95_ms", "filtered_p50_ms", "filtered_p95_ms",
    "dense_recall@6", "hybrid_recall@6", "queries",
]  # fmt: skip


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        if "load_s" not in row:
            continue
        lines.append("| " + " | ".join(str(row.get(c, "–")) for c in COLUMNS) + " |")
    return "\n".join(lines)

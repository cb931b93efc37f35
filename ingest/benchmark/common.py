"""What every benchmark part shares: the collection, sizes, and how memory and disk are read."""

from __future__ import annotations

import resource
import statistics
from pathlib import Path

from kunskap.domain import AREAS as _AREAS

REPO = Path(__file__).resolve().parent.parent.parent
COLLECTION = "bench"
DIM = 384
AREAS = tuple(_AREAS)
QUERIES = 40
TOP = 6
RETRIEVER_LIMIT = 80  # dense 40 + sparse 40: Retriever fetches every fused candidate


def dir_size(path: Path) -> int:
    # Blocks actually allocated: Edge preallocates sparse files (WAL, mmap storage) whose
    # apparent size is far above what they hold.
    return sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]

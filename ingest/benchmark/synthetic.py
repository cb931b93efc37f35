"""Deterministic points and queries shaped like the real collection."""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import AREAS, DIM


class Synthetic:
    """Deterministic points and queries shaped like the real collection."""

    def __init__(self, seed: int = 20261206) -> None:
        rng = np.random.default_rng(seed)
        self.centres = rng.standard_normal((256, DIM)).astype(np.float32)
        vocab = 30_000
        ranks = np.arange(1, vocab + 1, dtype=np.float64)
        self.term_p = (1 / ranks) / (1 / ranks).sum()
        self.vocab = vocab
        self.text = ("Placering i familjehem följs upp av socialnämnden. " * 20)[:1000]

    def dense(self, rng: np.random.Generator, n: int) -> np.ndarray:
        centre = self.centres[rng.integers(0, len(self.centres), n)]
        vecs = centre + 0.9 * rng.standard_normal((n, DIM)).astype(np.float32)
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)

    def sparse(self, rng: np.random.Generator, terms: int) -> tuple[list[int], list[float]]:
        idx = np.unique(rng.choice(self.vocab, size=terms, p=self.term_p))
        values = rng.uniform(0.5, 3.0, len(idx)).round(3)
        return idx.tolist(), values.tolist()

    def batches(self, n: int, batch: int = 512) -> Any:
        from ingest.vector_index import IndexPoint

        rng = np.random.default_rng(1)
        for start in range(0, n, batch):
            size = min(batch, n - start)
            dense = self.dense(rng, size)
            points = []
            for j in range(size):
                i = start + j
                indices, values = self.sparse(rng, 75)  # ~60 distinct after dedup
                areas = sorted({AREAS[i % len(AREAS)], AREAS[(i * 7) % len(AREAS)]})
                points.append(
                    IndexPoint(
                        f"{i:08x}-0000-4000-8000-000000000000",
                        dense[j].tolist(),
                        indices,
                        values,
                        {
                            "doc_id": f"syn-{i // 6:06d}",
                            "source_id": "synthetic",
                            "doc_hash": "h",
                            "chunk_index": i % 6,
                            "n_chunks": 6,
                            "areas": areas,
                            "doc_type": "ovrigt",
                            "title": f"Syntetiskt dokument {i // 6}",
                            "text": self.text,
                        },
                    )
                )
            yield points

    def queries(self, n: int) -> list[tuple[list[float], list[int], list[float]]]:
        # One generator per query: the first k of queries(n) are the same for every n, so
        # an engine run with fewer queries is compared on the same ones.
        out = []
        for i in range(n):
            rng = np.random.default_rng([2, i])
            indices, values = self.sparse(rng, 8)
            out.append((self.dense(rng, 1)[0].tolist(), indices, values))
        return out

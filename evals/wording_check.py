"""Does a question's wording alone give away whether the material answers it?

    python -m evals.wording_check                         # every shipped QA set
    python -m evals.wording_check --score heldout_e_qa    # one set against the others

A class-balanced logistic regression reads only each question's e5 vector, never the
sources. It is trained on the development QA sets, never on a held-out one, and reports per
set the AUC with which it ranks answerable questions above unanswerable ones. A training set
is scored leave-one-set-out; every other set by the model trained on all development sets.

An AUC near 0.5 means the set's wording says nothing about its labels, so abstention figures
on it measure the judge. Near 1.0 means a judge can score well just by recognising how the
set's unanswerable questions were written. The sets written to the first brief score
0.81–0.96; the twin sets 0.63–0.74 (docs/answerability-history.md). Run it on every new evaluation
set before trusting its abstention figures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from evals import datasets as ds

Scorer = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class LabelledQuestion:
    dataset: str
    question: str
    answerable: bool


def auc(scores: Sequence[float] | np.ndarray, answerable: Sequence[bool] | np.ndarray) -> float:
    """Probability that an answerable question scores above an unanswerable one (ties half)."""
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(answerable, dtype=bool)
    pos, neg = s[y], s[~y]
    if not len(pos) or not len(neg):
        raise ValueError("AUC needs answerable and unanswerable questions")
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + 0.5 * ties)


def fit_logistic(
    X: np.ndarray, y: np.ndarray, *, l2: float = 0.01, steps: int = 600, rate: float = 0.1
) -> Scorer:
    """Class-balanced logistic regression by gradient descent on standardised features.

    Balanced, because the sets hold three answerable questions to each unanswerable one and a
    model should not win by saying "answerable" to all. Deterministic: zero start, full batch.
    """
    mean, std = X.mean(axis=0), X.std(axis=0) + 1e-6
    Z = (X - mean) / std
    labels = y.astype(np.float64)
    share = labels.mean()
    weight = np.where(labels == 1, 0.5 / share, 0.5 / (1 - share))
    w, b = np.zeros(Z.shape[1]), 0.0
    for _ in range(steps):
        gradient = (1 / (1 + np.exp(-(Z @ w + b))) - labels) * weight
        w -= rate * (Z.T @ gradient / len(labels) + l2 * w)
        b -= rate * float(gradient.mean())
    return lambda X2: 1 / (1 + np.exp(-(((X2 - mean) / std) @ w + b)))


def wording_auc(
    train: list[LabelledQuestion],
    score: list[LabelledQuestion],
    embed: Callable[[list[str]], np.ndarray],
) -> dict[str, float]:
    """AUC per dataset of a question-only model: leave-one-set-out on ``train``, trained on
    all of ``train`` for ``score``."""
    vectors = embed([q.question for q in train + score])
    X_train, X_score = vectors[: len(train)], vectors[len(train) :]
    y_train = np.array([q.answerable for q in train])
    result: dict[str, float] = {}
    for name in dict.fromkeys(q.dataset for q in train):
        out = np.array([q.dataset == name for q in train])
        model = fit_logistic(X_train[~out], y_train[~out])
        result[name] = auc(model(X_train[out]), y_train[out])
    if score:
        model = fit_logistic(X_train, y_train)
        p = model(X_score)
        for name in dict.fromkeys(q.dataset for q in score):
            mine = [i for i, q in enumerate(score) if q.dataset == name]
            result[name] = auc(p[mine], [score[i].answerable for i in mine])
    return result


def labelled(dataset: ds.Dataset) -> list[LabelledQuestion]:
    return [LabelledQuestion(dataset.name, i.question, i.answerable) for i in dataset.items]


def _with_both_labels(dataset: ds.Dataset) -> bool:
    return dataset.kind == "qa" and len({i.answerable for i in dataset.items}) == 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--train", action="append", help="development QA sets to train on (default: all)"
    )
    parser.add_argument(
        "--score", action="append", help="sets to score (default: every other QA set)"
    )
    args = parser.parse_args(argv)
    train_sets = [d for d in ds.load_many(args.train) if _with_both_labels(d)]
    if not args.train:
        train_sets = [d for d in train_sets if not ds.is_heldout(d.name)]
    if held := [d.name for d in train_sets if ds.is_heldout(d.name)]:
        print(f"refusing to train on held-out sets: {', '.join(held)}", file=sys.stderr)
        return 2
    trained = {d.name for d in train_sets}
    score_sets = [
        d for d in ds.load_many(args.score) if _with_both_labels(d) and d.name not in trained
    ]

    from ingest.embedding import build_embedding, embed_queries
    from kunskap.settings import get_settings

    embedding = build_embedding(get_settings())
    result = wording_auc(
        [q for d in train_sets for q in labelled(d)],
        [q for d in score_sets for q in labelled(d)],
        lambda texts: embed_queries(embedding, texts),
    )
    print("AUC of a model that reads only the question (0.5: the wording says nothing)")
    for name, value in result.items():
        how = "leave-one-set-out" if name in trained else "trained on the others"
        print(f"  {name:18s} {value:.3f}  ({how})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

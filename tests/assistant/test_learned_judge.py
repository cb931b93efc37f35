"""The learned judge: the shipped cross-encoder spliced into the engine's model file, and
how its probabilities turn the rules' verdict into the answer's status."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from assistant.judge import Judgement, RulesJudge, build_judge
from assistant.learned_judge import MODEL_DIR, CrossEncoder, LearnedJudge, ModelUnavailable, decide
from assistant.passages import Passage
from kunskap.settings import AnswerSettings
from tests.assistant.test_judge import OTHER, TRAINING, evidence


def passage(text: str) -> Passage:
    return Passage(0, (text,), (), "", 1.0, 1.0, (1.0,), True)


ANSWER = passage(TRAINING)
NEAR = passage(OTHER)


def test_the_model_scores_a_passage_that_states_the_claim_above_one_that_does_not(
    tmp_path: Path,
) -> None:
    scorer = CrossEncoder(tmp_path)
    entailed, unrelated = scorer.scores(
        "Utbildningen i motiverande samtal ges i oktober.", [TRAINING, OTHER]
    )
    assert 0.0 <= unrelated < entailed <= 1.0
    assert scorer.path.parent == tmp_path and scorer.path.stat().st_size > 60_000_000


def test_the_assembled_model_file_is_reused_by_the_next_start(tmp_path: Path) -> None:
    first = CrossEncoder(tmp_path)
    stamp = first.path.stat().st_mtime_ns
    second = CrossEncoder(tmp_path)
    assert second.path == first.path and second.path.stat().st_mtime_ns == stamp


def test_a_patch_that_does_not_match_its_card_is_refused(tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(MODEL_DIR, model_dir)
    card = json.loads((model_dir / "card.json").read_text())
    card["patch_sha256"] = "0" * 64
    (model_dir / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelUnavailable, match="does not match"):
        CrossEncoder(tmp_path, model_dir)


def test_without_its_model_the_learned_judge_falls_back_to_the_rules(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("assistant.learned_judge.MODEL_DIR", tmp_path / "missing")
    with caplog.at_level(logging.WARNING):
        judge = build_judge(AnswerSettings(judge="learned"), None, tmp_path)
    assert judge.name == "rules"
    assert "learned judge unavailable" in caplog.text


def test_the_settings_choose_the_learned_judge(tmp_path: Path) -> None:
    judge = build_judge(AnswerSettings(judge="learned"), None, tmp_path)
    assert isinstance(judge, LearnedJudge)
    verdict = judge.judge(evidence("När ges utbildningen i motiverande samtal?", TRAINING, OTHER))
    assert verdict.status in ("answered", "partial")
    assert verdict.reason.startswith("learned judge")


ANSWERED = Judgement("answered", 0.8, "rules", [ANSWER])
PARTIAL = Judgement("partial", 0.3, "asks for an amount", [NEAR])
DECLINED = Judgement("declined", 0.1, "nothing relevant")


def test_as_a_veto_a_low_probability_turns_the_rules_answer_into_partial() -> None:
    settings = AnswerSettings(learned_judge_threshold=0.6)
    low = decide(ANSWERED, [ANSWER, NEAR], [0.4, 0.2], settings)
    assert (low.status, low.passages) == ("partial", [ANSWER])
    assert low.confidence < 0.5
    high = decide(ANSWERED, [ANSWER, NEAR], [0.2, 0.9], settings)
    assert (high.status, high.passages) == ("answered", [ANSWER])  # the rules' passage stays
    assert decide(PARTIAL, [NEAR], [0.95], settings) is PARTIAL  # a veto never adds an answer


def test_alone_the_model_answers_with_its_best_passage_where_the_rules_did_not() -> None:
    settings = AnswerSettings(learned_judge_threshold=0.6, learned_judge_with_rules=False)
    verdict = decide(PARTIAL, [NEAR, ANSWER], [0.3, 0.8], settings)
    assert (verdict.status, verdict.passages, verdict.confidence) == ("answered", [ANSWER], 0.8)
    assert decide(DECLINED, [NEAR], [0.1], settings) is DECLINED


def test_with_no_passage_to_read_the_rules_verdict_stands() -> None:
    assert decide(DECLINED, [], [], AnswerSettings()) is DECLINED


def test_the_rules_judge_is_still_the_default() -> None:
    assert isinstance(build_judge(AnswerSettings()), RulesJudge)

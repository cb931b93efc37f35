"""The settings sweep: it refuses held-out sets, and its judge-only mode judges the same
evidence the assistant judges, so its counts are the assistant's."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant import answering
from evals import datasets, tune
from evals.tune import JudgeCounts

# The first answerable and unanswerable questions of the shipped sample set.
ANSWERABLE_ITEMS, UNANSWERABLE_ITEMS = 10, 5


@pytest.fixture(scope="module")
def sample_subset() -> datasets.Dataset:
    full = datasets.load_many(["sample_qa"])[0]
    answerable = [i for i in full.items if i.answerable][:ANSWERABLE_ITEMS]
    unanswerable = [i for i in full.items if not i.answerable][:UNANSWERABLE_ITEMS]
    assert len(unanswerable) == UNANSWERABLE_ITEMS
    return dataclasses.replace(full, items=answerable + unanswerable)


def test_tuning_refuses_held_out_datasets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        tune.main(["--dataset", "heldout_qa", "--data-dir", "/nonexistent"])
    assert "never for tuning" in capsys.readouterr().err


def test_judge_only_refuses_settings_outside_the_judge(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        tune.main(["--judge-only", "--vary", "retrieval.top_k=4", "--data-dir", "/nonexistent"])
    assert "not retrieval.top_k" in capsys.readouterr().err


def test_sampled_combinations_are_reproducible() -> None:
    from kunskap.settings import Settings

    settings = Settings()
    grid = tune.judge_grid(settings)
    rows = tune.variants(grid, settings, True, sample=5, seed=3)
    assert rows[0] == {}  # the current settings come first
    assert 2 <= len(rows) <= 6
    assert rows == tune.variants(grid, settings, True, sample=5, seed=3)
    assert rows != tune.variants(grid, settings, True, sample=5, seed=4)
    assert all(set(row) <= set(tune.JUDGE_KEYS) for row in rows)


def test_the_frontier_keeps_the_rows_no_other_row_beats() -> None:
    current = JudgeCounts(22, 60, 6, 60)
    stricter = JudgeCounts(30, 60, 9, 60)  # more declined of both kinds: a trade, kept
    worse = JudgeCounts(20, 60, 7, 60)  # fewer right and more wrong than current
    same = JudgeCounts(22, 60, 6, 60)  # a tie beats nothing and is not beaten
    assert tune.frontier([current, stricter, worse, same]) == [0, 1, 3]
    assert (current + stricter) == JudgeCounts(52, 120, 15, 120)
    assert current.recall == pytest.approx(22 / 60)
    assert JudgeCounts(0, 0, 1, 10).recall is None


@pytest.mark.slow
def test_the_sweep_judges_what_the_assistant_judges(
    sample_services: Any, sample_subset: datasets.Dataset, tmp_path: Path
) -> None:
    rows = [
        {},
        {"answer.min_dense_score": 1.01, "answer.min_dense_score_cross_language": 1.01},
        {"answer.min_dense_score": 0.0, "answer.min_dense_score_cross_language": 0.0},
    ]
    results = tune.run_judge_sweep(sample_services, [sample_subset], rows, sample_services.settings)
    current, nothing_close_enough, any_similarity = (r.counts["sample_qa"] for r in results)

    # With the current settings the sweep declines exactly the questions the assistant's
    # judge declines, for the same reasons.
    judged_declined = 0
    for item in sample_subset.items:
        answer = answering.answer(item.question, services=sample_services, log_needs=False)
        evidence = answering.find_evidence(item.question, services=sample_services)
        verdict = evidence.verdict(sample_services.settings.answer)
        if not verdict.answerable:
            judged_declined += 1
            assert not answer.answered and answer.decline_reason == verdict.reason, item.id
    assert current.declined_unanswerable + current.declined_answerable == judged_declined
    assert (current.answerable, current.unanswerable) == (ANSWERABLE_ITEMS, UNANSWERABLE_ITEMS)

    # A similarity no hit reaches declines everything; dropping the floor declines less.
    assert nothing_close_enough.declined_unanswerable == nothing_close_enough.unanswerable
    assert nothing_close_enough.declined_answerable == nothing_close_enough.answerable
    assert any_similarity.declined_answerable <= current.declined_answerable
    assert any_similarity.declined_unanswerable <= current.declined_unanswerable
    assert results[0].on_frontier and not tune.pooled(results[1].counts).meets_targets


@pytest.mark.slow
def test_the_judge_only_command_writes_its_rows(
    sample_index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A copy: the session's services hold the sample index, and local Qdrant lets one
    # client at a time open a folder.
    data_dir = tmp_path / "index"
    shutil.copytree(sample_index_dir, data_dir)
    # A few questions of each kind, as a local dataset file.
    shipped = datasets.resolve("sample_qa").read_text("utf-8").splitlines()
    answerable = [line for line in shipped if json.loads(line)["answerable"]][:6]
    unanswerable = [line for line in shipped if not json.loads(line)["answerable"]][:4]
    few = tmp_path / "few_qa.jsonl"
    few.write_text("\n".join(answerable + unanswerable) + "\n", "utf-8")
    out = tmp_path / "sweep.json"
    argv = ["--judge-only", "--dataset", str(few), "--data-dir", str(data_dir)]
    argv += ["--vary", "answer.relevant_share=0.2,0.8", "--json", str(out)]
    assert tune.main(argv) == 0
    written = json.loads(out.read_text("utf-8"))
    assert written["datasets"] == ["few_qa"]
    assert [r["change"] for r in written["rows"]] == [
        {},
        {"answer.relevant_share": 0.2},
        {"answer.relevant_share": 0.8},
    ]
    low, high = (r["pooled"] for r in written["rows"][1:])
    # Demanding more of the question's topic in the fact sentence never declines fewer.
    assert high["declined_unanswerable"] >= low["declined_unanswerable"]
    assert high["declined_answerable"] >= low["declined_answerable"]
    assert written["rows"][0]["pooled"]["unanswerable"] == 4
    assert "frontier, pooled over few_qa" in capsys.readouterr().out


@pytest.mark.slow
def test_the_learned_sweep_decides_what_the_learned_judge_decides(
    sample_services: Any, sample_subset: datasets.Dataset, tmp_path: Path
) -> None:
    from assistant.judge import build_judge

    base = sample_services.settings.model_copy(update={"data_dir": tmp_path})
    results = tune.run_learned_sweep(sample_services, [sample_subset], base)
    assert results[0].change == {"answer.judge": "rules"}
    rules = results[0].counts["sample_qa"]
    for row in results[1:]:
        answer = base.answer.model_copy(update={k.split(".")[1]: v for k, v in row.change.items()})
        if answer.learned_judge_threshold != 0.5:
            continue
        judge = build_judge(answer, None, tmp_path / "models")
        assert judge.name == "learned"
        declined = {True: 0, False: 0}
        for item in sample_subset.items:
            evidence = answering.find_evidence(item.question, services=sample_services)
            declined[item.answerable] += judge.judge(evidence).status != "answered"
        counts = row.counts["sample_qa"]
        assert (counts.declined_answerable, counts.declined_unanswerable) == (
            declined[True],
            declined[False],
        ), row.change
        if answer.learned_judge_with_rules:  # a veto declines whatever the rules decline
            assert counts.declined_answerable >= rules.declined_answerable
            assert counts.declined_unanswerable >= rules.declined_unanswerable

"""The wording check: a question-only model, trained and scored on sets built here."""

from __future__ import annotations

import numpy as np
import pytest

from evals import wording_check
from evals.wording_check import LabelledQuestion, auc, fit_logistic, wording_auc
from ingest.embedding import build_embedding, embed_queries
from kunskap.settings import EmbeddingSettings

TOPICS = [
    "familjehem", "kontaktperson", "LVU", "hemtjänst", "skyddat boende", "ekonomiskt bistånd",
    "missbruksvård", "korttidsboende", "ledsagarservice", "orosanmälan", "särskilt boende",
    "boendestöd",
]  # fmt: skip


def test_auc_counts_pairs_and_ties() -> None:
    assert auc([0.9, 0.8, 0.1], [True, True, False]) == 1.0
    assert auc([0.1, 0.9], [True, False]) == 0.0
    assert auc([0.5, 0.5], [True, False]) == 0.5
    with pytest.raises(ValueError):
        auc([0.5], [True])


def test_the_balanced_model_finds_the_minority_class() -> None:
    # One in seven positive, with noise: an unweighted regression finds about a third of
    # the positives at 0.5 (it leans on the majority); the balanced one almost nine in ten.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    y = X[:, 2] + rng.normal(scale=0.7, size=400) > 1.3
    model = fit_logistic(X, y)
    assert auc(model(X), y) > 0.9
    assert (model(X[y]) >= 0.5).mean() > 0.8


@pytest.fixture(scope="module")
def embed():
    model = build_embedding(EmbeddingSettings())
    return lambda texts: embed_queries(model, texts)


def _set(name: str, answerable: str, unanswerable: str) -> list[LabelledQuestion]:
    return [
        LabelledQuestion(name, template.format(topic), label)
        for topic in TOPICS
        for template, label in ((answerable, True), (unanswerable, False))
    ]


def test_wording_that_gives_the_label_away_is_found_and_twins_are_not(embed) -> None:
    # Written to a brief like the first one: the unanswerable questions ask what it costs.
    train = [
        *_set("a", "Vad innebär {} för barnet?", "Hur mycket kostar {} per månad?"),
        *_set("b", "Vem kan få {}?", "Hur mycket betalar kommunen för {} i kronor?"),
    ]
    leaky = _set("leaky", "Vad är syftet med {}?", "Hur mycket kostar {} i kronor per år?")
    # Twins: the same form on both sides; which one is answerable is not in the wording.
    twins = [
        LabelledQuestion("twins", f"Hur mycket kostar {topic} per månad?", i % 2 == 0)
        for i, topic in enumerate(TOPICS)
    ] + [
        LabelledQuestion("twins", f"Vad innebär {topic} för barnet?", i % 2 == 1)
        for i, topic in enumerate(TOPICS)
    ]
    result = wording_auc(train, leaky + twins, embed)
    assert result["a"] > 0.9 and result["b"] > 0.9  # leave-one-set-out
    assert result["leaky"] > 0.9
    assert 0.2 < result["twins"] < 0.8


def test_it_refuses_to_train_on_a_held_out_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert wording_check.main(["--train", "heldout_e_qa"]) == 2
    assert "refusing to train on held-out sets: heldout_e_qa" in capsys.readouterr().err

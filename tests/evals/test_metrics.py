"""The evaluation's arithmetic, checked against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from evals import metrics

# Retrieved list for the retrieval cases: gold documents a and b; b appears twice.
#   rank 1: x   rank 2: a   rank 3: y   rank 4: a   rank 5: b
RANKED = [set(), {"a"}, set(), {"a"}, {"b"}]
GOLD = {"a", "b"}


def test_first_ranks_count_each_gold_item_once() -> None:
    assert metrics.first_ranks(RANKED, GOLD) == {"a": 2, "b": 5}


@pytest.mark.parametrize(("k", "expected"), [(1, 0.0), (2, 1.0), (5, 1.0)])
def test_hit_at_k(k: int, expected: float) -> None:
    assert metrics.hit_at_k(RANKED, GOLD, k) == expected


@pytest.mark.parametrize(("k", "expected"), [(1, 0.0), (3, 0.5), (4, 0.5), (5, 1.0)])
def test_recall_at_k_does_not_count_a_repeated_document_twice(k: int, expected: float) -> None:
    assert metrics.recall_at_k(RANKED, GOLD, k) == expected


def test_mrr_is_the_reciprocal_of_the_first_gold_rank() -> None:
    assert metrics.mrr_at_k(RANKED, GOLD) == 0.5
    assert metrics.mrr_at_k(RANKED, GOLD, k=1) == 0.0
    assert metrics.mrr_at_k([set()] * 10 + [{"a"}], GOLD) == 0.0  # rank 11 is beyond @10


def test_ndcg_by_hand() -> None:
    # DCG = 1/log2(3) + 1/log2(6); ideal (two gold items) = 1/log2(2) + 1/log2(3)
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    ideal = 1 + 1 / math.log2(3)
    assert metrics.ndcg_at_k(RANKED, GOLD) == pytest.approx(dcg / ideal)
    assert metrics.ndcg_at_k([{"a"}, {"b"}], GOLD) == pytest.approx(1.0)
    assert metrics.ndcg_at_k([set(), set()], GOLD) == 0.0


def test_ndcg_ideal_is_capped_at_k() -> None:
    # 12 gold items but only 10 ranks: perfect top 10 is nDCG 1.
    gold = set(range(12))
    assert metrics.ndcg_at_k([{i} for i in range(10)], gold, 10) == pytest.approx(1.0)


def test_retrieval_scores_keys() -> None:
    scores = metrics.retrieval_scores(RANKED, GOLD)
    assert scores["hit@1"] == 0.0 and scores["hit@5"] == 1.0
    assert scores["recall@3"] == 0.5 and scores["mrr@10"] == 0.5
    assert set(scores) >= {"hit@10", "recall@10", "ndcg@10"}


def test_normalise_folds_case_diacritics_and_whitespace() -> None:
    assert metrics.normalise("  Behöver\n  ÅTGÄRDER  ") == "behover atgarder"


def test_quote_overlap_tolerates_damaged_words_but_needs_order() -> None:
    passage = "Socialtjänsten behöver utveckla arbetet med uppföljning av insatser för barn."
    # OCR damage in the quote: "behdver" for "behöver", "f6r" for "för".
    damaged = "Socialtjansten behdver utveckla arbetet med uppföljning av insatser f6r barn"
    assert metrics.quote_overlap(damaged, passage) == pytest.approx(8 / 10)
    scrambled = "barn för insatser av uppföljning med arbetet utveckla"
    assert metrics.quote_overlap(scrambled, passage) < 0.5
    assert metrics.quote_overlap("helt andra ord", passage) == 0.0


def test_key_fact_coverage_with_alternatives_and_folding() -> None:
    answer = "Enligt rapporten ska nämnden följa upp placeringen inom två månader [1]."
    facts = ["Nämnden | socialnämnden", "2 månader | två månader", "vårdnadshavare"]
    assert metrics.fact_present(facts[0], answer)
    assert metrics.fact_present(facts[1], answer)
    assert not metrics.fact_present(facts[2], answer)
    assert metrics.key_fact_coverage(answer, facts) == pytest.approx(2 / 3)
    assert metrics.key_fact_coverage(answer, []) == 1.0
    # Whole words only: "man" is not found inside "månader".
    assert not metrics.fact_present("man", answer)


def _entails_when_all_words_present(claim: str, passages: list[str]) -> bool:
    text = " ".join(passages).lower()
    return all(word in text for word in claim.lower().split())


def test_alce_precision_and_recall_by_hand() -> None:
    sentences = [
        # supported by passage 1 alone; passage 2 is irrelevant (1 suffices without it)
        ("barn har rätt", ["barn har rätt till skydd", "vuxna har ansvar"]),
        # needs both passages: neither alone entails, together they do -> both precise
        ("barn vuxna", ["barn", "vuxna"]),
        # one citation that does not support the claim
        ("katter flyger", ["hundar springer"]),
        # no citation at all: unsupported, adds no citation
        ("ingen källa", []),
    ]
    score = metrics.alce_citation_score(sentences, _entails_when_all_words_present)
    assert (score.sentences, score.supported) == (4, 2)
    assert (score.citations, score.precise) == (5, 3)
    assert score.recall == pytest.approx(0.5)
    assert score.precision == pytest.approx(3 / 5)


def test_alce_on_nothing_is_zero_not_an_error() -> None:
    score = metrics.alce_citation_score([], _entails_when_all_words_present)
    assert score.recall == 0.0 and score.precision == 0.0


def test_abstention_scores_by_hand() -> None:
    # (answerable, abstained): 3 unanswerable (2 abstained), 4 answerable (1 abstained)
    outcomes = [
        (False, True),
        (False, True),
        (False, False),
        (True, True),
        (True, False),
        (True, False),
        (True, False),
    ]
    s = metrics.abstention_score(outcomes)
    assert (s.true_abstain, s.false_abstain, s.missed) == (2, 1, 1)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 / 3)
    assert s.false_abstention_rate == pytest.approx(1 / 4)


def test_abstention_without_unanswerable_questions() -> None:
    s = metrics.abstention_score([(True, False), (True, True)])
    assert s.precision == 0.0 and s.recall == 0.0 and s.f1 == 0.0
    assert s.false_abstention_rate == 0.5


def test_crag_abstaining_beats_inventing() -> None:
    assert metrics.crag_score(answerable=True, abstained=False, correct=True) == 1
    assert metrics.crag_score(answerable=True, abstained=True, correct=False) == 0
    assert metrics.crag_score(answerable=True, abstained=False, correct=False) == -1
    assert metrics.crag_score(answerable=False, abstained=True, correct=False) == 1
    assert metrics.crag_score(answerable=False, abstained=False, correct=True) == -1


def test_percentile_interpolates_like_numpy() -> None:
    import numpy as np

    values = [12.0, 3.0, 7.0, 100.0, 5.0, 9.0]
    for q in (0, 50, 95, 100):
        assert metrics.percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
    assert metrics.percentile([4.0], 95) == 4.0
    assert math.isnan(metrics.percentile([], 50))

"""Answer scoring and summaries on hand-made rows: twins, expected status, status errors."""

from __future__ import annotations

from typing import Any

from evals import answer_eval, datasets


def _twin_row(id_: str, twin: str, *, answerable: bool, abstained: bool, crag: int) -> dict:
    return {
        "id": id_,
        "answerable": answerable,
        "abstained": abstained,
        "crag": crag,
        "tags": {"twin": twin},
    }


def test_twin_pairs_count_pairs_told_apart_and_pairs_both_correct() -> None:
    rows = [
        # told apart, and the answer holds the key facts: both +1
        _twin_row("t1", "t2", answerable=True, abstained=False, crag=1),
        _twin_row("t2", "t1", answerable=False, abstained=True, crag=1),
        # told apart, but the answer missed the asked fact (−1)
        _twin_row("t3", "t4", answerable=False, abstained=True, crag=1),
        _twin_row("t4", "t3", answerable=True, abstained=False, crag=-1),
        # both answered: not told apart, though the answerable twin is right
        _twin_row("t5", "t6", answerable=True, abstained=False, crag=1),
        _twin_row("t6", "t5", answerable=False, abstained=False, crag=-1),
        # both declined
        _twin_row("t7", "t8", answerable=True, abstained=True, crag=0),
        _twin_row("t8", "t7", answerable=False, abstained=True, crag=1),
    ]
    assert answer_eval.twin_pairs(rows) == {
        "pairs": 4,
        "told_apart": 2,
        "both_correct": 1,
        "told_apart_rate": 0.5,
        "both_correct_rate": 0.25,
    }


def test_sets_without_twins_have_no_twin_figures() -> None:
    rows = [_twin_row("a", "b", answerable=True, abstained=False, crag=1)]  # twin not in set
    assert answer_eval.twin_pairs(rows) is None
    for row in rows:
        row["tags"] = {}
    assert answer_eval.twin_pairs(rows) is None


def test_the_expected_status_follows_answerability_and_near_miss() -> None:
    def item(answerable: bool, **tags: Any) -> datasets.EvalItem:
        return datasets.EvalItem("x", "Fråga?", answerable, (), tags=tags)

    assert answer_eval.expected_status(item(True)) == "answered"
    assert answer_eval.expected_status(item(False, near_miss=True)) == "partial"
    assert answer_eval.expected_status(item(False, near_miss=False)) == "declined"
    assert answer_eval.expected_status(item(False, expected_status="partial")) == "partial"


def test_status_summary_counts_the_two_errors_a_reader_meets() -> None:
    rows = [
        {"answerable": True, "status": "answered", "expected_status": "answered"},
        {"answerable": True, "status": "partial", "expected_status": "answered"},
        {"answerable": False, "status": "answered", "expected_status": "partial"},
        {"answerable": False, "status": "partial", "expected_status": "partial"},
        {"answerable": False, "status": "declined", "expected_status": "declined"},
    ]
    status = answer_eval.status_summary(rows)
    assert status["accuracy"] == 0.6
    assert status["answered_while_unanswerable"] == round(1 / 3, 4)
    assert status["wrong_refusals"] == 0.5
    assert status["confusion"] == {
        "answered->answered": 1,
        "answered->partial": 1,
        "declined->declined": 1,
        "partial->answered": 1,
        "partial->partial": 1,
    }


def test_an_answer_quoting_a_source_beside_the_gold_one_counts_half_its_documents_gold() -> None:
    from assistant.models import Answer, Citation
    from evals.gold import DocResolver
    from evals.support import SupportJudge

    def cite(n: int, doc_id: str, quote: str) -> Citation:
        return Citation(
            n=n, doc_id=doc_id, title=doc_id, doc_type="rapport", doc_type_label="Rapport",
            quote=quote, text=quote, chunk_id=f"{doc_id}-0", score=1.0,
        )  # fmt: skip

    answer = Answer(
        answered=True,
        answer="Metodhandledare bör ha en masterexamen [1]. Vaccination rekommenderas [2].",
        language="sv",
        citations=[
            cite(1, "rapport", "Metodhandledare bör ha en masterexamen."),
            cite(2, "faq-covid", "Vaccination rekommenderas."),
        ],
        confidence=0.9,
        question="Vad rekommenderar rapporten om metodhandledare?",
    )
    item = datasets.EvalItem("x", answer.question, True, ("rapport",), key_facts=("masterexamen",))
    resolver = DocResolver({"rapport", "faq-covid"}, {})
    row = answer_eval.score_answer(item, answer, resolver, SupportJudge())
    assert row["cited_docs_gold"] == 0.5 and row["answer_words"] == 7  # markers are not words
    only_gold = {**row, "cited_docs_gold": 1.0, "answer_words": 5}
    # mypy reads the copy as a plain dict, not an AnswerRow
    summary = answer_eval.summarise_answers([row, only_gold])  # type: ignore[list-item]
    assert (summary["cited_docs_gold"], summary["answer_words"]) == (0.75, 6.0)

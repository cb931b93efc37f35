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


def _scored(id_: str, *, answerable: bool, status: str, language: str = "sv", facts: float = 1.0):
    expected = "answered" if answerable else "declined"
    row: dict[str, Any] = {
        "id": id_, "question": f"Fråga {id_}?", "answerable": answerable,
        "abstained": status != "answered", "status": status, "expected_status": expected,
        "confidence": 0.5, "answer": "", "cited_docs": [], "gold_docs": [],
        "timings_ms": {"total": 10.0}, "tags": {}, "language": language,
        "crag": 0, "correct": False,
    }  # fmt: skip
    if answerable:
        row["key_fact_coverage"] = facts if status == "answered" else 0.0
    return row


def test_pooled_counts_every_question_once_development_and_held_out_apart() -> None:
    def entry(rows: list[dict[str, Any]], *, heldout: bool) -> dict[str, Any]:
        return {"heldout": heldout, "answers": {"per_question": rows}}

    datasets_results = {
        "dev_a": entry([_scored("d1", answerable=True, status="answered")], heldout=False),
        "held_a": entry(
            [
                _scored("h1", answerable=True, status="answered", facts=0.5),
                _scored("h2", answerable=True, status="declined"),
                _scored("h3", answerable=False, status="answered", language="en"),
            ],
            heldout=True,
        ),
        "held_b": entry(
            [
                _scored("h4", answerable=False, status="declined"),
                _scored("h5", answerable=True, status="answered", language="en"),
            ],
            heldout=True,
        ),
        "retrieval_only": {"heldout": True},  # no answers: not counted
    }
    pooled = answer_eval.pooled(datasets_results)
    assert set(pooled) == {"development", "held out"}
    held = pooled["held out"]
    assert held["sets"] == ["held_a", "held_b"]
    assert held["all"] == {
        "n": 5,
        "n_answerable": 3,
        "n_unanswerable": 2,
        "status_accuracy": 0.6,  # h1, h4, h5
        "key_fact_coverage_all": 0.5,  # (0.5 + 0 + 1) / 3
        "answered_while_unanswerable": 1,  # h3
        "wrong_refusals": 1,  # h2
        "shown_with_defect": None,  # nothing shown was checked
    }
    assert (held["en"]["n"], held["en"]["answered_while_unanswerable"]) == (2, 1)
    assert (held["sv"]["n"], held["sv"]["wrong_refusals"]) == (3, 1)
    assert pooled["development"]["all"]["n"] == 1


def test_the_pooled_held_out_figures_are_checked_against_the_issues_targets() -> None:
    from evals import targets

    held = answer_eval.pooled(
        {
            "held_a": {
                "heldout": True,
                "answers": {
                    "per_question": [
                        _scored("h1", answerable=True, status="answered"),
                        _scored("h2", answerable=False, status="answered"),
                        _scored("h3", answerable=False, status="declined"),
                    ]
                },
            }
        }
    )
    rows = targets.targets({"datasets": {}, "pooled": held})
    assert [(r["measured"], r["met"]) for r in rows] == [(1.0, True), (0.5, False), (0.0, True)]
    assert rows[1]["what"] == (
        "held-out sets pooled (1 set, 3 questions): answered while unanswerable (1 of 2)"
    )


def test_a_claim_shown_with_repaired_words_is_supported_by_its_source() -> None:
    from assistant.models import Answer, Citation
    from evals.support import SupportJudge

    source = "Géteborgsregionens nétverksmoéten hölls."  # OCR's é for å/ä/ö
    citation = Citation(
        n=1, doc_id="rapport", title="Rapport", doc_type="rapport", doc_type_label="Rapport",
        quote=source, text=source, chunk_id="rapport-0", score=1.0,
    )  # fmt: skip
    answer = Answer(
        answered=True,
        answer="Göteborgsregionens nätverksmöten hölls [1].",  # as display.shown shows it
        language="sv",
        citations=[citation],
        confidence=0.9,
        question="Hölls nätverksmötena?",
    )
    [(claim, cited)] = answer_eval.answer_claims(answer)
    assert len(cited) == 1  # one passage per citation: ALCE's precision reads them one by one
    assert cited[0].startswith(source)  # the source as written is still what is cited
    assert SupportJudge().entails(claim, cited)
    assert not SupportJudge().entails(claim, [source])  # the OCR'd words alone do not carry it

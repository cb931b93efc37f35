"""The gate's thresholds: raised to what was measured, never lowered, never for held-out sets."""

from __future__ import annotations

from evals import gate


def test_thresholds_only_ever_tighten() -> None:
    flat = {
        "d.retrieval.hybrid.doc.hit@5": 0.9857,
        "d.retrieval.bm25_plain.doc.hit@5": 0.7,  # a baseline: reported, not gated
        "d.answers.false_abstention_rate": 0.0833,
        "d.answers.crag_score": 0.40,
        "api.ask.p95_ms": 120.0,  # latency: not gated
        "heldout_qa.answers.crag_score": 0.5,  # held out: reported, never gated
    }
    current = {"min": {"d.answers.crag_score": 0.45}, "max": {}}
    raised = gate.raised_thresholds(flat, current)
    assert raised["min"] == {
        "d.answers.crag_score": 0.45,  # measured lower: the threshold stays, the gate fails
        "d.retrieval.hybrid.doc.hit@5": 0.98,
    }
    assert raised["max"] == {"d.answers.false_abstention_rate": 0.09}
    again = gate.raised_thresholds({**flat, "d.retrieval.hybrid.doc.hit@5": 0.5}, raised)
    assert again["min"]["d.retrieval.hybrid.doc.hit@5"] == 0.98

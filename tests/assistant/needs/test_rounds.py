"""The seven moments of SKR's model, from an inventory round to feedback, over one register.

Run against SQLite and a real PostgreSQL server (the `backend` fixture). The support
finder is a plain function here; tests/assistant/needs/test_support.py runs the real one
over the sample index."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.models import FeedbackIn
from assistant.needs.mining import Candidate
from assistant.needs.schemas import AnalystNeedIn, RoundIn, SupportOffer
from assistant.needs.store import NeedsError, NeedsStore, NotFound
from tests.assistant.needs.helpers import log

TODAY = dt.date.today()
RIKSNORM = "Hur beräknar man försörjningsstöd enligt riksnormen?"


def finder(text: str) -> SupportOffer | None:
    """Stands in for the assistant's search: the riksnorm is answered by a national support."""
    if "riksnorm" not in text.lower():
        return None
    return SupportOffer(doc_id="sos-ekonomiskt-bistand", title="Ekonomiskt bistånd",
                        quote="Riksnormen beräknas …", page=12, status="answered",
                        confidence=0.8)  # fmt: skip


def _round(store: NeedsStore, **kw: object) -> str:
    fields: dict[str, object] = {
        "title": "Ekonomiskt bistånd hösten", "area": "ekonomiskt_bistand",
        "period_from": TODAY - dt.timedelta(days=30), "period_to": TODAY, "owner": "Ann (FoU)",
    }  # fmt: skip
    body = RoundIn(**(fields | kw))  # type: ignore[arg-type]  # the test's own overrides
    return store.start_round(body, actor="ann").id


def test_a_round_runs_through_the_seven_moments(store: NeedsStore) -> None:
    # 1. The round: an area, a period, who runs it, which sources and origins count.
    round_id = _round(store, sources=["plan-2025"])
    first = store.get_round(round_id)
    assert (first.status, first.owner, first.period_to) == ("insamling", "Ann (FoU)", TODAY)
    # 2-3. Needs from questions, feedback, documents and an analyst's own entry.
    for session in ("a", "b", "c"):
        log(store, RIKSNORM, session=session)
    down = store.record_feedback(
        FeedbackIn(question="Kan man bevilja ekonomiskt bistånd till glasögon?",
                   rating="down", session_id="d"),
        top_sources=[], index_version="i", app_version="a",
    )  # fmt: skip
    log(store, "Hur gör man en orosanmälan för ett spädbarn?", session="e")  # other area
    mined = store.record_mined(
        [Candidate(doc_id="plan-2025", source_id="plan-2025", title="Verksamhetsplan",
                   quote="Det saknas kunskap om hur hyresskulder kan förebyggas.", page=4,
                   section=None, formulation="Kunskap om hur hyresskulder kan förebyggas",
                   kind="kunskap", area="ekonomiskt_bistand", score=0.7, doc_hash="p1",
                   rules=("saknas",))],
        {"plan-2025": "p1"},
    )  # fmt: skip
    own = store.add_analyst_need(
        AnalystNeedIn(formulation="Stöd för att motivera unga vuxna till arbete",
                      area="ekonomiskt_bistand", round_id=round_id),
        actor="bo",
    )  # fmt: skip
    assert own.origin == "analytiker" and own.rewritten
    riksnorm_need = next(n.id for n in store.list_needs() if "riksnormen" in n.representative)
    intended = {riksnorm_need, down.need_id, mined.added[0][1], own.id}
    assert len(intended) == 4  # four subjects, four needs (the grouping kept them apart)
    assert store.gather(round_id, actor="ann") == {"added": 3, "in_round": 4}
    assert {x.need.id for x in store.get_round(round_id).needs} == intended
    assert store.gather(round_id, actor="ann")["added"] == 0  # gathering again adds nothing
    gathered = store.get_round(round_id).needs
    origins = sorted(o for x in gathered for o in x.need.origins)
    assert origins == ["analytiker", "dokument", "fråga", "återkoppling"]
    assert all(x.need.area == "ekonomiskt_bistand" for x in gathered)
    # 4. Compiled: the search offers a support for the riksnorm; an analyst sets it aside.
    compiled = store.compile_round(round_id, finder, actor="ann")
    assert compiled.status == "sammanstallning"
    offered = [x for x in compiled.needs if x.support is not None]
    assert [x.need.representative for x in offered] == [RIKSNORM]
    assert offered[0].support is not None and offered[0].support.page == 12
    riksnorm = offered[0].need.id
    store.set_aside(round_id, riksnorm, "Socialstyrelsens stöd om ekonomiskt bistånd, s. 12",
                    actor="ann")  # fmt: skip
    # 5. Prioritised: points per need and decider, with who and when.
    with pytest.raises(NeedsError):
        store.vote(round_id, riksnorm, 5, actor="chef1")  # set aside: not prioritised
    assert down.need_id is not None
    store.vote(round_id, own.id, 3, actor="chef1")
    store.vote(round_id, down.need_id, 2, actor="chef1")
    store.vote(round_id, down.need_id, 4, actor="chef2")
    store.vote(round_id, own.id, 1, actor="chef1")  # a new vote replaces the old one
    ranked = store.get_round(round_id)
    assert ranked.status == "prioritering"
    assert [(x.need.id, x.points) for x in ranked.needs[:2]] == [(down.need_id, 6), (own.id, 1)]
    assert ranked.needs[-1].need.id == riksnorm and ranked.needs[-1].set_aside
    assert [(v.voter, v.points) for v in ranked.needs[0].votes] == [("chef1", 2), ("chef2", 4)]
    assert all(v.at is not None for v in ranked.needs[0].votes)
    # 6. Handed over as a batch: id, date, contents; set aside and under-k needs stay home.
    batch = store.hand_over(round_id, "SKR", actor="ann")
    assert batch.id and batch.created_at.date() == TODAY and batch.recipient == "SKR"
    sent = [c["need_id"] for c in batch.contents]
    assert down.need_id not in sent  # one session: under k = 3
    assert own.id in sent and riksnorm not in sent and len(sent) == 2
    assert batch.withheld == 1
    doc_item = next(c for c in batch.contents if c["origins"] == ["dokument"])
    assert doc_item["sources"] == [{"doc_id": "plan-2025", "title": "Verksamhetsplan",
                                    "page": 4}]  # fmt: skip
    done = store.get_round(round_id)
    assert done.status == "overlamnad" and [b.id for b in done.batches] == [batch.id]
    with pytest.raises(NeedsError):
        store.vote(round_id, own.id, 2, actor="chef1")
    # 7. Feedback: a handed-over need answered by a new support is shown with the round.
    for change in (
        {"status": "granskad"},
        {"status": "bekraftat_behov"},
        {"status": "vidarebefordrad", "forwarded_to": "SKR"},
        {"status": "besvarad", "answer_url": "https://kunskapsguiden.se/ny"},
    ):
        store.update_need(own.id, change, actor="ann")  # fmt: skip
    answered = store.get_round(round_id).answered
    assert [(n.id, n.answer_url) for n in answered] == [(own.id, "https://kunskapsguiden.se/ny")]


def test_a_round_counts_only_its_origins_and_sources(store: NeedsStore) -> None:
    only_docs = _round(store, origins=["dokument"], sources=["other-source"])
    log(store, RIKSNORM, session="a")
    store.record_mined(
        [Candidate(doc_id="plan-2025", source_id="plan-2025", title="Plan",
                   quote="Det saknas kunskap om hyresskulder.", page=1, section=None,
                   formulation="Kunskap om hyresskulder", kind="kunskap",
                   area="ekonomiskt_bistand", score=0.7, doc_hash="p1", rules=())],
        {"plan-2025": "p1"},
    )  # fmt: skip
    assert store.gather(only_docs, actor="ann")["added"] == 0  # neither question nor source
    questions_only = _round(store, origins=["fråga"])
    assert store.gather(questions_only, actor="ann")["added"] == 1


def test_round_errors_are_clear(store: NeedsStore) -> None:
    with pytest.raises(NeedsError, match="område"):
        _round(store, area="nope")
    with pytest.raises(NeedsError, match="perioden"):
        store.start_round(
            RoundIn(title="x", area="aldre", period_from=TODAY, owner="a",
                    period_to=TODAY - dt.timedelta(days=1)),
            actor="ann",
        )  # fmt: skip
    with pytest.raises(NeedsError, match="9999"):
        _round(store, period_to=dt.date.max)
    with pytest.raises(NeedsError, match="ord"):
        store.add_analyst_need(AnalystNeedIn(formulation="   ", area="aldre"), actor="ann")
    with pytest.raises(NotFound):
        store.get_round("nope")
    empty = _round(store)
    with pytest.raises(NeedsError, match="inga behov"):
        store.hand_over(empty, "RSS", actor="ann")

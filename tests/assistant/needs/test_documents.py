"""Needs found in documents in the register: origin, re-runs, changed documents, merging,
review and export. Run against SQLite and a real PostgreSQL server (the `backend` fixture)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import replace

from assistant.needs.export import COLUMNS, export_bytes
from assistant.needs.mining import Candidate
from assistant.needs.store import NeedsStore
from tests.assistant.needs.helpers import log


def cand(quote: str, formulation: str, *, doc: str = "fou-2016", doc_hash: str = "h1",
         page: int | None = 2) -> Candidate:  # fmt: skip
    return Candidate(
        doc_id=doc, source_id=doc, title="Minnesanteckningar från Anna Svensson",
        quote=quote, page=page, section="Från gruppdiskussionerna", formulation=formulation,
        kind="data", area="barn_och_unga", score=0.8, doc_hash=doc_hash, rules=("saknas",),
    )  # fmt: skip


BARN = cand(
    "Barnområdet- saknar data att analysera och jobba med",
    "Barnområdet saknar data att analysera och jobba med",
)
# A different subject: two passages on data lacks ("Barnområdet saknar data", "ASI-data
# används inte") are alike enough for the grouping to join them into one need.
ASI = cand(
    "Det saknas kunskap om hur hemtjänsten kan stödja äldre med demens som bor ensamma.",
    "Kunskap om hur hemtjänsten kan stödja äldre med demens som bor ensamma",
)


def test_candidates_become_needs_of_origin_dokument(store: NeedsStore) -> None:
    result = store.record_mined([BARN, ASI], {"fou-2016": "h1"})
    assert result.counts()["added"] == 2
    needs = store.list_needs()
    assert {n.origin for n in needs} == {"dokument"}
    assert all(n.origins == ["dokument"] and n.question_count == 0 for n in needs)
    barn = next(n for n in needs if "Barnområdet" in n.representative)
    (source,) = barn.documents
    assert source.quote == BARN.quote and source.page == 2 and source.doc_id == "fou-2016"
    assert source.title == "Minnesanteckningar från [NAMN]"  # redacted like everything else
    assert barn.area == "barn_och_unga"


def test_mining_an_unchanged_corpus_again_adds_nothing(store: NeedsStore) -> None:
    store.record_mined([BARN, ASI], {"fou-2016": "h1"})
    before = [(n.id, n.representative) for n in store.list_needs()]
    again = store.record_mined([BARN, ASI], {"fou-2016": "h1"})
    assert again.counts() == {
        "added": 0, "updated": 0, "unchanged": 2, "removed": 0, "needs_removed": 0,
    }  # fmt: skip
    assert [(n.id, n.representative) for n in store.list_needs()] == before


def test_a_changed_document_updates_its_candidates(store: NeedsStore) -> None:
    store.record_mined([BARN, ASI], {"fou-2016": "h1"})
    asi_need = next(n.id for n in store.list_needs() if "demens" in n.representative)
    store.update_need(asi_need, {"status": "granskad"}, actor="ann")  # an analyst acted on it
    moved = replace(BARN, page=5, doc_hash="h2")
    new = cand(
        "Det saknas forskning om vilka specifika insatser som ger vilka effekter.",
        "Det saknas forskning om vilka insatser som ger vilka effekter",
        doc_hash="h2",
    )
    result = store.record_mined([moved, new], {"fou-2016": "h2"})
    assert result.counts() == {
        "added": 1, "updated": 1, "unchanged": 0, "removed": 1, "needs_removed": 0,
    }  # fmt: skip
    needs = {n.representative: n for n in store.list_needs()}
    assert needs["Barnområdet saknar data att analysera och jobba med"].documents[0].page == 5
    # The dementia passage is gone from the document, but an analyst had reviewed its need: the
    # need stays (without the passage) for the analyst to decide on.
    assert store.get_need(asi_need).status == "granskad"
    assert store.get_need(asi_need).documents == []
    # An untouched need that only a removed passage stated goes with it.
    gone = store.record_mined([moved], {"fou-2016": "h3"})
    assert gone.counts()["removed"] == 1 and gone.counts()["needs_removed"] == 1
    assert all("forskning" not in n.representative for n in store.list_needs())


def test_a_document_need_joins_the_question_need_on_the_same_subject(
    store: NeedsStore,
) -> None:
    log(store, "Hur beräknar man försörjningsstöd enligt riksnormen?", session="a")
    log(store, "När ska man göra en lex Sarah-rapport?", session="b")
    same = cand(
        "Det saknas stöd i hur man beräknar försörjningsstöd enligt riksnormen.",
        "Hur man beräknar försörjningsstöd enligt riksnormen",
        doc="plan-2025",
    )
    result = store.record_mined([same], {"plan-2025": "p1"})
    (added,) = result.added
    need = store.get_need(added[1])
    assert "riksnormen" in need.representative and need.question_count == 1
    assert need.origins == ["fråga", "dokument"] and need.origin == "fråga"
    assert len(store.list_needs()) == 2  # no third need


def test_document_needs_are_reviewed_and_exported_with_their_source(
    store_factory: Callable[..., NeedsStore],
) -> None:
    store = store_factory()  # k = 3 by default: no chat session raised these
    store.record_mined([BARN], {"fou-2016": "h1"})
    need = store.list_needs()[0]
    store.update_need(need.id, {"status": "granskad"}, actor="ann")
    detail = store.update_need(need.id, {"status": "bekraftat_behov"}, actor="bo")
    assert detail.status == "bekraftat_behov"
    text = export_bytes(store, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    (row,) = [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]
    assert row["behov (formulering)"] == BARN.formulation
    assert row["exempel"] == f"”{BARN.quote}”"
    assert "Källa: Minnesanteckningar från [NAMN] (fou-2016, s. 2)" in row["kommentar"]


def test_merging_moves_the_passages(store: NeedsStore) -> None:
    store.record_mined([BARN, ASI], {"fou-2016": "h1"})
    a, b = (n.id for n in store.list_needs())
    merged = store.merge(a, [b], actor="ann")
    assert len(merged.documents) == 2
    # Mining again finds both passages where they are now: nothing is added or removed.
    assert store.record_mined([BARN, ASI], {"fou-2016": "h1"}).counts()["unchanged"] == 2

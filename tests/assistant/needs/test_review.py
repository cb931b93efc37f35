"""Review: statuses, edits and notes, each audited.

Run against SQLite and a real PostgreSQL server (the `backend` fixture)."""

from __future__ import annotations

import pytest

from assistant.needs.store import NeedsError, NeedsStore
from tests.assistant.needs.helpers import PNR, log


def test_review_workflow_with_audit(store: NeedsStore) -> None:
    log(store, "Vilka insatser finns för spelberoende?")
    need_id = store.list_needs()[0].id
    with pytest.raises(NeedsError):  # cannot skip review
        store.update_need(need_id, {"status": "vidarebefordrad"}, actor="ann")
    store.update_need(need_id, {"status": "granskad", "assignee": "ann"}, actor="ann")
    store.update_need(need_id, {"status": "bekraftat_behov"}, actor="bo")
    with pytest.raises(NeedsError, match="mottagare"):
        store.update_need(need_id, {"status": "vidarebefordrad"}, actor="bo")
    store.update_need(need_id, {"status": "vidarebefordrad", "forwarded_to": "RSS"}, actor="bo")
    with pytest.raises(NeedsError, match="länk"):
        store.update_need(need_id, {"status": "besvarad"}, actor="bo")
    detail = store.update_need(
        need_id,
        {"status": "besvarad", "answer_url": "https://kunskapsguiden.se/x", "note": "Klart"},
        actor="bo",
    )
    assert detail.status == "besvarad" and detail.status_label == "besvarad"
    moves = [(a.actor, a.detail.get("old"), a.detail.get("new")) for a in detail.audit
             if a.action == "status"]  # fmt: skip
    assert moves == [
        ("ann", "ny", "granskad"),
        ("bo", "granskad", "bekraftat_behov"),
        ("bo", "bekraftat_behov", "vidarebefordrad"),
        ("bo", "vidarebefordrad", "besvarad"),
    ]
    assert all(a.at is not None for a in detail.audit)
    assert [n.text for n in detail.notes] == ["Klart"]


def test_reject_needs_a_reason(store: NeedsStore) -> None:
    log(store, "Vad är meningen med livet?")
    need_id = store.list_needs()[0].id
    with pytest.raises(NeedsError, match="skäl"):
        store.update_need(need_id, {"status": "avvisad"}, actor="ann")
    detail = store.update_need(
        need_id, {"status": "avvisad", "reject_reason": "utanfor_uppdraget"}, actor="ann"
    )
    assert detail.reject_reason == "utanfor_uppdraget"


def test_notes_are_redacted(store: NeedsStore) -> None:
    log(store, "Hur fungerar korttidsvistelse enligt LSS?")
    need_id = store.list_needs()[0].id
    store.add_note(need_id, f"Kollade med mamman Fatima, {PNR}", actor="ann")
    assert store.get_need(need_id).notes[0].text == "Kollade med mamman [NAMN], [PERSONNUMMER]"

"""Merge and split by hand.

Run against SQLite and a real PostgreSQL server (the `backend` fixture)."""

from __future__ import annotations

import pytest

from assistant.needs.schemas import NeedFilter
from assistant.needs.store import NeedsError, NeedsStore
from tests.assistant.needs.helpers import log


def test_merge_and_split(store: NeedsStore) -> None:
    log(store, "Hur beräknar man försörjningsstöd enligt riksnormen?", session="a")
    log(store, "När ska man göra en lex Sarah-rapport?", session="b")
    a, b = (n.id for n in store.list_needs(NeedFilter(sort="first_seen")))
    merged = store.merge(a, [b], actor="ann")
    assert merged.question_count == 2 and merged.session_count == 2
    assert [n.id for n in store.list_needs()] == [a]
    assert store.list_needs(NeedFilter(include_merged=True))[1].id == b
    lex = [q.id for q in merged.questions if "Sarah" in q.text]
    new = store.split(a, lex, actor="ann")
    assert new.question_count == 1 and new.session_count == 1 and new.id != a
    assert "Sarah" in new.representative
    left = store.get_need(a)
    assert left.question_count == 1 and left.session_count == 1
    assert {e.action for e in left.audit} >= {"merge", "split"}
    with pytest.raises(NeedsError):
        store.split(a, [q.id for q in left.questions], actor="ann")  # would empty the need

"""Retention: raw questions go, needs and counters stay.

Run against SQLite and a real PostgreSQL server (the `backend` fixture)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from assistant.needs.store import NeedsStore
from tests.assistant.needs.helpers import log


def test_retention_deletes_questions_but_keeps_needs(
    store_factory: Callable[..., NeedsStore],
) -> None:
    store = store_factory(needs={"retention_days": 30})
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    log(store, "Hur bedömer man behov av särskilt boende för äldre?", now=old, session="a")
    log(store, "Hur bedömer man behov av särskilt boende för äldre?", session="b")
    counts = store.purge(actor="admin")
    assert counts["questions"] == 1
    need = store.list_needs()[0]
    assert need.question_count == 2 and need.session_count == 2
    assert len(store.get_need(need.id).questions) == 1
    # A new question still finds the need after its old questions are gone.
    log(store, "Hur bedömer man behov av särskilt boende för äldre?", session="c")
    assert [n.question_count for n in store.list_needs()] == [3]

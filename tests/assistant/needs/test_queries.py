"""Reading the register: filters, one need, statistics.

Run against SQLite and a real PostgreSQL server (the `backend` fixture)."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.needs.schemas import NeedFilter
from assistant.needs.store import NeedsStore, NotFound
from tests.assistant.needs.helpers import log


def test_unknown_need(store: NeedsStore) -> None:
    with pytest.raises(NotFound):
        store.get_need("nope")


def test_filters(store: NeedsStore) -> None:
    log(store, "Vilka insatser finns för spelberoende?", reason="low_confidence")
    log(store, "Hur beräknar man försörjningsstöd enligt riksnormen?")
    assert len(store.list_needs(NeedFilter(reason="low_confidence"))) == 1
    assert len(store.list_needs(NeedFilter(area="ekonomiskt_bistand"))) == 1
    assert len(store.list_needs(NeedFilter(status="granskad"))) == 0
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert store.list_needs(NeedFilter(since=tomorrow)) == []
    stats = store.stats()
    assert sum(stats.per_area.values()) == 2 and stats.top[0].question_count == 1


def test_needs_no_question_placed_are_counted_as_unsure_in_the_stats(store: NeedsStore) -> None:
    log(store, "Hur beräknar man försörjningsstöd enligt riksnormen?")
    assert "osäker" not in store.stats().per_area  # only shown when there is one

    log(store, "Hur ska vi tänka kring detta ärende?")
    per_area = store.stats().per_area
    assert per_area["osäker"] == 1 and per_area["ekonomiskt_bistand"] == 1
    assert list(per_area)[-1] == "osäker"  # after the areas

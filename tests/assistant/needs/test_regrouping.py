"""Regrouping needs nobody has touched.

Run against SQLite and a real PostgreSQL server (the `backend` fixture)."""

from __future__ import annotations

from collections.abc import Callable

from assistant.needs.store import NeedsStore
from tests.assistant.needs.helpers import log


def test_regroup_joins_needs_split_by_a_strict_threshold(
    store_factory: Callable[..., NeedsStore],
) -> None:
    strict = store_factory(needs={"group_similarity": 0.99})
    log(strict, "Hur beräknar man försörjningsstöd enligt riksnormen?")
    log(strict, "Vilka poster ingår i riksnormen för ekonomiskt bistånd?")
    assert len(strict.list_needs()) == 2
    normal = store_factory()
    result = normal.regroup(actor="cli")
    assert result == {"questions": 2, "needs_before": 2, "needs_after": 1}
    assert [n.question_count for n in normal.list_needs()] == [2]

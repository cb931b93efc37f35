"""Needs that may be one need in other words, offered for merging.

Run against SQLite and a real PostgreSQL server (the `backend` fixture), with the real
embedding. A strict grouping keeps every question its own need here, as the register does
with paraphrases that share few words."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from assistant.needs import grouping
from assistant.needs.schemas import NeedFilter
from assistant.needs.store import NeedsStore, NotFound
from tests.assistant.needs.helpers import log

RIKSNORM = "Hur beräknar man försörjningsstöd enligt riksnormen?"
RIKSNORM_AGAIN = "Vilka kostnader täcker riksnormen i ekonomiskt bistånd?"
LEX_SARAH = "När ska personalen göra en lex Sarah-rapport om ett missförhållande?"


def _needs(store: NeedsStore) -> dict[str, str]:
    return {n.representative: n.id for n in store.list_needs(NeedFilter(sort="first_seen"))}


def test_a_need_in_other_words_is_offered_and_an_unrelated_one_is_not(
    store_factory: Callable[..., NeedsStore],
) -> None:
    store = store_factory(
        needs={"group_centred_threshold": 5.0}
    )  # every question a need of its own
    for n, question in enumerate([RIKSNORM, RIKSNORM_AGAIN, LEX_SARAH]):
        log(store, question, session=f"s{n}")
    ids = _needs(store)
    assert len(ids) == 3
    offered = store.similar_needs(ids[RIKSNORM])
    assert [o.id for o in offered] == [ids[RIKSNORM_AGAIN]]
    assert offered[0].score >= store.settings.needs.similar_floor
    assert offered[0].area == "ekonomiskt_bistand" and offered[0].question_count == 1
    # Merged away, it is offered no more, and a merged need is offered nothing.
    store.merge(ids[RIKSNORM], [ids[RIKSNORM_AGAIN]], actor="ann")
    assert store.similar_needs(ids[RIKSNORM]) == []
    assert store.similar_needs(ids[RIKSNORM_AGAIN]) == []
    with pytest.raises(NotFound):
        store.similar_needs("finns-inte")


def test_the_settings_bound_how_many_and_how_alike(
    store_factory: Callable[..., NeedsStore],
) -> None:
    store = store_factory(needs={"group_centred_threshold": 5.0, "similar_floor": -1.0})
    for n, question in enumerate([RIKSNORM, RIKSNORM_AGAIN, LEX_SARAH]):
        log(store, question, session=f"s{n}")
    ids = _needs(store)
    everything = store.similar_needs(ids[RIKSNORM])
    assert [o.id for o in everything] == [ids[RIKSNORM_AGAIN], ids[LEX_SARAH]]
    assert everything[0].score > everything[1].score
    none = store_factory(needs={"group_centred_threshold": 5.0, "similar_limit": 0})
    assert none.similar_needs(ids[RIKSNORM]) == []


def test_similar_ranks_by_average_similarity_plus_shared_words() -> None:
    def unit(*xs: float) -> np.ndarray:
        v = np.array(xs, dtype=np.float32)
        return v / np.linalg.norm(v)

    words = [frozenset({"riksnorm"})]
    near = grouping.Candidate("near", unit(1, 0.2, 0), [frozenset({"annat"})])
    worded = grouping.Candidate("worded", unit(1, 0.6, 0), [frozenset({"riksnorm"})])
    far = grouping.Candidate("far", unit(0, 0, 1), [frozenset({"riksnorm"})])
    got = grouping.similar(unit(1, 0, 0), words, [far, near, worded], limit=2, floor=0.5)
    # worded: 0.857 + 0.15 word bonus beats near: 0.981; far: 0 + 0.15 is under the floor.
    assert [k for k, _ in got] == ["worded", "near"]
    assert grouping.similar(unit(1, 0, 0), words, [far], limit=2, floor=0.5) == []

"""Logging questions and ratings into the register.

Run against SQLite and a real PostgreSQL server (the `backend` fixture)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from assistant.models import FeedbackIn
from assistant.needs.db import Feedback, Question
from assistant.needs.store import NeedsError, NeedsStore
from tests.assistant.needs.helpers import PNR, SOURCES, all_stored_text, log


def test_health_names_backend(store: NeedsStore, backend: str) -> None:
    health = store.health()
    assert health["ok"] is True
    assert health["backend"] == backend


def test_log_question_redacts_before_storage(store: NeedsStore) -> None:
    log(
        store,
        f"Min klient Anna Svensson, {PNR}, tel 070-123 45 67, anna.s@example.se, bor på "
        "Storgatan 12. Hur gör vi orosanmälan?",
        comment="Ring Per Olsson på 08-123 456 78",
    )
    stored = all_stored_text(store)
    for secret in ("Anna", "Svensson", PNR, "9876", "070-123", "example.se", "Storgatan",
                   "Olsson", "08-123"):  # fmt: skip
        assert secret not in stored, secret
    assert "[PERSONNUMMER]" in stored and "[NAMN]" in stored and "orosanmälan" in stored


def test_record_has_every_field_and_session_is_hashed(store: NeedsStore) -> None:
    qid = log(store, "Hur beräknas riksnormen för ekonomiskt bistånd?", session="chat-42")
    with store.engine.connect() as conn:
        row = conn.execute(select(Question).where(Question.id == qid)).mappings().one()
    assert row["language"] == "sv"
    assert row["reason"] == "no_evidence"
    assert row["area"] == "ekonomiskt_bistand"
    assert row["top_sources"] == [{"doc_id": "sos-bbic", "title": "BBIC", "score": 0.71}]
    assert row["index_version"] == "kunskap_abc123" and row["app_version"] == "0.1.0"
    assert row["created_at"] is not None
    assert row["session_hash"] and "chat-42" not in row["session_hash"]
    assert len(row["session_hash"]) == 64


def test_similar_questions_form_one_need_with_counts(store: NeedsStore) -> None:
    log(store, "Hur beräknar man försörjningsstöd enligt riksnormen?", session="a")
    log(store, "Hur räknar man ut riksnormen för försörjningsstöd?", session="b")
    log(store, "Hur beräknar man försörjningsstöd enligt riksnormen?", session="a")
    log(store, "När ska man göra en lex Sarah-rapport?", session="c")
    needs = store.list_needs()
    assert [n.question_count for n in needs] == [3, 1]
    top = needs[0]
    assert top.session_count == 2
    assert top.area == "ekonomiskt_bistand"
    assert top.reasons == {"no_evidence": 3}
    assert top.first_seen <= top.last_seen
    assert len(top.examples) == 2  # the repeated wording is shown once


def test_reason_is_checked(store: NeedsStore) -> None:
    with pytest.raises(NeedsError):
        log(store, "fråga", reason="bored")


def test_feedback_is_stored_and_down_becomes_a_need(store: NeedsStore) -> None:
    up = store.record_feedback(
        FeedbackIn(question="Vad är BBIC?", rating="up", session_id="x"),
        top_sources=SOURCES, index_version="i", app_version="a",
    )  # fmt: skip
    assert up.stored and up.need_id is None
    down = store.record_feedback(
        FeedbackIn(
            question="Hur länge får en barnavårdsutredning pågå?",
            rating="down",
            comment=f"Gäller Kalle {PNR}",
            answer="Svaret nämnde Kalle",
            session_id="x",
        ),
        top_sources=SOURCES, index_version="i", app_version="a",
    )  # fmt: skip
    assert down.stored and down.need_id
    need = store.get_need(down.need_id)
    assert need.reasons == {"negative_feedback": 1}
    assert need.questions[0].comment == "Gäller [NAMN] [PERSONNUMMER]"
    with store.engine.connect() as conn:
        rows = conn.execute(select(Feedback.rating, Feedback.answer)).all()
    assert sorted(r[0] for r in rows) == ["down", "up"]
    assert "Kalle" not in all_stored_text(store)


def test_errors_never_carry_the_question(store: NeedsStore) -> None:
    store.engine.dispose()
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE need_sessions"))
    with pytest.raises(Exception) as info:
        log(store, "Min klient Anna Hemlig har en fråga om LVU")
    assert "Hemlig" not in str(info.value) and "Anna" not in str(info.value)


def test_concurrent_writers(store_factory: Callable[..., NeedsStore]) -> None:
    stores = [store_factory() for _ in range(4)]
    errors: list[BaseException] = []

    def work(s: NeedsStore, n: int) -> None:
        try:
            for i in range(5):
                log(s, f"Fråga nummer {n}-{i} om hemtjänst för äldre", session=f"s{n}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s, n)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(n.question_count for n in stores[0].list_needs()) == 20
    assert stores[0].health()["questions"] == 20


def test_a_question_naming_no_area_is_filed_as_unsure_until_one_does(store: NeedsStore) -> None:
    first = log(store, "Hur ska vi tänka kring detta ärende?", session="a")
    with store.engine.connect() as conn:
        area = conn.execute(select(Question.area).where(Question.id == first)).scalar_one()
    assert area == "osäker"
    assert [n.area for n in store.list_needs()] == ["osäker"]

    log(store, "Hur ska vi tänka kring detta LVU-ärende?", session="b")
    needs = store.list_needs()
    assert len(needs) == 1 and needs[0].question_count == 2  # the same need...
    assert needs[0].area == "barn_och_unga"  # ...now filed under the area one question named
    assert needs[0].areas == {"osäker": 1, "barn_och_unga": 1}

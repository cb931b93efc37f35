"""The needs store, run against SQLite and a real PostgreSQL server (parametrised)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from assistant.models import FeedbackIn
from assistant.needs.db import Feedback, Question
from assistant.needs.schemas import NeedFilter
from assistant.needs.store import NeedsError, NeedsStore, NotFound

PNR = "19811218-9876"  # Luhn-valid
SOURCES = [{"doc_id": "sos-bbic", "title": "BBIC", "score": 0.71}]


def log(store: NeedsStore, question: str, session: str | None = "s1", **kw: object) -> str:
    """Log a question; returns the question record's id."""
    args: dict[str, object] = {
        "question": question,
        "language": "sv",
        "reason": "no_evidence",
        "top_sources": SOURCES,
        "session_id": session,
        "index_version": "kunskap_abc123",
        "app_version": "0.1.0",
    }
    args.update(kw)
    return store.log_question(**args).question_id  # type: ignore[arg-type]  # kw is loose


# Random ids and hashes (uuid4, sha256 hex) hold any four digits now and then: "9876" of the
# personnummer turned up inside one once. They cannot leak what was asked, so they are
# left out of the text searched for leaks.
_RANDOM_IDS = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{32,}\b"
)


def all_stored_text(store: NeedsStore) -> str:
    """Every text column of every table, as one string (to search for leaks), with random
    ids and hashes replaced by "<id>"."""
    parts: list[str] = []
    with store.engine.connect() as conn:
        for table in ("questions", "needs", "feedback", "notes", "audit_log", "need_sessions"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                parts.extend(str(v) for v in row)
    return _RANDOM_IDS.sub("<id>", "\n".join(parts))


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


def test_unknown_need(store: NeedsStore) -> None:
    with pytest.raises(NotFound):
        store.get_need("nope")


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

"""The needs store: log unanswered questions as candidate knowledge needs, review them.

Every text is redacted *inside* the store (``log_question``, ``record_feedback``, notes),
so no caller can write personal data by forgetting to. Chat sessions are kept only as a
salted HMAC. Errors raised from here never carry question text: the engine hides SQL
parameters and our own messages name ids, not content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from assistant.models import FeedbackIn, FeedbackResult
from assistant.needs import grouping
from assistant.needs import redact as _redaction
from assistant.needs.areas import AreaClassifier
from assistant.needs.db import (
    AuditEntry,
    Feedback,
    Need,
    NeedSession,
    Note,
    Question,
    User,
    utcnow,
)
from assistant.needs.schemas import (
    REASONS,
    REJECT_REASONS,
    STATUSES,
    TRANSITIONS,
    AuditPublic,
    NeedDetail,
    NeedFilter,
    NeedPublic,
    NotePublic,
    QuestionPublic,
    Reason,
    SourceHit,
    Stats,
)
from kunskap.domain import AREAS
from kunskap.limits import MAX_QUESTION_CHARS
from kunskap.settings import Settings
from kunskap.text import strip_control

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


# Everything text that enters the register passes these two: control characters (a NUL
# would be exported raw in the CSV, and PostgreSQL refuses it) go before redaction.
def redact(text: str) -> _redaction.Redaction:
    return _redaction.redact(strip_control(text))


def redact_text(text: str | None) -> str | None:
    return None if text is None else redact(text).text


EXAMPLES_PER_NEED = 3
Embed = Callable[[list[str]], np.ndarray]


class LoggedQuestion(NamedTuple):
    question_id: str
    need_id: str


class NeedsError(Exception):
    """A request the store refuses (unknown id, forbidden status change). Safe to show."""


class NotFound(NeedsError):
    pass


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (``alembic upgrade head``), in code."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def make_engine(url: str) -> Engine:
    """An engine that never puts SQL parameters (question text) into error messages."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, hide_parameters=True, connect_args={"timeout": 30, "check_same_thread": False}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets readers work while one process writes; busy_timeout makes concurrent
            # writers wait instead of failing with "database is locked".
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            # Take the write lock at the start: a deferred transaction that reads and then
            # writes can fail at once with SQLITE_BUSY, which busy_timeout cannot cure.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, hide_parameters=True, pool_pre_ping=True)


def _vector_bytes(v: np.ndarray) -> bytes:
    return np.asarray(v, dtype=np.float32).tobytes()


def _vector(b: bytes | None) -> np.ndarray | None:
    return None if b is None else np.frombuffer(b, dtype=np.float32).copy()


def _clean_sources(top_sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for s in top_sources[:10]:
        try:
            score = round(float(s.get("score", 0.0)), 4)
        except (TypeError, ValueError):
            score = 0.0
        out.append(
            {
                "doc_id": str(s.get("doc_id", ""))[:200],
                # Titles come from the corpus, but redact anyway: a meeting note may be
                # titled with a name, and this costs nothing.
                "title": redact(str(s.get("title", ""))[:300]).text,
                "score": score,
            }
        )
    return out


def _audit_public(entry: AuditEntry) -> AuditPublic:
    return AuditPublic(
        id=entry.id,
        need_id=entry.need_id,
        actor=entry.actor,
        action=entry.action,
        detail=entry.detail or {},
        at=entry.at,
    )


class NeedsStore:
    def __init__(
        self,
        engine: Engine,
        *,
        settings: Settings,
        salt: bytes,
        embed: Embed | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self._salt = salt
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._embed_fn = embed
        self._centring: grouping.Centring | None = None
        self._classifier: AreaClassifier | None = None

    # --- construction --------------------------------------------------------------------

    @classmethod
    def from_settings(cls, settings: Settings, *, embed: Embed | None = None) -> NeedsStore:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.sqlalchemy_url)
        upgrade(engine)
        if settings.needs.session_salt is not None:
            salt = settings.needs.session_salt.get_secret_value().encode()
        else:
            salt = _persistent_secret(settings.data_dir / "needs_session_salt")
        return cls(engine, settings=settings, salt=salt, embed=embed)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def backend(self) -> Literal["sqlite", "postgresql"]:
        return "postgresql" if self.engine.dialect.name == "postgresql" else "sqlite"

    def health(self) -> dict[str, Any]:
        try:
            with self._sessions() as s:
                s.execute(text("SELECT 1"))
                needs = s.scalar(select(func.count()).select_from(Need)) or 0
                questions = s.scalar(select(func.count()).select_from(Question)) or 0
            return {"ok": True, "backend": self.backend, "needs": needs, "questions": questions}
        except Exception as exc:  # health must answer, not raise
            return {"ok": False, "backend": self.backend, "error": type(exc).__name__}

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    # --- embedding and classification ----------------------------------------------------

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self._embed_fn is None:
            from ingest.embedding import build_embedding, embed_queries

            model = build_embedding(self.settings)
            self._embed_fn = lambda batch: embed_queries(model, batch)
        return self._embed_fn(texts)

    def warm_up(self) -> None:
        """Embed the reference questions now, so the first logged need does not wait for it."""
        _ = self.centring.mean
        self.classifier.classify("Vilket stöd finns för barn och unga i familjehem?")

    @property
    def centring(self) -> grouping.Centring:
        if self._centring is None:
            self._centring = grouping.Centring(self._embed)
        return self._centring

    @property
    def classifier(self) -> AreaClassifier:
        if self._classifier is None:
            self._classifier = AreaClassifier(self._embed)
        return self._classifier

    @property
    def threshold(self) -> float:
        return grouping.effective_threshold(self.settings.needs.group_similarity)

    def session_hash(self, session_id: str | None) -> str | None:
        if not session_id:
            return None
        return hmac.new(self._salt, session_id.encode(), hashlib.sha256).hexdigest()

    # --- logging questions ---------------------------------------------------------------

    def log_question(
        self,
        *,
        question: str,
        language: str,
        reason: Reason,
        top_sources: list[dict[str, Any]],
        session_id: str | None,
        index_version: str,
        app_version: str,
        comment: str | None = None,
        now: dt.datetime | None = None,
    ) -> LoggedQuestion:
        """Redact, classify and group one question; returns its record's id and the id of
        the need it joined (the one ``/api/needs/{id}`` finds)."""
        if reason not in REASONS:
            raise NeedsError(f"unknown reason {reason!r}")
        text_ = redact(question[:MAX_QUESTION_CHARS]).text.strip() or "(tom fråga)"
        comment_ = redact_text(comment[:MAX_QUESTION_CHARS] if comment else None)
        raw = self.centring.raw([text_])[0]
        vector = self.centring.centre(raw)
        area = self.classifier.classify(text_, raw)
        words = grouping.stems(text_)
        at = now or utcnow()
        session_hash = self.session_hash(session_id)
        question_id = str(uuid.uuid4())
        with self._tx() as s:
            need = self._assign(s, vector, words)
            if need is None:
                need = Need(
                    id=str(uuid.uuid4()),
                    representative=text_,
                    area=area,
                    areas={},
                    status="ny",
                    reasons={},
                    question_count=0,
                    session_count=0,
                    first_seen=at,
                    last_seen=at,
                    centroid=_vector_bytes(vector),
                    centroid_n=1,
                    locked=False,
                    created_at=at,
                    updated_at=at,
                )
                s.add(need)
                s.flush()
            else:
                centroid = _vector(need.centroid)
                n = need.centroid_n
                need.centroid = _vector_bytes(
                    vector if centroid is None else grouping.add_to_centroid(centroid, n, vector)
                )
                need.centroid_n = n + 1
                need.first_seen = min(need.first_seen, at)
                need.last_seen = max(need.last_seen, at)
            # JSON columns are replaced, not mutated, so the change is noticed.
            need.areas = dict(Counter(need.areas or {}) + Counter({area: 1}))
            need.area = (
                max(need.areas, key=lambda a: need.areas[a]) if not need.locked else need.area
            )
            need.reasons = dict(Counter(need.reasons or {}) + Counter({reason: 1}))
            s.add(
                Question(
                    id=question_id,
                    need_id=need.id,
                    text=text_,
                    language=(language or "sv")[:8],
                    area=area,
                    reason=reason,
                    top_sources=_clean_sources(top_sources),
                    session_hash=session_hash,
                    index_version=index_version[:120],
                    app_version=app_version[:60],
                    comment=comment_,
                    embedding=_vector_bytes(raw),
                    created_at=at,
                )
            )
            s.flush()
            # Counters are updated in SQL so that two writers cannot lose an increment.
            s.execute(
                update(Need)
                .where(Need.id == need.id)
                .values(question_count=Need.question_count + 1)
            )
            if session_hash:
                self._add_session(s, need.id, session_hash)
            need_id = need.id
        return LoggedQuestion(question_id, need_id)

    def _add_session(self, s: Session, need_id: str, session_hash: str) -> None:
        known = s.scalar(
            select(NeedSession.id).where(
                NeedSession.need_id == need_id, NeedSession.session_hash == session_hash
            )
        )
        if known is None:
            s.add(NeedSession(need_id=need_id, session_hash=session_hash))
            s.flush()
            s.execute(
                update(Need).where(Need.id == need_id).values(session_count=Need.session_count + 1)
            )

    def _assign(self, s: Session, vector: np.ndarray, words: frozenset[str]) -> Need | None:
        rows = s.execute(
            select(Need.id, Need.centroid).where(
                Need.merged_into.is_(None), Need.centroid.is_not(None)
            )
        ).all()
        if not rows:
            return None
        ids = [r[0] for r in rows]
        matrix = np.stack([np.frombuffer(r[1] or b"", dtype=np.float32) for r in rows])
        sims = matrix @ vector
        order = [
            i for i in np.argsort(-sims)[:5] if sims[i] + grouping.WORD_WEIGHT >= self.threshold
        ]
        candidates = []
        for i in order:
            texts = s.scalars(
                select(Question.text)
                .where(Question.need_id == ids[i])
                .order_by(Question.created_at.desc())
                .limit(8)
            ).all()
            rep = s.scalar(select(Need.representative).where(Need.id == ids[i])) or ""
            candidates.append(
                grouping.Candidate(ids[i], matrix[i], [grouping.stems(t) for t in [rep, *texts]])
            )
        key, _ = grouping.best_match(vector, words, candidates, self.threshold)
        return None if key is None else s.get(Need, key)

    def record_feedback(
        self,
        feedback: FeedbackIn,
        *,
        top_sources: list[dict[str, Any]],
        index_version: str,
        app_version: str,
    ) -> FeedbackResult:
        """Store every rating (redacted); a thumbs-down is also logged as a question."""
        question_id: str | None = None
        need_id: str | None = None
        if feedback.rating == "down":
            logged = self.log_question(
                question=feedback.question,
                language=feedback.language or "sv",
                reason="negative_feedback",
                top_sources=top_sources,
                session_id=feedback.session_id,
                index_version=index_version,
                app_version=app_version,
                comment=feedback.comment,
            )
            question_id, need_id = logged
        with self._tx() as s:
            s.add(
                Feedback(
                    id=str(uuid.uuid4()),
                    rating=feedback.rating,
                    question=redact(feedback.question).text,
                    comment=redact_text(feedback.comment),
                    answer=redact_text(feedback.answer),
                    cited_doc_ids=[str(d)[:200] for d in feedback.cited_doc_ids[:20]],
                    language=(feedback.language or None),
                    session_hash=self.session_hash(feedback.session_id),
                    question_id=question_id,
                    need_id=need_id,
                    index_version=index_version[:120],
                    app_version=app_version[:60],
                )
            )
        return FeedbackResult(stored=True, need_id=need_id)

    # --- reading -------------------------------------------------------------------------

    def _public(self, need: Need, examples: list[str]) -> NeedPublic:
        return NeedPublic(
            id=need.id,
            representative=need.representative,
            area=need.area,
            area_label=AREAS.get(need.area, need.area),
            areas=dict(need.areas or {}),
            status=need.status,
            status_label=STATUSES.get(need.status, need.status),
            reject_reason=need.reject_reason,
            assignee=need.assignee,
            target_group=need.target_group,
            support_type=need.support_type,
            forwarded_to=need.forwarded_to,
            answer_url=need.answer_url,
            reasons=dict(need.reasons or {}),
            question_count=need.question_count,
            session_count=need.session_count,
            first_seen=need.first_seen,
            last_seen=need.last_seen,
            examples=examples,
            locked=need.locked,
        )

    def _examples(self, s: Session, need_ids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {i: [] for i in need_ids}
        if not need_ids:
            return out
        rows = s.execute(
            select(Question.need_id, Question.text)
            .where(Question.need_id.in_(need_ids))
            .order_by(Question.created_at.desc())
        ).all()
        for need_id, text_ in rows:
            bucket = out[need_id]
            if len(bucket) < EXAMPLES_PER_NEED and text_ not in bucket:
                bucket.append(text_)
        return out

    def list_needs(self, flt: NeedFilter | None = None) -> list[NeedPublic]:
        flt = flt or NeedFilter()
        with self._sessions() as s:
            q = select(Need)
            if not flt.include_merged:
                q = q.where(Need.merged_into.is_(None))
            if flt.area:
                q = q.where(Need.area == flt.area)
            if flt.status:
                q = q.where(Need.status == flt.status)
            if flt.since:
                q = q.where(Need.last_seen >= _day_start(flt.since))
            if flt.until:
                q = q.where(Need.first_seen < _day_start(flt.until + dt.timedelta(days=1)))
            order: Any = {
                "count": Need.question_count.desc(),
                "sessions": Need.session_count.desc(),
                "last_seen": Need.last_seen.desc(),
                "first_seen": Need.first_seen.asc(),
            }[flt.sort]
            needs = list(s.scalars(q.order_by(order, Need.last_seen.desc())).all())
            if flt.reason:
                # Reasons are a small JSON counter; filtering in Python keeps SQL portable.
                needs = [n for n in needs if (n.reasons or {}).get(flt.reason)]
            if flt.text:
                needle = flt.text.lower()
                needs = [n for n in needs if needle in n.representative.lower()]
            needs = needs[: flt.limit]
            examples = self._examples(s, [n.id for n in needs])
            return [self._public(n, examples[n.id]) for n in needs]

    def get_need(self, need_id: str) -> NeedDetail:
        with self._sessions() as s:
            need = s.get(Need, need_id)
            if need is None:
                raise NotFound(f"behovet {need_id} finns inte")
            questions = s.scalars(
                select(Question)
                .where(Question.need_id == need_id)
                .order_by(Question.created_at.desc())
            ).all()
            notes = s.scalars(
                select(Note).where(Note.need_id == need_id).order_by(Note.created_at)
            ).all()
            audit = s.scalars(
                select(AuditEntry).where(AuditEntry.need_id == need_id).order_by(AuditEntry.id)
            ).all()
            examples = self._examples(s, [need_id])[need_id]
            base = self._public(need, examples).model_dump()
            return NeedDetail(
                **base,
                questions=[
                    QuestionPublic(
                        id=q.id,
                        text=q.text,
                        language=q.language,
                        area=q.area,
                        reason=q.reason,
                        top_sources=[SourceHit(**src) for src in q.top_sources or []],
                        session=q.session_hash[:8] if q.session_hash else None,
                        index_version=q.index_version,
                        app_version=q.app_version,
                        comment=q.comment,
                        created_at=q.created_at,
                    )
                    for q in questions
                ],
                notes=[
                    NotePublic(id=n.id, author=n.author, text=n.text, created_at=n.created_at)
                    for n in notes
                ],
                audit=[_audit_public(a) for a in audit],
            )

    def audit_log(self, limit: int = 200) -> list[AuditPublic]:
        with self._sessions() as s:
            rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
            return [_audit_public(a) for a in rows]

    def stats(self, top: int = 10) -> Stats:
        needs = self.list_needs(NeedFilter(limit=10000))
        per_area = Counter(n.area for n in needs)
        per_month = Counter(n.first_seen.strftime("%Y-%m") for n in needs)
        per_status = Counter(n.status for n in needs)
        return Stats(
            per_area={a: per_area.get(a, 0) for a in AREAS},
            per_month=dict(sorted(per_month.items())),
            per_status={k: per_status.get(k, 0) for k in STATUSES},
            top=[n for n in needs if n.status != "avvisad"][:top],
        )

    # --- review workflow -----------------------------------------------------------------

    def _audit(
        self, s: Session, need_id: str | None, actor: str, action: str, **detail: Any
    ) -> None:
        s.add(AuditEntry(need_id=need_id, actor=actor, action=action, detail=detail))

    def update_need(self, need_id: str, changes: dict[str, Any], *, actor: str) -> NeedDetail:
        """Apply an analyst's change; every field change and the status move are audited."""
        with self._tx() as s:
            need = s.get(Need, need_id)
            if need is None or need.merged_into is not None:
                raise NotFound(f"behovet {need_id} finns inte")
            note = changes.pop("note", None)
            status = changes.pop("status", None)
            if status is not None and status != need.status:
                self._check_transition(need, status, changes)
            for field_name in (
                "assignee",
                "target_group",
                "support_type",
                "forwarded_to",
                "answer_url",
                "reject_reason",
                "representative",
                "area",
            ):
                if field_name not in changes or changes[field_name] is None:
                    continue
                value = changes[field_name]
                if field_name in {"representative", "target_group", "support_type"}:
                    value = redact(value).text  # analysts type free text too
                if field_name == "area" and value not in AREAS:
                    raise NeedsError(f"okänt område {value!r}")
                old = getattr(need, field_name)
                if old != value:
                    setattr(need, field_name, value)
                    self._audit(s, need_id, actor, "update", field=field_name, old=old, new=value)
            if status is not None and status != need.status:
                old_status = need.status
                need.status = status
                self._audit(s, need_id, actor, "status", old=old_status, new=status)
            if note:
                self._add_note(s, need_id, note, actor)
            need.updated_at = utcnow()
        return self.get_need(need_id)

    @staticmethod
    def _check_transition(need: Need, status: str, changes: dict[str, Any]) -> None:
        if status not in STATUSES:
            raise NeedsError(f"okänd status {status!r}")
        if status not in TRANSITIONS[need.status]:
            raise NeedsError(
                f"status kan inte ändras från {STATUSES[need.status]} till {STATUSES[status]}"
            )
        if status == "avvisad":
            reason = changes.get("reject_reason") or need.reject_reason
            if reason not in REJECT_REASONS:
                raise NeedsError("avvisning kräver ett skäl: " + ", ".join(REJECT_REASONS))
            changes["reject_reason"] = reason
        if status == "vidarebefordrad" and not (changes.get("forwarded_to") or need.forwarded_to):
            raise NeedsError("ange mottagare (RSS eller SKR) för att vidarebefordra")
        if status == "besvarad" and not (changes.get("answer_url") or need.answer_url):
            raise NeedsError("ange en länk till det nya kunskapsstödet för att markera besvarad")

    def _add_note(self, s: Session, need_id: str, note: str, actor: str) -> None:
        clean = redact(note[:4000]).text
        s.add(Note(need_id=need_id, author=actor, text=clean))
        self._audit(s, need_id, actor, "note", text=clean[:200])

    def add_note(self, need_id: str, note: str, *, actor: str) -> None:
        with self._tx() as s:
            if s.get(Need, need_id) is None:
                raise NotFound(f"behovet {need_id} finns inte")
            self._add_note(s, need_id, note, actor)

    def merge(self, target_id: str, source_ids: list[str], *, actor: str) -> NeedDetail:
        """Move every question of the source needs into the target; sources are retired."""
        sources = [i for i in dict.fromkeys(source_ids) if i != target_id]
        if not sources:
            raise NeedsError("välj minst ett annat behov att slå ihop med")
        with self._tx() as s:
            target = s.get(Need, target_id)
            if target is None or target.merged_into is not None:
                raise NotFound(f"behovet {target_id} finns inte")
            for source_id in sources:
                src = s.get(Need, source_id)
                if src is None or src.merged_into is not None:
                    raise NotFound(f"behovet {source_id} finns inte")
                s.execute(
                    update(Question).where(Question.need_id == source_id).values(need_id=target_id)
                )
                self._move_sessions(s, source_id, target_id)
                c_t, c_s = _vector(target.centroid), _vector(src.centroid)
                if c_t is not None and c_s is not None:
                    total = target.centroid_n + src.centroid_n
                    target.centroid = _vector_bytes(
                        (c_t * target.centroid_n + c_s * src.centroid_n) / max(total, 1)
                    )
                    target.centroid_n = total
                target.question_count += src.question_count
                target.first_seen = min(target.first_seen, src.first_seen)
                target.last_seen = max(target.last_seen, src.last_seen)
                target.areas = dict(Counter(target.areas or {}) + Counter(src.areas or {}))
                target.reasons = dict(Counter(target.reasons or {}) + Counter(src.reasons or {}))
                src.merged_into = target_id
                src.question_count = 0
                src.session_count = 0
                src.updated_at = utcnow()
                self._audit(s, source_id, actor, "merged_into", target=target_id)
            target.locked = True
            target.updated_at = utcnow()
            s.flush()
            target.session_count = self._count_sessions(s, target_id)
            self._audit(s, target_id, actor, "merge", sources=sources)
        return self.get_need(target_id)

    def split(self, need_id: str, question_ids: list[str], *, actor: str) -> NeedDetail:
        """Move the chosen questions out into a new need (status ny); returns the new need."""
        with self._tx() as s:
            need = s.get(Need, need_id)
            if need is None or need.merged_into is not None:
                raise NotFound(f"behovet {need_id} finns inte")
            moving = list(
                s.scalars(
                    select(Question).where(
                        Question.need_id == need_id, Question.id.in_(question_ids)
                    )
                ).all()
            )
            if not moving or len(moving) != len(set(question_ids)):
                raise NeedsError("frågorna hör inte till det här behovet")
            remaining = s.scalar(
                select(func.count()).select_from(Question).where(Question.need_id == need_id)
            )
            if remaining == len(moving) and need.question_count == len(moving):
                raise NeedsError("minst en fråga måste stanna kvar i behovet")
            new = Need(
                id=str(uuid.uuid4()),
                representative=moving[0].text,
                area=Counter(q.area for q in moving).most_common(1)[0][0],
                areas=dict(Counter(q.area for q in moving)),
                status="ny",
                reasons=dict(Counter(q.reason for q in moving)),
                question_count=len(moving),
                session_count=0,
                first_seen=min(q.created_at for q in moving),
                last_seen=max(q.created_at for q in moving),
                centroid_n=len(moving),
                locked=True,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            vectors = [_vector(q.embedding) for q in moving]
            if all(v is not None for v in vectors):
                # Checked just above that none is None; mypy still sees list[ndarray | None].
                centred = self.centring.centre(np.stack(vectors))  # type: ignore[arg-type]
                new.centroid = _vector_bytes(centred.mean(axis=0))
            s.add(new)
            s.flush()
            for q in moving:
                q.need_id = new.id
            need.question_count -= len(moving)
            need.areas = _subtract(need.areas, Counter(q.area for q in moving))
            need.reasons = _subtract(need.reasons, Counter(q.reason for q in moving))
            need.locked = True
            need.updated_at = utcnow()
            s.flush()
            self._rebuild_sessions(s, need_id)
            self._rebuild_sessions(s, new.id)
            self._recompute_centroid(s, need)
            self._audit(s, need_id, actor, "split", new_need=new.id, questions=len(moving))
            self._audit(s, new.id, actor, "split_from", source=need_id, questions=len(moving))
            new_id = new.id
        return self.get_need(new_id)

    def _move_sessions(self, s: Session, source_id: str, target_id: str) -> None:
        known = set(
            s.scalars(select(NeedSession.session_hash).where(NeedSession.need_id == target_id))
        )
        for row in s.scalars(select(NeedSession).where(NeedSession.need_id == source_id)).all():
            if row.session_hash in known:
                s.delete(row)
            else:
                row.need_id = target_id
                known.add(row.session_hash)

    def _count_sessions(self, s: Session, need_id: str) -> int:
        return int(
            s.scalar(
                select(func.count()).select_from(NeedSession).where(NeedSession.need_id == need_id)
            )
            or 0
        )

    def _rebuild_sessions(self, s: Session, need_id: str) -> None:
        """Session rows of a need after a split, from its questions on record. Sessions known
        only from purged questions are kept: they can no longer be attributed."""
        need = s.get(Need, need_id)
        if need is None:
            return
        hashes = {
            h
            for h in s.scalars(select(Question.session_hash).where(Question.need_id == need_id))
            if h is not None
        }
        on_record = s.scalar(
            select(func.count()).select_from(Question).where(Question.need_id == need_id)
        )
        nothing_purged = on_record == need.question_count
        existing = {
            row.session_hash: row
            for row in s.scalars(select(NeedSession).where(NeedSession.need_id == need_id))
        }
        for h, row in existing.items():
            if h not in hashes and nothing_purged:
                s.delete(row)
        for h in hashes - set(existing):
            s.add(NeedSession(need_id=need_id, session_hash=h))
        s.flush()
        need.session_count = self._count_sessions(s, need_id)

    def _recompute_centroid(self, s: Session, need: Need) -> None:
        blobs = s.scalars(
            select(Question.embedding).where(
                Question.need_id == need.id, Question.embedding.is_not(None)
            )
        ).all()
        if blobs and len(blobs) == need.question_count:
            # The blobs were selected non-null, so _vector gives no None; mypy cannot see it.
            centred = self.centring.centre(np.stack([_vector(b) for b in blobs]))  # type: ignore[misc]
            need.centroid = _vector_bytes(centred.mean(axis=0))
            need.centroid_n = len(blobs)

    # --- maintenance ---------------------------------------------------------------------

    def purge(self, *, actor: str = "system", now: dt.datetime | None = None) -> dict[str, int]:
        """Delete raw questions and feedback older than the retention period; needs stay."""
        cutoff = (now or utcnow()) - dt.timedelta(days=self.settings.needs.retention_days)
        with self._tx() as s:
            q = s.execute(delete(Question).where(Question.created_at < cutoff))
            f = s.execute(delete(Feedback).where(Feedback.created_at < cutoff))
            # A DELETE returns a CursorResult, which has rowcount; Session.execute is typed
            # as returning the Result base class, which has not.
            counts = {"questions": q.rowcount or 0, "feedback": f.rowcount or 0}  # type: ignore[attr-defined]
            self._audit(s, None, actor, "purge", cutoff=cutoff.isoformat(), **counts)
        return counts

    def regroup(self, *, actor: str = "system") -> dict[str, int]:
        """Group again the questions of needs nobody has touched (status ny, no analyst
        action, nothing purged yet), in time order, e.g. after changing the threshold."""
        with self._tx() as s:
            needs = s.scalars(
                select(Need).where(
                    Need.status == "ny", Need.locked.is_(False), Need.merged_into.is_(None)
                )
            ).all()
            touched = set(
                s.scalars(select(AuditEntry.need_id).where(AuditEntry.need_id.is_not(None)))
            )
            free: list[Need] = []
            for n in needs:
                if n.id in touched:  # an analyst has noted or edited it: leave it alone
                    continue
                on_record = s.scalar(
                    select(func.count()).select_from(Question).where(Question.need_id == n.id)
                )
                if on_record == n.question_count and on_record:
                    free.append(n)
            questions = list(
                s.scalars(
                    select(Question)
                    .where(Question.need_id.in_([n.id for n in free]))
                    .order_by(Question.created_at)
                ).all()
            )
            if not questions or any(q.embedding is None for q in questions):
                return {"questions": 0, "needs_before": len(free), "needs_after": len(free)}
            # Returned above when any embedding is None; mypy still sees ndarray | None.
            raw = np.stack([_vector(q.embedding) for q in questions])  # type: ignore[misc]
            centred = self.centring.centre(raw)
            labels = grouping.cluster(centred, [q.text for q in questions], self.threshold)
            old_ids = [n.id for n in free]
            groups: dict[int, list[int]] = {}
            for idx, label in enumerate(labels):
                groups.setdefault(label, []).append(idx)
            for members in groups.values():
                qs = [questions[i] for i in members]
                vecs = centred[members]
                centroid = vecs.mean(axis=0)
                medoid = qs[int(np.argmax(vecs @ centroid))]
                need = Need(
                    id=str(uuid.uuid4()),
                    representative=medoid.text,
                    area=Counter(q.area for q in qs).most_common(1)[0][0],
                    areas=dict(Counter(q.area for q in qs)),
                    status="ny",
                    reasons=dict(Counter(q.reason for q in qs)),
                    question_count=len(qs),
                    session_count=0,
                    first_seen=min(q.created_at for q in qs),
                    last_seen=max(q.created_at for q in qs),
                    centroid=_vector_bytes(centroid),
                    centroid_n=len(qs),
                    locked=False,
                    created_at=utcnow(),
                    updated_at=utcnow(),
                )
                s.add(need)
                s.flush()
                for q in qs:
                    q.need_id = need.id
                s.flush()
                for h in {q.session_hash for q in qs if q.session_hash}:
                    s.add(NeedSession(need_id=need.id, session_hash=h))
                need.session_count = len({q.session_hash for q in qs if q.session_hash})
            s.flush()
            s.execute(delete(NeedSession).where(NeedSession.need_id.in_(old_ids)))
            s.execute(delete(Need).where(Need.id.in_(old_ids)))
            result = {
                "questions": len(questions),
                "needs_before": len(free),
                "needs_after": len(groups),
            }
            self._audit(s, None, actor, "regroup", **result)
        return result

    # --- analyst accounts ----------------------------------------------------------------

    def add_user(self, username: str, password_hash: str, role: str) -> None:
        with self._tx() as s:
            existing = s.scalar(select(User).where(User.username == username))
            if existing is not None:
                existing.password_hash = password_hash
                existing.role = role
                existing.active = True
                action = "user_update"
            else:
                s.add(User(username=username, password_hash=password_hash, role=role))
                action = "user_add"
            self._audit(s, None, "cli", action, username=username, role=role)

    def get_user(self, username: str) -> User | None:
        with self._sessions() as s:
            return s.scalar(select(User).where(User.username == username, User.active.is_(True)))

    def set_password_hash(self, username: str, password_hash: str) -> None:
        with self._tx() as s:
            s.execute(
                update(User).where(User.username == username).values(password_hash=password_hash)
            )


def _subtract(counter: dict[str, int] | None, minus: Counter[str]) -> dict[str, int]:
    left = Counter(counter or {})
    left.subtract(minus)
    return {k: v for k, v in left.items() if v > 0}


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _persistent_secret(path: Path) -> bytes:
    """A random secret kept in the data dir (created once, readable by the owner only)."""
    if path.exists():
        return path.read_bytes().strip()
    value = secrets.token_hex(32).encode()
    try:
        fd = path.open("xb")  # exclusive: two processes starting at once keep one secret
    except FileExistsError:
        return path.read_bytes().strip()
    with fd:
        fd.write(value)
    path.chmod(0o600)
    return value

"""Tables of the needs register (SQLAlchemy 2 models; the schema itself lives in migrations/).

Only redacted text is ever written to these tables: ``NeedsStore`` redacts before it builds
a row, so no caller can bypass it. Raw questions (``questions``) are deleted after the
retention period; needs, their session hashes, notes and the audit trail stay.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Need(Base):
    """A group of similar questions: one candidate knowledge need."""

    __tablename__ = "needs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    representative: Mapped[str] = mapped_column(Text)
    area: Mapped[str] = mapped_column(String(40), index=True)
    areas: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(30), default="ny", index=True)
    reject_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(200), nullable=True)
    target_group: Mapped[str | None] = mapped_column(Text, nullable=True)
    support_type: Mapped[str | None] = mapped_column(Text, nullable=True)
    forwarded_to: Mapped[str | None] = mapped_column(String(200), nullable=True)
    answer_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    reasons: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    question_count: Mapped[int] = mapped_column(Integer, default=0)
    session_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # Running mean of the question vectors, float32 bytes; kept so that new questions can
    # still join a need after its raw questions have been deleted by retention.
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    centroid_n: Mapped[int] = mapped_column(Integer, default=0)
    # Set by an analyst's merge/split: regrouping leaves such needs alone.
    locked: Mapped[bool] = mapped_column(default=False)
    # An analyst rewrote the formulation: it quotes no one, so it may be exported under k.
    rewritten: Mapped[bool] = mapped_column(default=False)
    # Where the need was first seen: fråga, återkoppling, dokument (docs/needs.md).
    origin: Mapped[str] = mapped_column(String(20), default="fråga")
    # Passages of new material that may answer it (loop.py), for an analyst to confirm.
    possibly_answered_by: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    merged_into: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("needs.id"), nullable=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class NeedDocument(Base):
    """A passage of an ingested document that states a need (``kunskap needs mine``).

    The id is the candidate's key (document id and normalised quote), so mining the same
    document again finds its rows instead of adding new ones.
    """

    __tablename__ = "need_documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    need_id: Mapped[str] = mapped_column(String(36), ForeignKey("needs.id"), index=True)
    doc_id: Mapped[str] = mapped_column(String(200), index=True)
    source_id: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    section: Mapped[str | None] = mapped_column(Text, nullable=True)
    formulation: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    doc_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Question(Base):
    """One logged (redacted) question; deleted after ``needs.retention_days``."""

    __tablename__ = "questions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    need_id: Mapped[str] = mapped_column(String(36), ForeignKey("needs.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    area: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(30), index=True)
    top_sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    session_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    index_version: Mapped[str] = mapped_column(String(120))
    app_version: Mapped[str] = mapped_column(String(60))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class NeedSession(Base):
    """Which (hashed) chat sessions asked into a need; survives retention for the count."""

    __tablename__ = "need_sessions"
    __table_args__ = (UniqueConstraint("need_id", "session_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    need_id: Mapped[str] = mapped_column(String(36), ForeignKey("needs.id"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64))


class Feedback(Base):
    """Every thumbs up/down, redacted; 'down' also becomes a negative_feedback question."""

    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rating: Mapped[str] = mapped_column(String(8))
    question: Mapped[str] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    cited_doc_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    session_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    question_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    need_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    index_version: Mapped[str] = mapped_column(String(120))
    app_version: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    need_id: Mapped[str] = mapped_column(String(36), ForeignKey("needs.id"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Who did what, when: every review action on a need."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    need_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class User(Base):
    """A local analyst/admin account (argon2 hash; SSO users are never stored)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class InventoryRound(Base):
    """Moment 1 of SKR's model: an inventory round for one area and period, run by someone,
    with the sources and the origins of needs that count."""

    __tablename__ = "inventory_rounds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    area: Mapped[str] = mapped_column(String(40))
    period_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    period_to: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    owner: Mapped[str] = mapped_column(String(200))
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="insamling")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoundNeed(Base):
    """A need gathered into a round (moments 2-3), set aside when an existing knowledge
    support meets it (moment 4), with the support the assistant's own search offered."""

    __tablename__ = "round_needs"
    __table_args__ = (UniqueConstraint("round_id", "need_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[str] = mapped_column(String(36), ForeignKey("inventory_rounds.id"), index=True)
    need_id: Mapped[str] = mapped_column(String(36), ForeignKey("needs.id"), index=True)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    support: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    set_aside: Mapped[bool] = mapped_column(Boolean, default=False)
    set_aside_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    set_aside_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class RoundVote(Base):
    """Moment 5: one decider's points for one need of a round (a vote again replaces it)."""

    __tablename__ = "round_votes"
    __table_args__ = (UniqueConstraint("round_id", "need_id", "voter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[str] = mapped_column(String(36), ForeignKey("inventory_rounds.id"), index=True)
    need_id: Mapped[str] = mapped_column(String(36), ForeignKey("needs.id"))
    voter: Mapped[str] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExportBatch(Base):
    """Moment 6: what was handed to the regional or national level, when, by whom."""

    __tablename__ = "export_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    round_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("inventory_rounds.id"), nullable=True, index=True
    )
    recipient: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    contents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    withheld: Mapped[int] = mapped_column(Integer, default=0)


class DocumentState(Base):
    """The content hash of each ingested document at the register's last re-check, so the
    next one asks only about new or changed documents (loop.py)."""

    __tablename__ = "document_states"

    doc_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    doc_hash: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

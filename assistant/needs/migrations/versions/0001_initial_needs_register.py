"""initial needs register

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("need_id", sa.String(length=36), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_need_id"), ["need_id"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rating", sa.String(length=8), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("cited_doc_ids", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("session_hash", sa.String(length=64), nullable=True),
        sa.Column("question_id", sa.String(length=36), nullable=True),
        sa.Column("need_id", sa.String(length=36), nullable=True),
        sa.Column("index_version", sa.String(length=120), nullable=False),
        sa.Column("app_version", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_created_at"), ["created_at"], unique=False)

    op.create_table(
        "needs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("representative", sa.Text(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("reject_reason", sa.String(length=40), nullable=True),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("target_group", sa.Text(), nullable=True),
        sa.Column("support_type", sa.Text(), nullable=True),
        sa.Column("forwarded_to", sa.String(length=200), nullable=True),
        sa.Column("answer_url", sa.Text(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("session_count", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("centroid", sa.LargeBinary(), nullable=True),
        sa.Column("centroid_n", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("merged_into", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into"],
            ["needs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_needs_area"), ["area"], unique=False)
        batch_op.create_index(batch_op.f("ix_needs_last_seen"), ["last_seen"], unique=False)
        batch_op.create_index(batch_op.f("ix_needs_merged_into"), ["merged_into"], unique=False)
        batch_op.create_index(batch_op.f("ix_needs_status"), ["status"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "need_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("need_id", sa.String(length=36), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("need_id", "session_hash"),
    )
    with op.batch_alter_table("need_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_sessions_need_id"), ["need_id"], unique=False)

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("need_id", sa.String(length=36), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_need_id"), ["need_id"], unique=False)

    op.create_table(
        "questions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("need_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("top_sources", sa.JSON(), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=True),
        sa.Column("index_version", sa.String(length=120), nullable=False),
        sa.Column("app_version", sa.String(length=60), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questions_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_questions_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_questions_reason"), ["reason"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_reason"))
        batch_op.drop_index(batch_op.f("ix_questions_need_id"))
        batch_op.drop_index(batch_op.f("ix_questions_created_at"))

    op.drop_table("questions")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_need_id"))

    op.drop_table("notes")
    with op.batch_alter_table("need_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_need_sessions_need_id"))

    op.drop_table("need_sessions")
    op.drop_table("users")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_needs_status"))
        batch_op.drop_index(batch_op.f("ix_needs_merged_into"))
        batch_op.drop_index(batch_op.f("ix_needs_last_seen"))
        batch_op.drop_index(batch_op.f("ix_needs_area"))

    op.drop_table("needs")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_created_at"))

    op.drop_table("feedback")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_need_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")

"""needs found in documents: an origin per need and the passages that state it

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

Issue 18 section 1: `kunskap needs mine` proposes needs stated in the ingested documents;
they enter the register with origin `dokument`, beside `fråga` and `återkoppling`.
Existing needs get their origin from their reasons (thumbs-down only: återkoppling).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=20), nullable=False, server_default="fråga")
        )
    conn = op.get_bind()
    for need_id, reasons in conn.execute(sa.text("SELECT id, reasons FROM needs")).all():
        # JSON comes back as a dict from PostgreSQL and as text from SQLite.
        value = json.loads(reasons) if isinstance(reasons, str) else (reasons or {})
        if value and set(value) == {"negative_feedback"}:
            conn.execute(
                sa.text("UPDATE needs SET origin = :o WHERE id = :id"),
                {"o": "återkoppling", "id": need_id},
            )
    op.create_table(
        "need_documents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("need_id", sa.String(length=36), nullable=False),
        sa.Column("doc_id", sa.String(length=200), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("section", sa.Text(), nullable=True),
        sa.Column("formulation", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("doc_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["need_id"], ["needs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("need_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_documents_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_documents_doc_id"), ["doc_id"], unique=False)


def downgrade() -> None:
    op.drop_table("need_documents")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_column("origin")

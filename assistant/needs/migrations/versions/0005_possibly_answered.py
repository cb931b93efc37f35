"""the loop closes: needs possibly answered by new material, documents last checked

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

Issue 18 section 3: after an ingest, open needs are checked against new or changed
documents; a need the new material answers is flagged for an analyst (docs/needs.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("possibly_answered_by", sa.JSON(), nullable=False, server_default="[]")
        )
    op.create_table(
        "document_states",
        sa.Column("doc_id", sa.String(length=200), nullable=False),
        sa.Column("doc_hash", sa.String(length=64), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("doc_id"),
    )


def downgrade() -> None:
    op.drop_table("document_states")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_column("possibly_answered_by")

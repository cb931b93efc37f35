"""mark needs whose formulation an analyst has rewritten

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

An analyst's own formulation no longer quotes anyone, so such a need may leave the
municipality even when fewer than k sessions raised it (docs/needs.md, privacy). Needs
rewritten before this column existed are found in the audit trail.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rewritten", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT need_id, detail FROM audit_log WHERE action = 'update'")
    ).all()
    rewritten = set()
    for need_id, detail in rows:
        # JSON comes back as a dict from PostgreSQL and as text from SQLite.
        value = json.loads(detail) if isinstance(detail, str) else detail
        if need_id and (value or {}).get("field") == "representative":
            rewritten.add(need_id)
    for need_id in rewritten:
        conn.execute(
            sa.text("UPDATE needs SET rewritten = :yes WHERE id = :id"),
            {"yes": True, "id": need_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_column("rewritten")

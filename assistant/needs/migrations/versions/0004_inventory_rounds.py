"""the seven moments: inventory rounds, their needs, votes and export batches

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Issue 18 section 2: SKR's model as a workflow, not only a status field (docs/needs.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "inventory_rounds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("period_from", when, nullable=False),
        sa.Column("period_to", when, nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("origins", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "round_needs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("need_id", sa.String(length=36), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", when, nullable=False),
        sa.Column("support", sa.JSON(), nullable=True),
        sa.Column("set_aside", sa.Boolean(), nullable=False),
        sa.Column("set_aside_reason", sa.Text(), nullable=True),
        sa.Column("set_aside_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["inventory_rounds.id"]),
        sa.ForeignKeyConstraint(["need_id"], ["needs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "need_id"),
    )
    op.create_index("ix_round_needs_round_id", "round_needs", ["round_id"])
    op.create_index("ix_round_needs_need_id", "round_needs", ["need_id"])
    op.create_table(
        "round_votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("need_id", sa.String(length=36), nullable=False),
        sa.Column("voter", sa.String(length=200), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("at", when, nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["inventory_rounds.id"]),
        sa.ForeignKeyConstraint(["need_id"], ["needs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "need_id", "voter"),
    )
    op.create_index("ix_round_votes_round_id", "round_votes", ["round_id"])
    op.create_table(
        "export_batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("round_id", sa.String(length=36), nullable=True),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("contents", sa.JSON(), nullable=False),
        sa.Column("withheld", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["inventory_rounds.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_export_batches_round_id", "export_batches", ["round_id"])


def downgrade() -> None:
    op.drop_table("export_batches")
    op.drop_table("round_votes")
    op.drop_table("round_needs")
    op.drop_table("inventory_rounds")

"""solve jobs and ended desk sessions in the ledger, so several worker processes share them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "solve_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("bound", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("elapsed", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("schedule", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["term_id"], ["uploaded_terms.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("solve_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_solve_jobs_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_solve_jobs_started_at"), ["started_at"], unique=False)
    op.create_table(
        "ended_desk_sessions",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sid"),
    )


def downgrade() -> None:
    op.drop_table("ended_desk_sessions")
    with op.batch_alter_table("solve_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_solve_jobs_started_at"))
        batch_op.drop_index(batch_op.f("ix_solve_jobs_state"))
    op.drop_table("solve_jobs")

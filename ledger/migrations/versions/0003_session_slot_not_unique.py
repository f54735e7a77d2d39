"""dated sessions: a slot may hold a cancelled row and its replacement

Re-publishing a section whose room or staff changed but whose meeting time did not cancels the
standing dated sessions and adds new ones at the same (section, date, start). The cancelled row
stays (history is never overwritten), so that triple cannot be unique; an ordinary index keeps
lookups by slot fast. At most one *standing* session per slot is the publisher's invariant.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 13:00:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_session_slot", type_="unique")
        batch_op.create_index("ix_session_slot", ["section", "date", "start"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_session_slot")
        batch_op.create_unique_constraint("uq_session_slot", ["section", "date", "start"])

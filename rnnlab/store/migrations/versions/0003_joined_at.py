"""When a learner joined their class: ``learners.joined_at``.

The dashboard numbers a class's learners (and names those without a display
name "anonymous n") by when they joined it, so a learner who joins late is
numbered after everyone already there instead of renumbering them. A learner
already in a class is given their first visit (``created_at``) as their join
time, which keeps the numbers their instructor saw before this revision.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, never by copying the table (Alembic's "batch" mode on SQLite): dropping the
    # old ``learners`` would cascade to every learner's steps and answers (see 0002).
    op.add_column("learners", sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE learners SET joined_at = created_at WHERE class_code IS NOT NULL")


def downgrade() -> None:
    op.drop_column("learners", "joined_at")

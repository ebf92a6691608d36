"""Classes and the instructor; a shared cache of quick experiments' results.

- ``classes``: a class's code (what learners type after ``/join/``), its name,
  and the SHA-256 of its instructor key (the key itself is shown once, by
  ``rnnlab class create``, and never stored).
- ``learners.class_code`` and ``learners.display_name``: a learner who joined a
  class, and the name they chose to show their instructor (anonymous: NULL).
- ``results``: quick experiments' results shared by every server process and
  replica (key: SHA-256 of experiment and params), bounded by ``used_at``.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classes",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    # Columns are added in place, never by copying the table (Alembic's "batch" mode on
    # SQLite): dropping the old ``learners`` would cascade to every learner's steps and answers.
    # SQLite takes a column's foreign key only inline in ADD COLUMN, which Alembic does not write.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE learners ADD COLUMN class_code VARCHAR(16) "
                   "CONSTRAINT learners_class_code_fkey REFERENCES classes (code) ON DELETE SET NULL")
    else:
        op.add_column("learners", sa.Column("class_code", sa.String(16), nullable=True))
        op.create_foreign_key("learners_class_code_fkey", "learners", "classes", ["class_code"], ["code"],
                              ondelete="SET NULL")
    op.add_column("learners", sa.Column("display_name", sa.String(80), nullable=True))
    op.create_index("learners_by_class", "learners", ["class_code"])
    op.create_table(
        "results",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("experiment", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("results_by_use", "results", ["used_at"])


def downgrade() -> None:
    op.drop_index("results_by_use", table_name="results")
    op.drop_table("results")
    op.drop_index("learners_by_class", table_name="learners")
    op.drop_column("learners", "display_name")
    op.drop_column("learners", "class_code")  # PostgreSQL drops its foreign key with it
    op.drop_table("classes")

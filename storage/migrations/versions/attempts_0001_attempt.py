"""attempts: token buckets for password and PIN tries, shared by every instance (storage/attempts.py)

Revision ID: attempts_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "attempts_0001"
down_revision = None
branch_labels = ("attempts",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "attempt",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("stamp", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_attempt"),
    )
    op.create_index("ix_attempt_stamp", "attempt", ["stamp"])


def downgrade() -> None:
    op.drop_index("ix_attempt_stamp", table_name="attempt")
    op.drop_table("attempt")

"""complaints: wrong-PIN counter and lock-out per complaint, shared by every instance and channel

Revision ID: complaints_0002
Revises: complaints_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "complaints_0002"
down_revision = "complaints_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint") as table:
        table.add_column(sa.Column("pin_failures", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("pin_locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaint") as table:
        table.drop_column("pin_locked_until")
        table.drop_column("pin_failures")

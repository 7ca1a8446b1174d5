"""complaints: count the outbox's re-sends after an attempt whose outcome is unknown (possible duplicates)

Revision ID: complaints_0004
Revises: complaints_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "complaints_0004"
down_revision = "complaints_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("resends", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.drop_column("resends")

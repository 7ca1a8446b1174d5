"""telegram: webhook update dedupe and guidance link counts

Revision ID: telegram_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "telegram_0001"
down_revision = None
branch_labels = ("telegram",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "processed_update",
        sa.Column("update_id", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name="pk_processed_update"),
    )
    op.create_index("ix_processed_update_received_at", "processed_update", ["received_at"])
    op.create_table(
        "share_count",
        sa.Column("article", sa.String(64), nullable=False),
        sa.Column("ref", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("article", "ref", "channel", name="pk_share_count"),
    )


def downgrade() -> None:
    op.drop_table("share_count")
    op.drop_index("ix_processed_update_received_at", table_name="processed_update")
    op.drop_table("processed_update")

"""telegram: names of referral codes (the clinic a health worker's poster belongs to), beside the share counts

Revision ID: telegram_0002
Revises: telegram_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "telegram_0002"
down_revision = "telegram_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "share_ref",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_share_ref"),
    )


def downgrade() -> None:
    op.drop_table("share_ref")

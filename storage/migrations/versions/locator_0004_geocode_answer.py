"""locator: geocode_answer, the cache of online geocoder answers for typed places

Revision ID: locator_0004
Revises: locator_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "locator_0004"
down_revision = "locator_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "geocode_answer",
        sa.Column("provider", sa.String(16), primary_key=True),
        sa.Column("query", sa.String(200), primary_key=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("level", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("geocode_answer")

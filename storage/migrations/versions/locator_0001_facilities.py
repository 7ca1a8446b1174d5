"""locator: facility registry with a grid cell index

Revision ID: locator_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "locator_0001"
down_revision = None
branch_labels = ("locator",)
depends_on = "core_0001"

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "facility",
        sa.Column("registry_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("nature", sa.String(16), nullable=True),
        sa.Column("for_profit", sa.Boolean, nullable=True),
        sa.Column("care_mask", sa.Integer, nullable=False),
        sa.Column("min_age_months", sa.Integer, nullable=True),
        sa.Column("max_age_months", sa.Integer, nullable=True),
        sa.Column("capacity", sa.Integer, nullable=True),
        sa.Column("places_free", sa.Integer, nullable=True),
        sa.Column("places_updated", sa.Date, nullable=True),
        sa.Column("hours", sa.String(100), nullable=True),
        sa.Column("fee_min", sa.Integer, nullable=True),
        sa.Column("fee_max", sa.Integer, nullable=True),
        sa.Column("district", sa.String(50), nullable=False),
        sa.Column("subdistrict", sa.String(50), nullable=True),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("phone", sa.String(50), nullable=True),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("datum", sa.String(8), nullable=False),
        sa.Column("cell", sa.Integer, nullable=False),
        sa.Column("registered", sa.Boolean, nullable=False),
        sa.Column("registered_on", sa.Date, nullable=True),
        sa.Column("verified_on", sa.Date, nullable=True),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("demo", sa.Boolean, nullable=False),
        sa.Column("extra", JSON, nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("registry_id", name="pk_facility"),
    )
    op.create_index("ix_facility_cell", "facility", ["cell"])
    op.create_index("ix_facility_district", "facility", ["district"])


def downgrade() -> None:
    op.drop_table("facility")

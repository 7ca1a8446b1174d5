"""locator: (lat, lon) index for wide-radius searches beyond the grid-cell ranges

Revision ID: locator_0002
Revises: locator_0001
"""

from alembic import op

revision = "locator_0002"
down_revision = "locator_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_facility_lat_lon", "facility", ["lat", "lon"])


def downgrade() -> None:
    op.drop_index("ix_facility_lat_lon", table_name="facility")

"""locator: one (cell, lat, lon) index for the nearest search instead of (cell) and (lat, lon)

The search's box test is answered from the index, so only rows inside the box are read from the table;
a wide box is one range of cells (whole grid rows) checked in the index, which the (lat, lon) index did
no better.

Revision ID: locator_0003
Revises: locator_0002
"""

from alembic import op

revision = "locator_0003"
down_revision = "locator_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_facility_cell_lat_lon", "facility", ["cell", "lat", "lon"])
    op.drop_index("ix_facility_cell", table_name="facility")
    op.drop_index("ix_facility_lat_lon", table_name="facility")


def downgrade() -> None:
    op.create_index("ix_facility_lat_lon", "facility", ["lat", "lon"])
    op.create_index("ix_facility_cell", "facility", ["cell"])
    op.drop_index("ix_facility_cell_lat_lon", table_name="facility")

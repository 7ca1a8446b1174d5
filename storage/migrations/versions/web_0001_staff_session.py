"""web: staff sessions the server can end (bot/channels/web/sessions.py)

Revision ID: web_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "web_0001"
down_revision = None
branch_labels = ("web",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "staff_session",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("staff_name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_session"),
    )
    op.create_index("ix_staff_session_staff_name", "staff_session", ["staff_name"])
    op.create_index("ix_staff_session_expires_at", "staff_session", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_staff_session_expires_at", table_name="staff_session")
    op.drop_index("ix_staff_session_staff_name", table_name="staff_session")
    op.drop_table("staff_session")

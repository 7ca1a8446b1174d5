"""complaints: deadlines stored in UTC on SQLite (they were stored as Beijing clock readings, 8 hours late)

SQLite keeps a timestamp's clock reading and drops its zone, so deadlines computed in Asia/Shanghai were read
back as UTC: every view but the chat receipt showed them 8 hours late. PostgreSQL stored the instant and needs
nothing.

Revision ID: complaints_0003
Revises: complaints_0002
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "complaints_0003"
down_revision = "complaints_0002"
branch_labels = None
depends_on = None

OFFSET = timedelta(hours=8)  # Asia/Shanghai has had no daylight saving time since 1991
complaint = sa.table("complaint", sa.column("id", sa.Integer), sa.column("ack_due_at", sa.DateTime()),
                     sa.column("resolve_due_at", sa.DateTime()))


def _shift(by: timedelta) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    rows = bind.execute(sa.select(complaint.c.id, complaint.c.ack_due_at, complaint.c.resolve_due_at)).all()
    for row_id, ack, resolve in rows:
        bind.execute(complaint.update().where(complaint.c.id == row_id)
                     .values(ack_due_at=ack + by, resolve_due_at=resolve + by))


def upgrade() -> None:
    _shift(-OFFSET)


def downgrade() -> None:
    _shift(OFFSET)

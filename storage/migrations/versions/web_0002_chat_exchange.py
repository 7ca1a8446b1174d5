"""web: a web chat's recent exchanges, kept server-side for reloads (bot/channels/web/history.py)

Revision ID: web_0002
Revises: web_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "web_0002"
down_revision = "web_0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "web_chat_exchange",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("chat_key", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_chat_exchange"),
    )
    op.create_index("ix_web_chat_exchange_chat_key_id", "web_chat_exchange", ["chat_key", "id"])
    op.create_index("ix_web_chat_exchange_at", "web_chat_exchange", ["at"])


def downgrade() -> None:
    op.drop_index("ix_web_chat_exchange_at", table_name="web_chat_exchange")
    op.drop_index("ix_web_chat_exchange_chat_key_id", table_name="web_chat_exchange")
    op.drop_table("web_chat_exchange")

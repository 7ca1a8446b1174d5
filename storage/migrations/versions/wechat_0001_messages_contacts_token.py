"""wechat: delivered messages (answered once), followers' last contact and buttons, the shared access token

Revision ID: wechat_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "wechat_0001"
down_revision = None
branch_labels = ("wechat",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "wechat_message",
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sa.Column("handled_at", sa.BigInteger, nullable=True),
        sa.Column("reply", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_wechat_message"),
    )
    op.create_index("ix_wechat_message_received_at", "wechat_message", ["received_at"])
    op.create_table(
        "wechat_contact",
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("last_seen", sa.BigInteger, nullable=False),
        sa.Column("buttons", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("openid", name="pk_wechat_contact"),
    )
    op.create_table(
        "wechat_token",
        sa.Column("appid", sa.String(64), nullable=False),
        sa.Column("access_token", sa.Text, nullable=True),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("refresh_until", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("appid", name="pk_wechat_token"),
    )


def downgrade() -> None:
    op.drop_table("wechat_token")
    op.drop_table("wechat_contact")
    op.drop_index("ix_wechat_message_received_at", table_name="wechat_message")
    op.drop_table("wechat_message")

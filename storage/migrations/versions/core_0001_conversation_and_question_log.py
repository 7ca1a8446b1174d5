"""core: conversation state and question log

Revision ID: core_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("chat_key", sa.String(128), nullable=False),
        sa.Column("state", JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_key", name="pk_conversation"),
    )
    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("normalized", sa.Text, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("article", sa.String(64), nullable=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_question_log"),
    )
    op.create_index("ix_question_log_asked_at", "question_log", ["asked_at"])
    op.create_index("ix_question_log_kind", "question_log", ["kind"])


def downgrade() -> None:
    op.drop_table("question_log")
    op.drop_table("conversation")

"""complaints: complaints, history, staff, audit log, routing changes, outbox

Revision ID: complaints_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "complaints_0001"
down_revision = None
branch_labels = ("complaints",)
depends_on = "core_0001"

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("tracking", sa.String(32), nullable=False),
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("pin_hash", sa.String(128), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("facility_id", sa.String(64), nullable=True),
        sa.Column("facility_name", sa.String(200), nullable=False),
        sa.Column("district", sa.String(32), nullable=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("happened", sa.String(200), nullable=False),
        sa.Column("photos", JSON, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("office_code", sa.String(64), nullable=False),
        sa.Column("office_name", sa.String(100), nullable=False),
        sa.Column("also_notify", JSON, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("chat_key", sa.String(128), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("supporters", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("ack_due_at", TS, nullable=False),
        sa.Column("resolve_due_at", TS, nullable=False),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("escalated_at", TS, nullable=True),
        sa.Column("contact_purged_at", TS, nullable=True),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_complaint"),
        sa.UniqueConstraint("tracking", name="uq_complaint_tracking"),
        sa.UniqueConstraint("draft_id", name="uq_complaint_draft_id"),
    )
    for column in ("category", "facility_id", "status", "office_code", "chat_key", "created_at"):
        op.create_index(f"ix_complaint_{column}", "complaint", [column])
    op.create_table(
        "complaint_event",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("complaint_id", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=True),
        sa.Column("office_code", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_complaint_event"),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"], ondelete="CASCADE",
                                name="fk_complaint_event_complaint_id_complaint"),
    )
    op.create_index("ix_complaint_event_complaint_id", "complaint_event", ["complaint_id"])
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("office_code", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=True),
        sa.Column("telegram_chat", sa.String(32), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff"),
        sa.UniqueConstraint("name", name="uq_staff_name"),
    )
    op.create_index("ix_staff_office_code", "staff", ["office_code"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("complaint_id", sa.Integer, nullable=True),
        sa.Column("detail", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_complaint_id", "audit_log", ["complaint_id"])
    op.create_table(
        "routing_change",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("district", sa.String(32), nullable=True),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("also_notify", JSON, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_routing_change"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("complaint_id", sa.Integer, nullable=True),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("claimed_until", TS, nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    for column in ("complaint_id", "address", "next_attempt_at", "sent_at"):
        op.create_index(f"ix_outbox_{column}", "outbox", [column])


def downgrade() -> None:
    for table in ("outbox", "routing_change", "audit_log", "staff", "complaint_event", "complaint"):
        op.drop_table(table)

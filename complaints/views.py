"""Plain data the service returns: what the bot, the dashboard and the CLI show."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any


def aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive timestamps; every one we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Submission:
    """A confirmed draft from the intake flow; `draft_id` makes filing idempotent."""

    draft_id: str
    category: str
    facility_name: str
    description: str
    happened: str
    lang: str = "zh"
    facility_id: str | None = None
    district: str | None = None
    photos: tuple[str, ...] = ()
    chat_key: str | None = None
    phone: str | None = None
    anonymous: bool = False
    urgent: bool = False


@dataclass(frozen=True)
class Filed:
    """The result of filing; `pin` is None when the draft had already been filed (shown only once)."""

    tracking: str
    pin: str | None
    office: str
    office_code: str
    level: str
    urgent: bool
    ack_due_at: datetime
    resolve_due_at: datetime
    created: bool


@dataclass(frozen=True)
class Similar:
    """An open complaint about the same facility and category, offered for support."""

    tracking: str
    status: str
    office: str
    supporters: int


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str
    action: str
    to_status: str | None
    note: str


@dataclass(frozen=True)
class StatusView:
    """What the complainant may see: no staff names, no contact data."""

    tracking: str
    status: str
    category: str
    facility_name: str
    office: str
    urgent: bool
    created_at: datetime
    ack_due_at: datetime
    resolve_due_at: datetime
    closed_at: datetime | None
    rating: int | None
    can_reopen: bool
    can_rate: bool
    history: list[Event] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Summary:
    """One line of a staff list."""

    tracking: str
    category: str
    status: str
    urgent: bool
    facility_name: str
    district: str | None
    office_code: str
    created_at: datetime
    ack_due_at: datetime
    resolve_due_at: datetime
    overdue: bool
    supporters: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Detail:
    """A complaint as its assigned office sees it, contact data included (every view is audited)."""

    summary: Summary
    office: str
    description: str
    happened: str
    photos: list[str]
    facility_id: str | None
    anonymous: bool
    phone: str | None
    notifies_chat: bool
    escalated_at: datetime | None
    rating: int | None
    history: list[Event]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StaffView:
    name: str
    office_code: str
    office: str
    telegram_chat: str | None
    email: str | None
    active: bool


@dataclass(frozen=True)
class AuditEntry:
    """One line of a complaint's audit trail: who viewed or changed it, and when."""

    at: datetime
    actor: str
    action: str


@dataclass(frozen=True)
class Backlog:
    """What the shared database holds for monitoring: complaints by status and the undelivered notices."""

    by_status: dict[str, int]
    pending: int
    oldest_pending: datetime | None

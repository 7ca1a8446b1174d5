"""Statuses, allowed transitions and deadlines (urgent 2 h, acknowledge 3 and resolve 15 working days).

Deadlines are counted in Lanzhou's time (Asia/Shanghai: working days, clock times), stored in UTC and shown
in local time by `local()`, the one function every view (chat receipt, `/status`, status page, staff pages,
office notices) formats them with.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from complaints.errors import InvalidTransition


class Status(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    TRANSFERRED = "transferred"


LANZHOU = ZoneInfo("Asia/Shanghai")  # Lanzhou keeps Beijing time
CLOSED = frozenset({Status.RESOLVED, Status.REJECTED})
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.ACCEPTED, Status.REJECTED, Status.TRANSFERRED}),
    Status.TRANSFERRED: frozenset({Status.ACCEPTED, Status.REJECTED, Status.TRANSFERRED}),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.REJECTED, Status.TRANSFERRED}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.REJECTED, Status.TRANSFERRED}),
    Status.RESOLVED: frozenset(),
    Status.REJECTED: frozenset(),
}
URGENT_ACK = timedelta(hours=2)
ACK_WORKING_DAYS = 3
RESOLVE_WORKING_DAYS = 15
REOPEN_WINDOW = timedelta(days=30)
SIMILAR_WINDOW = timedelta(days=7)


def check_transition(current: str, target: str) -> Status:
    """The target status when the move is allowed; InvalidTransition otherwise."""
    try:
        to = Status(target)
    except ValueError as exc:
        raise InvalidTransition(f"unknown status {target!r}") from exc
    if to not in TRANSITIONS[Status(current)]:
        raise InvalidTransition(f"cannot go from {current} to {target}")
    return to


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` plus `days` working days at the same local clock time; Saturdays and Sundays (in Lanzhou) are
    skipped (public holidays are not known)."""
    current = start.astimezone(LANZHOU)
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def deadlines(now: datetime, urgent: bool) -> tuple[datetime, datetime]:
    """(acknowledge by, resolve by) in UTC for a complaint filed or reopened at `now`, counted in Lanzhou time.

    UTC because SQLite keeps a timestamp's clock reading and drops its zone: a local time stored there would
    read back 8 hours late.
    """
    ack = now + URGENT_ACK if urgent else add_working_days(now, ACK_WORKING_DAYS)
    return ack.astimezone(UTC), add_working_days(now, RESOLVE_WORKING_DAYS).astimezone(UTC)


def local(moment: datetime) -> str:
    """A stored timestamp as Lanzhou reads it, to the minute; a naive one (SQLite) is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LANZHOU).strftime("%Y-%m-%d %H:%M")

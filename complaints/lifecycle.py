"""Statuses, allowed transitions and deadlines (urgent 2 h, acknowledge 3 and resolve 15 working days)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from enum import StrEnum

from complaints.errors import InvalidTransition


class Status(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    TRANSFERRED = "transferred"


BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
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
    """`start` plus `days` working days; Saturdays and Sundays are skipped (public holidays are not known)."""
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def deadlines(now: datetime, urgent: bool) -> tuple[datetime, datetime]:
    """(acknowledge by, resolve by) for a complaint filed or reopened at `now`, counted in Beijing time."""
    now = now.astimezone(BEIJING)
    ack = now + URGENT_ACK if urgent else add_working_days(now, ACK_WORKING_DAYS)
    return ack, add_working_days(now, RESOLVE_WORKING_DAYS)


def local(moment: datetime) -> str:
    """A timestamp as Lanzhou reads it (Beijing time, to the minute)."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")

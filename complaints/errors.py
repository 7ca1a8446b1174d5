"""Typed domain errors the bot, the dashboard and the CLI turn into polite answers."""

from datetime import timedelta


class ComplaintError(Exception):
    """Base of every complaint-domain error."""


class NotFound(ComplaintError):
    """No such complaint, staff member or office (also used when a PIN or chat does not match)."""


class Throttled(ComplaintError):
    """Too many PIN tries for this tracking number (whether or not it exists): wait `retry_after`."""

    def __init__(self, tracking: str, retry_after: timedelta) -> None:
        super().__init__(tracking)
        self.retry_after = retry_after


class Forbidden(ComplaintError):
    """The staff member's office is not the assigned office."""


class InvalidTransition(ComplaintError):
    """The status change is not allowed from the current status."""


class Invalid(ComplaintError):
    """Input that breaks a rule (length, phone format, rating range, reopen window)."""

"""Typed domain errors the bot, the dashboard and the CLI turn into polite answers."""


class ComplaintError(Exception):
    """Base of every complaint-domain error."""


class NotFound(ComplaintError):
    """No such complaint, staff member or office (also used when a PIN or chat does not match)."""


class Forbidden(ComplaintError):
    """The staff member's office is not the assigned office."""


class InvalidTransition(ComplaintError):
    """The status change is not allowed from the current status."""


class Invalid(ComplaintError):
    """Input that breaks a rule (length, phone format, rating range, reopen window)."""

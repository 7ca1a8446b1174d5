"""Tracking numbers nobody can guess, and the PIN that opens the web status page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime

TRACKING = re.compile(r"^TY-\d{8}-[A-Z2-7]{8}$")


def new_tracking(now: datetime) -> str:
    """`TY-<yyyymmdd>-<8 base32 chars>`: 40 random bits, so numbers cannot be enumerated."""
    random = base64.b32encode(secrets.token_bytes(5)).decode()
    return f"TY-{now:%Y%m%d}-{random}"


def normalize_tracking(text: str) -> str | None:
    """The tracking number in user input (any case, spaces), or None when it is not one."""
    cleaned = re.sub(r"\s+", "", text).upper()
    return cleaned if TRACKING.match(cleaned) else None


def new_pin() -> str:
    """A six-digit PIN for the web status page."""
    return f"{secrets.randbelow(10**6):06d}"


def pin_hash(tracking: str, pin: str) -> str:
    """Salted by the tracking number; status lookups need both, so a leaked table does not reveal PINs at sight."""
    return hashlib.sha256(f"{tracking}:{pin}".encode()).hexdigest()


def pin_matches(tracking: str, pin: str, stored: str) -> bool:
    return hmac.compare_digest(pin_hash(tracking, pin.strip()), stored)

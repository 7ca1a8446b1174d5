"""Tracking numbers nobody can guess, and the PIN that opens the web status page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime

TRACKING = re.compile(r"^TY-\d{8}-[A-Z2-7]{8}$")
KEYED = "k1$"  # prefix of keyed PIN hashes; older rows hold a bare sha256 hex digest


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


def pin_key(secret: str) -> bytes:
    """The PIN hashing key, derived from the app secret (so the secret itself keys nothing else)."""
    return hmac.new(secret.encode(), b"tuoyu complaint PIN", hashlib.sha256).digest()


def pin_hash(tracking: str, pin: str, key: bytes) -> str:
    """HMAC of tracking number and PIN: a leaked table cannot be brute-forced (10^6 PINs) without the key."""
    return KEYED + hmac.new(key, f"{tracking}:{pin}".encode(), hashlib.sha256).hexdigest()


def pin_matches(tracking: str, pin: str, stored: str, key: bytes) -> bool:
    """True when `pin` is the complaint's; rows stored before keyed hashes (plain sha256) still match."""
    pin = pin.strip()
    if stored.startswith(KEYED):
        return hmac.compare_digest(pin_hash(tracking, pin, key), stored)
    return hmac.compare_digest(hashlib.sha256(f"{tracking}:{pin}".encode()).hexdigest(), stored)

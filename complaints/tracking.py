"""Tracking numbers nobody can guess, and the PIN that opens the web status page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import datetime

TRACKING = re.compile(r"^TY-[0-9]{8}-[A-Z2-7]{8}$")
#: A number as typed: prefix optional, separators already removed.
_TYPED = re.compile(r"^(?:TY)?([0-9]{8})([A-Z0-9]{8})$")
#: What people put between the parts: spaces, ASCII and typographic dashes, underscores, dots.
_SEPARATORS = re.compile(r"[\s\-_.·\u2010-\u2015\u2212]+")
#: Digits the base32 alphabet leaves out because they look like these letters (RFC 4648).
_LOOKALIKES = str.maketrans("018", "OIB")
KEYED = "k1$"  # prefix of keyed PIN hashes; older rows hold a bare sha256 hex digest


def new_tracking(now: datetime) -> str:
    """`TY-<yyyymmdd>-<8 base32 chars>`: 40 random bits, so numbers cannot be enumerated."""
    random = base64.b32encode(secrets.token_bytes(5)).decode()
    return f"TY-{now:%Y%m%d}-{random}"


def normalize_tracking(text: str) -> str | None:
    """The tracking number in user input, or None when it is not one.

    People copy it from a chat or read it off a phone: any case, full-width characters from a Chinese input
    method, spaces or other dashes between the parts or none, the `TY` left off, 0/1/8 for O/I/B. The status page,
    the chats' /status and the staff commands all read numbers through here.
    """
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text[:80])).upper()
    found = _TYPED.match(cleaned)
    if not found:
        return None
    number = f"TY-{found.group(1)}-{found.group(2).translate(_LOOKALIKES)}"
    return number if TRACKING.match(number) else None


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

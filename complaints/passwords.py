"""Staff passwords: argon2 in a small thread pool of its own, never on the event loop.

An argon2 check is ~150 ms of CPU and 64 MiB of memory. On the loop, a burst of logins stalled every other
request; unbounded in threads, fifty at once would want 3 GB. Two workers bound both; the C code releases the
GIL and the threads run at low priority (`cpu.pool`), so the loop keeps serving. An unknown name is checked
against a dummy hash made with the same parameters, so the answer takes as long whether or not the name exists.
"""

from __future__ import annotations

import asyncio
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from complaints import cpu

HASHER = PasswordHasher()
WORKERS = 2
_pool = cpu.pool("argon2", WORKERS)


@cache
def _dummy() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def _matches(stored: str | None, password: str) -> bool:
    try:
        HASHER.verify(stored or _dummy(), password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


async def matches(stored: str | None, password: str) -> bool:
    """True when `password` matches the argon2 hash `stored`; `None` (no such user) costs the same and is False."""
    return await asyncio.get_running_loop().run_in_executor(_pool, _matches, stored, password)


async def hashed(password: str) -> str:
    """A new argon2 hash of `password` (in the pool too)."""
    return await asyncio.get_running_loop().run_in_executor(_pool, HASHER.hash, password)


def needs_rehash(stored: str) -> bool:
    """True when `stored` was made with other parameters than HASHER's."""
    return HASHER.check_needs_rehash(stored)

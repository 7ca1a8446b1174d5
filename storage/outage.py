"""Telling "the database cannot be reached right now" apart from every other error.

Only these become a polite "try again in a moment" in a channel; anything else (a bug, a constraint violation)
still surfaces so that it gets fixed. The pool reconnects by itself (`pool_pre_ping`), so service resumes as soon
as the database answers again.
"""

from __future__ import annotations

import socket

import asyncpg
from sqlalchemy import exc as sa_exc

_UNREACHABLE: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError,
    asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError, asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError, ConnectionError, socket.gaierror, TimeoutError,
)


def database_unreachable(error: BaseException) -> bool:
    """True when `error`, or what it was raised from, says the database is down or restarting."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if (isinstance(current, _UNREACHABLE) or type(current) is OSError  # OSError itself: every address refused
                or (isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated)):
            return True
        if isinstance(current, BaseExceptionGroup):
            return all(database_unreachable(e) for e in current.exceptions)
        current = current.__cause__ or current.__context__
    return False

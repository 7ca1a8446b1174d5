"""Async engine and session factory built from one URL; nothing connects at import time."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import zlib
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

_DRIVERS = {"postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}


def async_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async driver for them."""
    parsed = make_url(url)
    driver = _DRIVERS.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """One engine and session factory; `session()` is the unit of work."""

    def __init__(self, url: str, *, schema: str | None = None, pool_size: int = 10) -> None:
        self.url = async_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self.schema = schema
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        else:
            # A server can restart under us: test each pooled connection before use. A SQLite file cannot go
            # away like that, and the test would cost a thread round trip on every checkout.
            kwargs.update(pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)
            if schema:
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # A SQLite file also gets a blocking engine for `unit()`, run by a thread of our own (made on first use).
        self._blocking_url = (parsed.set(drivername="sqlite") if self.dialect == "sqlite" and parsed.database
                              and parsed.database != ":memory:" else None)
        self._blocking: Engine | None = None
        self._threads: ThreadPoolExecutor | None = None

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def unit(self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(connection, *args)`, blocking SQLAlchemy Core code, as one transaction (committed on success).

        On a SQLite file it runs in a worker thread over a blocking engine on the same file: one thread round
        trip for the whole unit, where the async driver makes three or four per statement (its own thread
        serves each call), which made the database most of a web chat message's CPU. On PostgreSQL (and
        in-memory SQLite) it runs on the async engine through `AsyncConnection.run_sync`.
        """
        if self._blocking_url is None:
            async with self.engine.begin() as conn:
                return await conn.run_sync(fn, *args, **kwargs)
        if self._blocking is None or self._threads is None:
            self._blocking = create_engine(self._blocking_url)
            event.listen(self._blocking, "connect", _sqlite_pragmas)
            # One thread: SQLite has one writer at a time, and units waiting on each other's lock would sleep in
            # SQLite's busy handler (1, 2, 5... 100 ms) where a queue hands over at once.
            self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        blocking = self._blocking

        def in_transaction() -> T:
            with blocking.begin() as conn:
                return fn(conn, *args, **kwargs)

        context = contextvars.copy_context()  # log fields bound by the caller stay on records logged in fn
        call = partial(context.run, in_transaction)
        done = asyncio.get_running_loop().run_in_executor(self._threads, call)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:  # the thread cannot be stopped: let the caller go on only once it is over
            await asyncio.wait([done])
            raise

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        from sqlalchemy import text

        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:  # any driver error means "not answering"
            log.warning("database ping failed", exc_info=True)
            return False

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """One process at a time runs the block (e.g. migrate and seed at start-up) across every instance.

        A session advisory lock on PostgreSQL; SQLite needs none, since one process owns the file.
        """
        if not self.is_postgres:
            yield
            return
        from sqlalchemy import text

        key = {"k": zlib.crc32(name.encode()) - 2**31}
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT pg_advisory_lock(:k)"), key)
            await conn.commit()
            try:
                yield
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), key)
                await conn.commit()

    async def upgrade(self) -> None:
        """Create or migrate the schema to the newest revision of every branch."""
        from storage.migrate import upgrade

        await upgrade(self)

    async def dispose(self) -> None:
        threads, blocking, self._threads, self._blocking = self._threads, self._blocking, None, None
        if threads is not None:
            await asyncio.get_running_loop().run_in_executor(None, threads.shutdown)  # lets a running unit finish
        if blocking is not None:
            blocking.dispose()
        await self.engine.dispose()

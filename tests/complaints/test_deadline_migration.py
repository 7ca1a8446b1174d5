"""complaints_0003: deadlines written as Beijing clock readings on SQLite are moved to UTC; PostgreSQL keeps them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from complaints.lifecycle import LANZHOU
from storage.database import Database
from storage.migrate import upgrade
from tests.conftest import ON_POSTGRES, PG_URL

TS = sa.DateTime(timezone=True)
COMPLAINT = sa.table("complaint", *(sa.column(n, sa.String) for n in (
    "tracking", "draft_id", "pin_hash", "category", "facility_name", "description", "happened", "status",
    "office_code", "office_name", "lang")), sa.column("photos", sa.JSON), sa.column("also_notify", sa.JSON),
    sa.column("urgent", sa.Boolean), sa.column("anonymous", sa.Boolean), sa.column("supporters", sa.Integer),
    *(sa.column(n, TS) for n in ("created_at", "updated_at", "ack_due_at", "resolve_due_at")))


@pytest.fixture
async def empty(tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no tables yet (SQLite file, or a throwaway PostgreSQL schema)."""
    if not ON_POSTGRES:
        db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        yield db
        await db.dispose()
        return
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = Database(PG_URL)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(PG_URL, schema=schema)
    try:
        yield db
    finally:
        await db.dispose()
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def test_deadlines_stored_in_local_time_read_back_right_after_the_upgrade(empty: Database) -> None:
    await upgrade(empty, "complaints_0002")
    filed = datetime(2026, 12, 7, 4, 7, tzinfo=UTC)
    ack = datetime(2026, 12, 10, 12, 7, tzinfo=LANZHOU)  # what the old code wrote: a Beijing-time value
    resolve = datetime(2026, 12, 28, 12, 7, tzinfo=LANZHOU)
    async with empty.session() as s:
        await s.execute(COMPLAINT.insert().values(
            tracking="TY-20261207-AAAAAAAA", draft_id="old", pin_hash="x", category="other", facility_name="某机构",
            description="一段足够长的投诉描述。", happened="", status="submitted", office_code="health.city",
            office_name="兰州市卫生健康委员会", lang="zh", photos=[], also_notify=[], urgent=False, anonymous=False,
            supporters=0, created_at=filed, updated_at=filed, ack_due_at=ack, resolve_due_at=resolve))
    await upgrade(empty)
    async with empty.session() as s:
        got_ack, got_resolve = (await s.execute(sa.select(COMPLAINT.c.ack_due_at, COMPLAINT.c.resolve_due_at))).one()
    as_utc = [g if g.tzinfo else g.replace(tzinfo=UTC) for g in (got_ack, got_resolve)]
    assert as_utc == [ack, resolve]  # the same instants, whatever the backend did with the zone

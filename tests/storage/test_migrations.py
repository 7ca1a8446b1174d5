"""Every revision upgrades to the heads, downgrades round-trip, the heads match the models, `tuoyu db upgrade` works.

Each test gets an empty database of its own: an SQLite file, or a PostgreSQL database created for it
(not a schema, so that `tuoyu db upgrade`, which reads only TUOYU_DATABASE_URL, sees the same one).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

import bot.channels.web.history
import bot.channels.web.sessions
import bot.share
import complaints.models
import locator.models
import storage.attempts
import storage.models
from bot.channels.telegram import dedupe
from bot.cli import main
from storage.base import Base
from storage.database import Database
from storage.migrate import alembic_config, current, heads
from tests.conftest import ON_POSTGRES, PG_URL

MODELS = (bot.share, complaints.models, locator.models, storage.attempts, storage.models, dedupe,
          bot.channels.web.sessions, bot.channels.web.history)  # every table on Base
SCRIPTS = ScriptDirectory.from_config(alembic_config())
REVISIONS = sorted(script.revision for script in SCRIPTS.walk_revisions())
BRANCHES = sorted(label for script in SCRIPTS.walk_revisions() for label in script.branch_labels)


@pytest.fixture
async def empty_url(tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a database with nothing in it, dropped afterwards."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"tuoyu_mig_{uuid.uuid4().hex[:10]}"
    admin = Database(PG_URL)
    async with admin.engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def alembic(db: Database, action: Callable[..., None], revision: str) -> None:
    """Run an Alembic command on the database in one transaction."""
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: action(alembic_config(sync_conn), revision))


async def schema(db: Database) -> dict[str, Any]:
    """Tables with their columns, indexes and unique constraints, enough to tell two schemas apart."""
    def read(conn: Any) -> dict[str, Any]:
        found = inspect(conn)
        return {table: ({(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)},
                        {(i["name"], tuple(i["column_names"])) for i in found.get_indexes(table)},
                        {tuple(u["column_names"]) for u in found.get_unique_constraints(table)})
                for table in found.get_table_names()}

    async with db.engine.connect() as conn:
        return await conn.run_sync(read)


@pytest.mark.parametrize("revision", REVISIONS)
async def test_each_revision_upgrades_to_heads(empty_url: str, revision: str) -> None:
    db = Database(empty_url)
    try:
        await alembic(db, command.upgrade, revision)
        assert revision in await current(db)
        await db.upgrade()
        assert await current(db) <= heads() and await current(db)
        await db.upgrade()  # a second run changes nothing
        assert await current(db) <= heads()
    finally:
        await db.dispose()


async def test_heads_match_the_models(empty_url: str) -> None:
    db = Database(empty_url)
    try:
        await db.upgrade()
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata))
        assert diff == []
    finally:
        await db.dispose()


async def test_downgrade_to_base_and_back_gives_the_same_schema(empty_url: str) -> None:
    db = Database(empty_url)
    try:
        await db.upgrade()
        before = await schema(db)
        await alembic(db, command.downgrade, "base")
        assert set(await schema(db)) <= {"alembic_version"}
        await db.upgrade()
        assert await schema(db) == before
    finally:
        await db.dispose()


@pytest.mark.parametrize("branch", [b for b in BRANCHES if b != "core"])
async def test_one_branch_down_and_up_leaves_the_others(empty_url: str, branch: str) -> None:
    db = Database(empty_url)
    try:
        await db.upgrade()
        before = await schema(db)
        await alembic(db, command.downgrade, f"{branch}@base")
        dropped = set(before) - set(await schema(db))
        assert dropped, f"{branch} owns no table"
        assert not any(r.startswith(branch) for r in await current(db))
        await db.upgrade()
        assert await schema(db) == before
    finally:
        await db.dispose()


def test_tuoyu_db_upgrade_creates_and_reports_the_schema(empty_url: str, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TUOYU_DATABASE_URL", empty_url)
    assert main(["db", "upgrade"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("database at ") and all(h in first for h in heads() if h != "core_0001")
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == first

"""Run Alembic from code on the async engine (`tuoyu db upgrade`, start-up of every command)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config

if TYPE_CHECKING:
    from storage.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Any = None) -> Config:
    """An Alembic config pointing at our migrations; the connection is handed to env.py."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(db: Database, revision: str = "heads") -> None:
    """Upgrade to `revision` (all branch heads by default) inside one transaction."""
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(alembic_config(sync_conn), revision))


async def current(db: Database) -> set[str]:
    """The revisions the database is at."""
    from alembic.runtime.migration import MigrationContext

    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads()))


def heads() -> set[str]:
    """The newest revision of every branch in the migration tree."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())

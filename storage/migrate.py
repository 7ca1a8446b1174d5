"""Run Alembic from code on the async engine (`tuoyu db upgrade`, start-up of every command)."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Any = None) -> Any:
    """An Alembic config pointing at our migrations; the connection is handed to env.py."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


_FIELD = re.compile(r"^(revision|down_revision|depends_on)\s*=\s*(.+)$", re.MULTILINE)


def recorded_heads() -> set[str]:
    """What `alembic_version` holds once every branch is applied, read from the files without Alembic.

    A revision that others extend or depend on is not recorded; importing Alembic to learn this
    costs a quarter second at every start-up, so the files are read directly.
    """
    revisions, referenced = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        fields = {k: ast.literal_eval(v.strip()) for k, v in _FIELD.findall(path.read_text(encoding="utf-8"))}
        revisions.add(fields["revision"])
        for key in ("down_revision", "depends_on"):
            value = fields.get(key)
            referenced.update([value] if isinstance(value, str) else list(value or ()))
    return revisions - referenced


async def at_heads(db: Database) -> bool:
    """True when the schema is already current (the common case at start-up)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        async with db.engine.connect() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return {row[0] for row in rows} == recorded_heads()
    except DBAPIError:  # no version table yet
        return False


async def upgrade(db: Database, revision: str = "heads") -> None:
    """Upgrade to `revision` (all branch heads by default) inside one transaction."""
    if revision == "heads" and await at_heads(db):
        return
    from alembic import command

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

"""`tuoyu db upgrade`: create or migrate the schema."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database schema")
    dsub = p.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="create or migrate the database schema")
    up.set_defaults(func=upgrade)


async def upgrade(args: argparse.Namespace) -> int:
    from bot.settings import Settings
    from storage.database import Database
    from storage.migrate import current

    db = Database(Settings.from_env().database_url)
    try:
        await db.upgrade()
        print("database at " + ", ".join(sorted(await current(db))))
    finally:
        await db.dispose()
    return 0

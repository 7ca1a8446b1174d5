"""Writing facility rows: upsert by registry id, or swap the whole set in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Dialect, Table, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from locator.model import FacilityRecord, care_codes
from locator.models import Facility
from storage.base import utcnow
from storage.database import Database

CHUNK = 2000
#: After writing at least this many rows (and a tenth of the table), PostgreSQL's statistics are refreshed
#: in the same transaction, so the first searches after a big import are planned on the new figures.
ANALYZE_AT = 5000
#: PostgreSQL: loading at least this many rows into an empty table drops its secondary indexes first and
#: builds them after the COPY (about a fifth faster at a million rows).
REBUILD_AT = 50_000

_TABLE = cast(Table, Facility.__table__)
_COLUMNS = tuple(c.name for c in _TABLE.columns)
_ROW = itemgetter(*(c for c in _COLUMNS if c != "updated_at"))  # a validated row, in table column order


@dataclass
class Loaded:
    """What a load changed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    demo_left: int = 0


async def load(db: Database, rows: list[dict[str, Any]], *, replace: bool = False,
               progress: Callable[[int, int], object] | None = None) -> Loaded:
    """Upsert `rows` by registry id (unchanged rows are not written); `replace` drops every other row.

    New rows go in by COPY on PostgreSQL and a driver-level executemany on SQLite, in grid-cell order so
    that neighbours share pages; all of it is one transaction. `progress` is told (rows done, rows in all)
    after each chunk written; unchanged rows count as done.
    """
    result = Loaded()
    now = utcnow()
    async with db.session() as session:
        conn = await session.connection()
        existing: dict[str, str] = {}
        before = await session.scalar(select(func.count()).select_from(Facility)) or 0
        if replace:
            result.removed = before
            await session.execute(delete(Facility))
        elif before and before <= 4 * len(rows):  # most of the table: one pass reads it faster than look-ups
            found = await session.execute(select(Facility.registry_id, Facility.content_hash))
            existing.update((rid, digest) for rid, digest in found)
        else:
            for part in _chunks([r["registry_id"] for r in rows], CHUNK):
                found = await session.execute(
                    select(Facility.registry_id, Facility.content_hash).where(Facility.registry_id.in_(part)))
                existing.update((rid, digest) for rid, digest in found)
        new = [r for r in rows if r["registry_id"] not in existing]
        changed = [r for r in rows if r["registry_id"] in existing and existing[r["registry_id"]] != r["content_hash"]]
        new.sort(key=itemgetter("cell"))
        done = len(rows) - len(new) - len(changed)

        def batches(part: list[dict[str, Any]]) -> Iterator[list[tuple[Any, ...]]]:
            """Rows as driver records, a chunk at a time; progress once the consumer asks for more."""
            nonlocal done
            for chunk in _chunks(part, CHUNK):
                yield _records(conn.dialect, chunk, now)
                done += len(chunk)
                if progress:
                    progress(done, len(rows))

        if new and db.is_postgres:  # one COPY streams while the server writes: no round trip per chunk
            # filling an empty table: its indexes are built once at the end, not row by row (searches meanwhile
            # wait for the load instead of finding nothing)
            rebuild = sorted(_TABLE.indexes, key=lambda ix: str(ix.name)) if not before and len(new) >= REBUILD_AT \
                else []
            for index in rebuild:
                await conn.run_sync(index.drop)
            await _copy(conn, (record for batch in batches(new) for record in batch))
            for index in rebuild:
                await conn.run_sync(index.create)
        elif new:
            for batch in batches(new):
                await conn.exec_driver_sql(_INSERT, batch)
        if changed and db.is_postgres:  # COPY into a scratch table, then one UPDATE joining it
            await conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {_SCRATCH} (LIKE {_TABLE.name}) ON COMMIT DROP")
            await _copy(conn, (record for batch in batches(changed) for record in batch), _SCRATCH)
            await conn.exec_driver_sql(_UPDATE_FROM)
        elif changed:
            for batch in batches(changed):
                await conn.exec_driver_sql(_UPDATE, [(*record[1:], record[0]) for record in batch])
        result.added, result.updated = len(new), len(changed)
        result.unchanged = len(rows) - len(new) - len(changed)
        written = len(new) + len(changed)
        if db.is_postgres and written >= ANALYZE_AT and written * 10 >= before:
            await session.execute(text("ANALYZE facility"))
        if not replace and any(not r["demo"] for r in rows):
            result.demo_left = (await session.execute(
                select(func.count()).select_from(Facility).where(Facility.demo.is_(True)))).scalar_one()
    return result


def _records(dialect: Dialect, rows: list[dict[str, Any]], now: datetime) -> list[tuple[Any, ...]]:
    """Rows as driver parameters in table column order, converted as SQLAlchemy would bind them.

    Conversions are remembered per value (a file has few distinct dates, flags and empty `extra`s).
    """
    converters = [(i, _memo(p)) for i, c in enumerate(_TABLE.columns)
                  if c.name != "updated_at" and (p := c.type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    stamp = _TABLE.c.updated_at.type.dialect_impl(dialect).bind_processor(dialect)
    updated_at = stamp(now) if stamp else now
    out = []
    for row in rows:
        values = [*_ROW(row), updated_at]
        for i, convert in converters:
            values[i] = convert(values[i])
        out.append(tuple(values))
    return out


def _memo(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process` with its results kept for hashable values (keyed by type too: True, 1 and 1.0 differ);
    an empty JSON object counts as one value."""
    seen: dict[tuple[type, Any], Any] = {}

    def convert(value: Any) -> Any:
        kind = value.__class__
        if kind is float:  # coordinates: all different, and SQLite's float conversion is the identity
            return process(value)
        key = (kind, value) if kind is not dict else (dict, None) if not value else None
        if key is None:
            return process(value)
        try:
            return seen[key]
        except KeyError:
            seen[key] = converted = process(value)
            return converted
        except TypeError:  # unhashable
            return process(value)

    return convert


async def _copy(conn: AsyncConnection, records: Iterable[tuple[Any, ...]], table: str = _TABLE.name) -> None:
    """PostgreSQL: binary COPY on the session's own asyncpg connection (inside its transaction)."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    await driver.copy_records_to_table(table, records=records, columns=_COLUMNS)


assert _COLUMNS[0] == "registry_id"
#: SQLite: one prepared statement per chunk of rows, parameters in table column order.
_INSERT = f"INSERT INTO {_TABLE.name} ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_UPDATE = f"UPDATE {_TABLE.name} SET {', '.join(f'{c} = ?' for c in _COLUMNS[1:])} WHERE registry_id = ?"
#: PostgreSQL: changed rows are copied into this temporary table, then applied in one statement.
_SCRATCH = "facility_load"
_UPDATE_FROM = (f"UPDATE {_TABLE.name} AS f SET {', '.join(f'{c} = t.{c}' for c in _COLUMNS[1:])} "
                f"FROM {_SCRATCH} AS t WHERE f.registry_id = t.registry_id")


async def count(db: Database) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(Facility))).scalar_one()


def record(row: Mapping[str, Any] | Any) -> FacilityRecord:
    """A table row (as a mapping) as the plain record search and cards use."""
    get = row.__getitem__
    return FacilityRecord(
        registry_id=get("registry_id"), name=get("name"), district=get("district"), lat=get("lat"),
        lon=get("lon"), care_types=care_codes(get("care_mask")), subdistrict=get("subdistrict"),
        address=get("address"), nature=get("nature"), for_profit=get("for_profit"),
        min_age_months=get("min_age_months"), max_age_months=get("max_age_months"), capacity=get("capacity"),
        places_free=get("places_free"), places_updated=get("places_updated"), hours=get("hours"),
        fee_min=get("fee_min"), fee_max=get("fee_max"), phone=get("phone"), registered=bool(get("registered")),
        registered_on=get("registered_on"), verified_on=get("verified_on"), source=get("source"),
        datum=get("datum"), demo=bool(get("demo")), extra=dict(get("extra") or {}),
    )


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]

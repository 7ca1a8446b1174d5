"""Nearest facilities: a grid-cell and box prefilter answered from one (cell, lat, lon) index, a cheap
great-circle cut, then exact ranking by the WGS-84 geodesic in Python."""

from __future__ import annotations

import asyncio
import bisect
import math
from dataclasses import dataclass
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, Connection, Engine, Row, Select, and_, bindparam, create_engine, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from locator.geo import SPHERE_SLACK, around, geodesic_m, haversine_m
from locator.model import CARE_BITS, FacilityRecord
from locator.models import Facility
from locator.store import record
from storage.database import Database

#: First radius tried (metres) where no search nearby has shown the density yet; each further round widens
#: it from the density seen so far.
START_M = 2_000.0
#: A first radius taken from an earlier search nearby is this much wider than what that search needed, and
#: at least MIN_START_M.
HINT_MARGIN = 1.3
MIN_START_M = 100.0
#: "Nearby" for those hints: squares of this many degrees (≈ 55 km), at most HINTS_KEPT of them remembered.
HINT_DEG = 0.5
HINTS_KEPT = 4096
#: Beyond this radius the whole table is searched (nothing nearer was found anyway).
LAST_M = 1_000_000.0
#: Up to this many grid rows (≈ 2.2 km each) the prefilter is one `cell BETWEEN` range per row; above, one
#: range over whole rows. Either way the box is tested on the (cell, lat, lon) index before any table row
#: is read. Range counts are padded to a power of two to bound statement shapes.
MAX_ROWS = 32
#: On PostgreSQL a round fetches whole rows, up to this many, so a search is usually one round trip; a
#: round with more (a wide search in a dense area) is fetched again as ids and coordinates only.
WHOLE_ROWS = 250


@dataclass(frozen=True)
class Filters:
    """What the family asked for; registered-only (备案) is on unless they turn it off."""

    care_type: str | None = None
    age_months: int | None = None
    nature: str | None = None
    registered_only: bool = True

    def sql(self) -> list[ColumnElement[bool]]:
        """The filters as SQL conditions (values become bound parameters)."""
        clauses: list[ColumnElement[bool]] = []
        if self.care_type:
            clauses.append(Facility.care_mask.op("&")(CARE_BITS[self.care_type]) != 0)
        if self.age_months is not None:
            clauses.append(or_(Facility.min_age_months.is_(None), Facility.min_age_months <= self.age_months))
            clauses.append(or_(Facility.max_age_months.is_(None), Facility.max_age_months >= self.age_months))
        if self.nature:
            clauses.append(Facility.nature == self.nature)
        if self.registered_only:
            clauses.append(Facility.registered.is_(True))
        return clauses

    def matches(self, row: Any) -> bool:
        """The same test in Python, for the brute-force reference."""
        if self.care_type and not row.care_mask & CARE_BITS[self.care_type]:
            return False
        if self.age_months is not None:
            if row.min_age_months is not None and row.min_age_months > self.age_months:
                return False
            if row.max_age_months is not None and row.max_age_months < self.age_months:
                return False
        if self.nature and row.nature != self.nature:
            return False
        return not (self.registered_only and not row.registered)


@dataclass
class Hit:
    facility: FacilityRecord
    distance_m: float


@dataclass
class Found:
    """One page of results, the radius searched (None: everywhere) and whether more exist."""

    hits: list[Hit]
    radius_m: float | None
    more: bool


_TABLE = Facility.__table__
_LAT, _LON = _TABLE.columns.keys().index("lat"), _TABLE.columns.keys().index("lon")


@cache
def _candidates(filters: Filters, ranges: int, whole: int = 0) -> Select[*tuple[Any, ...]]:
    """The candidate query for one filter set and number of cell ranges (0: all rows), built once per shape
    so SQLAlchemy's compiled cache (and the server's prepared statements) are hit. Rows start with
    registry_id; with `whole` they are every column, at most `whole` + 1 rows, else lat and lon follow."""
    query: Select[*tuple[Any, ...]] = (select(_TABLE).limit(whole + 1) if whole else select(
        Facility.registry_id, Facility.lat, Facility.lon)).where(*filters.sql())
    if ranges == 0:
        return query
    box = and_(Facility.lat.between(bindparam("s"), bindparam("n")),
               Facility.lon.between(bindparam("w"), bindparam("e")))
    # the box inside each range, so each index range scan tests it on the index entries
    return query.where(or_(*(and_(Facility.cell.between(bindparam(f"lo{i}"), bindparam(f"hi{i}")), box)
                             for i in range(ranges))))


_FULL = select(Facility.__table__).where(Facility.registry_id.in_(bindparam("ids", expanding=True)))


def _spatial(lat: float, lon: float, radius_m: float | None) -> tuple[int, dict[str, Any]]:
    """The prefilter covering this circle (cell ranges and a lat/lon box, or everything) and its parameters."""
    if radius_m is None:
        return 0, {}
    box = around(lat, lon, radius_m)
    ranges = list(box.cell_ranges())
    if len(ranges) > MAX_ROWS:  # one range from the first cell to the last: whole rows in between
        ranges = [(ranges[0][0], ranges[-1][1])]
    shape = 1 << (len(ranges) - 1).bit_length()
    ranges += [ranges[-1]] * (shape - len(ranges))
    params: dict[str, Any] = {"s": box.south, "n": box.north, "w": box.west, "e": box.east}
    for i, (lo, hi) in enumerate(ranges):
        params[f"lo{i}"], params[f"hi{i}"] = lo, hi
    return shape, params


def _wider(radius: float, found: int, need: int) -> float:
    """The next radius: enough for `need` at the density seen so far (clusters thin out, so generously)."""
    if found == 0:
        return radius * 5
    return radius * max(2.0, math.sqrt(need / found) * 1.5)


#: HINT_DEG square, and (square, filters) → radius per √result of the last such search there.
Hints = dict[tuple[int, int] | tuple[tuple[int, int], Filters], float]


def _start(hints: Hints, square: tuple[int, int], filters: Filters, need: int) -> float:
    """The first radius: what the last search here with these filters (else with any) needed for this many
    results, with a margin; START_M where nothing is known."""
    scale = hints.get((square, filters), hints.get(square))
    if scale is None:
        return START_M
    return max(MIN_START_M, scale * math.sqrt(need) * HINT_MARGIN)


def _by_geodesic(lat: float, lon: float, near: list[tuple[float, str, float, float]],
                 need: int) -> list[tuple[float, str]]:
    """The `need` (or more) nearest of `near` ((great-circle distance, id, lat, lon), sorted) by geodesic
    distance, exactly: geodesics are measured in great-circle order until the next candidate's great-circle
    distance shows it cannot come closer than the need-th found so far."""
    best: list[tuple[float, str]] = []
    for sphere, rid, flat, flon in near:
        if len(best) >= need and sphere / (1 + SPHERE_SLACK) > best[need - 1][0]:
            break
        bisect.insort(best, (geodesic_m(lat, lon, flat, flon), rid))
    return best


def _nearest(conn: Connection, lat: float, lon: float, filters: Filters, limit: int, offset: int,
             max_radius_m: float | None, hints: Hints | None = None) -> Found:
    """The search on a synchronous connection (a worker thread on SQLite, a greenlet on PostgreSQL).

    `hints` gives the first radius and learns this search's. Each round reads the rows within the radius
    widened by SPHERE_SLACK on the sphere (which holds every row within the radius on the ellipsoid) and
    ranks them by geodesic distance; it is enough once `need` of them lie within the radius itself.
    """
    need = offset + limit + 1
    hints = {} if hints is None else hints
    one_trip = conn.dialect.name == "postgresql"  # a round trip costs more than whole rows; SQLite has none
    square = (math.floor(lat / HINT_DEG), math.floor(lon / HINT_DEG))
    start = _start(hints, square, filters, need)
    radius: float | None = start if max_radius_m is None else min(start, max_radius_m)
    ranked: list[tuple[float, str]] = []
    whole: dict[str, Row[Any]] = {}
    while True:
        wide = None if radius is None else radius * (1 + SPHERE_SLACK)
        shape, params = _spatial(lat, lon, wide)
        bound = math.inf if wide is None else wide
        rows = conn.execute(_candidates(filters, shape, WHOLE_ROWS), params).all() if one_trip else []
        near: list[tuple[float, str, float, float]] = []
        if len(rows) > WHOLE_ROWS or not one_trip:
            found = conn.execute(_candidates(filters, shape), params)
            near = [(d, rid, flat, flon) for rid, flat, flon in found
                    if (d := haversine_m(lat, lon, flat, flon)) <= bound]
            whole = {}
        else:
            whole = {}
            for row in rows:
                if (d := haversine_m(lat, lon, row[_LAT], row[_LON])) <= bound:
                    near.append((d, row[0], row[_LAT], row[_LON]))
                    whole[row[0]] = row
        near.sort()
        ranked = _by_geodesic(lat, lon, near, need)
        if radius is not None:
            ranked = [r for r in ranked if r[0] <= radius]
        if len(ranked) >= need or radius is None or radius == max_radius_m:
            break
        radius = _wider(radius, len(ranked), need)
        if max_radius_m is not None:
            radius = min(radius, max_radius_m)
        elif radius > LAST_M:
            radius = None
    if len(ranked) >= need:  # the density here, as the radius that would have held `need` results
        if len(hints) >= HINTS_KEPT:
            hints.clear()
        hints[square] = hints[(square, filters)] = ranked[need - 1][0] / math.sqrt(need)
    page = ranked[offset:offset + limit]
    by_id: dict[str, FacilityRecord] = {}
    if page and whole:
        by_id = {rid: record(whole[rid]._mapping) for _, rid in page}
    elif page:
        by_id = {row.registry_id: record(row._mapping) for row in conn.execute(_FULL, {"ids": [r for _, r in page]})}
    return Found([Hit(by_id[rid], d) for d, rid in page], radius, len(ranked) > offset + limit)


_READERS: WeakKeyDictionary[Database, Engine | AsyncEngine] = WeakKeyDictionary()
#: Per database: how far searches had to go, by HINT_DEG square (see `_start`).
_HINTS: WeakKeyDictionary[Database, Hints] = WeakKeyDictionary()


def _reader(db: Database) -> Engine | AsyncEngine:
    """An engine for searches only, beside the database's own: on SQLite plain pysqlite (one thread hop
    per search instead of one per call), on PostgreSQL autocommit without pre-ping or reset round trips."""
    if db not in _READERS:
        url = make_url(db.url)
        if db.dialect == "sqlite" and url.database and url.database != ":memory:":
            _READERS[db] = create_engine(url.set(drivername="sqlite"), connect_args={"check_same_thread": False})
        elif db.is_postgres:
            settings = {"server_settings": {"search_path": db.schema}} if db.schema else {}
            _READERS[db] = create_async_engine(db.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None,
                                               pool_size=5, connect_args=settings)
        else:
            _READERS[db] = db.engine
    return _READERS[db]


def _nearest_in_thread(engine: Engine, *args: Any) -> Found:
    with engine.connect() as conn:
        return _nearest(conn, *args)


async def nearest(db: Database, lat: float, lon: float, filters: Filters | None = None, *, limit: int = 10,
                  offset: int = 0, max_radius_m: float | None = None) -> Found:
    """Facilities nearest to (lat, lon) by WGS-84 geodesic distance, ties by registry id; widens until enough.

    Each round reads every matching row in the box around a circle, keeps those truly inside it, and stops
    once enough are inside: nothing outside the circle can be nearer than what is inside. The first circle
    is as wide as an earlier search nearby needed (so the rows read stay few however dense the data);
    any first radius gives the same answer, only the number of rounds differs.
    """
    args = (lat, lon, filters or Filters(), limit, offset, max_radius_m, _HINTS.setdefault(db, {}))
    reader = _reader(db)
    if isinstance(reader, Engine):
        return await asyncio.to_thread(_nearest_in_thread, reader, *args)
    async with reader.connect() as conn:
        return await conn.run_sync(_nearest, *args)


async def close_reader(db: Database) -> None:
    """Release the search engine kept for `db` (call before disposing the database)."""
    reader = _READERS.pop(db, None)
    _HINTS.pop(db, None)
    if isinstance(reader, AsyncEngine) and reader is not db.engine:
        await reader.dispose()
    elif isinstance(reader, Engine):
        reader.dispose()


async def brute_force(db: Database, lat: float, lon: float, filters: Filters | None = None,
                      limit: int = 10) -> list[tuple[float, str]]:
    """The reference ranking: every row read, filtered and measured by geodesic in Python (tests, benchmark)."""
    filters = filters or Filters()
    async with db.engine.connect() as conn:
        rows = await conn.execute(select(Facility.registry_id, Facility.lat, Facility.lon, Facility.care_mask,
                                         Facility.min_age_months, Facility.max_age_months, Facility.nature,
                                         Facility.registered))
        ranked = sorted((geodesic_m(lat, lon, r.lat, r.lon), r.registry_id) for r in rows if filters.matches(r))
    return ranked[:limit]

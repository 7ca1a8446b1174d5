"""Nearest facilities: a grid-cell prefilter on an indexed column, then exact great-circle ranking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from locator.geo import around, haversine_m
from locator.model import CARE_BITS, FacilityRecord
from locator.models import Facility
from locator.store import record
from storage.database import Database

#: Radii tried in turn (metres) until enough facilities are inside one.
RADII = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000)
#: Above this many grid rows the cell ranges stop paying off; a plain lat/lon box is used instead.
MAX_CELL_ROWS = 60


@dataclass(frozen=True)
class Filters:
    """What the family asked for; registered-only (备案) is on unless they turn it off."""

    care_type: str | None = None
    age_months: int | None = None
    nature: str | None = None
    registered_only: bool = True

    def sql(self) -> list[ColumnElement[bool]]:
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


def _spatial(lat: float, lon: float, radius_m: float) -> ColumnElement[bool]:
    box = around(lat, lon, radius_m)
    if box.rows() > MAX_CELL_ROWS:
        return and_(Facility.lat.between(box.south, box.north), Facility.lon.between(box.west, box.east))
    return or_(*(Facility.cell.between(lo, hi) for lo, hi in box.cell_ranges()))


async def nearest(db: Database, lat: float, lon: float, filters: Filters = Filters(), *, limit: int = 10,
                  offset: int = 0, max_radius_m: float | None = None) -> Found:
    """Facilities nearest to (lat, lon), by exact distance, ties by registry id; widens until enough."""
    need = offset + limit + 1
    radii: list[float | None] = [r for r in RADII if max_radius_m is None or r < max_radius_m]
    radii.append(max_radius_m)
    ranked: list[tuple[float, str]] = []
    radius: float | None = None
    async with db.engine.connect() as conn:
        for radius in radii:
            where = filters.sql() + ([_spatial(lat, lon, radius)] if radius is not None else [])
            rows = await conn.execute(select(Facility.registry_id, Facility.lat, Facility.lon).where(*where))
            ranked = [(d, rid) for rid, flat, flon in rows
                      if (d := haversine_m(lat, lon, flat, flon)) <= (radius if radius is not None else float("inf"))]
            if len(ranked) >= need:
                break
        ranked.sort()
        page = ranked[offset:offset + limit]
        full = await conn.execute(select(Facility.__table__).where(Facility.registry_id.in_([r for _, r in page])))
        by_id = {row.registry_id: record(row._mapping) for row in full}
    hits = [Hit(by_id[rid], d) for d, rid in page]
    return Found(hits, radius, len(ranked) > offset + limit)


async def brute_force(db: Database, lat: float, lon: float, filters: Filters = Filters(),
                      limit: int = 10) -> list[tuple[float, str]]:
    """The reference ranking: every row read, filtered and measured in Python (tests, benchmark)."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(select(Facility.registry_id, Facility.lat, Facility.lon, Facility.care_mask,
                                         Facility.min_age_months, Facility.max_age_months, Facility.nature,
                                         Facility.registered))
        ranked = sorted((haversine_m(lat, lon, r.lat, r.lon), r.registry_id) for r in rows if filters.matches(r))
    return ranked[:limit]

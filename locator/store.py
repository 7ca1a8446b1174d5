"""Writing facility rows: upsert by registry id, or swap the whole set in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update

from locator.model import FacilityRecord, care_codes
from locator.models import Facility
from storage.base import utcnow
from storage.database import Database

CHUNK = 2000


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

    `progress` is told (rows done, rows in all) after each chunk written; unchanged rows count as done.
    """
    result = Loaded()
    now = utcnow()
    async with db.session() as session:
        existing: dict[str, str] = {}
        if replace:
            result.removed = await session.scalar(select(func.count()).select_from(Facility)) or 0
            await session.execute(delete(Facility))
        else:
            for part in _chunks([r["registry_id"] for r in rows], CHUNK):
                found = await session.execute(
                    select(Facility.registry_id, Facility.content_hash).where(Facility.registry_id.in_(part)))
                existing.update((rid, digest) for rid, digest in found)
        new = [{**r, "updated_at": now} for r in rows if r["registry_id"] not in existing]
        changed = [{**r, "updated_at": now} for r in rows
                   if r["registry_id"] in existing and existing[r["registry_id"]] != r["content_hash"]]
        table = cast(Table, Facility.__table__)
        done = len(rows) - len(new) - len(changed)
        for part in _chunks(new, CHUNK):  # Core executemany: no per-row ORM bookkeeping
            await session.execute(insert(table), part)
            done += len(part)
            if progress:
                progress(done, len(rows))
        by_id = update(table).where(table.c.registry_id == bindparam("_id"))
        for part in _chunks(changed, CHUNK):
            await session.execute(by_id, [{**r, "_id": r["registry_id"]} for r in part])
            done += len(part)
            if progress:
                progress(done, len(rows))
        result.added, result.updated = len(new), len(changed)
        result.unchanged = len(rows) - len(new) - len(changed)
        if not replace and any(not r["demo"] for r in rows):
            result.demo_left = (await session.execute(
                select(func.count()).select_from(Facility).where(Facility.demo.is_(True)))).scalar_one()
    return result


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

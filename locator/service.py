"""The facility finder as one object the composition root hands to flows, commands and the web app."""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import or_, select

from locator.gazetteer import Gazetteer, Match, fold
from locator.geo import AREAS
from locator.geocode import Geocoder, Lookup, PlaceLocator
from locator.links import map_links
from locator.model import FacilityRecord
from locator.models import Facility
from locator.search import Filters, Found, Hit, close_reader, nearest
from locator.store import record
from storage.database import Database

#: What the registry covers: Lanzhou's districts, counties and 兰州新区 (as a box around them).
COVERED = AREAS["lanzhou"]


def covers(lat: float, lon: float) -> bool:
    """False for a point outside Lanzhou: its "nearest" facilities are Lanzhou's, however far, so say so."""
    return COVERED.contains(lat, lon)


def card(hit: Hit) -> dict[str, Any]:
    """A result as plain data: every facility field plus distance, classes and map links."""
    f = hit.facility
    return {**f.to_json(), "distance_m": round(hit.distance_m), "links": map_links(f.lat, f.lon, f.name)}


class FacilityService:
    """Search around a point or a typed place; the gazetteer is loaded once, when first needed; typed places go
    to the online geocoder first when there is one (see locator.geocode)."""

    def __init__(self, db: Database, gazetteer: Gazetteer | None = None, geocoder: Geocoder | None = None,
                 provider: str = "baidu") -> None:
        self.db = db
        self._gazetteer = gazetteer
        self.locator = PlaceLocator(lambda: self.gazetteer, db, geocoder, provider)

    @property
    def gazetteer(self) -> Gazetteer:
        """Built on first use: its pinyin index costs a second at start-up of every command otherwise."""
        if self._gazetteer is None:
            self._gazetteer = Gazetteer.default()
        return self._gazetteer

    def place(self, text: str) -> Match | None:
        """The gazetteer's place for `text` (offline, immediate)."""
        return self.gazetteer.find(text)

    async def locate(self, text: str) -> Lookup:
        """The place(s) a typed text names: online geocoder (cached) when configured, else the gazetteer."""
        return await self.locator.locate(text)

    async def nearest(self, lat: float, lon: float, filters: Filters | None = None, *, limit: int = 5,
                      offset: int = 0, max_radius_m: float | None = None) -> Found:
        return await nearest(self.db, lat, lon, filters or Filters(), limit=limit, offset=offset,
                             max_radius_m=max_radius_m)

    async def search_names(self, text: str, limit: int = 5) -> list[dict[str, Any]]:
        """Facilities by registry id or (part of) their name, best first: `{id, name, district}` (complaints)."""
        words = [w for w in fold(text).split() if w][:4]
        if not words:
            return []
        like = [Facility.name.ilike(f"%{w}%") for w in words]
        query = (select(Facility.registry_id, Facility.name, Facility.district)
                 .where(or_(Facility.registry_id == text.strip(), *like))
                 .order_by(Facility.registry_id).limit(200))  # not the table's physical order (cell order)
        async with self.db.engine.connect() as conn:
            rows = {r.registry_id: r for r in await conn.execute(query)}
        ranked = process.extract(text, {k: r.name for k, r in rows.items()}, scorer=fuzz.partial_ratio, limit=limit)
        return [{"id": key, "name": rows[key].name, "district": rows[key].district} for _, _, key in ranked]

    async def facility(self, registry_id: str) -> FacilityRecord | None:
        """One facility by its registry id (its own page), None when the registry has no such id."""
        async with self.db.engine.connect() as conn:
            row = (await conn.execute(select(Facility.__table__).where(Facility.registry_id == registry_id)))
            found = row.mappings().first()
        return None if found is None else record(found)

    async def demo_loaded(self) -> bool:
        """True when any synthetic demo facility is in the registry (pages then say the data is not real)."""
        async with self.db.engine.connect() as conn:
            found = await conn.execute(select(Facility.registry_id).where(Facility.demo.is_(True)).limit(1))
            return found.first() is not None

    async def close(self) -> None:
        """Release the search connections (the database itself is closed by its owner)."""
        await close_reader(self.db)

"""Typed places → a WGS-84 point, behind one interface: an online geocoder (Baidu's v3 API through geopy) when
the deployment has a key, the local gazetteer always (the offline default, and the fallback whenever the
geocoder fails, has no key or answers too coarsely). Online answers are cached in the database, so each
address costs one request per deployment."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from geopy.exc import GeopyError
from geopy.geocoders import BaiduV3
from geopy.location import Location
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from locator.gazetteer import Gazetteer, Match, Place, fold, is_place_word
from locator.geo import AREAS, bd09_to_wgs84
from locator.models import GeocodeAnswer
from locator.query import place_text
from storage.database import Database

log = logging.getLogger(__name__)

#: Values of TUOYU_GEOCODER: "gazetteer" (offline only, the default) or "baidu" (needs TUOYU_GEOCODER_KEY).
GEOCODERS = ("gazetteer", "baidu")
#: Seconds to wait for the online geocoder before falling back to the gazetteer: a parent is waiting.
TIMEOUT_S = 3.0
#: Baidu `level` values too coarse to stand for a typed place; a district (区县) stands only when the gazetteer
#: knows nothing better.
TOO_COARSE = {"城市", "省", "国家", "UNKNOWN", ""}
DISTRICT_LEVELS = {"区县"}
LANZHOU = AREAS["lanzhou"]
TOWN_LEVELS = {"乡镇", "村庄"}


class LanzhouBaidu(BaiduV3):
    """geopy's Baidu v3 geocoder asked about Lanzhou only (`city`), in BD-09 (`ret_coordtype`), at a base URL
    the deployment may change (a test server, a proxy)."""

    def __init__(self, api_key: str, *, url: str | None = None, city: str = "兰州市", **kwargs: Any) -> None:
        super().__init__(api_key, **kwargs)
        if url:
            self.api = url.rstrip("/") + self.api_path
        self.city = city

    def geocode(self, query: str, *, exactly_one: bool = True, timeout: Any = None) -> Any:
        params = {"ak": self.api_key, "output": "json", "address": query, "city": self.city,
                  "ret_coordtype": "bd09ll"}
        url = self._construct_url(self.api, self.api_path, params)
        callback = partial(self._parse_json, exactly_one=exactly_one)
        return self._call_geocoder(url, callback, timeout=timeout or self.timeout)


class Geocoder(Protocol):
    """What the finder needs of an online geocoder (geopy's interface, synchronous: run in a thread)."""

    def geocode(self, query: str, *, exactly_one: bool = True, timeout: Any = None) -> Any: ...


def make_geocoder(kind: str, key: str | None, url: str | None = None) -> Geocoder | None:
    """The online geocoder the settings ask for, or None (gazetteer only) when there is none or no key."""
    if kind == "baidu" and key:
        return LanzhouBaidu(key, url=url, timeout=TIMEOUT_S)
    return None


@dataclass(frozen=True)
class Lookup:
    """Places for a typed text, best first (several: ask which), and where they came from."""

    matches: list[Match]
    source: str  # geocoder | cache | gazetteer | none


class PlaceLocator:
    """The one interface for typed places: `await locate(text)`."""

    def __init__(self, gazetteer: Callable[[], Gazetteer], db: Database, geocoder: Geocoder | None = None,
                 provider: str = "baidu") -> None:
        self._gazetteer = gazetteer
        self.db = db
        self.geocoder = geocoder
        self.provider = provider

    async def locate(self, text: str) -> Lookup:
        if not text.strip() or is_place_word(text):
            return Lookup([], "none")
        gazetteer = self._gazetteer()
        found = gazetteer.candidates(text)
        query = place_text(text)
        if self.geocoder is None or len(query) < 2:
            return Lookup(found, "gazetteer")
        answer, source = await self._online(query)
        if answer is None:
            return Lookup(found, "gazetteer")
        lat, lon, level = answer
        if level in TOO_COARSE or (level in DISTRICT_LEVELS and found):
            return Lookup(found, "gazetteer")
        district = gazetteer.nearest_district(lat, lon)
        accuracy = "seat" if level in DISTRICT_LEVELS else "subdistrict" if level in TOWN_LEVELS else "point"
        place = Place(query, "landmark", district.name, district.district_code, lat, lon, accuracy)
        return Lookup([Match(place, query, 100.0)], source)

    async def _online(self, query: str) -> tuple[tuple[float, float, str] | None, str]:
        """(WGS-84 lat, lon, level) for `query` from the cache or the geocoder; None when it has no answer or
        fails (then nothing is cached, so a later try may succeed)."""
        key = fold(query).replace(" ", "")[:200]
        async with self.db.engine.connect() as conn:
            cached = (await conn.execute(select(GeocodeAnswer.lat, GeocodeAnswer.lon, GeocodeAnswer.level).where(
                GeocodeAnswer.provider == self.provider, GeocodeAnswer.query == key))).first()
        if cached is not None:
            if cached.lat is None or cached.lon is None:
                return None, "cache"
            return (cached.lat, cached.lon, cached.level or ""), "cache"
        assert self.geocoder is not None
        try:
            location = await asyncio.to_thread(self.geocoder.geocode, query, exactly_one=True)
        except (GeopyError, OSError, ValueError, KeyError, TypeError):
            log.warning("geocoder failed for a typed place; using the gazetteer", exc_info=True)
            return None, "gazetteer"
        answer = _wgs84(location)
        if answer is not None and not LANZHOU.contains(answer[0], answer[1]):
            answer = None  # the city restriction is a hint to the service, not a promise
        try:
            async with self.db.engine.begin() as conn:
                await conn.execute(insert(GeocodeAnswer).values(
                    provider=self.provider, query=key, lat=answer[0] if answer else None,
                    lon=answer[1] if answer else None, level=answer[2] if answer else None))
        except IntegrityError:  # another chat cached the same answer meanwhile
            pass
        return answer, "geocoder"


def _wgs84(location: Location | None) -> tuple[float, float, str] | None:
    """A Baidu answer (BD-09) as WGS-84, with its level; None for no answer."""
    if location is None:
        return None
    lat, lon = bd09_to_wgs84(float(location.latitude), float(location.longitude))
    raw = location.raw if isinstance(location.raw, dict) else {}
    return lat, lon, str(raw.get("level") or "")

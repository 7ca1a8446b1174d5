"""Nearest search equals a brute-force geodesic ranking over the same rows (property-based and random)."""

from __future__ import annotations

import math
import random
from typing import Any

from geopy.distance import geodesic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from locator import search
from locator.demo import rows as demo_rows
from locator.geo import EARTH_RADIUS_M, cell_of, geodesic_m, haversine_m
from locator.importer import content_hash
from locator.model import CARE_BITS
from locator.search import Filters, brute_force, nearest
from locator.service import FacilityService, card
from locator.store import load
from storage.database import Database

CENTRES = [(36.0495, 103.8386), (36.1035, 103.7215), (36.3445, 102.8600), (39.9, 116.4)]


@st.composite
def facilities(draw: Any) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(0, 120))):
        clat, clon = draw(st.sampled_from(CENTRES))
        spread = draw(st.sampled_from([0.001, 0.02, 0.3, 3.0]))
        lat = round(clat + draw(st.floats(-spread, spread)), 6)
        lon = round(clon + draw(st.floats(-spread, spread)), 6)
        low = draw(st.none() | st.integers(0, 30))
        row = {"registry_id": f"P-{i:04d}", "name": f"P{i}", "district": "城关区", "subdistrict": None,
               "address": None, "nature": draw(st.sampled_from([None, "public", "inclusive", "private"])),
               "for_profit": None, "care_mask": draw(st.integers(1, 15)), "min_age_months": low,
               "max_age_months": draw(st.none() | st.integers(low or 0, 40)), "capacity": None,
               "places_free": None, "places_updated": None, "hours": None, "fee_min": None, "fee_max": None,
               "phone": None, "lat": lat, "lon": lon, "datum": "wgs84", "registered": draw(st.booleans()),
               "registered_on": None, "verified_on": None, "source": None, "demo": False, "extra": {},
               "cell": cell_of(lat, lon)}
        row["content_hash"] = content_hash(row)
        out.append(row)
    return out


queries = st.fixed_dictionaries({
    "lat": st.floats(35.0, 41.0), "lon": st.floats(102.0, 117.0),
    "care_type": st.none() | st.sampled_from(sorted(CARE_BITS)), "age": st.none() | st.integers(0, 40),
    "nature": st.none() | st.sampled_from(["public", "inclusive", "private"]), "registered_only": st.booleans(),
    "limit": st.integers(1, 12), "offset": st.integers(0, 10), "max_radius": st.none() | st.sampled_from([3e3, 4e4]),
    # a remembered density near the point (any first radius must give the same answer), and how many whole
    # rows a PostgreSQL round may fetch before it asks for ids and coordinates only
    "hint": st.none() | st.floats(0.0, 2e6), "filters_hint": st.none() | st.floats(0.0, 2e6),
    "whole_rows": st.sampled_from([search.WHOLE_ROWS, 2]),
})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=facilities(), q=queries)
async def test_nearest_equals_brute_force(database: Database, rows: list[dict[str, Any]], q: dict[str, Any]) -> None:
    await load(database, rows, replace=True)
    filters = Filters(q["care_type"], q["age"], q["nature"], q["registered_only"])
    hints = search._HINTS.setdefault(database, {})
    hints.clear()
    square = (math.floor(q["lat"] / search.HINT_DEG), math.floor(q["lon"] / search.HINT_DEG))
    if q["hint"] is not None:
        hints[square] = q["hint"]
    if q["filters_hint"] is not None:
        hints[(square, filters)] = q["filters_hint"]
    whole_rows, search.WHOLE_ROWS = search.WHOLE_ROWS, q["whole_rows"]
    try:
        found = await nearest(database, q["lat"], q["lon"], filters, limit=q["limit"], offset=q["offset"],
                              max_radius_m=q["max_radius"])
    finally:
        search.WHOLE_ROWS = whole_rows
    reference = await brute_force(database, q["lat"], q["lon"], filters, limit=len(rows) + 1)
    if q["max_radius"] is not None:
        reference = [r for r in reference if r[0] <= q["max_radius"]]
    expected = reference[q["offset"]:q["offset"] + q["limit"]]
    assert [(h.distance_m, h.facility.registry_id) for h in found.hits] == expected
    assert found.more == (len(reference) > q["offset"] + q["limit"])


async def test_widening_and_paging_on_the_demo_set(database: Database) -> None:
    await load(database, demo_rows())
    service = FacilityService(database)
    west_station = service.place("七里河西站附近")
    assert west_station is not None
    first = await service.nearest(west_station.place.lat, west_station.place.lon, Filters("half_day", 14))
    second = await service.nearest(west_station.place.lat, west_station.place.lon, Filters("half_day", 14), offset=5)
    assert len(first.hits) == 5 and first.more and first.radius_m is not None
    assert first.hits[-1].distance_m <= second.hits[0].distance_m
    assert not {h.facility.registry_id for h in first.hits} & {h.facility.registry_id for h in second.hits}
    for hit in first.hits:
        assert hit.facility.registered and hit.facility.demo and "half_day" in hit.facility.care_types
        c = card(hit)
        assert c["id"] == hit.facility.registry_id and c["demo"] is True
        assert c["links"]["geo"].startswith("geo:") and "coordinate=gaode" in c["links"]["amap"]


async def test_far_away_point_still_finds_the_nearest(database: Database) -> None:
    await load(database, demo_rows())
    found = await nearest(database, 23.13, 113.26, Filters(), limit=3)  # Guangzhou: nothing near, search widens
    assert len(found.hits) == 3 and found.hits[0].distance_m > 1_000_000
    assert [(h.distance_m, h.facility.registry_id) for h in found.hits] == \
        await brute_force(database, 23.13, 113.26, Filters(), limit=3)


async def test_searches_remember_how_far_they_had_to_go(database: Database) -> None:
    """A second search near the first starts at about the radius the first needed, not at START_M."""
    await load(database, demo_rows())
    found = await nearest(database, 36.0614, 103.8343, Filters(), limit=5)
    hints = search._HINTS[database]
    sixth = (await brute_force(database, 36.0614, 103.8343, Filters(), limit=6))[5][0]  # limit + 1 needed
    assert hints.keys() == {(72, 207), ((72, 207), Filters())} and found.radius_m == search.START_M
    assert hints[(72, 207)] * math.sqrt(6) == sixth
    again = await nearest(database, 36.0620, 103.8350, Filters(), limit=5)
    assert again.radius_m is not None and again.radius_m < search.START_M
    other = await nearest(database, 36.0620, 103.8350, Filters(care_type="temporary"), limit=5)  # other filters:
    assert other.hits and ((72, 207), Filters(care_type="temporary")) in hints  # the square's hint, then its own


def _row(i: int, lat: float, lon: float) -> dict[str, Any]:
    row = {"registry_id": f"G-{i:05d}", "name": f"G{i}", "district": "城关区", "subdistrict": None, "address": None,
           "nature": None, "for_profit": None, "care_mask": 1 + i % 15, "min_age_months": None,
           "max_age_months": None, "capacity": None, "places_free": None, "places_updated": None, "hours": None,
           "fee_min": None, "fee_max": None, "phone": None, "lat": lat, "lon": lon, "datum": "wgs84",
           "registered": i % 7 != 0, "registered_on": None, "verified_on": None, "source": None, "demo": False,
           "extra": {}, "cell": cell_of(lat, lon)}
    row["content_hash"] = content_hash(row)
    return row


async def test_the_order_is_the_ellipsoids_not_the_spheres(database: Database) -> None:
    """Due north 1000 m on the sphere is nearer on the ellipsoid than due east 999 m: geodesic order wins."""
    lat, lon = 36.06, 103.83
    north = lat + math.degrees(1000 / EARTH_RADIUS_M)
    east = lon + math.degrees(999 / EARTH_RADIUS_M) / math.cos(math.radians(lat))
    await load(database, [_row(1, north, lon), _row(2, lat, east)], replace=True)
    assert haversine_m(lat, lon, lat, east) < haversine_m(lat, lon, north, lon)
    found = await nearest(database, lat, lon, Filters(registered_only=False), limit=2)
    assert [h.facility.registry_id for h in found.hits] == ["G-00001", "G-00002"]
    assert found.hits[0].distance_m == geodesic_m(lat, lon, north, lon) == geodesic((lat, lon), (north, lon)).m


async def test_100_random_queries_equal_a_brute_force_geodesic_ranking(database: Database) -> None:
    """The benchmark (benchmarks/locator.py) runs the same check over 100,000 facilities."""
    rng = random.Random(18)
    rows = [_row(i, rng.gauss(36.06, 0.05), rng.gauss(103.8, 0.08)) for i in range(1_000)]
    await load(database, rows, replace=True)
    for _ in range(100):
        lat, lon = rng.gauss(36.06, 0.06), rng.gauss(103.8, 0.1)
        filters = Filters(care_type=rng.choice([None, *CARE_BITS]), registered_only=rng.random() < 0.5)
        found = await nearest(database, lat, lon, filters, limit=10)
        assert [(h.distance_m, h.facility.registry_id) for h in found.hits] == \
            await brute_force(database, lat, lon, filters, limit=10)

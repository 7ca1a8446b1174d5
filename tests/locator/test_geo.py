"""Datum transforms against known point pairs, distances against geopy, and the grid box cover."""

from __future__ import annotations

import pytest
from geopy.distance import great_circle
from hypothesis import given
from hypothesis import strategies as st

from locator.geo import (
    BBox,
    around,
    bd09_to_wgs84,
    cell_of,
    gcj02_to_wgs84,
    haversine_m,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# (WGS-84, GCJ-02) pairs: 城关区 seat from facts.md §6.1, and the 兰州新区/七里河 entries computed there
PAIRS = [((36.0495, 103.8386), (36.0491, 103.8410)), ((36.0670, 103.7818), (36.0667, 103.7843)),
         ((36.1008, 103.6201), (36.1004, 103.6223))]


@pytest.mark.parametrize(("wgs", "gcj"), PAIRS)
def test_gcj02_matches_the_published_pairs(wgs: tuple[float, float], gcj: tuple[float, float]) -> None:
    assert haversine_m(*wgs84_to_gcj02(*wgs), *gcj) < 30  # the pairs are rounded to 1e-4° (≈ 10 m)
    assert haversine_m(*gcj02_to_wgs84(*gcj), *wgs) < 30


def test_lanzhou_offsets_are_the_documented_size() -> None:
    glat, glon = wgs84_to_gcj02(36.0495, 103.8386)
    assert 0.0020 < glon - 103.8386 < 0.0028 and -0.0006 < glat - 36.0495 < 0
    blat, blon = wgs84_to_bd09(36.0495, 103.8386)
    assert 0.008 < blon - 103.8386 < 0.010 and 0.005 < blat - 36.0495 < 0.0062


@given(st.floats(18, 53), st.floats(74, 134))
def test_round_trips_within_a_metre(lat: float, lon: float) -> None:
    assert haversine_m(*gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon)), lat, lon) < 1
    assert haversine_m(*bd09_to_wgs84(*wgs84_to_bd09(lat, lon)), lat, lon) < 1


def test_outside_china_is_untouched_and_unknown_datum_refused() -> None:
    assert wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
    with pytest.raises(ValueError):
        to_wgs84(36, 103, "utm")


@given(st.floats(-60, 60), st.floats(-170, 170), st.floats(-60, 60), st.floats(-170, 170))
def test_haversine_agrees_with_geopy(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    assert haversine_m(lat1, lon1, lat2, lon2) == pytest.approx(great_circle((lat1, lon1), (lat2, lon2)).m,
                                                                abs=1e-3, rel=1e-9)


@given(st.floats(-70, 70), st.floats(-170, 170), st.floats(10, 300_000), st.floats(0, 359.9), st.floats(0, 1))
def test_every_point_within_the_radius_is_in_a_covered_cell(lat: float, lon: float, radius: float, bearing: float,
                                                            frac: float) -> None:
    from geopy.distance import great_circle as gc

    target = gc(meters=radius * frac * 0.999).destination((lat, lon), bearing)
    box = around(lat, lon, radius)
    assert box.contains(target.latitude, target.longitude)
    cell = cell_of(target.latitude, target.longitude)
    assert any(lo <= cell <= hi for lo, hi in box.cell_ranges())


def test_bbox_parse() -> None:
    assert BBox.parse("35,102,37,105").contains(36, 103.8)
    with pytest.raises(ValueError):
        BBox.parse("37,102,35,105")

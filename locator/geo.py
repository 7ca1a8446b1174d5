"""Datum transforms (WGS-84 ⇄ GCJ-02 ⇄ BD-09), great-circle distance and the grid cell index."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from geopy.distance import geodesic

EARTH_RADIUS_M = 6_371_009.0  # mean Earth radius, as geopy's great_circle uses

# Krasovsky 1940 ellipsoid, as in the public GCJ-02 reference transform
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

#: Grid cell size in degrees (≈ 2.2 km of latitude): the spatial prefilter's resolution.
CELL_DEG = 0.02
_COLS = round(360 / CELL_DEG)
_ROWS = round(180 / CELL_DEG)

CRS = ("wgs84", "gcj02", "bd09")


def _outside_china(lat: float, lon: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _dlat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _dlon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """The public reference GCJ-02 forward transform (identity outside China)."""
    if _outside_china(lat, lon):
        return lat, lon
    dlat = _dlat(lon - 105.0, lat - 35.0)
    dlon = _dlon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + dlat, lon + dlon


def _invert(forward, lat: float, lon: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Invert a smooth, nearly-identity transform by fixed-point iteration (converges to < 1e-9°)."""
    wlat, wlon = lat, lon
    for _ in range(30):
        flat, flon = forward(wlat, wlon)
        dlat, dlon = flat - lat, flon - lon
        wlat, wlon = wlat - dlat, wlon - dlon
        if abs(dlat) < 1e-10 and abs(dlon) < 1e-10:
            break
    return wlat, wlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Iterative inverse of the GCJ-02 transform (the usual one-step inverse is off by ~1 m)."""
    return _invert(wgs84_to_gcj02, lat, lon)


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """Baidu's published GCJ-02 → BD-09 shift."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Iterative inverse of the BD-09 shift."""
    return _invert(gcj02_to_bd09, lat, lon)


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


def to_wgs84(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """A point in `crs` (wgs84, gcj02 or bd09) as WGS-84."""
    if crs == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    if crs == "bd09":
        return bd09_to_wgs84(lat, lon)
    if crs == "wgs84":
        return lat, lon
    raise ValueError(f"unknown datum {crs!r}; use one of {', '.join(CRS)}")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres on the mean-radius sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


#: The most the mean-radius sphere's distance and the WGS-84 geodesic differ, relative (the sphere is off by
#: under 0.6 % anywhere on Earth; with margin): a circle on the sphere this much wider holds every point within
#: a geodesic radius.
SPHERE_SLACK = 0.01

_GEODESIC = geodesic()


def geodesic_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres on the WGS-84 ellipsoid (geopy's geodesic, Karney's method): the finder's one
    distance, for the order and for every figure shown."""
    return float(_GEODESIC.measure((lat1, lon1), (lat2, lon2))) * 1000.0


def cell_of(lat: float, lon: float) -> int:
    """The grid cell a point falls in: row-major over CELL_DEG squares, so one row is one id range."""
    row = int((lat + 90.0) / CELL_DEG)
    col = int((lon + 180.0) / CELL_DEG)
    if not (0 <= row < _ROWS and 0 <= col < _COLS):  # the poles, the antimeridian, or beyond
        row, col = min(max(row, 0), _ROWS - 1), min(max(col, 0), _COLS - 1)
    return row * _COLS + col


@dataclass(frozen=True)
class BBox:
    """A latitude/longitude box (south, west, north, east) in degrees."""

    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    @classmethod
    def parse(cls, text: str) -> BBox:
        """`S,W,N,E` in degrees."""
        parts = [float(p) for p in text.split(",")]
        if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
            raise ValueError("a box is S,W,N,E with S ≤ N and W ≤ E")
        return cls(*parts)

    def cell_ranges(self) -> Iterator[tuple[int, int]]:
        """Inclusive cell-id ranges (one per grid row) covering the box."""
        first, last = cell_of(self.south, 0.0) // _COLS, cell_of(self.north, 0.0) // _COLS
        west, east = cell_of(0.0, self.west) % _COLS, cell_of(0.0, self.east) % _COLS
        for row in range(first, last + 1):
            yield row * _COLS + west, row * _COLS + east

    def rows(self) -> int:
        return int(max(0.0, min(self.north, 90.0) - max(self.south, -90.0)) / CELL_DEG) + 1


def around(lat: float, lon: float, radius_m: float) -> BBox:
    """The smallest lat/lon box holding every point within `radius_m` of (lat, lon)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    south, north = lat - dlat, lat + dlat
    if south <= -90 or north >= 90:
        return BBox(max(south, -90.0), -180.0, min(north, 90.0), 180.0)
    # the widest longitude span of a spherical cap is at latitude asin(sin lat / cos d)
    ang = radius_m / EARTH_RADIUS_M
    ratio = math.sin(ang) / math.cos(math.radians(lat))
    if ratio >= 1:
        return BBox(south, -180.0, north, 180.0)
    dlon = math.degrees(math.asin(ratio))
    west, east = lon - dlon, lon + dlon
    if west < -180 or east > 180:
        return BBox(south, -180.0, north, 180.0)
    return BBox(south, west, north, east)


#: Named areas for the importer's "outside the expected area" check.
AREAS = {
    "lanzhou": BBox(35.55, 102.55, 37.25, 104.60),
    "gansu": BBox(32.10, 92.10, 42.85, 108.75),
    "china": BBox(3.80, 73.40, 53.60, 135.10),
    "world": BBox(-90.0, -180.0, 90.0, 180.0),
}

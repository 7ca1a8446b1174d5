"""Map links for a facility: geo: in WGS-84, Amap in GCJ-02 and Baidu in BD-09, as each app expects."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from locator.geo import wgs84_to_bd09, wgs84_to_gcj02


def map_links(lat: float, lon: float, name: str) -> dict[str, str]:
    """{"geo", "amap", "baidu"} URLs for a WGS-84 point."""
    glat, glon = wgs84_to_gcj02(lat, lon)
    blat, blon = wgs84_to_bd09(lat, lon)
    return {
        "geo": f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({quote(name)})",
        "amap": "https://uri.amap.com/marker?" + urlencode(
            {"position": f"{glon:.6f},{glat:.6f}", "name": name, "coordinate": "gaode", "callnative": 1}),
        "baidu": "https://api.map.baidu.com/marker?" + urlencode(
            {"location": f"{blat:.6f},{blon:.6f}", "title": name, "content": name, "output": "html",
             "coord_type": "bd09ll", "src": "tuoyu"}),
    }

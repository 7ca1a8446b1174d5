"""Finder maps for the web chat and facility pages: our gazetteer's districts, the search point, numbered results
(the drawn sketch), and the street map's pins when the deployment has a tile source."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from starlette.requests import Request

from locator.gazetteer import Gazetteer
from locator.geo import wgs84_to_gcj02
from locator.model import FacilityRecord
from visual.svgmap import Area, Centre, Pin, Spot, render_map

#: How far off a search point may be, by gazetteer accuracy (gazetteer.yaml); "district" means only the seat
#: is known, which no circle would describe honestly, so none is drawn.
UNCERTAINTY_M = {"point": 100.0, "seat": 500.0, "subdistrict": 2000.0}

Translate = Callable[..., str]


@cache
def lanzhou_areas(lang: str) -> tuple[Area, ...]:
    """Each district with its seat and the subdistrict points we trust (not those standing in for the seat)."""
    gazetteer = Gazetteer.default()
    areas = []
    for code, district in gazetteer.districts.items():
        name = district.name
        if lang == "en":
            name = next((a for a in district.aliases if a.isascii()), name)
        spots = [Spot(name, district.lat, district.lon)]
        spots += [Spot(p.name, p.lat, p.lon) for p in gazetteer.places
                  if p.kind == "subdistrict" and p.district_code == code and p.accuracy != "district"]
        areas.append(Area(name, tuple(spots)))
    return tuple(areas)


def finder_map(data: dict[str, Any], lang: str, t: Translate, link: str = "#fac-{id}") -> str | None:
    """The map for a finder reply's `data` (cards with lat/lon, the centre), or None when it has no results."""
    facilities: Sequence[dict[str, Any]] = data.get("facilities") or []
    if not facilities:
        return None
    first = int(data.get("offset") or 0) + 1
    pins = [Pin(str(f["id"]), n, str(f["name"]), float(f["lat"]), float(f["lon"]))
            for n, f in enumerate(facilities, first)]
    raw = data.get("center") or {}
    centre = None
    if "lat" in raw and "lon" in raw:
        centre = Centre(float(raw["lat"]), float(raw["lon"]), str(raw.get("label") or ""),
                        UNCERTAINTY_M.get(str(raw.get("accuracy")), 0.0))
    title = t("web_map_title", place=centre.label) if centre else t("web_map_title_plain")
    return render_map(lanzhou_areas(lang), pins, centre, title=title, note=t("web_map_note"), link=link)


def facility_map(facility: FacilityRecord, lang: str, t: Translate) -> str:
    """One facility's pin among the districts, linking to its card on the same page."""
    pin = Pin(facility.registry_id, 1, facility.name, facility.lat, facility.lon)
    return render_map(lanzhou_areas(lang), [pin], title=t("web_map_facility", name=facility.name),
                      note=t("web_map_note"))


def street_map(data: dict[str, Any], datum: str, attribution: str) -> dict[str, Any]:
    """What the browser's street map needs: our tile path, the pins and the search point in the tiles' datum
    (GCJ-02 for mainland tiles: WGS-84 points drawn on them would sit a few hundred metres off)."""
    def point(lat: float, lon: float) -> list[float]:
        return [round(v, 6) for v in (wgs84_to_gcj02(lat, lon) if datum == "gcj02" else (lat, lon))]

    first = int(data.get("offset") or 0) + 1
    pins = [{"id": str(f["id"]), "n": n, "at": point(float(f["lat"]), float(f["lon"]))}
            for n, f in enumerate(data.get("facilities") or [], first)]
    raw = data.get("center") or {}
    centre = ({"at": point(float(raw["lat"]), float(raw["lon"])), "label": str(raw.get("label") or "")}
              if "lat" in raw and "lon" in raw else None)
    return {"tiles": "/tiles/{z}/{x}/{y}.png", "attribution": attribution, "pins": pins, "centre": centre}


def add_maps(request: Request, lang: str, payload: dict[str, Any]) -> None:
    """Give each finder reply in a chat payload its map, the anchor prefix its cards take (`fac-<nonce>-`) and
    each card its lines in the chat's language `lang` (备案, care types, ages, nature, hours, fee with its unit,
    free places with their date: the same words as the chat's text cards)."""
    from bot.channels.web.facility import card_lines  # web.facility draws its map with this module

    replies = [r for r in payload.get("replies", ()) if (r.get("data") or {}).get("facilities")]
    if not replies:
        return
    port = request.app.state.port

    def t(key: str, **values: object) -> str:
        return str(port.t(key, lang, **values))

    settings = request.app.state.settings
    for reply in replies:
        anchor = f"fac-{secrets.token_hex(3)}-"  # unique per reply: older results keep their own cards
        reply["map_svg"] = finder_map(reply["data"], lang, t, link=f"#{anchor}{{id}}")
        reply["map_anchor"] = anchor
        if settings.map_tiles:
            reply["street_map"] = street_map(reply["data"], settings.map_tiles_datum, settings.map_attribution)
        cards = reply["data"]["facilities"] = [dict(c) for c in reply["data"]["facilities"]]
        for c in cards:
            c["lines"] = card_lines(FacilityRecord.from_json(c), t, lang, contact=False)

"""A facility's own page: its card and where it is, on our own district map (no tile server)."""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.web.maps import Translate, facility_map
from bot.channels.web.pages import request_lang
from bot.flows.finder import fee_line
from locator.links import map_links
from locator.model import FacilityRecord
from locator.service import FacilityService

REGISTRY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}\Z")


def card_lines(f: FacilityRecord, t: Translate, lang: str, *, contact: bool = True) -> list[str]:
    """The finder card's lines (same words as the chat), without the distance, which needs a search point;
    without phone and address when the card shows them itself (`contact=False`: tap-to-call, the meta line)."""
    unknown = t("finder_card_unknown")
    lines = [t("finder_card_registered", id=f.registry_id, date=f.registered_on) if f.registered and f.registered_on
             else t("finder_card_registered_nodate", id=f.registry_id) if f.registered
             else t("finder_card_unregistered", id=f.registry_id)]
    sep = "、" if lang == "zh" else ", "
    lines.append(t("finder_card_types", types=sep.join(t(f"finder_care_{c}") for c in f.care_types)))
    ages = unknown
    if f.min_age_months is not None or f.max_age_months is not None:
        ages = t("finder_card_ages_range", low=f.min_age_months or 0,
                 high=36 if f.max_age_months is None else f.max_age_months)
        if f.classes:
            ages += f"（{'、'.join(f.classes)}）" if lang == "zh" else f" ({', '.join(f.classes)})"
    lines.append(t("finder_card_ages", ages=ages))
    if f.nature:
        lines.append(t("finder_card_nature", nature=t(f"finder_nature_{f.nature}")))
    lines.append(t("finder_card_hours", hours=f.hours or unknown))
    if fees := fee_line(f, t):
        lines.append(fees)
    if f.places_free is not None:
        capacity = unknown if f.capacity is None else f.capacity
        lines.append(t("finder_card_places", free=f.places_free, capacity=capacity, date=f.places_updated)
                     if f.places_updated else t("finder_card_places_nodate", free=f.places_free, capacity=capacity))
    if contact:
        lines.append(t("finder_card_phone", phone=f.phone or unknown))
        lines.append(t("finder_card_address", address=f.address or f"{f.district}{f.subdistrict or ''}"))
    if f.verified_on:
        lines.append(t("finder_card_verified", date=f.verified_on))
    return lines


async def facility_page(request: Request) -> Response:
    """GET /facility/{registry_id}: the card, the map with its pin, links to map apps and to report it."""
    registry_id = request.path_params["registry_id"]
    if not REGISTRY_ID.match(registry_id):
        raise HTTPException(404)
    registry: FacilityService | None = request.app.state.services.facilities
    facility = await registry.facility(registry_id) if registry is not None else None
    if facility is None:
        raise HTTPException(404)
    lang = request_lang(request)
    catalog = request.app.state.port.catalog

    def t(key: str, **values: object) -> str:
        return catalog.get(key, lang, **values)

    return request.app.state.pages.render(
        request, "facility.html", lang=lang, facility=facility, lines=card_lines(facility, t, lang, contact=False),
        map_svg=facility_map(facility, lang, t), links=map_links(facility.lat, facility.lon, facility.name),
        tel=tel_href(facility.phone), address=facility.address or f"{facility.district}{facility.subdistrict or ''}")


def tel_href(phone: str | None) -> str | None:
    """`tel:` with the digits of a phone number (0931-1234567 → tel:0931-1234567), None without one."""
    digits = "".join(c for c in phone or "" if c.isdigit() or c in "+-")
    return f"tel:{digits}" if any(c.isdigit() for c in digits) else None


routes = [Route("/facility/{registry_id}", facility_page, methods=["GET"])]

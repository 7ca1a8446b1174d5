"""The finder conversation: care type → child's age → place → nearest facilities, five at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from bot.engine.flow import Expects, Turn
from bot.engine.types import Button, InboundKind, Reply, State
from locator.gazetteer import Gazetteer, Match, Place, is_place_word
from locator.links import map_links
from locator.model import CARE_BITS, FacilityRecord
from locator.query import age_months, care_type, is_skip, parse_request
from locator.search import Filters, Found
from locator.service import FacilityService, card, covers

log = logging.getLogger(__name__)

PAGE = 5
RECENT = 20  # {id, name, district} of facilities shown, in state.memory["recent_facilities"] for complaints
NEAR_M = 5_000  # beyond this the results are "widened": say how far and offer neighbouring districts
AGE_BANDS = (("infant", 9), ("small", 18), ("large", 30))
ANY = "any"


def place_label(place: Place, lang: str) -> str:
    """The place's name, in English its romanised alias where the gazetteer has one."""
    if lang == "en":
        for alias in place.aliases:
            if alias.isascii() and " " in alias:
                return alias
    return place.name


class FinderFlow:
    """Flow protocol implementation; all searching goes through the FacilityService."""

    name = "finder"
    prefix = "f"
    title = "finder_title"
    start_commands: tuple[str, ...] = ("find",)
    commands: tuple[str, ...] = ()
    intents: Mapping[str, str] = MappingProxyType({"facility_search": "find", InboundKind.LOCATION.value: "find"})
    keeps_emergency = False

    def __init__(self, service: FacilityService) -> None:
        self.service = service

    def menu_buttons(self, turn: Turn) -> list[Button]:
        return [Button(turn.t("btn_find"), "cmd:find")]

    def expects(self, state: State) -> Expects:
        """Every step is a choice: a care type, an age, a place (typed or tapped)."""
        return Expects.CHOICE

    async def understands(self, turn: Turn) -> bool:
        text, step = turn.inbound.text, turn.state.step
        if care_type(text) is not None or age_months(text) is not None:
            return True
        if is_skip(text) and step in ("type", "age"):
            return True
        return bool((await self.service.locate(text)).matches)

    @property
    def gazetteer(self) -> Gazetteer:
        return self.service.gazetteer

    async def start(self, turn: Turn) -> list[Reply]:
        """Take whatever the first message already says, then ask the rest or search at once."""
        inbound, state = turn.inbound, turn.state
        state.enter(self.name, "type")
        if inbound.kind is InboundKind.LOCATION and inbound.lat is not None and inbound.lon is not None:
            self._set_point(turn, inbound.lat, inbound.lon, turn.t("finder_here"), "point", None)
            state.data.update(care=ANY, age=ANY)
        else:
            text = inbound.args if inbound.kind is InboundKind.COMMAND else inbound.text
            request = parse_request(text, self.gazetteer, place=False)
            if request.care_type:
                state.data["care"] = request.care_type
            if request.age_months is not None:
                state.data["age"] = request.age_months
            matches = (await self.service.locate(text)).matches
            if len(matches) > 1:
                return [self._ask_which(turn, matches)]
            if matches:
                self._set_place(turn, matches[0].place)
        return await self._next(turn, prefix=turn.t("finder_start"))

    async def on_input(self, turn: Turn) -> list[Reply]:
        inbound, state = turn.inbound, turn.state
        if inbound.kind is InboundKind.BUTTON:
            return await self._button(turn, inbound.text.partition(":")[2])
        if state.flow != self.name:  # a command routed here outside the flow
            return await self.start(turn)
        if inbound.kind is InboundKind.LOCATION and inbound.lat is not None and inbound.lon is not None:
            self._set_point(turn, inbound.lat, inbound.lon, turn.t("finder_here"), "point", None)
            return await self._next(turn)
        text = inbound.text
        step = state.step
        understood = False
        if (code := care_type(text)) is not None:
            state.data["care"], understood = code, True
        if (months := age_months(text)) is not None:
            state.data["age"], understood = months, True
        if is_skip(text) and step in ("type", "age"):
            state.data["care" if step == "type" else "age"], understood = ANY, True
        matches = (await self.service.locate(text)).matches
        if len(matches) > 1:
            return [self._ask_which(turn, matches)]
        if matches:
            self._set_place(turn, matches[0].place)
            understood = True
        if not understood:
            if step == "place" and is_place_word(text):  # "附近的托育机构": still no place
                return [self._ask_place(turn, turn.t("finder_ask_place"))]
            if step == "place":
                return [self._ask_place(turn, turn.t("finder_no_place", text=text.strip()[:40]))]
            return await self._next(turn, prefix=turn.t("finder_hint_age" if step == "age" else "finder_hint_type",
                                                            text=text.strip()[:20]))
        return await self._next(turn)

    async def _button(self, turn: Turn, value: str) -> list[Reply]:
        state, memory = turn.state, turn.state.memory
        kind, _, arg = value.partition(":")
        if kind in ("t", "a", "d") and state.flow != self.name:  # refining the last search
            last = memory.get("finder_last") or {}
            state.enter(self.name, "type", **{k: v for k, v in last.items() if k != "offset"})
        if kind == "t" and (arg in CARE_BITS or arg == ANY):
            state.data["care"] = arg
        elif kind == "a":
            state.data["age"] = int(arg) if arg.isdigit() else ANY
        elif kind == "d" and arg in self.gazetteer.districts:
            self._set_place(turn, self.gazetteer.districts[arg])
        elif kind == "p" and arg.isdigit() and int(arg) < len(self.gazetteer.places):
            self._set_place(turn, self.gazetteer.places[int(arg)])
        elif kind == "more" and memory.get("finder_last"):
            last = memory["finder_last"]
            last["offset"] = last.get("offset", 0) + PAGE
            return await self._results(turn, last)
        elif kind == "all" and memory.get("finder_last"):
            last = {**memory["finder_last"], "registered_only": False, "offset": 0}
            return await self._results(turn, last)
        elif kind == "new":
            state.enter(self.name, "type")
            return await self._next(turn)
        return await self._next(turn)

    def _set_place(self, turn: Turn, place: Place) -> None:
        self._set_point(turn, place.lat, place.lon, place_label(place, turn.lang), place.accuracy,
                        place.district_code)

    @staticmethod
    def _set_point(turn: Turn, lat: float, lon: float, label: str, accuracy: str, district: str | None) -> None:
        turn.state.data.update(lat=lat, lon=lon, label=label, accuracy=accuracy, district=district)

    async def _next(self, turn: Turn, *, prefix: str = "") -> list[Reply]:
        """Ask the first unanswered question, or search when everything is known."""
        data, state = turn.state.data, turn.state
        kind = "facility_search"
        lead = f"{prefix}\n" if prefix else ""
        if "care" not in data:
            state.step = "type"
            buttons = [Button(turn.t(f"finder_care_{c}"), f"f:t:{c}") for c in CARE_BITS]
            buttons.append(Button(turn.t("finder_care_any"), f"f:t:{ANY}"))
            return [Reply(kind=kind, text=lead + turn.t("finder_ask_type"), buttons=buttons, score=1.0)]
        if "age" not in data:
            state.step = "age"
            buttons = [Button(turn.t(f"finder_age_{band}"), f"f:a:{months}") for band, months in AGE_BANDS]
            buttons.append(Button(turn.t("finder_age_any"), f"f:a:{ANY}"))
            return [Reply(kind=kind, text=lead + turn.t("finder_ask_age"), buttons=buttons, score=1.0)]
        if "lat" not in data:
            state.step = "place"
            return [self._ask_place(turn, lead + turn.t("finder_ask_place"))]
        query = {k: data.get(k) for k in ("lat", "lon", "label", "accuracy", "district", "care", "age")}
        query.update(registered_only=data.get("registered_only", True), offset=0)
        state.leave()
        searching = Reply(kind=kind, score=1.0, text=turn.t(
            "finder_searching", place=query["label"], conditions=self._conditions(turn, query)))
        return [searching, *await self._results(turn, query)]

    def _ask_place(self, turn: Turn, text: str) -> Reply:
        buttons = [Button(place_label(d, turn.lang), f"f:d:{code}") for code, d in self.gazetteer.districts.items()]
        return Reply(kind="facility_search", text=f"{text}\n{turn.t('finder_district_prompt')}", buttons=buttons,
                     request_location=True, score=1.0)

    def _ask_which(self, turn: Turn, matches: Sequence[Match]) -> Reply:
        """Several places answer to the name: one button each, with its district."""
        turn.state.step = "place"
        index = {id(p): i for i, p in enumerate(self.gazetteer.places)}
        buttons = [Button(turn.t("finder_which_option", place=place_label(m.place, turn.lang),
                                 district=place_label(self.gazetteer.districts[m.place.district_code], turn.lang)),
                          f"f:p:{index[id(m.place)]}") for m in matches if id(m.place) in index]
        return Reply(kind="facility_search", text=turn.t("finder_which", name=matches[0].key), buttons=buttons,
                     request_location=True, score=1.0)

    @staticmethod
    def _conditions(turn: Turn, query: dict[str, Any]) -> str:
        parts = []
        if query["care"] not in (None, ANY):
            parts.append(turn.t(f"finder_care_{query['care']}"))
        if query["age"] not in (None, ANY):
            parts.append(turn.t("finder_cond_age", age=query["age"]))
        parts.append(turn.t("finder_cond_registered" if query["registered_only"] else "finder_cond_all"))
        return turn.t("finder_list_sep").join(parts)

    async def _results(self, turn: Turn, query: dict[str, Any]) -> list[Reply]:
        """One page of cards, remembered so "more" and the complaint flow can pick up from here."""
        filters = Filters(care_type=None if query["care"] in (None, ANY) else query["care"],
                          age_months=None if query["age"] in (None, ANY) else int(query["age"]),
                          registered_only=bool(query["registered_only"]))
        try:
            found = await self.service.nearest(query["lat"], query["lon"], filters, limit=PAGE,
                                               offset=query.get("offset", 0))
        except Exception:  # the database is down: say where else to ask rather than fail the chat
            log.exception("facility search failed")
            return [Reply(kind="facility_results", text=turn.t("finder_unavailable"), score=0.0)]
        memory = turn.state.memory
        memory["finder_last"] = query
        shown = [{"id": h.facility.registry_id, "name": h.facility.name, "district": h.facility.district}
                 for h in found.hits]
        ids = {item["id"] for item in shown}
        older = [r for r in memory.get("recent_facilities", []) if isinstance(r, dict) and r.get("id") not in ids]
        memory["recent_facilities"] = (shown + older)[:RECENT]
        return [self._render(turn, query, found)]

    def _render(self, turn: Turn, query: dict[str, Any], found: Found) -> Reply:
        if not covers(query["lat"], query["lon"]) and found.hits and not query.get("offset"):
            return self._out_of_area(turn, query, found)
        offset = query.get("offset", 0)
        center = {"lat": query["lat"], "lon": query["lon"], "label": query["label"], "accuracy": query["accuracy"]}
        data: dict[str, Any] = {"facilities": [card(h) for h in found.hits], "center": center, "more": found.more,
                                "offset": offset, "radius_m": found.radius_m}
        buttons: list[Button] = []
        if not found.hits:
            text = turn.t("finder_no_more" if offset else "finder_none")
        else:
            lines = []
            if any(h.facility.demo for h in found.hits):
                lines.append(turn.t("finder_demo_note"))
            nearest = found.hits[0].distance_m
            if offset == 0 and nearest > NEAR_M:
                lines.append(turn.t("finder_widened", place=query["label"], near=NEAR_M // 1000,
                                    far=_km(found.hits[-1].distance_m)))
            else:
                lines.append(turn.t("finder_results", place=query["label"], first=offset + 1,
                                    last=offset + len(found.hits)))
            if query["accuracy"] not in ("point", "seat"):
                lines.append(turn.t("finder_place_approx", place=query["label"]))
            for number, hit in enumerate(found.hits, offset + 1):
                lines.append(f"\n{number}. " + self._card_text(turn, hit.facility, hit.distance_m))
            text = "\n".join(lines)
            buttons = [Button(turn.t("finder_btn_report", name=_short(h.facility.name)),
                              f"c:fac:{h.facility.registry_id}") for h in found.hits]
            if offset == 0 and nearest > NEAR_M:
                district = query.get("district") or self.gazetteer.nearest_district(query["lat"],
                                                                                    query["lon"]).district_code
                buttons += [Button(turn.t("finder_btn_district", name=place_label(d, turn.lang)),
                                   f"f:d:{d.district_code}") for d in self.gazetteer.neighbours(district)]
        if found.more:
            buttons.append(Button(turn.t("finder_btn_more"), "f:more"))
        if query["registered_only"]:
            buttons.append(Button(turn.t("finder_btn_all"), "f:all"))
        buttons.append(Button(turn.t("finder_btn_new"), "f:new"))
        return Reply(kind="facility_results", text=text, buttons=buttons, data=data, score=1.0)

    def _out_of_area(self, turn: Turn, query: dict[str, Any], found: Found) -> Reply:
        """A point outside Lanzhou: say what the registry covers and where its nearest facility is, and offer
        Lanzhou's districts rather than a list of cards hundreds of kilometres away."""
        hit = found.hits[0]
        text = turn.t("finder_out_of_area", place=query["label"], name=hit.facility.name,
                      district=hit.facility.district, km=f"{hit.distance_m / 1000:,.0f}")
        text = text[:1].upper() + text[1:]  # "your location is ..." opens the English sentence
        buttons = [Button(place_label(d, turn.lang), f"f:d:{code}") for code, d in self.gazetteer.districts.items()]
        data = {"facilities": [card(hit)], "offset": 0, "more": False, "radius_m": found.radius_m,
                "out_of_area": True}
        return Reply(kind="facility_results", text=text, buttons=buttons, data=data, score=1.0)

    @staticmethod
    def _card_text(turn: Turn, f: FacilityRecord, distance_m: float) -> str:
        unknown = turn.t("finder_card_unknown")
        lines = [f.name]
        if f.demo:
            lines.append(turn.t("finder_demo_label"))
        if f.registered:
            lines.append(turn.t("finder_card_registered", id=f.registry_id, date=f.registered_on)
                         if f.registered_on else turn.t("finder_card_registered_nodate", id=f.registry_id))
        else:
            lines.append(turn.t("finder_card_unregistered", id=f.registry_id))
        sep = turn.t("finder_list_sep")
        lines.append(turn.t("finder_card_types", types=sep.join(turn.t(f"finder_care_{c}") for c in f.care_types)))
        ages = unknown
        if f.min_age_months is not None or f.max_age_months is not None:
            ages = turn.t("finder_card_ages_range", low=f.min_age_months if f.min_age_months is not None else 0,
                          high=f.max_age_months if f.max_age_months is not None else 36)
            if f.classes:
                ages += turn.t("finder_card_classes", classes=sep.join(f.classes))
        lines.append(turn.t("finder_card_ages", ages=ages))
        if f.nature:
            lines.append(turn.t("finder_card_nature", nature=turn.t(f"finder_nature_{f.nature}")))
        lines.append(turn.t("finder_card_hours", hours=f.hours or unknown))
        if fees := fee_line(f, turn.t):
            lines.append(fees)
        if f.places_free is not None:
            capacity = f.capacity if f.capacity is not None else unknown
            lines.append(turn.t("finder_card_places", free=f.places_free, capacity=capacity, date=f.places_updated)
                         if f.places_updated else
                         turn.t("finder_card_places_nodate", free=f.places_free, capacity=capacity))
        lines.append(turn.t("finder_card_phone", phone=f.phone or unknown))
        lines.append(turn.t("finder_card_address", address=f.address or f"{f.district}{f.subdistrict or ''}"))
        lines.append(turn.t("finder_card_distance", distance=_distance(turn, distance_m)))
        lines.append(turn.t("finder_card_maps", **map_links(f.lat, f.lon, f.registry_id)))  # short in text
        if f.verified_on:
            lines.append(turn.t("finder_card_verified", date=f.verified_on))
        return "\n   ".join(lines)


def fee_line(f: FacilityRecord, t: Callable[..., str]) -> str | None:
    """The fee range with its unit (per month, per hour for hourly care, per day), or None when not given."""
    if f.fee_min is None and f.fee_max is None:
        return None
    fees = "–".join(str(v) for v in dict.fromkeys((f.fee_min, f.fee_max)) if v is not None)
    return t(f"finder_card_fees_{f.fee_unit}", fees=fees)


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f}"


def _distance(turn: Turn, metres: float) -> str:
    if metres < 1000:
        return turn.t("finder_m", m=int(round(metres, -1)))
    return turn.t("finder_km", km=_km(metres))


def _short(name: str, limit: int = 14) -> str:
    core = name.removeprefix("示例·").removesuffix("（演示）")
    return core if len(core) <= limit else core[:limit - 1] + "…"

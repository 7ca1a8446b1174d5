"""The complaint intake flow: facility, category, what happened, when, photos, contact, review, confirm.

Every step lives in `state.data` (saved by Conversations after each turn), so a restart resumes the
draft; the draft id is the filing's idempotency key, so a double confirmation files once.
"""

from __future__ import annotations

import inspect
import logging
import math
import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol

from rapidfuzz import fuzz, process
from sqlalchemy.exc import SQLAlchemyError

from bot.engine.flow import Expects, Turn
from bot.engine.types import Button, InboundKind, Reply, State
from complaints.errors import ComplaintError, Invalid, NotFound, Throttled
from complaints.lifecycle import local
from complaints.routing import CATEGORIES, RoutingTable
from complaints.service import DESCRIPTION_LIMITS, MAX_PHOTOS, ComplaintService, valid_phone
from complaints.tracking import normalize_tracking
from complaints.views import StatusView, Submission
from locator.query import is_skip

log = logging.getLogger(__name__)
WHEN = ("today", "yesterday", "week", "earlier")
RECENT_LIMIT = 5
#: The numbered steps a parent sees ("第 3/7 步"); `pick` and `district` belong to the facility step, `similar`
#: to the category step.
STEPS = ("facility", "category", "description", "when", "photos", "contact", "review")
NUMBERED = {"pick": "facility", "district": "facility", "similar": "category"}
#: Steps answered in free text; every other step is a choice (buttons, or a district, phone or "skip" typed).
FREE_TEXT = {"facility": Expects.NAME, "pick": Expects.NAME, "description": Expects.TEXT, "when": Expects.NAME}


class FacilityLookup(Protocol):
    """The slice of the locator service this flow uses: facilities by (part of) their name."""

    def search_names(self, text: str, limit: int = 5) -> Any:
        """Facilities whose name matches, best first: mappings with `id`, `name`, `district` (may be awaitable)."""
        ...


def facility_ref(item: Any) -> dict[str, str | None] | None:
    """`{id, name, district}` from a search result or a recent-results entry (mapping or object)."""
    get = item.get if isinstance(item, Mapping) else (lambda k, d=None: getattr(item, k, d))
    ident, name = get("id") or get("registry_id"), get("name")
    if not ident or not name:
        return None
    return {"id": str(ident), "name": str(name), "district": get("district")}


def takes_photo(state: State) -> bool:
    """True while the chat's complaint is at its photo step with room for one more: only then do channels store
    an uploaded photo (anything else would be a file no complaint refers to)."""
    return (state.flow == "complaint" and state.step == "photos"
            and len(state.data.get("photos") or []) < MAX_PHOTOS)


class ComplaintFlow:
    """Guided complaint intake plus `/status`, reopening and rating for the complainant."""

    name = "complaint"
    prefix = "c"
    title = "complaint_title"
    start_commands: tuple[str, ...] = ("complain",)
    commands: tuple[str, ...] = ("status",)
    intents: Mapping[str, str] = MappingProxyType({"complaint": "complain"})
    keeps_emergency = True  # a child in danger at a facility is what the complaint is about: it becomes urgent

    def __init__(self, service: ComplaintService, table: RoutingTable,
                 facilities: FacilityLookup | None = None, retention_days: int | None = None) -> None:
        self.service = service
        self.table = table
        self.facilities = facilities  # the locator's name search, when this build has the finder
        self.retention_days = retention_days  # told before a phone number is asked for; None: "as the rules set"

    def menu_buttons(self, turn: Turn) -> list[Button]:
        return [Button(turn.t("btn_complain"), "cmd:complain"), Button(turn.t("btn_status"), "cmd:status")]

    def expects(self, state: State) -> Expects:
        return FREE_TEXT.get(state.step or "facility", Expects.CHOICE)

    async def understands(self, turn: Turn) -> bool:
        """A choice step's answer typed rather than tapped: a district, a phone number, "no photos"."""
        text, step = turn.inbound.text, turn.state.step
        if step == "district":
            return self.table.district(text) is not None or is_skip(text)
        if step == "contact":
            return valid_phone(text) is not None
        return step == "photos" and is_skip(text)

    async def start(self, turn: Turn) -> list[Reply]:
        """Open a new draft (no database needed) and ask which facility."""
        turn.state.enter(self.name, "facility", draft=uuid.uuid4().hex, photos=[],
                         urgent=bool(turn.emergency))
        buttons = self._recent_buttons(turn)
        ask = turn.t("complaint_ask_facility_recent" if buttons else "complaint_ask_facility_first")
        text = turn.t("complaint_start", steps=len(STEPS)) + "\n" + self._numbered(turn, "facility", ask)
        return [self._reply(text, buttons)]

    def _numbered(self, turn: Turn, step: str, text: str) -> str:
        """`text` as step n of the flow's steps, counted from STEPS."""
        step = NUMBERED.get(step, step)
        return turn.t("complaint_step", n=STEPS.index(step) + 1, total=len(STEPS)) + text

    def _recent_buttons(self, turn: Turn) -> list[Button]:
        return [Button(str(f["name"])[:40], f"c:fac:{f['id']}"[:64]) for f in self._recent(turn)]

    async def on_input(self, turn: Turn) -> list[Reply]:
        """Route the input to the step it answers; status commands and buttons work from anywhere."""
        inbound = turn.inbound
        if inbound.kind is InboundKind.COMMAND and inbound.text == "status":
            return await self._guard(turn, self._status_command(turn))
        if inbound.kind is InboundKind.BUTTON:
            return await self._guard(turn, self._button(turn, inbound.text.partition(":")[2]))
        if turn.state.flow != self.name:
            return [self._reply(turn.t("complaint_nothing_to_confirm"))]
        prefix = self._urgent_notice(turn)
        if inbound.kind is InboundKind.PHOTO:
            return prefix + self._photo(turn)
        step = turn.state.step or "facility"
        text = inbound.text.strip()
        if step == "photos" and is_skip(text):
            return [*prefix, self._ask_contact(turn)]
        if turn.emergency and step in ("facility", "pick"):  # what is happening, not the facility's name
            ask = self._numbered(turn, "facility", turn.t("complaint_ask_facility_first"))
            return [*prefix, self._reply(ask, self._recent_buttons(turn))]
        handler = {"facility": self._facility_text, "pick": self._facility_text, "district": self._district_text,
                   "description": self._description_text, "when": self._when_text,
                   "contact": self._contact_text}.get(step)
        if handler is None:
            return [*prefix, *await self._guard(turn, self._repeat(turn))]
        return prefix + await self._guard(turn, handler(turn, text))

    async def _repeat(self, turn: Turn) -> list[Reply]:
        """A choice step asked again, its buttons under it, after a hint to use them."""
        step = turn.state.step
        if step == "category":
            asked = self._ask_category(turn)[0]
        elif step == "photos":
            asked = self._ask_photos(turn)
        elif step == "review":
            asked = (await self._review(turn))[0]
        else:
            buttons = self._similar_buttons(turn) if step == "similar" else []
            return [self._reply(turn.t("complaint_use_buttons"), buttons)]
        asked.text = turn.t("complaint_use_buttons") + "\n" + asked.text
        return [asked]

    async def _guard(self, turn: Turn, pending: Any) -> list[Reply]:
        """Turn domain and database errors into polite replies; the draft stays in the state."""
        try:
            return await pending
        except Invalid as exc:
            return [self._reply(turn.t("complaint_invalid", reason=str(exc)))]
        except NotFound:
            return [self._reply(turn.t("complaint_status_not_found"))]
        except Throttled as exc:
            minutes = max(1, math.ceil(exc.retry_after.total_seconds() / 60))
            return [self._reply(turn.t("complaint_pin_throttled", minutes=minutes))]
        except (ComplaintError, SQLAlchemyError, OSError):
            log.exception("complaint step failed")
            return [self._reply(turn.t("complaint_unavailable"))]

    def _reply(self, text: str, buttons: list[Button] | None = None, **data: Any) -> Reply:
        return Reply(kind="complaint", text=text, buttons=buttons or [], score=1.0, data=data)

    def _urgent_notice(self, turn: Turn) -> list[Reply]:
        """Emergency words anywhere in the flow make the complaint urgent (the engine adds 110/120 advice)."""
        data = turn.state.data
        if turn.emergency and not data.get("urgent"):
            data["urgent"] = True
            return [self._reply(turn.t("complaint_urgent_flag"))]
        return []

    # ---- facility and district -------------------------------------------------------------------

    def _recent(self, turn: Turn) -> list[dict[str, str | None]]:
        refs = (facility_ref(item) for item in turn.state.memory.get("recent_facilities") or [])
        return [r for r in refs if r][:RECENT_LIMIT]

    async def _facility_text(self, turn: Turn, text: str) -> list[Reply]:
        if not text:
            return [self._reply(turn.t("complaint_ask_facility"))]
        matches = await self._search(turn, text)
        turn.state.data.update(query=text[:200], matches=matches)
        if not matches:
            return self._set_facility(turn, {"id": None, "name": text[:200], "district": self._district_in(text)})
        turn.state.step = "pick"
        buttons = [Button(f"{m['name']} ({m['district'] or '-'})"[:60], f"c:pick:{i}") for i, m in enumerate(matches)]
        buttons.append(Button(turn.t("complaint_btn_not_listed"), "c:pick:none"))
        return [self._reply(turn.t("complaint_facility_matches"), buttons)]

    async def _search(self, turn: Turn, text: str) -> list[dict[str, str | None]]:
        """Registry matches when the locator is there, else close matches among recent search results."""
        lookup = self.facilities
        if lookup is not None:
            try:
                found = lookup.search_names(text, limit=RECENT_LIMIT)
                if inspect.isawaitable(found):
                    found = await found
                return [r for r in (facility_ref(item) for item in found or []) if r][:RECENT_LIMIT]
            except Exception:  # the finder is optional: degrade to free text
                log.warning("facility search failed; using free text", exc_info=True)
        recent = self._recent(turn)
        names = [str(r["name"]) for r in recent]
        hits = process.extract(text, names, scorer=fuzz.partial_ratio, limit=RECENT_LIMIT, score_cutoff=70)
        return [recent[index] for _, _, index in hits]

    async def _facility_by_id(self, turn: Turn, registry_id: str) -> dict[str, str | None]:
        """A facility card's registry id as `{id, name, district}`: recent results first, then the registry."""
        known = [r for r in self._recent(turn) if r["id"] == registry_id]
        if not known and self.facilities is not None:
            known = [r for r in await self._search(turn, registry_id) if r["id"] == registry_id]
        return known[0] if known else {"id": registry_id, "name": registry_id, "district": None}

    def _set_facility(self, turn: Turn, ref: Mapping[str, str | None]) -> list[Reply]:
        data = turn.state.data
        data.update(facility_id=ref.get("id"), facility_name=ref.get("name"), matches=[])
        district = self.table.district(ref.get("district"))
        if district is None:
            return [self._ask_district(turn)]
        data["district"] = district
        return self._ask_category(turn)

    def _district_in(self, name: str) -> str | None:
        """The district a facility's name spells out in full ("七里河区的小太阳托育", "Anning District ...")."""
        low = name.lower()
        for district, info in self.table.districts.items():
            if district in name or any(a.isascii() and f"{a} {info.get('kind', 'district')}" in low
                                       for a in info.get("aliases", ())):
                return district
        return None

    def _ask_district(self, turn: Turn, hint: str = "") -> Reply:
        turn.state.step = "district"
        buttons = [Button(name, f"c:dist:{info['code']}") for name, info in self.table.districts.items()]
        buttons.append(Button(turn.t("complaint_btn_district_unknown"), "c:dist:none"))
        return self._reply(hint + turn.t("complaint_ask_district"), buttons)

    async def _district_text(self, turn: Turn, text: str) -> list[Reply]:
        district = self.table.district(text)
        if district is None and not is_skip(text):
            return [self._ask_district(turn, turn.t("complaint_hint_district", text=text[:20]) + "\n")]
        turn.state.data["district"] = district
        return self._ask_category(turn)

    # ---- category, similar complaints, description, when, photos, contact -------------------------

    def _ask_category(self, turn: Turn) -> list[Reply]:
        turn.state.step = "category"
        buttons = [Button(turn.t(f"complaint_cat_{code}"), f"c:cat:{code}") for code in CATEGORIES]
        return [self._reply(self._numbered(turn, "category", turn.t("complaint_ask_category")), buttons)]

    async def _category(self, turn: Turn, code: str) -> list[Reply]:
        if code not in CATEGORIES or turn.state.step != "category":
            return [self._reply(turn.t("complaint_use_buttons"))]
        data = turn.state.data
        data["category"] = code
        replies: list[Reply] = []
        if self.table.route(code, data.get("district")).urgent and not data.get("urgent"):
            data["urgent"] = True
            replies.append(self._reply(turn.t("complaint_urgent_flag")))
        similar = await self.service.similar(code, data.get("facility_id"), str(data.get("facility_name")),
                                             data.get("district"))
        if similar is not None and not data.get("urgent"):
            turn.state.step = "similar"
            data["similar"] = similar.tracking
            text = turn.t("complaint_similar", facility=data.get("facility_name"), office=similar.office,
                          status=turn.t(f"complaint_status_{similar.status}"), count=similar.supporters + 1)
            return [*replies, self._reply(text, self._similar_buttons(turn))]
        return [*replies, self._ask_description(turn)]

    @staticmethod
    def _similar_buttons(turn: Turn) -> list[Button]:
        return [Button(turn.t("complaint_btn_support"), "c:sup:yes"),
                Button(turn.t("complaint_btn_file_own"), "c:sup:no")]

    async def _similar(self, turn: Turn, choice: str) -> list[Reply]:
        data = turn.state.data
        if turn.state.step != "similar":
            return [self._reply(turn.t("complaint_use_buttons"))]
        if choice == "yes":
            supported = await self.service.support(str(data["similar"]))
            turn.state.leave()
            return [self._reply(turn.t("complaint_supported", count=supported.supporters + 1))]
        return [self._ask_description(turn)]

    def _ask_description(self, turn: Turn) -> Reply:
        turn.state.step = "description"
        return self._reply(self._numbered(turn, "description", turn.t("complaint_ask_description")))

    async def _description_text(self, turn: Turn, text: str) -> list[Reply]:
        low, high = DESCRIPTION_LIMITS
        if len(text) < low:
            return [self._reply(turn.t("complaint_description_short", min=low))]
        if len(text) > high:
            return [self._reply(turn.t("complaint_description_long", max=high))]
        turn.state.data["description"] = text
        if self._editing(turn):
            return await self._review(turn)
        turn.state.step = "when"
        buttons = [Button(turn.t(f"complaint_when_{w}"), f"c:when:{w}") for w in WHEN]
        return [self._reply(self._numbered(turn, "when", turn.t("complaint_ask_when")), buttons)]

    async def _when_text(self, turn: Turn, text: str) -> list[Reply]:
        if not text:
            return [self._reply(turn.t("complaint_use_buttons"))]
        turn.state.data["when"] = text[:200]
        return [self._ask_photos(turn)]

    def _ask_photos(self, turn: Turn) -> Reply:
        turn.state.step = "photos"
        done = "complaint_btn_photos_done" if turn.state.data.get("photos") else "complaint_btn_skip"
        return self._reply(self._numbered(turn, "photos", turn.t("complaint_ask_photos", max=MAX_PHOTOS)),
                           [Button(turn.t(done), "c:photos:done")])

    def _photo(self, turn: Turn) -> list[Reply]:
        photos: list[str] = turn.state.data.setdefault("photos", [])
        if turn.state.step != "photos":
            return [self._reply(turn.t("complaint_use_buttons"))]
        if len(photos) >= MAX_PHOTOS:
            return [self._reply(turn.t("complaint_photos_full", max=MAX_PHOTOS),
                                [Button(turn.t("complaint_btn_photos_done"), "c:photos:done")])]
        if turn.inbound.attachment:
            photos.append(turn.inbound.attachment)
        return [self._reply(turn.t("complaint_photo_added", count=len(photos)),
                            [Button(turn.t("complaint_btn_photos_done"), "c:photos:done")])]

    def _ask_contact(self, turn: Turn) -> Reply:
        turn.state.step = "contact"
        buttons = [Button(turn.t("complaint_btn_chat_only"), "c:contact:chat"),
                   Button(turn.t("complaint_btn_anonymous"), "c:contact:anon")]
        days = self.retention_days
        kept = turn.t("complaint_privacy_kept_days", days=days) if days else turn.t("complaint_privacy_kept")
        ask = self._numbered(turn, "contact", turn.t("complaint_ask_contact"))
        return self._reply(turn.t("complaint_privacy", kept=kept) + "\n" + ask, buttons)

    async def _contact_text(self, turn: Turn, text: str) -> list[Reply]:
        phone = valid_phone(text)
        if phone is None:
            return [self._reply(turn.t("complaint_phone_invalid"), self._ask_contact(turn).buttons)]
        turn.state.data.update(contact="phone", phone=phone)
        return await self._review(turn)

    async def _contact(self, turn: Turn, choice: str) -> list[Reply]:
        if turn.state.step != "contact" or choice not in ("chat", "anon"):
            return [self._reply(turn.t("complaint_use_buttons"))]
        turn.state.data.update(contact="chat" if choice == "chat" else "anonymous", phone=None)
        return await self._review(turn)

    def _editing(self, turn: Turn) -> bool:
        return bool(turn.state.data.get("editing")) and turn.state.data.get("category") is not None

    # ---- review and confirm ----------------------------------------------------------------------

    async def _review(self, turn: Turn) -> list[Reply]:
        data = turn.state.data
        turn.state.step = "review"
        data["editing"] = False
        route = await self.service.route(str(data["category"]), data.get("district"))
        contact = {"phone": turn.t("complaint_contact_phone", phone=data.get("phone")),
                   "chat": turn.t("complaint_contact_chat"),
                   "anonymous": turn.t("complaint_contact_anonymous")}[data.get("contact", "chat")]
        text = self._numbered(turn, "review", "") + turn.t("complaint_review", facility=data.get("facility_name"),
                      district=data.get("district") or turn.t("complaint_btn_district_unknown"),
                      category=turn.t(f"complaint_cat_{data['category']}"),
                      urgent=turn.t("complaint_review_urgent") if data.get("urgent") else "",
                      description=data.get("description"), when=data.get("when"),
                      photos=len(data.get("photos", [])), contact=contact, office=route.office)
        buttons = [Button(turn.t("complaint_btn_confirm"), "c:ok"),
                   Button(turn.t("complaint_btn_edit_description"), "c:edit:description"),
                   Button(turn.t("complaint_btn_edit_contact"), "c:edit:contact"),
                   Button(turn.t("complaint_btn_cancel"), "c:cancel")]
        return [self._reply(text, buttons)]

    async def _confirm(self, turn: Turn) -> list[Reply]:
        state, data = turn.state, turn.state.data
        if state.flow != self.name or state.step != "review":
            filed = state.memory.get("complaints_filed") or []
            if state.flow is None and filed:
                return [self._reply(turn.t("complaint_already_filed", tracking=filed[-1]))]
            return [self._reply(turn.t("complaint_nothing_to_confirm"))]
        anonymous = data.get("contact") == "anonymous"
        filed_now = await self.service.file(Submission(
            draft_id=str(data["draft"]), category=str(data["category"]), facility_name=str(data["facility_name"]),
            facility_id=data.get("facility_id"), district=data.get("district"), description=str(data["description"]),
            happened=str(data.get("when", "")), photos=tuple(data.get("photos", [])), lang=turn.lang,
            chat_key=None if anonymous else turn.chat_key, phone=None if anonymous else data.get("phone"),
            anonymous=anonymous, urgent=bool(data.get("urgent"))), reissue_pin=True)
        state.leave()
        if not anonymous:
            state.memory["complaints_filed"] = [*(state.memory.get("complaints_filed") or []),
                                                filed_now.tracking][-RECENT_LIMIT:]
        if filed_now.pin is None:
            return [self._reply(turn.t("complaint_already_filed", tracking=filed_now.tracking))]
        key = "complaint_expect_urgent" if filed_now.urgent else "complaint_expect_normal"
        expect = turn.t(key, ack=local(filed_now.ack_due_at), resolve=local(filed_now.resolve_due_at))
        text = turn.t("complaint_filed", tracking=filed_now.tracking, pin=filed_now.pin, office=filed_now.office,
                      expect=expect)
        if anonymous:
            text += "\n" + turn.t("complaint_filed_anonymous")
        return [self._reply(text, tracking=filed_now.tracking, office=filed_now.office, urgent=filed_now.urgent,
                            level=filed_now.level)]

    # ---- buttons ---------------------------------------------------------------------------------

    async def _button(self, turn: Turn, value: str) -> list[Reply]:
        action, _, arg = value.partition(":")
        in_flow = turn.state.flow == self.name
        if action == "fac":
            if not in_flow:
                await self.start(turn)
            return self._set_facility(turn, await self._facility_by_id(turn, arg))
        if action in ("st", "reopen", "rate"):
            return await self._status_button(turn, action, arg)
        if action == "ok":
            return await self._confirm(turn)
        if not in_flow:
            return [self._reply(turn.t("complaint_nothing_to_confirm"))]
        return await self._flow_button(turn, action, arg)

    async def _flow_button(self, turn: Turn, action: str, arg: str) -> list[Reply]:
        data = turn.state.data
        if action == "pick":
            matches = data.get("matches") or []
            if arg.isdigit() and int(arg) < len(matches):
                return self._set_facility(turn, matches[int(arg)])
            query = str(data.get("query") or "-")
            return self._set_facility(turn, {"id": None, "name": query, "district": self._district_in(query)})
        if action == "dist" and turn.state.step == "district":
            name = next((n for n, i in self.table.districts.items() if i["code"] == arg), None)
            data["district"] = name
            return self._ask_category(turn)
        if action == "cat":
            return await self._category(turn, arg)
        if action == "sup":
            return await self._similar(turn, arg)
        if action == "when" and arg in WHEN and turn.state.step == "when":
            return await self._when_text(turn, turn.t(f"complaint_when_{arg}"))
        if action == "photos" and turn.state.step == "photos":
            return [self._ask_contact(turn)]
        if action == "contact":
            return await self._contact(turn, arg)
        if action == "edit" and turn.state.step == "review":
            data["editing"] = True
            return [self._ask_description(turn) if arg == "description" else self._ask_contact(turn)]
        if action == "cancel":
            turn.state.leave()
            return [self._reply(turn.t("complaint_cancelled"))]
        return [self._reply(turn.t("complaint_use_buttons"))]

    # ---- status, reopen, rate --------------------------------------------------------------------

    async def _status_command(self, turn: Turn) -> list[Reply]:
        parts = turn.inbound.args.split()
        if not parts:
            mine = await self.service.for_chat(turn.chat_key) if turn.chat_key else []
            if not mine:
                return [self._reply(turn.t("complaint_status_none") + "\n" + turn.t("complaint_status_usage"))]
            buttons = [Button(f"{v.tracking} · {turn.t(f'complaint_status_{v.status}')}", f"c:st:{v.tracking}")
                       for v in mine]
            return [self._reply(turn.t("complaint_status_pick"), buttons)]
        tracking = normalize_tracking(parts[0])
        if tracking is None:
            return [self._reply(turn.t("complaint_status_usage"))]
        if len(parts) > 1:
            view = await self.service.status_with_pin(tracking, parts[1], client=turn.chat_key)
        else:
            view = await self.service.status_for_chat(tracking, turn.chat_key)
        return [self._status_reply(turn, view)]

    async def _status_button(self, turn: Turn, action: str, arg: str) -> list[Reply]:
        tracking, _, stars = arg.partition(":")
        if action == "reopen":
            view = await self.service.reopen(tracking, chat_key=turn.chat_key)
            return [self._reply(turn.t("complaint_reopened", office=view.office))]
        if action == "rate":
            if not stars.isdigit():
                return [self._reply(turn.t("complaint_use_buttons"))]
            await self.service.rate(tracking, int(stars), chat_key=turn.chat_key)
            return [self._reply(turn.t("complaint_rated", stars=stars))]
        return [self._status_reply(turn, await self.service.status_for_chat(tracking, turn.chat_key))]

    def _status_reply(self, turn: Turn, view: StatusView) -> Reply:
        lines = [turn.t("complaint_status_history_line", at=local(e.at),
                        status=turn.t(f"complaint_status_{e.to_status}") if e.to_status else e.action, note=e.note)
                 .rstrip() for e in view.history if e.action in ("filed", "status", "reopen", "escalate")]
        if view.rating:
            lines.append(turn.t("complaint_status_rating", rating=view.rating))
        text = turn.t("complaint_status_view", tracking=view.tracking, facility=view.facility_name,
                      category=turn.t(f"complaint_cat_{view.category}"),
                      status=turn.t(f"complaint_status_{view.status}"),
                      office=view.office, created=local(view.created_at), ack=local(view.ack_due_at),
                      resolve=local(view.resolve_due_at), history="\n".join(lines))
        buttons: list[Button] = []
        if view.can_reopen:
            buttons.append(Button(turn.t("complaint_btn_reopen"), f"c:reopen:{view.tracking}"))
        if view.can_rate:
            buttons += [Button(turn.t("complaint_btn_rate", stars=n), f"c:rate:{view.tracking}:{n}")
                        for n in range(1, 6)]
        return self._reply(text, buttons, tracking=view.tracking, status=view.status)

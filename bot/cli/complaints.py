"""`tuoyu complaints`: routing (route, route-set), staff handling (list, show, update), worker jobs."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from complaints.errors import ComplaintError
from complaints.lifecycle import Status
from complaints.routing import CATEGORIES, DEPARTMENTS, Route, RoutingTable

STATUSES = tuple(s.value for s in Status)
#: What names the city level itself in --district (no district office).
CITY_WORDS = ("city", "兰州市", "市级", "lanzhou")


@dataclass
class Context:
    """What complaint commands need: settings, the database and the service."""

    settings: Any
    db: Any
    service: Any


@asynccontextmanager
async def context() -> AsyncIterator[Context]:
    """Open and migrate the configured database and build the complaint service (no knowledge base)."""
    from bot.i18n import default_catalog
    from bot.settings import Settings, secret_key
    from complaints.service import ComplaintService
    from complaints.tracking import pin_key
    from storage.database import Database

    settings = Settings.from_env()
    db = Database(settings.database_url)
    try:
        await db.upgrade()
        yield Context(settings, db, ComplaintService(db, default_catalog().get, pin_key=pin_key(secret_key(settings))))
    finally:
        await db.dispose()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("complaints", help="complaint routing, handling and notification delivery")
    csub = p.add_subparsers(dest="complaints_command", required=True)

    district_help = "district name, short name or code, e.g. 城关区, 城关, chengguan or 620102"
    r = csub.add_parser("route", help="which office a complaint of a category in a district goes to; "
                                      "without --category the whole routing table")
    r.add_argument("--category", default=None, help=", ".join(CATEGORIES) + "; omit for every category")
    r.add_argument("--district", default=None, help=district_help + "; omit for the city-level office "
                                                    "(with --category) or every district (without)")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=route)

    rs = csub.add_parser("route-set", help="override one routing row (audited)")
    rs.add_argument("--category", required=True, choices=CATEGORIES)
    rs.add_argument("--district", default=None, help=district_help + "; omit to change every district")
    rs.add_argument("--department", required=True, choices=DEPARTMENTS)
    rs.add_argument("--also-notify", default=None, help="comma-separated department codes")
    rs.add_argument("--urgent", default=None, action=argparse.BooleanOptionalAction)
    rs.add_argument("--as", dest="actor", required=True, metavar="STAFF")
    rs.add_argument("--why", required=True)
    rs.set_defaults(func=route_set)

    rh = csub.add_parser("route-history", help="every routing change: who, when, why")
    rh.set_defaults(func=route_history)

    ls = csub.add_parser("list", help="open complaints (of one office with --as)")
    ls.add_argument("--as", dest="actor", default=None, metavar="STAFF")
    ls.add_argument("--status", default=None, choices=STATUSES)
    ls.add_argument("--all", action="store_true", help="include closed complaints")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=list_complaints)

    sh = csub.add_parser("show", help="one complaint with contact data (staff of its office only)")
    sh.add_argument("tracking")
    sh.add_argument("--as", dest="actor", required=True, metavar="STAFF")
    sh.add_argument("--json", action="store_true")
    sh.add_argument("--numbers", action="store_true",
                    help="show phone and ID numbers typed into the description unmasked (audited)")
    sh.set_defaults(func=show)

    up = csub.add_parser("update", help="change a complaint's status (accepted, in_progress, resolved, ...)")
    up.add_argument("tracking")
    up.add_argument("--status", required=True, choices=STATUSES)
    up.add_argument("--note", default="")
    up.add_argument("--to", default=None, help="office or department code, for --status transferred")
    up.add_argument("--as", dest="actor", required=True, metavar="STAFF")
    up.set_defaults(func=update)

    dv = csub.add_parser("deliver", help="run the notification worker (outbox)")
    dv.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    dv.add_argument("--interval", type=_positive, default=5.0, help="seconds between rounds")
    dv.set_defaults(func=deliver)

    nt = csub.add_parser("notifications", help="notifications for a chat (e.g. console:…) or everything pending")
    nt.add_argument("--chat", default=None)
    nt.set_defaults(func=notifications)

    es = csub.add_parser("escalate", help="hand overdue complaints to the city-level office")
    es.set_defaults(func=escalate)

    pg = csub.add_parser("purge", help="delete contact data of complaints closed longer than the retention time")
    pg.add_argument("--days", type=_days, default=None, help="default: TUOYU_CONTACT_RETENTION_DAYS")
    pg.set_defaults(func=purge)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def _days(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days (0 or more)")
    return int(text)


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _fail(exc: Exception) -> int:
    print(f"tuoyu: {type(exc).__name__}: {exc}", file=sys.stderr)
    return 1


class UnknownDistrict(ValueError):
    """--district names no district of the routing table."""


@cache
def admin_codes() -> dict[str, str]:
    """District name → the administrative code the bot uses for it (城关区 → 620102; 兰州新区 → lzxq)."""
    from locator.gazetteer import Gazetteer

    return {place.name: code for code, place in Gazetteer.default().districts.items()}


def resolve_district(table: RoutingTable, text: str | None) -> str | None:
    """The routing table's district for --district (name, short name, routing or administrative code); None for
    the city level. Unknown text raises UnknownDistrict listing what is accepted."""
    if text is None:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if cleaned.lower() in CITY_WORDS:
        return None
    name = table.district(cleaned)
    if name is None:
        by_code = {code.lower(): district for district, code in admin_codes().items()}
        name = table.district(by_code.get(cleaned.lower()))
    if name is None:
        known = ", ".join(f"{n} ({admin_codes().get(n, '-')}, {i['code']})" for n, i in table.districts.items())
        raise UnknownDistrict(f"no district {text!r}; one of {known}, or city")
    return name


async def route(args: argparse.Namespace) -> int:
    if args.category is not None and args.category not in CATEGORIES:
        print(f"tuoyu complaints route: unknown category {args.category!r}; one of {', '.join(CATEGORIES)}",
              file=sys.stderr)
        return 2
    async with context() as ctx:
        table = await ctx.service.routing()
    try:
        district = resolve_district(table, args.district)
    except UnknownDistrict as exc:
        if args.category is None:
            print(f"tuoyu complaints route: {exc}", file=sys.stderr)
            return 2
        # the contract: an unknown district goes to the city-level office; say so beside the answer
        print(f"tuoyu complaints route: {exc}; routed to the city-level office", file=sys.stderr)
        district = None
    if args.category is None:
        return _print_table(table, [district] if args.district else [None, *table.districts], args.json)
    result = table.route(args.category, district)
    if args.json:
        print(json.dumps(result.to_contract(), ensure_ascii=False))
    else:
        print(f"{result.office} ({result.department}, {result.level}){' URGENT' if result.urgent else ''}")
        print(f"also notify: {', '.join(result.also_notify_offices) or '-'}\nbasis: {result.basis}")
    return 0


def _print_table(table: RoutingTable, districts: list[str | None], as_json: bool) -> int:
    """Every category for each district (None: the city level): a JSON list, or one block per category."""
    routes = {c: [table.route(c, d) for d in districts] for c in CATEGORIES}
    if as_json:
        _print_json([{**r.to_contract(), "district": r.district, "district_code": admin_codes().get(r.district or ""),
                      "office_code": r.office_code} for rows in routes.values() for r in rows])
        return 0
    from bot.i18n import default_catalog

    label = default_catalog().get
    width = max(_width(_place(r)) for r in routes[CATEGORIES[0]])
    for category, rows in routes.items():
        head = table.route(category, None)
        print(f"{category} {label(f'complaint_cat_{category}')} → {_rule(table, head)}")
        for r in rows:
            differs = _rule(table, r) != _rule(table, head)
            print(f"  {_pad(_place(r), width)}  {r.office}" + (f"  [{_rule(table, r)}: {r.basis}]" if differs else ""))
    return 0


def _rule(table: RoutingTable, r: Route) -> str:
    """`public_security 公安, urgent, also notify health 卫生健康`: what a route's rule says, office aside."""
    def name(code: str) -> str:
        return f"{code} {table.departments[code]['zh']}"

    return (name(r.department) + (", URGENT" if r.urgent else "")
            + (", also notify " + ", ".join(name(d) for d in r.also_notify) if r.also_notify else ""))


def _place(r: Route) -> str:
    return f"{r.district} {admin_codes().get(r.district, '')}".rstrip() if r.district else "兰州市 (city)"


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


async def route_set(args: argparse.Namespace) -> int:
    also = tuple(x.strip() for x in args.also_notify.split(",") if x.strip()) if args.also_notify is not None else None
    try:
        async with context() as ctx:
            district = resolve_district(await ctx.service.routing(), args.district)
            result = await ctx.service.set_route(args.category, district, args.department, actor=args.actor,
                                                 why=args.why, also_notify=also, urgent=args.urgent)
    except UnknownDistrict as exc:
        print(f"tuoyu complaints route-set: {exc}", file=sys.stderr)
        return 2
    except ComplaintError as exc:
        return _fail(exc)
    print(json.dumps(result.to_contract(), ensure_ascii=False))
    return 0


async def route_history(args: argparse.Namespace) -> int:
    async with context() as ctx:
        for c in await ctx.service.routing_history():
            print(f"{c.at:%Y-%m-%d %H:%M} {c.actor}: {c.category} {c.district or '*'} → {c.department} "
                  f"(also {','.join(c.also_notify) or '-'}{', urgent' if c.urgent else ''}) — {c.why}")
    return 0


async def list_complaints(args: argparse.Namespace) -> int:
    try:
        async with context() as ctx:
            if args.actor:
                rows = await ctx.service.list_for_staff(args.actor, status=args.status, include_closed=args.all)
            else:
                rows = await ctx.service.overview(status=args.status, include_closed=args.all)
    except ComplaintError as exc:
        return _fail(exc)
    if args.json:
        _print_json([r.to_dict() for r in rows])
        return 0
    for r in rows:
        flags = ("URGENT " if r.urgent else "") + ("OVERDUE" if r.overdue else "")
        print(f"{r.tracking}  {r.status:<11} {r.category:<18} {r.office_code:<28} {r.facility_name} {flags}".rstrip())
    return 0


async def show(args: argparse.Namespace) -> int:
    try:
        async with context() as ctx:
            detail = await ctx.service.show(args.tracking, args.actor, numbers=args.numbers)
    except ComplaintError as exc:
        return _fail(exc)
    if args.json:
        _print_json(detail.to_dict())
        return 0
    s = detail.summary
    print(f"{s.tracking} [{s.status}]{' URGENT' if s.urgent else ''} {s.category} → {detail.office}")
    print(f"facility: {s.facility_name} ({s.district or '-'})  when: {detail.happened}")
    contact = "anonymous" if detail.anonymous else (detail.phone or "chat only")
    print(f"contact: {contact}  photos: {len(detail.photos)}")
    print(f"accept by {s.ack_due_at:%Y-%m-%d %H:%M} UTC, resolve by {s.resolve_due_at:%Y-%m-%d %H:%M} UTC")
    print(detail.description)
    for e in detail.history:
        print(f"  {e.at:%Y-%m-%d %H:%M} {e.actor} {e.action} {e.to_status or ''} {e.note}".rstrip())
    return 0


async def update(args: argparse.Namespace) -> int:
    try:
        async with context() as ctx:
            result = await ctx.service.update(args.tracking, args.actor, args.status, args.note, transfer_to=args.to)
    except ComplaintError as exc:
        return _fail(exc)
    print(f"{result.tracking} is now {result.status} at {result.office_code}")
    return 0


async def deliver(args: argparse.Namespace) -> int:
    from complaints.outbox import Deliverer, standard_strategies
    from complaints.photos import folder
    from complaints.worker import run_worker

    async with context() as ctx:
        st = ctx.settings
        deliverer = Deliverer(ctx.db, standard_strategies(smtp_host=st.smtp_host, smtp_port=st.smtp_port,
                                                          smtp_sender=st.smtp_sender, echo=print))
        if args.once:
            print(f"delivered {await deliverer.run_once()}")
            return 0
        await run_worker(ctx.service, deliverer, asyncio.Event(), deliver_every=args.interval,
                         retention_days=st.contact_retention_days, uploads=folder(st.data_dir))
    return 0


async def notifications(args: argparse.Namespace) -> int:
    from complaints.outbox import for_address, pending

    async with context() as ctx:
        rows = await (for_address(ctx.db, args.chat) if args.chat else pending(ctx.db))
    for row in rows:
        state = f"sent {row.sent_at:%Y-%m-%d %H:%M}" if row.sent_at else f"pending (attempts {row.attempts})"
        print(f"#{row.id} {row.address} [{state}] {row.text}")
    return 0


async def escalate(args: argparse.Namespace) -> int:
    async with context() as ctx:
        numbers = await ctx.service.escalate_overdue()
    print(f"escalated {len(numbers)}" + (": " + ", ".join(numbers) if numbers else ""))
    return 0


async def purge(args: argparse.Namespace) -> int:
    async with context() as ctx:
        days = ctx.settings.contact_retention_days if args.days is None else args.days
        count = await ctx.service.purge_contacts(days)
    print(f"contact data removed from {count} closed complaints (older than {days} days)")
    return 0



"""`tuoyu facilities import|near|find`: load registry files and look up the nearest facilities."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from locator.geo import AREAS, CRS, BBox, haversine_m
from locator.model import CARE_BITS, NATURES

#: The registry's area; a point farther than FAR_KM outside it gets a warning (its "nearest" are far away).
AREA = AREAS["lanzhou"]
FAR_KM = 25


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("facilities", help="import the facility registry; nearest facilities to a point or place")
    fsub = p.add_subparsers(dest="facilities_command", required=True)

    imp = fsub.add_parser("import", help="load a CSV or JSON registry file (see docs/facilities-import.md)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--format", choices=("csv", "json"), help="default: from the file name or its content")
    imp.add_argument("--crs", choices=CRS, default="wgs84", help="datum of the file's coordinates")
    imp.add_argument("--replace", action="store_true", help="swap the whole facility set in one transaction")
    imp.add_argument("--area", default="gansu", help="expected area: " + ", ".join(AREAS) + " or S,W,N,E")
    imp.add_argument("--dry-run", action="store_true", help="validate and report only")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    imp.set_defaults(func=run_import)

    near = fsub.add_parser("near", help="nearest facilities to a WGS-84 point")
    near.add_argument("lat", type=float)
    near.add_argument("lon", type=float)
    _search_options(near)
    near.set_defaults(func=run_near)

    find = fsub.add_parser("find", help="nearest facilities to a typed place (西关十字, 七里河西站, anning …)")
    find.add_argument("place", nargs="+")
    _search_options(find)
    find.set_defaults(func=run_find)


def _search_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--type", choices=tuple(CARE_BITS), help="care type")
    p.add_argument("--age", type=int, metavar="MONTHS", help="child's age in months")
    p.add_argument("--nature", choices=NATURES)
    p.add_argument("--registered-only", action="store_true", help="only facilities with a filing (备案) on record")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true", help="print a JSON list, nearest first")


def _fail(message: str, status: int = 1) -> int:
    print(f"tuoyu facilities: {message}", file=sys.stderr)
    return status


async def _database(seed: bool) -> Any:
    from bot.settings import Settings
    from locator.demo import seed_demo
    from storage.database import Database

    settings = Settings.from_env()
    db = Database(settings.database_url)
    await db.upgrade()
    if seed and settings.demo_data:
        await seed_demo(db)
    return db


async def run_import(args: argparse.Namespace) -> int:
    from locator.importer import ImportFailed, read_file
    from locator.store import load
    from visual.progress import Progress

    try:
        area = AREAS[args.area] if args.area in AREAS else BBox.parse(args.area)
    except ValueError as exc:
        return _fail(f"--area: {exc}", 2)
    if not args.file.is_file():
        return _fail(f"{'not a file' if args.file.exists() else 'no such file'}: {args.file}")
    try:
        with Progress(label="checking", unit="rows") as progress:
            parsed = read_file(args.file, args.format, args.crs, area, progress=progress)
    except ImportFailed as exc:
        return _fail(f"{args.file}: {exc}")
    report: dict[str, Any] = {"file": str(args.file), "read": parsed.read, "valid": len(parsed.rows),
                              "rejected": parsed.read - len(parsed.rows),
                              "issues": [{"line": i.line, "level": i.level, "registry_id": i.registry_id,
                                          "message": i.message} for i in parsed.issues]}
    if parsed.rows and not args.dry_run:
        db = await _database(seed=False)
        try:
            with Progress(len(parsed.rows), label="writing", unit="rows") as progress:
                loaded = await load(db, parsed.rows, replace=args.replace, progress=progress)
        finally:
            await db.dispose()
        report.update(added=loaded.added, updated=loaded.updated, unchanged=loaded.unchanged,
                      removed=loaded.removed, demo_left=loaded.demo_left)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for issue in parsed.issues:
            print(issue)
        print(_summary(report, args))
    if not parsed.rows:
        return _fail(f"{args.file}: no valid rows ({report['rejected']} rejected)")
    return 0


def _summary(report: dict[str, Any], args: argparse.Namespace) -> str:
    line = f"{report['file']}: {report['read']} rows read, {report['valid']} valid, {report['rejected']} rejected"
    if "added" in report:
        line += (f"; {report['added']} added, {report['updated']} updated, {report['unchanged']} unchanged"
                 + (f", {report['removed']} previous rows replaced" if args.replace else ""))
        if report["demo_left"]:
            line += f"\nnote: {report['demo_left']} demo facilities are still loaded; --replace removes them"
    elif args.dry_run:
        line += " (dry run: nothing written)"
    return line


async def run_near(args: argparse.Namespace) -> int:
    if not (-90 <= args.lat <= 90 and -180 <= args.lon <= 180):
        return _fail("LAT must be within ±90 and LON within ±180 (WGS-84 degrees)" + _swap_hint(args.lat, args.lon), 2)
    return await _search(args, lambda service: _point(args.lat, args.lon))


def km_outside(lat: float, lon: float, box: BBox = AREA) -> float:
    """How far the point lies outside the box, in km (0 inside): to its nearest edge or corner."""
    nearest = min(max(lat, box.south), box.north), min(max(lon, box.west), box.east)
    return haversine_m(lat, lon, *nearest) / 1000


def _swap_hint(lat: float, lon: float) -> str:
    """A hint when LON LAT was typed for LAT LON (Lanzhou is 36 N, 103 E: `near 103.8 36.06`)."""
    if -90 <= lon <= 90 and km_outside(lon, lat) <= FAR_KM:
        return f"; latitude comes first: did you mean `tuoyu facilities near {lon:g} {lat:g}`?"
    return ""


async def _point(lat: float, lon: float) -> tuple[float, float] | str:
    return lat, lon


async def run_find(args: argparse.Namespace) -> int:
    from locator.gazetteer import is_place_word

    text = " ".join(args.place)
    if is_place_word(text):
        return _fail(f"{text!r} says what to look for, not where: give a place (a subdistrict, district or landmark, "
                     "e.g. 西关十字, 七里河区) or a point with `tuoyu facilities near LAT LON`", 2)

    async def place(service: Any) -> tuple[float, float] | str:
        lookup = await service.locate(text)
        if not lookup.matches:
            return f"no place called {text!r} in the Lanzhou gazetteer" + (
                " or from the geocoder" if service.locator.geocoder else "")
        if len(lookup.matches) > 1:
            options = "; ".join(f"{m.place.name} ({m.place.district})" for m in lookup.matches)
            return f"{text!r} could be more than one place: {options}. Say which, e.g. with its district"
        found = lookup.matches[0].place
        if not args.json:
            print(f"{found.name} ({found.district}; {found.lat:.4f}, {found.lon:.4f}; accuracy: {found.accuracy}; "
                  f"from the {'geocoder' if lookup.source in ('geocoder', 'cache') else 'gazetteer'})")
        return found.lat, found.lon

    return await _search(args, place)


async def _search(args: argparse.Namespace, where: Callable[[Any], Awaitable[tuple[float, float] | str]]) -> int:
    """Search around the point `where` gives (or fail with the message it gives instead)."""
    from bot.settings import Settings
    from locator.geocode import make_geocoder
    from locator.search import Filters
    from locator.service import FacilityService, card

    if args.limit < 1 or (args.age is not None and not 0 <= args.age <= 72):
        return _fail("--limit must be ≥ 1 and --age within 0–72 months", 2)
    settings = Settings.from_env()
    db = await _database(seed=True)
    service = FacilityService(db, geocoder=make_geocoder(settings.geocoder, settings.geocoder_key,
                                                         settings.geocoder_url), provider=settings.geocoder)
    try:
        point = await where(service)
        if isinstance(point, str):
            return _fail(point, 2 if "more than one" in point else 1)
        lat, lon = point
        found = await service.nearest(lat, lon, Filters(args.type, args.age, args.nature, args.registered_only),
                                      limit=args.limit)
    finally:
        await service.close()
        await db.dispose()
    cards = [{**card(h), "distance_m": round(h.distance_m, 1)} for h in found.hits]
    far = km_outside(lat, lon)
    if far > FAR_KM:
        note = (f"tuoyu facilities: warning: ({lat:.4f}, {lon:.4f}) is {far:,.0f} km outside Lanzhou: the facility "
                "registry covers Lanzhou only (its districts, counties and 兰州新区)")
        if cards:
            first = cards[0]
            note += (f"; the nearest facility is {first['name']} ({first['district']}), "
                     f"{first['distance_m'] / 1000:,.0f} km away")
        print(note + _swap_hint(lat, lon), file=sys.stderr)
    if args.json:
        print(json.dumps(cards, ensure_ascii=False, indent=2))
        return 0
    if not cards:
        print("no facility matches")
    for n, c in enumerate(cards, 1):
        flags = ("registered " + c["id"]) if c["registered"] else "NOT registered"
        demo = " [DEMO 演示数据]" if c["demo"] else ""
        print(f"{n:>2}. {c['distance_m'] / 1000:7.2f} km  {c['name']}{demo}\n"
              f"     {c['district']} {c['address'] or ''} | {', '.join(c['care_types'])} | {flags}")
    return 0

"""The synthetic demo set: ~300 obviously-fake facilities around real Lanzhou subdistrict centres, seeded."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from locator.gazetteer import Gazetteer, Place
from locator.geo import AREAS
from locator.importer import validate
from locator.store import Loaded, count, load
from storage.database import Database

SOURCE = "synthetic demo data"
SEED = 20261129
AS_OF = date(2026, 11, 1)  # a fixed "today" so the set is identical on every machine
#: Facilities per district, roughly by population (城关 largest); 300 in all.
COUNTS = {"620102": 90, "620103": 45, "620104": 32, "620105": 35, "620111": 14, "620121": 18, "620122": 12,
          "620123": 22, "lzxq": 32}
_WORDS = ("小星星", "向日葵", "小橡树", "彩虹", "蒲公英", "小蜜蜂", "童心", "禾苗", "暖阳", "小鹿", "七色花", "萌芽",
          "小海豚", "云朵", "月牙", "甜甜圈", "小树苗", "贝贝", "花园", "启明")
_KINDS = ("托育园", "托育中心", "托育点", "宝贝屋", "托育之家")
_HOURS = {"full_day": "07:30-18:00", "half_day": "08:00-12:00, 14:00-18:00", "hourly": "08:00-20:00 按小时",
          "temporary": "08:00-18:00 预约"}
_FEES = {"public": (800, 1600), "inclusive": (1200, 2200), "private": (2000, 4800)}


def _point(rng: random.Random, anchor: Place) -> tuple[float, float]:
    """Scatter around the anchor: tight around a subdistrict point, wider around a seat."""
    spread = 0.006 if anchor.accuracy == "subdistrict" else 0.02
    return round(rng.gauss(anchor.lat, spread), 6), round(rng.gauss(anchor.lon, spread * 1.2), 6)


def records(gazetteer: Gazetteer | None = None, seed: int = SEED) -> list[dict[str, Any]]:
    """Import records (contract columns) for the demo set, the same on every run."""
    gaz = gazetteer or Gazetteer.default()
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for code, how_many in COUNTS.items():
        district = gaz.districts[code]
        subs = [p for p in gaz.places if p.kind == "subdistrict" and p.district_code == code]
        for n in range(1, how_many + 1):
            sub = rng.choice(subs) if subs else None
            anchor = sub if sub is not None and sub.accuracy == "subdistrict" else district
            lat, lon = _point(rng, anchor)
            area = (sub.name.removesuffix("街道") if sub else district.name.removesuffix("县"))
            nature = rng.choices(("public", "inclusive", "private"), (15, 45, 40))[0]
            care = [c for c, p in (("full_day", 0.8), ("half_day", 0.5), ("hourly", 0.3), ("temporary", 0.2))
                    if rng.random() < p] or ["half_day"]
            min_age = rng.choices((6, 12, 18, 24), (25, 45, 15, 15))[0]
            max_age = rng.choices((36, 30, 24), (80, 10, 10))[0]
            max_age = max_age if max_age > min_age else 36
            capacity = rng.randrange(20, 155, 5)
            low, high = _FEES[nature]
            fee_min = rng.randrange(low, high - 300, 100)
            registered = rng.random() < 0.9
            out.append({
                "registry_id": f"DEMO-{code.upper()}-{n:03d}",
                "name": f"示例·{district.name}{area}{rng.choice(_WORDS)}{rng.choice(_KINDS)}（演示）",
                "district": district.name, "subdistrict": sub.name if sub else district.name,
                "address": f"{district.name}{area}示例路{rng.randrange(1, 300)}号（演示地址）",
                "lat": lat, "lon": lon, "care_types": ";".join(care), "nature": nature,
                "for_profit": nature == "private" or (nature == "inclusive" and rng.random() < 0.5),
                "min_age_months": min_age, "max_age_months": max_age, "capacity": capacity,
                "places_free": rng.randrange(0, capacity // 3 + 1),
                "places_updated": (AS_OF - timedelta(days=rng.randrange(0, 60))).isoformat(),
                "hours": _HOURS[care[0]], "fee_min": fee_min, "fee_max": fee_min + rng.randrange(200, 900, 100),
                "phone": f"0931-0000{rng.randrange(0, 1000):03d}", "registered": registered,
                "registered_on": (date(2020, 6, 1) + timedelta(days=rng.randrange(0, 2000))).isoformat()
                if registered else "",
                "verified_on": (AS_OF - timedelta(days=rng.randrange(0, 120))).isoformat(),
                "source": SOURCE, "demo": True,
            })
            if care[0] == "hourly":  # hourly care only: priced by the hour (a hundredth of the monthly figure)
                out[-1].update(fee_min=fee_min // 100, fee_max=out[-1]["fee_max"] // 100, fee_unit="hour")
    return out


def rows(gazetteer: Gazetteer | None = None) -> list[dict[str, Any]]:
    """The demo records validated by the importer, ready to store."""
    parsed = validate(enumerate(records(gazetteer), 1), area=AREAS["lanzhou"])
    if parsed.issues:
        raise ValueError(f"demo data failed its own validation: {parsed.issues[0]}")
    return parsed.rows


async def seed_demo(db: Database) -> Loaded | None:
    """Load the demo set into an empty facility table; a table with any rows is left alone."""
    if await count(db):
        return None
    return await load(db, rows())

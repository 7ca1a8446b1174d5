"""The facility vocabulary (care types, natures, classes) and the plain record search returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

#: Care-type codes (contract) → bit in the `care_mask` column, so SQL can filter with `&`.
CARE_BITS = {"full_day": 1, "half_day": 2, "hourly": 4, "temporary": 8}
CARE_ZH = {"full_day": "全日托", "half_day": "半日托", "hourly": "计时托", "temporary": "临时托"}
CARE_EN = {"full_day": "full-day", "half_day": "half-day", "hourly": "hourly", "temporary": "temporary"}

NATURES = ("public", "inclusive", "private")
NATURE_ZH = {"public": "公办", "inclusive": "普惠", "private": "民办"}

#: What the fees are per: the import's optional `fee_unit` column (kept in `extra`) in any of these spellings;
#: without it, per month (the contract's unit for fee_min/fee_max).
FEE_UNITS = {"month": "month", "per month": "month", "monthly": "month", "月": "month", "元/月": "month",
             "hour": "hour", "per hour": "hour", "hourly": "hour", "小时": "hour", "时": "hour", "元/小时": "hour",
             "day": "day", "per day": "day", "daily": "day", "天": "day", "日": "day", "元/天": "day"}

#: Class types from 《托育机构设置标准（试行）》 Art. 19: (code, Chinese, from month, to month).
CLASSES = (("infant", "乳儿班", 6, 12), ("toddler_small", "托小班", 12, 24), ("toddler_large", "托大班", 24, 36))


def care_mask(codes: list[str]) -> int:
    mask = 0
    for code in codes:
        mask |= CARE_BITS[code]
    return mask


def care_codes(mask: int) -> list[str]:
    return [code for code, bit in CARE_BITS.items() if mask & bit]


def classes_for(min_age: int | None, max_age: int | None) -> list[str]:
    """The standard classes whose age band overlaps the accepted ages."""
    lo, hi = (0 if min_age is None else min_age), (36 if max_age is None else max_age)
    return [zh for _code, zh, start, end in CLASSES if lo < end and hi > start]


@dataclass
class FacilityRecord:
    """One facility as search and cards see it: WGS-84 coordinates, codes not masks."""

    registry_id: str
    name: str
    district: str
    lat: float
    lon: float
    care_types: list[str]
    subdistrict: str | None = None
    address: str | None = None
    nature: str | None = None
    for_profit: bool | None = None
    min_age_months: int | None = None
    max_age_months: int | None = None
    capacity: int | None = None
    places_free: int | None = None
    places_updated: date | None = None
    hours: str | None = None
    fee_min: int | None = None
    fee_max: int | None = None
    phone: str | None = None
    registered: bool = False
    registered_on: date | None = None
    verified_on: date | None = None
    source: str | None = None
    datum: str = "wgs84"
    demo: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        return classes_for(self.min_age_months, self.max_age_months)

    @property
    def fee_unit(self) -> str:
        """month, hour (计时托 is priced by the hour) or day: see FEE_UNITS."""
        return FEE_UNITS.get(str(self.extra.get("fee_unit") or "").strip().lower(), "month")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FacilityRecord:
        """A card (`to_json`, dates still ISO text) as a record again, for the words the web card shows."""
        names = {f.name for f in fields(cls)} - {"registry_id"}
        return cls(registry_id=data["id"], **{k: v for k, v in data.items() if k in names})

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: `id` is the registry id (contract), dates as ISO strings."""
        raw = asdict(self)
        out: dict[str, Any] = {"id": raw.pop("registry_id")}
        for key, value in raw.items():
            out[key] = value.isoformat() if isinstance(value, date) else value
        out["classes"] = self.classes
        out["fee_unit"] = self.fee_unit
        return out

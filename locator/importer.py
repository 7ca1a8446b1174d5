"""Registry files (CSV in UTF-8, UTF-8 with BOM or GBK; JSON) → validated rows with a line-numbered report."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from locator.geo import AREAS, CRS, BBox, cell_of, to_wgs84
from locator.model import CARE_BITS, CARE_ZH, NATURE_ZH, NATURES

REQUIRED = ("registry_id", "name", "district", "lat", "lon", "care_types")
OPTIONAL = ("address", "subdistrict", "nature", "for_profit", "min_age_months", "max_age_months", "capacity",
            "places_free", "places_updated", "hours", "fee_min", "fee_max", "phone", "registered",
            "registered_on", "verified_on", "source", "demo")
COLUMNS = REQUIRED + OPTIONAL
_KNOWN = frozenset(COLUMNS)

#: Chinese (and a few English) headers people use in registry spreadsheets.
HEADER_ALIASES = {
    "备案号": "registry_id", "备案编号": "registry_id", "id": "registry_id", "机构名称": "name", "名称": "name",
    "区县": "district", "所属区县": "district", "区": "district", "街道": "subdistrict", "乡镇街道": "subdistrict",
    "地址": "address", "纬度": "lat", "latitude": "lat", "经度": "lon", "lng": "lon", "longitude": "lon",
    "托育类型": "care_types", "服务类型": "care_types", "性质": "nature", "机构性质": "nature",
    "营利性": "for_profit", "最小月龄": "min_age_months", "最大月龄": "max_age_months", "托位数": "capacity",
    "空余托位": "places_free", "托位更新日期": "places_updated", "服务时间": "hours", "最低收费": "fee_min",
    "最高收费": "fee_max", "电话": "phone", "联系电话": "phone", "是否备案": "registered", "备案日期": "registered_on",
    "核实日期": "verified_on", "数据来源": "source",
}
CARE_NAMES = {**{code: code for code in CARE_BITS}, **{zh: code for code, zh in CARE_ZH.items()},
              "全托": "full_day", "半托": "half_day", "full-day": "full_day", "half-day": "half_day",
              "计时": "hourly", "临时": "temporary", "occasional": "temporary"}
NATURE_NAMES = {**{n: n for n in NATURES}, **{zh: code for code, zh in NATURE_ZH.items()}, "普惠性": "inclusive",
                "公立": "public", "私立": "private"}
TRUE = {"true", "1", "yes", "y", "是", "有", "已备案", "营利", "营利性"}
FALSE = {"false", "0", "no", "n", "否", "无", "未备案", "非营利", "非营利性"}
REGISTRY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,56}$")  # also goes into button data (c:fac:<id>, ≤ 64 bytes)
_SPLIT = re.compile(r"[;；,，、/|]+")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
MAX_AGE_MONTHS = 72
_BOM = b"\xef\xbb\xbf"


#: Told (rows done, rows expected or None) as a file is checked; `visual.progress.Progress` fits.
OnProgress = Callable[[int, int | None], object]


class ImportFailed(Exception):
    """The whole file cannot be read (encoding, structure, header); one line for the CLI."""


@dataclass(frozen=True)
class Issue:
    """One problem in one row: errors skip the row, warnings load it with the field emptied."""

    line: int
    level: str  # "error" | "warning"
    message: str
    registry_id: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        who = f" [{self.registry_id}]" if self.registry_id else ""
        return f"{where}{who}: {self.level}: {self.message}"


@dataclass
class Parsed:
    """Rows ready for the table (keyed like locator.models.Facility) and what was wrong with the rest."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    read: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.level == "error")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK (read as its superset GB 18030)."""
    if data.startswith(_BOM):
        return data[len(_BOM):].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFailed("the file is neither UTF-8 nor GBK text") from exc


def _header(name: str) -> str:
    key = name.strip().lstrip("\ufeff")
    return HEADER_ALIASES.get(key, HEADER_ALIASES.get(key.lower(), key.lower()))


def csv_records(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(first line number, {column: value}) per non-empty CSV record; extra fields are reported."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed("the file is empty") from None
    columns = [_header(h) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFailed(f"missing required column(s): {', '.join(missing)} (see docs/facilities-import.md)")
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            yield start, {"__error__": f"unreadable CSV: {exc}"}
            continue
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        record: dict[str, Any] = dict(zip(columns, values, strict=False))
        if len(values) > len(columns):
            record["__extra_fields__"] = len(values) - len(columns)
        yield start, record


def json_records(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(item number, object) per element of a JSON list or of {"facilities": [...]}."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    if isinstance(data, dict):
        data = data.get("facilities")
    if not isinstance(data, list):
        raise ImportFailed('JSON must be a list of objects, or {"facilities": [...]}')
    for number, item in enumerate(data, 1):
        if isinstance(item, dict):
            yield number, {_header(str(k)): v for k, v in item.items()}
        else:
            yield number, {"__error__": "not a JSON object"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    text = str(value).strip()
    return text or None


class _Row:
    """Validates one record, collecting issues against its line number."""

    def __init__(self, line: int, record: dict[str, Any], issues: list[Issue]) -> None:
        self.line, self.record, self.issues = line, record, issues
        self.rid = _text(record.get("registry_id"))
        self.ok = True

    def error(self, message: str) -> None:
        self.issues.append(Issue(self.line, "error", message, self.rid))
        self.ok = False

    def warn(self, message: str) -> None:
        self.issues.append(Issue(self.line, "warning", message, self.rid))

    def text(self, key: str, limit: int) -> str | None:
        value = _text(self.record.get(key))
        if value and len(value) > limit:
            self.warn(f"{key} longer than {limit} characters, cut")
            value = value[:limit]
        return value

    def integer(self, key: str, low: int = 0) -> int | None:
        raw = _text(self.record.get(key))
        if raw is None:
            return None
        try:
            number = float(raw.replace(",", ""))
        except ValueError:
            self.warn(f"{key} {raw!r} is not a number, left empty")
            return None
        if not math.isfinite(number) or number != int(number) or number < low:
            self.warn(f"{key} {raw!r} is not a whole number ≥ {low}, left empty")
            return None
        return int(number)

    def day(self, key: str) -> date | None:
        raw = _text(self.record.get(key))
        if raw is None:
            return None
        match = _DATE.match(raw.split("T")[0].split(" ")[0])
        try:
            if match:
                return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
        self.warn(f"{key} {raw!r} is not a date (YYYY-MM-DD), left empty")
        return None

    def boolean(self, key: str) -> bool | None:
        value = self.record.get(key)
        if isinstance(value, bool):
            return value
        raw = (_text(value) or "").lower()
        if not raw:
            return None
        if raw in TRUE:
            return True
        if raw in FALSE:
            return False
        self.warn(f"{key} {raw!r} is not true/false, left empty")
        return None

    def coordinate(self, key: str, limit: float) -> float | None:
        raw = _text(self.record.get(key))
        if raw is None:
            self.error(f"{key} is missing")
            return None
        try:
            value = float(raw)
        except ValueError:
            self.error(f"{key} {raw!r} is not a number")
            return None
        if not math.isfinite(value) or abs(value) > limit:
            hint = " (lat and lon swapped?)" if key == "lat" and abs(value) <= 180 else ""
            self.error(f"{key} {raw!r} is out of range (±{limit:g}){hint}")
            return None
        return value


def parse(data: bytes, fmt: str | None = None, crs: str = "wgs84", area: BBox = AREAS["gansu"],
          source: str | None = None, progress: OnProgress | None = None) -> Parsed:
    """Decode and validate a whole file; good rows come back ready to store, bad ones as issues."""
    if crs not in CRS:
        raise ImportFailed(f"unknown datum {crs!r}; use one of {', '.join(CRS)}")
    text = decode(data)
    fmt = fmt or ("json" if text.lstrip()[:1] in ("[", "{") else "csv")
    records = json_records(text) if fmt == "json" else csv_records(text)
    expected = None
    if fmt == "csv":  # about one record a line after the header; quoted line breaks make it an upper bound
        expected = max(1, len(text.splitlines()) - 1)
    return validate(records, crs, area, source, progress=progress, expected=expected)


def validate(records: Iterable[tuple[int, dict[str, Any]]], crs: str = "wgs84", area: BBox = AREAS["gansu"],
             source: str | None = None, *, progress: OnProgress | None = None, expected: int | None = None) -> Parsed:
    """Check each record; duplicates of a registry id keep the first and report the rest."""
    out = Parsed()
    seen: dict[str, int] = {}
    saw_registered = False
    for line, record in records:
        out.read += 1
        if progress:
            progress(out.read, expected)
        row = _Row(line, record, out.issues)
        if "__error__" in record:
            row.error(record["__error__"])
            continue
        if record.get("__extra_fields__"):
            row.warn(f"{record['__extra_fields__']} field(s) more than the header, ignored")
        values = _values(row, crs, area, source)
        saw_registered = saw_registered or record.get("registered") not in (None, "")
        if row.rid and row.rid in seen:
            row.error(f"duplicate registry_id, first on line {seen[row.rid]}")
        if row.ok and values is not None:
            seen[values["registry_id"]] = line
            out.rows.append(values)
    if out.rows and not saw_registered:
        out.issues.append(Issue(0, "warning", "no 'registered' values: every facility counts as not filed (备案) "
                                              "and the finder hides unfiled ones by default"))
    return out


def _values(row: _Row, crs: str, area: BBox, source: str | None) -> dict[str, Any] | None:
    rec = row.record
    for key in ("registry_id", "name", "district", "care_types"):
        if not _text(rec.get(key)):
            row.error(f"{key} is missing")
    if row.rid and not REGISTRY_ID.match(row.rid):
        row.error("registry_id may only use letters, digits, '-', '_' and '.' (at most 56)")
    lat, lon = row.coordinate("lat", 90), row.coordinate("lon", 180)
    if lat is not None and lon is not None:
        lat, lon = to_wgs84(lat, lon, crs)
        if not area.contains(lat, lon):
            hint = " (lat and lon swapped?)" if area.contains(lon, lat) else ""
            row.error(f"point {lat:.5f},{lon:.5f} is outside the expected area{hint}")
    codes = _care_types(row)
    nature_raw = _text(rec.get("nature"))
    nature = NATURE_NAMES.get((nature_raw or "").lower()) if nature_raw else None
    if nature_raw and nature is None:
        row.warn(f"nature {nature_raw!r} is not public/inclusive/private (公办/普惠/民办), left empty")
    min_age, max_age = row.integer("min_age_months"), row.integer("max_age_months")
    if min_age is not None and min_age > 36:
        row.error(f"min_age_months {min_age} is impossible for under-3 care (> 36)")
    if max_age is not None and max_age > MAX_AGE_MONTHS:
        row.error(f"max_age_months {max_age} is impossible (> {MAX_AGE_MONTHS})")
    if min_age is not None and max_age is not None and max_age < min_age:
        row.error(f"ages impossible: max_age_months {max_age} < min_age_months {min_age}")
    capacity, free = row.integer("capacity"), row.integer("places_free")
    if capacity is not None and free is not None and free > capacity:
        row.warn(f"places_free {free} > capacity {capacity}")
    fee_min, fee_max = row.integer("fee_min"), row.integer("fee_max")
    if fee_min is not None and fee_max is not None and fee_max < fee_min:
        row.warn(f"fee_max {fee_max} < fee_min {fee_min}; fees left empty")
        fee_min = fee_max = None
    for_profit = row.boolean("for_profit")
    if for_profit is None and nature == "public":
        for_profit = False
    if not row.ok or lat is None or lon is None or not codes:
        return None
    extra = {k: v for k, v in rec.items() if k not in _KNOWN and not k.startswith("__") and v not in ("", None)}
    values: dict[str, Any] = {
        "registry_id": row.rid, "name": row.text("name", 200), "district": row.text("district", 50),
        "subdistrict": row.text("subdistrict", 50), "address": row.text("address", 300), "nature": nature,
        "for_profit": for_profit, "care_mask": sum(CARE_BITS[c] for c in codes), "min_age_months": min_age,
        "max_age_months": max_age, "capacity": capacity, "places_free": free,
        "places_updated": row.day("places_updated"), "hours": row.text("hours", 100), "fee_min": fee_min,
        "fee_max": fee_max, "phone": row.text("phone", 50), "lat": round(lat, 7), "lon": round(lon, 7),
        "datum": crs, "registered": bool(row.boolean("registered")), "registered_on": row.day("registered_on"),
        "verified_on": row.day("verified_on"), "source": row.text("source", 200) or source,
        "demo": bool(row.boolean("demo")), "extra": extra,
    }
    values["cell"] = cell_of(values["lat"], values["lon"])
    values["content_hash"] = content_hash(values)
    return values


def _care_types(row: _Row) -> list[str]:
    raw = row.record.get("care_types")
    items = raw if isinstance(raw, list) else _SPLIT.split(_text(raw) or "")
    codes: list[str] = []
    unknown: list[str] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        code = CARE_NAMES.get(item.lower())
        if code is None:
            unknown.append(item)
        elif code not in codes:
            codes.append(code)
    if unknown and codes:
        row.warn(f"unknown care type(s) {', '.join(unknown)} ignored")
    elif unknown:
        row.error(f"unknown care type(s) {', '.join(unknown)}; use full_day, half_day, hourly, temporary")
    return codes


def content_hash(values: dict[str, Any]) -> str:
    """A digest of everything imported, so an unchanged re-import writes nothing."""
    body = repr([(k, v) for k, v in sorted(values.items()) if k not in ("content_hash", "extra")])
    body += json.dumps(values.get("extra") or {}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()


def read_file(path: Path, fmt: str | None = None, crs: str = "wgs84", area: BBox = AREAS["gansu"],
              progress: OnProgress | None = None) -> Parsed:
    """Parse a file on disk; its name is the default data source."""
    if fmt is None and path.suffix.lower() in (".json", ".csv"):
        fmt = path.suffix.lower()[1:]
    return parse(path.read_bytes(), fmt, crs, area, source=f"import: {path.name}", progress=progress)

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
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

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
    "核实日期": "verified_on", "数据来源": "source", "收费单位": "fee_unit",
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


def _bool_texts() -> dict[str, bool | None]:
    """Spellings of true/false as they come in a file (any common case), so most cells are one look-up."""
    out: dict[str, bool | None] = {"": None}
    for word in TRUE | FALSE:
        for spelling in (word, word.upper(), word.title(), word.capitalize()):
            if spelling.strip().lower() == word:
                out[spelling] = word in TRUE
    return out


_BOOL_TEXT = _bool_texts()
#: The keys of a validated row, in the order the content hash lists them (sorted; no hash, no extra).
ROW_KEYS = frozenset(("registry_id", "name", "district", "subdistrict", "address", "nature", "for_profit", "care_mask",
                      "min_age_months", "max_age_months", "capacity", "places_free", "places_updated", "hours",
                      "fee_min", "fee_max", "phone", "lat", "lon", "datum", "registered", "registered_on",
                      "verified_on", "source", "demo", "extra", "cell"))
_HASHED = tuple(sorted(ROW_KEYS - {"extra"}))
_DATE_SLOTS = tuple(i for i, key in enumerate(_HASHED) if key in ("places_updated", "registered_on", "verified_on"))
#: `repr([(key, value), ...])` for those keys as one format string: the same text, without the tuples
#: (date slots take the value's repr ready-made).
_HASH_FORMAT = "[" + ", ".join(f"({key!r}, %{'s' if i in _DATE_SLOTS else 'r'})" for i, key in enumerate(_HASHED)) + "]"


@lru_cache(maxsize=4096)
def _date_repr(value: date) -> str:
    return repr(value)


class _Checker:
    """Validates records one at a time, collecting issues against the current line.

    The usual cell takes a short path (a strip, a `float`, a dictionary look-up, values seen before in the
    file remembered); anything unusual goes the long way round, which also words the warning or error.
    """

    def __init__(self, crs: str, area: BBox, source: str | None, issues: list[Issue]) -> None:
        self.crs, self.area, self.source, self.issues = crs, area, source, issues
        self.line, self.rid, self.ok = 0, cast(str | None, None), True
        self.dates: dict[str, date] = {}
        self.cares: dict[str, tuple[int, tuple[str, ...]]] = {}

    def error(self, message: str) -> None:
        self.issues.append(Issue(self.line, "error", message, self.rid))
        self.ok = False

    def warn(self, message: str) -> None:
        self.issues.append(Issue(self.line, "warning", message, self.rid))

    def text(self, key: str, value: Any, limit: int) -> str | None:
        value = (value.strip() or None) if value.__class__ is str else _text(value)
        if value and len(value) > limit:
            self.warn(f"{key} longer than {limit} characters, cut")
            value = value[:limit]
        return value

    def integer(self, key: str, value: Any, low: int = 0) -> int | None:
        raw = (value.strip() or None) if value.__class__ is str else _text(value)
        if raw is None:
            return None
        if low == 0 and raw.isdigit() and raw.isascii() and len(raw) < 16:  # what float() then int() give
            return int(raw)
        try:
            number = float(raw.replace(",", ""))
        except ValueError:
            self.warn(f"{key} {raw!r} is not a number, left empty")
            return None
        if not math.isfinite(number) or number != int(number) or number < low:
            self.warn(f"{key} {raw!r} is not a whole number ≥ {low}, left empty")
            return None
        return int(number)

    def day(self, key: str, value: Any) -> date | None:
        raw = (value.strip() or None) if value.__class__ is str else _text(value)
        if raw is None:
            return None
        known = self.dates.get(raw)
        if known is not None:
            return known
        match = _DATE.match(raw.split("T")[0].split(" ")[0])
        try:
            if match:
                self.dates[raw] = day = date(int(match[1]), int(match[2]), int(match[3]))
                return day
        except ValueError:
            pass
        self.warn(f"{key} {raw!r} is not a date (YYYY-MM-DD), left empty")
        return None

    def boolean(self, key: str, value: Any) -> bool | None:
        if value.__class__ is str:
            known = _BOOL_TEXT.get(value, _BOOL_TEXT)
            if known is not _BOOL_TEXT:
                return cast(bool | None, known)
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

    def coordinate(self, key: str, value: Any, limit: float) -> float | None:
        if value.__class__ is str:  # float() ignores the same surrounding white space strip() removes
            try:
                number = float(value)
            except ValueError:
                pass
            else:
                if -limit <= number <= limit:
                    return number
        raw = _text(value)
        if raw is None:
            self.error(f"{key} is missing")
            return None
        try:
            number = float(raw)
        except ValueError:
            self.error(f"{key} {raw!r} is not a number")
            return None
        if not math.isfinite(number) or abs(number) > limit:
            hint = " (lat and lon swapped?)" if key == "lat" and abs(number) <= 180 else ""
            self.error(f"{key} {raw!r} is out of range (±{limit:g}){hint}")
            return None
        return number

    def care_types(self, raw: Any, text: str) -> int:
        """The care mask; unknown names are warned about next to known ones, an error alone."""
        if raw.__class__ is str:
            known = self.cares.get(text)
            if known is None:
                known = self.cares[text] = _care_mask(_SPLIT.split(text))
            mask, unknown = known
        else:
            mask, unknown = _care_mask(raw if isinstance(raw, list) else _SPLIT.split(text))
        if unknown and mask:
            self.warn(f"unknown care type(s) {', '.join(unknown)} ignored")
        elif unknown:
            self.error(f"unknown care type(s) {', '.join(unknown)}; use full_day, half_day, hourly, temporary")
        return mask

    def check(self, line: int, rec: dict[str, Any]) -> dict[str, Any] | None:
        """The row ready for the table, or None when it has an error (issues recorded either way)."""
        get = rec.get
        rid = get("registry_id")
        self.line, self.rid, self.ok = line, (rid.strip() or None) if rid.__class__ is str else _text(rid), True
        if "__error__" in rec:
            self.error(rec["__error__"])
            return None
        if get("__extra_fields__"):
            self.warn(f"{rec['__extra_fields__']} field(s) more than the header, ignored")
        rid = self.rid
        name, district, care_raw = get("name"), get("district"), get("care_types")
        care_text = (care_raw.strip() if care_raw.__class__ is str else _text(care_raw)) or ""
        if not rid:
            self.error("registry_id is missing")
        if not (name.strip() if name.__class__ is str else _text(name)):
            self.error("name is missing")
        if not (district.strip() if district.__class__ is str else _text(district)):
            self.error("district is missing")
        if not care_text:
            self.error("care_types is missing")
        if rid and not REGISTRY_ID.match(rid):
            self.error("registry_id may only use letters, digits, '-', '_' and '.' (at most 56)")
        lat, lon = self.coordinate("lat", get("lat"), 90.0), self.coordinate("lon", get("lon"), 180.0)
        if lat is not None and lon is not None:
            if self.crs != "wgs84":
                lat, lon = to_wgs84(lat, lon, self.crs)
            area = self.area
            if not (area.south <= lat <= area.north and area.west <= lon <= area.east):
                hint = " (lat and lon swapped?)" if area.contains(lon, lat) else ""
                self.error(f"point {lat:.5f},{lon:.5f} is outside the expected area{hint}")
        mask = self.care_types(care_raw, care_text)
        nature_raw = get("nature")
        nature_raw = (nature_raw.strip() or None) if nature_raw.__class__ is str else _text(nature_raw)
        nature = NATURE_NAMES.get(nature_raw.lower()) if nature_raw else None
        if nature_raw and nature is None:
            self.warn(f"nature {nature_raw!r} is not public/inclusive/private (公办/普惠/民办), left empty")
        integer = self.integer
        min_age, max_age = integer("min_age_months", get("min_age_months")), integer("max_age_months",
                                                                                      get("max_age_months"))
        if min_age is not None and min_age > 36:
            self.error(f"min_age_months {min_age} is impossible for under-3 care (> 36)")
        if max_age is not None and max_age > MAX_AGE_MONTHS:
            self.error(f"max_age_months {max_age} is impossible (> {MAX_AGE_MONTHS})")
        if min_age is not None and max_age is not None and max_age < min_age:
            self.error(f"ages impossible: max_age_months {max_age} < min_age_months {min_age}")
        capacity, free = integer("capacity", get("capacity")), integer("places_free", get("places_free"))
        if capacity is not None and free is not None and free > capacity:
            self.warn(f"places_free {free} > capacity {capacity}")
        fee_min, fee_max = integer("fee_min", get("fee_min")), integer("fee_max", get("fee_max"))
        if fee_min is not None and fee_max is not None and fee_max < fee_min:
            self.warn(f"fee_max {fee_max} < fee_min {fee_min}; fees left empty")
            fee_min = fee_max = None
        for_profit = self.boolean("for_profit", get("for_profit"))
        if for_profit is None and nature == "public":
            for_profit = False
        if not self.ok or lat is None or lon is None or not mask:
            return None
        extra: dict[str, Any] = {}
        if not _KNOWN.issuperset(rec):
            extra = {k: v for k, v in rec.items()
                     if k not in _KNOWN and not k.startswith("__") and v not in ("", None)}
        text, day, boolean = self.text, self.day, self.boolean
        lat, lon = round(lat, 7), round(lon, 7)
        values: dict[str, Any] = {
            "registry_id": rid, "name": text("name", name, 200), "district": text("district", district, 50),
            "subdistrict": text("subdistrict", get("subdistrict"), 50),
            "address": text("address", get("address"), 300), "nature": nature, "for_profit": for_profit,
            "care_mask": mask, "min_age_months": min_age, "max_age_months": max_age, "capacity": capacity,
            "places_free": free, "places_updated": day("places_updated", get("places_updated")),
            "hours": text("hours", get("hours"), 100), "fee_min": fee_min, "fee_max": fee_max,
            "phone": text("phone", get("phone"), 50), "lat": lat, "lon": lon, "datum": self.crs,
            "registered": bool(boolean("registered", get("registered"))),
            "registered_on": day("registered_on", get("registered_on")),
            "verified_on": day("verified_on", get("verified_on")),
            "source": text("source", get("source"), 200) or self.source,
            "demo": bool(boolean("demo", get("demo"))), "extra": extra, "cell": cell_of(lat, lon),
        }
        values["content_hash"] = _digest(values)
        return values


def _care_mask(items: Iterable[Any]) -> tuple[int, tuple[str, ...]]:
    """(mask of the known care types, the unknown names in order)."""
    mask = 0
    unknown: list[str] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        code = CARE_NAMES.get(item.lower())
        if code is None:
            unknown.append(item)
        else:
            mask |= CARE_BITS[code]
    return mask, tuple(unknown)


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
        expected = max(1, (text.count("\n") or text.count("\r")) + (not text.endswith(("\n", "\r"))) - 1)
    return validate(records, crs, area, source, progress=progress, expected=expected)


def validate(records: Iterable[tuple[int, dict[str, Any]]], crs: str = "wgs84", area: BBox = AREAS["gansu"],
             source: str | None = None, *, progress: OnProgress | None = None, expected: int | None = None) -> Parsed:
    """Check each record; duplicates of a registry id keep the first and report the rest."""
    out = Parsed()
    rows, seen = out.rows, cast(dict[str, int], {})
    checker = _Checker(crs, area, source, out.issues)
    check = checker.check
    saw_registered = False
    read = 0
    for line, record in records:
        read += 1
        if progress:
            progress(read, expected)
        values = check(line, record)
        if "__error__" in record:
            continue
        if not saw_registered:
            saw_registered = record.get("registered") not in (None, "")
        rid = checker.rid
        if rid and rid in seen:
            checker.error(f"duplicate registry_id, first on line {seen[rid]}")
        elif values is not None:
            seen[rid] = line  # type: ignore[index]  # a row with values has an id
            rows.append(values)
    out.read = read
    if out.rows and not saw_registered:
        out.issues.append(Issue(0, "warning", "no 'registered' values: every facility counts as not filed (备案) "
                                              "and the finder hides unfiled ones by default"))
    return out


def _digest(values: dict[str, Any]) -> str:
    """`content_hash` of a row with exactly ROW_KEYS (what the checker builds)."""
    slots = [values[k] for k in _HASHED]
    for i in _DATE_SLOTS:  # repr(date) is slow, and a file has few distinct dates
        value = slots[i]
        slots[i] = _date_repr(value) if value.__class__ is date else repr(value)
    body = _HASH_FORMAT % tuple(slots)
    extra = values["extra"]
    body += json.dumps(extra, sort_keys=True, ensure_ascii=False, default=str) if extra else "{}"
    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()


def content_hash(values: dict[str, Any]) -> str:
    """A digest of everything imported, so an unchanged re-import writes nothing."""
    if values.keys() - {"content_hash"} == ROW_KEYS:
        return _digest(values)
    body = repr([(k, v) for k, v in sorted(values.items()) if k not in ("content_hash", "extra")])
    body += json.dumps(values.get("extra") or {}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()


def read_file(path: Path, fmt: str | None = None, crs: str = "wgs84", area: BBox = AREAS["gansu"],
              progress: OnProgress | None = None) -> Parsed:
    """Parse a file on disk; its name is the default data source."""
    if fmt is None and path.suffix.lower() in (".json", ".csv"):
        fmt = path.suffix.lower()[1:]
    return parse(path.read_bytes(), fmt, crs, area, source=f"import: {path.name}", progress=progress)

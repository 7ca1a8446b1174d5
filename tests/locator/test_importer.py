"""Importer: encodings, bad rows with line numbers, datum conversion, idempotent upsert and --replace."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import inspect, select

from locator import store
from locator.geo import AREAS, haversine_m, wgs84_to_bd09, wgs84_to_gcj02
from locator.importer import ImportFailed, parse
from locator.models import Facility
from locator.store import count, load
from storage.database import Database

HEADER = "registry_id,name,district,lat,lon,care_types,registered,min_age_months,max_age_months\n"
GOOD = "T-001,测试托育园,城关区,36.0495,103.8386,全日托;半日托,是,12,36\n"


def csv_bytes(*rows: str, encoding: str = "utf-8") -> bytes:
    return (HEADER + "".join(rows)).encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_reads_utf8_bom_and_gbk(encoding: str) -> None:
    parsed = parse(csv_bytes(GOOD, encoding=encoding))
    [row] = parsed.rows
    assert row["name"] == "测试托育园" and row["care_mask"] == 3 and row["registered"] is True
    assert not parsed.issues


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_kept() -> None:
    parsed = parse(csv_bytes(
        GOOD,                                                       # line 2
        "\n",                                                       # line 3: empty, skipped quietly
        "T-002,无坐标,城关区,,103.8,全日托,是,,\n",                    # line 4
        "T-003,坐标反了,城关区,103.8,36.05,全日托,是,,\n",              # line 5
        "T-004,北京,东城区,39.9,116.4,全日托,是,,\n",                   # line 6
        "T-005,未知类型,城关区,36.05,103.8,夜托,是,,\n",                # line 7
        "T-001,重复,城关区,36.05,103.8,全日托,是,,\n",                  # line 8
        "T-006,月龄,城关区,36.05,103.8,全日托,是,30,12\n",              # line 9
        "T-007,部分未知,城关区,36.05,103.8,全日托;夜托,是,,\n",          # line 10: loads with a warning
        "T-008,短行,城关区\n",                                        # line 11
        "T 009,坏编号,城关区,36.05,103.8,全日托,是,,\n",                # line 12
    ))
    assert [r["registry_id"] for r in parsed.rows] == ["T-001", "T-007"]
    errors: dict[int, str] = {}
    for issue in parsed.issues:
        if issue.level == "error":
            errors[issue.line] = errors.get(issue.line, "") + issue.message + "; "
    assert "lat is missing" in errors[4]
    assert "swapped" in errors[5]
    assert "outside the expected area" in errors[6]
    assert "夜托" in errors[7]
    assert "first on line 2" in errors[8]
    assert "max_age_months 12 < min_age_months 30" in errors[9]
    assert "lat is missing" in errors[11]
    assert "registry_id" in errors[12]
    assert [i.line for i in parsed.issues if i.level == "warning"] == [10]


def test_boundary_points_are_inside_and_just_beyond_are_not() -> None:
    box = AREAS["lanzhou"]
    rows = [f"B-{i},边界,城关区,{lat},{lon},hourly,true,,\n" for i, (lat, lon) in enumerate(
        [(box.south, box.west), (box.north, box.east), (box.south - 1e-6, box.west), (box.north, box.east + 1e-6)])]
    parsed = parse(csv_bytes(*rows), area=box)
    assert [r["registry_id"] for r in parsed.rows] == ["B-0", "B-1"]
    assert [i.line for i in parsed.issues] == [4, 5]


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_converts_to_wgs84_on_the_way_in(crs: str) -> None:
    wgs = (36.0495, 103.8386)
    lat, lon = wgs84_to_gcj02(*wgs) if crs == "gcj02" else wgs84_to_bd09(*wgs)
    [row] = parse(csv_bytes(f"C-1,换算,城关区,{lat},{lon},full_day,true,,\n"), crs=crs).rows
    assert haversine_m(row["lat"], row["lon"], *wgs) < 1 and row["datum"] == crs


def test_json_list_and_object_forms() -> None:
    item = {"registry_id": "J-1", "name": "J", "district": "安宁区", "lat": 36.1035, "lon": 103.7215,
            "care_types": ["half_day", "计时托"], "registered": True, "fee_min": 1200, "fee_max": 800,
            "nature": "普惠", "wechat": "demo"}
    parsed = parse(json.dumps({"facilities": [item, "oops"]}).encode())
    [row] = parsed.rows
    assert row["care_mask"] == 2 | 4 and row["nature"] == "inclusive" and row["extra"] == {"wechat": "demo"}
    assert row["fee_min"] is None  # fee_max < fee_min: warned, emptied
    assert {(i.line, i.level) for i in parsed.issues} == {(1, "warning"), (2, "error")}


def test_whole_file_failures() -> None:
    with pytest.raises(ImportFailed, match="care_types"):
        parse(b"registry_id,name,district,lat,lon\n")
    with pytest.raises(ImportFailed, match="JSON"):
        parse(b"[1, 2", fmt="json")
    with pytest.raises(ImportFailed, match="empty"):
        parse(b"", fmt="csv")


def test_content_hash_is_unchanged_by_the_fast_path() -> None:
    """Rows hash as they always have (an import after an upgrade must not see every row as changed)."""
    data = ("registry_id,name,district,lat,lon,care_types,registered,places_updated,fee_min,fee_max,wechat\n"
            "H-1,哈希,城关区,36.05,103.8,全日托,是,2025/3/1,1200,1800,wx-1\n"
            "H-2,哈希二,城关区,36.06,103.81,hourly,,,,,\n").encode()
    for row in parse(data).rows:
        body = repr([(k, v) for k, v in sorted(row.items()) if k not in ("content_hash", "extra")])
        body += json.dumps(row["extra"] or {}, sort_keys=True, ensure_ascii=False, default=str)
        assert row["content_hash"] == hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()
    assert parse(data).rows[0]["content_hash"] == "2a30ab50ea6b98ac37417500b01532ef"  # as computed before the fast path


def test_chinese_headers() -> None:
    data = "备案号,机构名称,区县,纬度,经度,托育类型,是否备案\nZ-1,中文表头,七里河区,36.067,103.7818,临时托,已备案\n"
    [row] = parse(data.encode("gbk")).rows
    assert row["registry_id"] == "Z-1" and row["care_mask"] == 8 and row["registered"]


@pytest.mark.parametrize(("unit", "code"), [("小时", "hour"), ("day", "day"), ("元/月", "month"), ("", "month")])
def test_the_fee_unit_column_is_kept_and_read(unit: str, code: str) -> None:
    data = f"备案号,机构名称,区县,纬度,经度,托育类型,最低收费,收费单位\nZ-2,计时,城关区,36.06,103.83,计时托,25,{unit}\n"
    [row] = parse(data.encode()).rows
    assert store.record(row).fee_unit == code


async def test_reimport_changes_nothing_and_updates_by_id(database: Database) -> None:
    first = parse(csv_bytes(GOOD, "T-002,第二家,城关区,36.06,103.83,hourly,true,,\n"))
    assert (await load(database, first.rows)).added == 2
    again = await load(database, first.rows)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    changed = parse(csv_bytes(GOOD, "T-002,第二家（改名）,城关区,36.06,103.83,hourly,true,,\n"))
    result = await load(database, changed.rows)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 1)
    async with database.session() as s:
        assert (await s.execute(select(Facility.name).where(Facility.registry_id == "T-002"))).scalar() \
            == "第二家（改名）"
    moved = parse(csv_bytes(GOOD.replace("36.0495", "36.0496"), "T-002,第二家,城关区,36.06,103.83,hourly,true,,\n"))
    result = await load(database, moved.rows)  # a second update in the same process (PostgreSQL: scratch table again)
    assert (result.added, result.updated, result.unchanged) == (0, 2, 0)
    async with database.session() as s:
        stored = {f.registry_id: f for f in (await s.execute(select(Facility))).scalars()}
    for row in moved.rows:
        assert {k: getattr(stored[row["registry_id"]], k) for k in row} == row


async def test_replace_swaps_the_whole_set(database: Database) -> None:
    await load(database, parse(csv_bytes(GOOD, "T-002,旧,城关区,36.06,103.83,hourly,true,,\n")).rows)
    result = await load(database, parse(csv_bytes("N-1,新,西固区,36.1,103.62,full_day,true,,\n")).rows,
                        replace=True)
    assert (result.removed, result.added) == (2, 1)
    assert await count(database) == 1


async def test_a_failing_replace_keeps_the_old_set(database: Database) -> None:
    await load(database, parse(csv_bytes(GOOD)).rows)
    bad = parse(csv_bytes("N-1,新,西固区,36.1,103.62,full_day,true,,\n")).rows
    bad.append({**bad[0]})  # the same id twice: the insert fails inside the transaction
    with pytest.raises(Exception):  # noqa: B017 - driver-specific integrity error
        await load(database, bad, replace=True)
    async with database.session() as s:
        assert (await s.execute(select(Facility.registry_id))).scalars().all() == ["T-001"]


async def test_a_bulk_load_into_an_empty_table_ends_with_its_indexes(database: Database,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL such a load drops the secondary indexes and builds them after the COPY; a failure
    rolls that back too."""
    monkeypatch.setattr(store, "REBUILD_AT", 2)
    rows = parse(csv_bytes(GOOD, "T-002,第二家,城关区,36.06,103.83,hourly,true,,\n")).rows

    async def indexes() -> set[str]:
        async with database.engine.connect() as conn:
            return await conn.run_sync(lambda c: {str(ix["name"]) for ix in inspect(c).get_indexes("facility")})

    with pytest.raises(Exception):  # noqa: B017 - driver-specific integrity error
        await load(database, [*rows, rows[0]], replace=True)
    assert {"ix_facility_cell_lat_lon", "ix_facility_district"} <= await indexes() and await count(database) == 0
    assert (await load(database, rows, replace=True)).added == 2
    assert {"ix_facility_cell_lat_lon", "ix_facility_district"} <= await indexes()

"""`tuoyu complaints route|route-set|show` as operators type them: the whole table, district codes, typed numbers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from complaints.routing import CATEGORIES, default_table
from storage.database import Database
from tests.complaints.support import file, service

DISTRICTS = len(default_table().districts)


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ops.sqlite3"
    monkeypatch.setenv("TUOYU_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("TUOYU_DATA_DIR", str(tmp_path))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["complaints", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_route_without_a_category_prints_the_whole_table(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "route")
    assert status == 0 and err == ""
    lines = out.splitlines()
    headers = [line for line in lines if not line.startswith(" ")]
    assert [h.split()[0] for h in headers] == list(CATEGORIES)
    assert len(lines) == len(CATEGORIES) * (2 + DISTRICTS)  # a header, the city level, every district
    assert "abuse_injury 虐待、打骂或受伤 → public_security 公安, URGENT, also notify health 卫生健康" in headers
    assert any(line.split() == ["城关区", "620102", "兰州市公安局城关分局"] for line in lines)
    assert any(line.split() == ["兰州市", "(city)", "兰州市市场监督管理局"] for line in lines)


def test_route_table_as_json(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "route", "--json")
    rows = json.loads(out)
    assert status == 0 and len(rows) == len(CATEGORIES) * (1 + DISTRICTS)
    assert {(r["category"], r["district"]) for r in rows} == {
        (c, d) for c in CATEGORIES for d in (None, *default_table().districts)}
    chengguan = next(r for r in rows if r["category"] == "food_safety" and r["district_code"] == "620102")
    assert chengguan == {"category": "food_safety", "department": "market_regulation", "office": "城关区市场监督管理局",
                         "level": "district", "urgent": False, "also_notify": ["health"], "district": "城关区",
                         "district_code": "620102", "office_code": "market_regulation.chengguan"}
    status, out, _ = run(capsys, "route", "--district", "620103", "--json")
    assert status == 0 and [r["office"] for r in json.loads(out)][2] == "七里河区市场监督管理局"


@pytest.mark.parametrize("district", ["620102", "城关", "城关区", "兰州市城关区", "chengguan", "Chengguan",
                                      "６２０１０２"])  # full width, as a Chinese input method types it
def test_district_by_code_name_or_short_name(db_path: Path, capsys: pytest.CaptureFixture[str], district: str) -> None:
    status, out, err = run(capsys, "route", "--category", "food_safety", "--district", district, "--json")
    assert status == 0 and err == ""
    assert json.loads(out) == {"category": "food_safety", "department": "market_regulation",
                               "office": "城关区市场监督管理局", "level": "district", "urgent": False,
                               "also_notify": ["health"]}  # the contract's object, exactly


def test_the_new_area_by_the_bots_code(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "route", "--category", "hygiene_health", "--district", "lzxq", "--json")
    assert status == 0 and json.loads(out)["office"] == "兰州新区卫生健康委员会"


def test_an_unknown_district_goes_to_the_city_and_says_so(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "route", "--category", "food_safety", "--district", "620199", "--json")
    assert status == 0 and json.loads(out)["level"] == "city"  # the contract
    assert "no district '620199'" in err and "城关区 (620102, chengguan)" in err and len(err.splitlines()) == 1
    status, out, err = run(capsys, "route", "--district", "火星")
    assert status == 2 and out == "" and "no district '火星'" in err
    status, _, err = run(capsys, "route", "--category", "nosuch")
    assert status == 2 and "unknown category" in err


def test_route_set_takes_a_district_code(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "add", "admin", "--office", "health.city"]) == 0
    capsys.readouterr()
    status, out, _ = run(capsys, "route-set", "--category", "staff", "--district", "620103", "--department",
                         "education", "--as", "admin", "--why", "pilot")
    assert status == 0 and json.loads(out)["office"] == "七里河区教育局"
    status, out, _ = run(capsys, "route", "--category", "staff", "--district", "七里河", "--json")
    assert json.loads(out)["department"] == "education"
    _, table, _ = run(capsys, "route")
    assert any(line.split()[:3] == ["七里河区", "620103", "七里河区教育局"] and "override: pilot" in line
               for line in table.splitlines())
    status, _, err = run(capsys, "route-set", "--category", "staff", "--district", "999999", "--department",
                         "education", "--as", "admin", "--why", "typo")
    assert status == 2 and "no district '999999'" in err


def test_show_finds_a_number_typed_without_dashes(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async def seed() -> str:
        db = Database(f"sqlite:///{db_path}")
        try:
            await db.upgrade()
            svc = service(db)
            await svc.add_staff("li", "market_regulation.chengguan")
            return (await file(svc)).tracking
        finally:
            await db.dispose()

    tracking = asyncio.run(seed())
    typed = " ".join(tracking.lower().split("-"))  # ty 20261130 abcdefgh
    status, out, err = run(capsys, "show", typed, "--as", "li")
    assert status == 0 and out.startswith(tracking), err
    status, _, err = run(capsys, "show", "TY-1", "--as", "li")
    assert status == 1 and len(err.splitlines()) == 1

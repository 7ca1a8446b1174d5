"""Routing: every category × district goes to the office the division of duties names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from complaints.routing import CATEGORIES, DEPARTMENTS, default_table

DISTRICTS = ["城关区", "七里河区", "西固区", "安宁区", "红古区", "永登县", "皋兰县", "榆中县", "兰州新区"]
EXPECTED = {  # category: (department, also_notify, urgent)
    "abuse_injury": ("public_security", ["health"], True),
    "safety_security": ("public_security", ["health"], False),
    "food_safety": ("market_regulation", ["health"], False),
    "hygiene_health": ("health", [], False),
    "care_quality": ("health", [], False),
    "unregistered": ("health", ["market_regulation"], False),
    "fees_contract": ("market_regulation", [], False),
    "staff": ("health", [], False),
    "fire_building": ("emergency_management", ["housing"], False),
    "leave_rights": ("hrss", [], False),
    "kindergarten_class": ("education", ["health"], False),
    "other": ("health", [], False),
}
DISTRICT_OFFICE = {
    "health": "{d}卫生健康局", "market_regulation": "{d}市场监督管理局", "hrss": "{d}人力资源和社会保障局",
    "education": "{d}教育局", "emergency_management": "{d}应急管理局",
}
CITY_OFFICE = {
    "health": "兰州市卫生健康委员会", "market_regulation": "兰州市市场监督管理局", "public_security": "兰州市公安局",
    "hrss": "兰州市人力资源和社会保障局", "education": "兰州市教育局", "emergency_management": "兰州市应急管理局",
}


def expected_office(department: str, district: str) -> str:
    if district == "兰州新区":
        return default_table().departments[department]["xinqu"]
    if department == "public_security":
        return f"{district}公安局" if district.endswith("县") else f"兰州市公安局{district[:-1]}分局"
    return DISTRICT_OFFICE[department].format(d=district)


def test_categories_match_the_contract() -> None:
    table = default_table()
    assert set(table.rules) == set(CATEGORIES) == set(EXPECTED)
    assert set(table.departments) == set(DEPARTMENTS)
    assert all(rule.basis for rule in table.rules.values()), "every row names the duty that makes it responsible"


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("district", DISTRICTS)
def test_every_category_and_district(category: str, district: str) -> None:
    department, also, urgent = EXPECTED[category]
    route = default_table().route(category, district)
    assert route.to_contract() == {"category": category, "department": department,
                                   "office": expected_office(department, district), "level": "district",
                                   "urgent": urgent, "also_notify": also}


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("district", [None, "", "北京市朝阳区", "nowhere"])
def test_unknown_district_goes_to_the_city(category: str, district: str | None) -> None:
    route = default_table().route(category, district)
    assert route.level == "city" and route.office == CITY_OFFICE[EXPECTED[category][0]]


def test_district_aliases() -> None:
    table = default_table()
    assert table.route("food_safety", "兰州市七里河区").office == "七里河区市场监督管理局"
    assert table.route("food_safety", "chengguan").office == "城关区市场监督管理局"
    assert table.route("abuse_injury", "城关").office == "兰州市公安局城关分局"


def run_cli(*args: str, db_path: str) -> subprocess.CompletedProcess[str]:
    env = {"TUOYU_DATABASE_URL": f"sqlite:///{db_path}", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.slow
def test_route_cli_contract(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite3")
    done = run_cli("complaints", "route", "--category", "unregistered", "--district", "城关区", "--json", db_path=db)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"category": "unregistered", "department": "health", "office": "城关区卫生健康局",
                                       "level": "district", "urgent": False, "also_notify": ["market_regulation"]}
    assert run_cli("complaints", "route", "--category", "nope", "--json", db_path=db).returncode == 2
    added = run_cli("staff", "add", "wang", "--office", "health.city", db_path=db)
    assert added.returncode == 0, added.stderr
    changed = run_cli("complaints", "route-set", "--category", "other", "--district", "西固区", "--department",
                      "civil_affairs", "--as", "wang", "--why", "民政 handles this in 西固", db_path=db)
    assert changed.returncode == 0, changed.stderr
    after = json.loads(run_cli("complaints", "route", "--category", "other", "--district", "西固", "--json",
                               db_path=db).stdout)
    assert after["department"] == "civil_affairs" and after["office"] == "西固区民政局"
    history = run_cli("complaints", "route-history", db_path=db).stdout
    assert "wang" in history and "民政 handles this" in history
    refused = run_cli("complaints", "route-set", "--category", "other", "--department", "health", "--as", "ghost",
                      "--why", "x", db_path=db)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1

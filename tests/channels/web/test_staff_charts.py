"""Staff charts: office-scoped figures drawn as SVG match the complaints in the database; CSV carries the same."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import httpx

from bot.bootstrap import Tuoyu
from complaints.stats import complaint_stats
from complaints.views import Filed, Submission
from tests.channels.web.conftest import PASSWORD, login

NS = {"svg": "http://www.w3.org/2000/svg"}


def charts(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", html, re.S) if "tuoyu-chart" in svg]


async def more_complaints(tuoyu: Tuoyu) -> None:
    service = tuoyu.services.complaints
    for n, (category, district) in enumerate([("care_quality", "城关区"), ("care_quality", "城关区"),
                                              ("staff", "七里河区"), ("care_quality", None)]):
        await service.file(Submission(draft_id=f"chart{n}", category=category, facility_name=f"托育{n}",
                                      district=district, description="图表测试用的投诉内容，共十多个字。",
                                      happened="本周"))


async def test_charts_need_login(client: httpx.AsyncClient) -> None:
    for path in ("/staff/charts", "/staff/charts.csv"):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")


async def test_office_charts_count_the_office_complaints(client: httpx.AsyncClient, filed: Filed,
                                                         tuoyu: Tuoyu) -> None:
    await more_complaints(tuoyu)
    await login(client)
    page = await client.get("/staff/charts?scope=city")  # not a city-level office: its own office only
    assert page.status_code == 200 and 'id="scopes"' not in page.text
    weekly, districts, backlog, accept, resolve = charts(page.text)
    columns = weekly.findall(".//svg:g[@class='column']", NS)
    assert len(columns) == 12 and [c.get("data-total") for c in columns][-1] == "3"  # hygiene + 2 care quality
    segments = {r.get("data-series"): r.get("data-value") for r in columns[-1].findall("svg:rect", NS)}
    assert segments == {"卫生、健康检查": "1", "保育质量": "2"}
    bars = {b.get("data-label"): b.get("data-value") for b in districts.findall(".//svg:g[@class='bar']", NS)}
    assert bars == {"城关区": "3"}
    on_time = {c.get("data-label"): c.get("data-total") for c in backlog.findall(".//svg:g[@class='column']", NS)}
    assert on_time == {"城关区": "3"}
    assert accept.find(".//svg:text[@class='empty']", NS) is not None  # nothing accepted yet
    assert resolve.find(".//svg:text[@class='empty']", NS) is not None

    service = tuoyu.services.complaints
    stats = await complaint_stats(service.db, service.clock(), office="health.chengguan")
    response = await client.get("/staff/charts.csv")
    assert response.headers["content-disposition"] == 'attachment; filename="tuoyu-charts-health.chengguan.csv"'
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["figure", "week", "key", "value"]
    assert [(f, w, k, float(v)) for f, w, k, v in rows[1:]] == [(f, w, k, float(v)) for f, w, k, v in stats.rows()]
    assert sum(int(v) for f, _, _, v in rows[1:] if f == "filed") == 3


async def test_city_level_staff_see_the_department(client: httpx.AsyncClient, filed: Filed, tuoyu: Tuoyu) -> None:
    await more_complaints(tuoyu)
    await tuoyu.services.complaints.add_staff("zhao", "health.city", password=PASSWORD)
    await login(client, "zhao")
    own = await client.get("/staff/charts")
    assert 'id="scopes"' in own.text
    bars = {b.get("data-label"): b.get("data-value")
            for b in charts(own.text)[1].findall(".//svg:g[@class='bar']", NS)}
    assert bars == {"未填区县": "1"}  # the city office's own: the complaint without a district
    city = await client.get("/staff/charts?scope=city&lang=en")
    bars = {b.get("data-label"): b.get("data-value")
            for b in charts(city.text)[1].findall(".//svg:g[@class='bar']", NS)}
    assert bars == {"城关区": "3", "七里河区": "1", "No district": "1"}
    rows = list(csv.reader(io.StringIO((await client.get("/staff/charts.csv?scope=city")).text.lstrip("\ufeff"))))
    assert sum(int(v) for f, _, _, v in rows[1:] if f == "filed") == 5

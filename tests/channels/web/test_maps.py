"""Finder maps on the web: the chat reply carries an SVG whose pins link to its cards; facility pages show one."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.bootstrap import Tuoyu, build
from bot.channels.web.app import create_app
from bot.settings import Settings
from storage.database import Database
from tests.bot.helpers import fixture_kb

NS = {"svg": "http://www.w3.org/2000/svg"}


@pytest.fixture
async def client(database: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The web app over a database seeded with the demo facilities."""
    tuoyu: Tuoyu = await build(dataclasses.replace(settings, demo_data=True), db=database, migrate=False,
                               kb=fixture_kb())
    transport = httpx.ASGITransport(app=create_app(tuoyu.channel), client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
    await tuoyu.services.facilities.close()


async def search(client: httpx.AsyncClient, session: str, place: str, lang: str = "zh") -> dict:
    """/find, any care type, any age, then the place: the reply with the result cards."""
    for body in ({"text": "/find", "lang": lang}, {"button": "f:t:any"}, {"button": "f:a:any"}, {"text": place}):
        response = await client.post("/api/chat", json={"session": session, **body})
        assert response.status_code == 200
    found = [r for r in response.json()["replies"] if (r.get("data") or {}).get("facilities")]
    assert found, response.json()["text"]
    return found[-1]


async def test_chat_results_come_with_a_map_whose_pins_link_to_the_cards(client: httpx.AsyncClient) -> None:
    reply = await search(client, "mapsession01", "西关十字")
    cards = reply["data"]["facilities"]
    anchor = reply["map_anchor"]
    assert re.fullmatch(r"fac-[0-9a-f]{6}-", anchor)
    root = ET.fromstring(reply["map_svg"])
    pins = root.findall(".//svg:a[@class='pin']", NS)
    assert [p.get("data-id") for p in pins] == [c["id"] for c in cards]
    assert [p.get("href") for p in pins] == [f"#{anchor}{c['id']}" for c in cards]
    assert [p.get("data-number") for p in pins] == [str(n) for n in range(1, len(cards) + 1)]
    assert root.find(".//svg:g[@class='centre']/svg:title", NS).text == "西关十字"  # type: ignore[union-attr]
    assert root.find(".//svg:circle[@class='accuracy']", NS) is not None  # a subdistrict point: ±2 km drawn
    assert "城关区" in {t.text for t in root.findall(".//svg:text[@class='district-label']", NS)}
    again = await search(client, "mapsession01", "西关十字")
    assert again["map_anchor"] != anchor  # a second result list has its own anchors


async def test_next_page_numbers_continue_and_english_names(client: httpx.AsyncClient) -> None:
    await search(client, "mapsession02", "西关十字", lang="en")
    response = await client.post("/api/chat", json={"session": "mapsession02", "button": "f:more"})
    page = [r for r in response.json()["replies"] if (r.get("data") or {}).get("facilities")][-1]
    root = ET.fromstring(page["map_svg"])
    numbers = [p.get("data-number") for p in root.findall(".//svg:a[@class='pin']", NS)]
    assert numbers[0] == str(page["data"]["offset"] + 1)
    assert "Chengguan" in {t.text for t in root.findall(".//svg:text[@class='district-label']", NS)}


async def test_replies_without_results_have_no_map(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/chat", json={"session": "mapsession03", "text": "你好"})
    assert all("map_svg" not in r for r in response.json()["replies"])


async def test_facility_page_shows_its_card_and_pin(client: httpx.AsyncClient) -> None:
    card = (await search(client, "mapsession04", "西关十字"))["data"]["facilities"][0]
    page = await client.get(f"/facility/{card['id']}?lang=zh")
    assert page.status_code == 200
    assert f'id="fac-{card["id"]}"' in page.text and card["name"] in page.text
    svg = re.search(r"<svg.*?</svg>", page.text, re.S)
    assert svg is not None
    pins = ET.fromstring(svg.group(0)).findall(".//svg:a[@class='pin']", NS)
    assert [(p.get("data-id"), p.get("href")) for p in pins] == [(card["id"], f"#fac-{card['id']}")]
    assert "uri.amap.com" in page.text and "演示数据" in page.text


@pytest.mark.parametrize("path", ["/facility/NO-SUCH-ID", "/facility/%3Cscript%3E"])
async def test_unknown_facility_is_404(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404


async def test_web_cards_carry_what_parents_ask(client: httpx.AsyncClient) -> None:
    """备案, care types, ages, nature, hours, the fee with its unit, free places with their date: as lines."""
    cards = (await search(client, "mapsession05", "西关十字"))["data"]["facilities"]
    for c in cards:
        text = "\n".join(c["lines"])
        assert text.startswith("已备案") and "类型：" in text and "月龄：" in text and "性质：" in text
        assert "时间：" in text and f"元/{'小时' if c['fee_unit'] == 'hour' else '月'}" in text
        assert f"（截至{c['places_updated']}）" in text and "电话" not in text and "地址" not in text


async def test_hourly_care_is_priced_by_the_hour(client: httpx.AsyncClient) -> None:
    for body in ({"text": "/find 计时托", "lang": "zh"}, {"button": "f:a:any"}, {"text": "七里河区"}):
        response = await client.post("/api/chat", json={"session": "mapsession06", **body})
    [reply] = [r for r in response.json()["replies"] if (r.get("data") or {}).get("facilities")]
    hourly_only = [c for c in reply["data"]["facilities"] if set(c["care_types"]) <= {"hourly", "temporary"}]
    assert hourly_only and all(c["fee_unit"] == "hour" for c in hourly_only)
    assert all(any(line.endswith("元/小时") for line in c["lines"]) for c in hourly_only)
    assert "元/小时" in reply["text"]


async def test_facility_page_has_tap_to_call_and_a_complaint_button_for_it(client: httpx.AsyncClient) -> None:
    card = (await search(client, "mapsession07", "西关十字"))["data"]["facilities"][0]
    page = (await client.get(f"/facility/{card['id']}?lang=zh")).text
    assert f'href="tel:{card["phone"]}"' in page
    assert f'href="/chat?report={card["id"]}&amp;lang=zh"' in page and "反映这家机构的问题" in page
    assert "月龄：" in page and "时间：" in page and "元/月" in page and f"截至{card['places_updated']}" in page
    # the button's target: the complaint flow, already about this facility
    response = await client.post("/api/chat", json={"session": "mapsession08", "button": f"c:fac:{card['id']}"})
    [reply] = response.json()["replies"]
    assert reply["kind"] == "complaint" and reply["text"].startswith("第 2/")  # which facility: already known

"""Typed places through the online geocoder (a fake Baidu on loopback), its cache, and the gazetteer fallback:
chat → finder → cards, on the real database with the demo facilities."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bot.bootstrap import Tuoyu, build
from bot.channels.web.app import create_app
from bot.cli import main
from bot.engine.types import Inbound, Reply
from bot.settings import Settings, SettingsError
from locator.geo import geodesic_m, wgs84_to_bd09
from locator.query import place_text
from storage.database import Database
from tests.bot.helpers import fixture_kb
from tests.locator.fake_geocoder import FakeBaidu, fake_baidu

#: A compound the gazetteer does not know, at a WGS-84 point in 城关区; the fake answers in BD-09.
COMPOUND = "雁滩万达"
POINT = (36.0705, 103.8790)


@pytest.fixture
def fake() -> Iterator[FakeBaidu]:
    with fake_baidu({COMPOUND: (*wgs84_to_bd09(*POINT), "购物"), "城关区": (36.055, 103.8485, "区县")}) as server:
        yield server


async def app_with(database: Database, settings: Settings, **changes: object) -> Tuoyu:
    return await build(dataclasses.replace(settings, demo_data=True, **changes), db=database, migrate=False,
                       kb=fixture_kb())


@pytest.fixture
async def online(database: Database, settings: Settings, fake: FakeBaidu) -> AsyncIterator[Tuoyu]:
    app = await app_with(database, settings, geocoder_key="test-key", geocoder_url=fake.url)
    yield app
    await app.services.facilities.close()


async def say(app: Tuoyu, text: str, key: str = "test:geo") -> list[Reply]:
    return await app.conversations.process(key, Inbound.message(text, lang_hint="zh"))


def results(replies: list[Reply]) -> Reply:
    assert replies[-1].kind == "facility_results", [r.text for r in replies]
    return replies[-1]


def test_the_place_text_sent_online_leaves_out_care_type_age_and_place_words() -> None:
    assert place_text(f"帮我找{COMPOUND}附近的全日托，孩子14个月") == COMPOUND
    assert place_text("我想找托育机构") == "" and place_text("a half-day place near Xiguan") == ""


async def test_a_typed_address_is_geocoded_converted_to_wgs84_and_cached(online: Tuoyu, fake: FakeBaidu) -> None:
    page = results(await say(online, f"/find {COMPOUND}附近的全日托，孩子14个月"))
    centre = page.data["center"]
    assert centre["label"] == COMPOUND and centre["accuracy"] == "point"
    assert geodesic_m(centre["lat"], centre["lon"], *POINT) < 0.5  # BD-09 → WGS-84 at the boundary
    [asked] = fake.requests
    assert asked["address"] == COMPOUND and asked["city"] == "兰州市" and asked["ak"] == "test-key"
    cards = page.data["facilities"]
    assert len(cards) == 5 and all("full_day" in c["care_types"] for c in cards)
    assert [c["distance_m"] for c in cards] == sorted(c["distance_m"] for c in cards)
    assert cards[0]["distance_m"] == round(geodesic_m(centre["lat"], centre["lon"], cards[0]["lat"], cards[0]["lon"]))
    again = results(await say(online, f"/find {COMPOUND}附近的全日托，孩子14个月", key="test:geo2"))
    assert len(fake.requests) == 1 and again.data["center"] == centre  # answered from the database


async def test_the_gazetteer_answers_when_the_geocoder_fails(online: Tuoyu, fake: FakeBaidu) -> None:
    fake.failing = True
    page = results(await say(online, "/find 西关十字附近的全日托，孩子14个月"))
    assert page.data["center"]["label"] == "西关十字" and len(fake.requests) == 1  # asked, failed, fell back
    [ask] = await say(online, f"/find {COMPOUND}附近的全日托，孩子14个月", key="test:geo3")
    assert ask.kind == "facility_search" and ask.request_location  # unknown offline: where are you?
    fake.failing = False  # a failure is not cached: the next try succeeds
    assert results(await say(online, f"/find {COMPOUND}的全日托，孩子14个月", key="test:geo4")).data["center"][
        "label"] == COMPOUND


async def test_a_district_answer_does_not_beat_the_gazetteer(online: Tuoyu, fake: FakeBaidu) -> None:
    page = results(await say(online, "/find 城关区的全日托，孩子14个月"))
    assert page.data["center"]["label"] == "城关区" and page.data["center"]["accuracy"] == "seat"
    assert fake.requests  # the geocoder was asked, but "区县" is no better than the gazetteer's seat


async def test_without_a_key_only_the_gazetteer_is_used(database: Database, settings: Settings,
                                                        fake: FakeBaidu) -> None:
    app = await app_with(database, settings, geocoder_url=fake.url)
    try:
        page = results(await say(app, "/find 西关十字附近的全日托，孩子14个月"))
        assert page.data["center"]["label"] == "西关十字"
        [ask] = await say(app, f"/find {COMPOUND}的全日托，孩子14个月", key="test:geo5")
        assert ask.request_location and not fake.requests
    finally:
        await app.services.facilities.close()


async def test_a_typed_address_through_the_web_chat(online: Tuoyu, fake: FakeBaidu) -> None:
    transport = httpx.ASGITransport(app=create_app(online.channel), client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/api/chat", json={"session": "geocodeweb01",
                                                        "text": f"/find {COMPOUND}附近的全日托，孩子14个月"})
    assert response.status_code == 200
    [reply] = [r for r in response.json()["replies"] if (r.get("data") or {}).get("facilities")]
    assert reply["data"]["center"]["label"] == COMPOUND and len(reply["data"]["facilities"]) == 5
    assert "<svg" in reply["map_svg"] and fake.requests[0]["address"] == COMPOUND


def test_settings() -> None:
    assert Settings.from_env({"TUOYU_GEOCODER_KEY": "k"}).geocoder == "baidu"
    assert "sekrit" not in repr(Settings.from_env({"TUOYU_GEOCODER_KEY": "sekrit"}))
    with pytest.raises(SettingsError):
        Settings.from_env({"TUOYU_GEOCODER": "google"})


def test_find_on_the_command_line_goes_online_with_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str], fake: FakeBaidu) -> None:
    monkeypatch.setenv("TUOYU_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("TUOYU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUOYU_DEMO_DATA", "true")
    monkeypatch.setenv("TUOYU_GEOCODER_URL", fake.url)
    assert main(["facilities", "find", COMPOUND, "--limit", "2"]) == 1  # no key: the gazetteer does not know it
    monkeypatch.setenv("TUOYU_GEOCODER_KEY", "test-key")
    assert main(["facilities", "find", COMPOUND, "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert f"{COMPOUND} (城关区; 36.0705, 103.8790; accuracy: point; from the geocoder)" in out
    assert out.count(" km  ") == 2

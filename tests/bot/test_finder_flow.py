"""Finder transcripts through bootstrap.build() and Conversations on a real database with the demo set."""

from __future__ import annotations

import dataclasses

import pytest

from bot.bootstrap import Tuoyu, build
from bot.engine.flow import Turn
from bot.engine.types import Inbound, Reply, State
from bot.flows.finder import FinderFlow
from bot.i18n import default_catalog
from bot.port import public_reply
from bot.settings import Settings
from locator.gazetteer import Gazetteer
from locator.service import FacilityService
from storage.database import Database
from tests.bot.helpers import Chat, fixture_kb


def results(replies: list[Reply]) -> Reply:
    assert replies[-1].kind == "facility_results", [r.kind for r in replies]
    return replies[-1]


async def test_everything_in_the_first_message_gives_labelled_demo_results(app: Tuoyu) -> None:
    chat = Chat(app, "en")
    replies = await chat.say("/find a half-day place for my 14-month-old near 西关十字")
    assert replies[0].kind == "facility_search"
    page = results(replies)
    cards = page.data["facilities"]
    assert len(cards) == 5 and page.data["center"]["label"] == "Xiguan Shizi"
    assert [c["distance_m"] for c in cards] == sorted(c["distance_m"] for c in cards)
    for c in cards:
        assert c["demo"] and c["registered"] and "half_day" in c["care_types"]
        assert (c["min_age_months"] or 0) <= 14 <= (c["max_age_months"] or 36)
        assert {"lat", "lon", "id", "name", "links"} <= set(c)
    assert page.text.count("[DEMO · 演示数据]") == 5 and "Demo data below" in page.text
    assert [b.data for b in page.buttons[:5]] == [f"c:fac:{c['id']}" for c in cards]
    assert {"f:more", "f:all", "f:new"} <= {b.data for b in page.buttons}
    assert all(len(b.data.encode()) <= 64 for b in page.buttons)
    recent = (await chat.state()).memory["recent_facilities"]
    assert [r["id"] for r in recent[:5]] == [c["id"] for c in cards]


async def test_the_finder_intent_in_english(app: Tuoyu) -> None:
    replies = await Chat(app, "en").say("find a half-day daycare for my 14-month-old near 西关十字")
    assert replies[0].kind == "facility_search" and len(results(replies).data["facilities"]) == 5


async def test_questions_are_asked_for_what_is_missing(app: Tuoyu) -> None:
    chat = Chat(app)
    [ask_type] = await chat.say("帮我找城关区的托儿所")
    assert ask_type.kind == "facility_search" and "f:t:full_day" in [b.data for b in ask_type.buttons]
    [ask_age] = await chat.press("f:t:full_day")
    assert "f:a:any" in [b.data for b in ask_age.buttons]
    replies = await chat.say("孩子14个月")
    page = results(replies)
    assert "全日托" in replies[0].text and page.data["center"]["label"] == "城关区"
    assert all("full_day" in c["care_types"] for c in page.data["facilities"])
    assert page.text.count("【演示数据 DEMO】") == len(page.data["facilities"]) == 5
    assert (await chat.state()).flow is None


async def test_place_question_offers_location_and_districts_and_retries(app: Tuoyu) -> None:
    chat = Chat(app)
    await chat.say("/find")
    await chat.press("f:t:any")
    [ask_place] = await chat.press("f:a:any")
    assert ask_place.request_location and "f:d:620105" in [b.data for b in ask_place.buttons]
    [again] = await chat.say("火星基地")
    assert "火星基地" in again.text and again.request_location
    page = results(await chat.say("anning"))
    assert page.data["center"]["label"] == "安宁区"


@pytest.mark.parametrize("text", ["找托育机构", "附近的托育机构", "我想找托育机构"])
async def test_looking_for_care_asks_where_instead_of_listing(app: Tuoyu, text: str) -> None:
    chat = Chat(app)
    [ask_type] = await chat.say(text)
    assert ask_type.kind == "facility_search" and "f:t:any" in [b.data for b in ask_type.buttons]
    assert "lat" not in (await chat.state()).data
    await chat.press("f:t:any")
    [ask] = await chat.press("f:a:any")
    assert ask.kind == "facility_search" and ask.request_location and "在哪里找" in ask.text
    assert "f:d:620102" in [b.data for b in ask.buttons]
    state = await chat.state()
    assert state.flow == "finder" and state.step == "place" and "lat" not in state.data
    [again] = await chat.say("我家附近的托儿所")  # still no place: asked again, not "no such place"
    assert again.request_location and "没找到" not in again.text and "lat" not in (await chat.state()).data


async def test_an_ambiguous_place_asks_which_with_the_district(app: Tuoyu) -> None:
    app.services.facilities._gazetteer = Gazetteer({"districts": [
        {"code": "620121", "name": "永登县", "lat": 36.7344, "lon": 103.2599,
         "subdistricts": [{"name": "城关镇", "lat": 36.73, "lon": 103.26}]},
        {"code": "620123", "name": "榆中县", "lat": 35.8445, "lon": 104.1122,
         "subdistricts": [{"name": "城关镇", "lat": 35.85, "lon": 104.11}]}]})
    chat = Chat(app)
    [which] = await chat.say("/find 城关镇的全日托，孩子14个月")
    assert which.request_location and "城关镇" in which.text
    assert sorted(b.label for b in which.buttons[:-1]) == ["城关镇（榆中县）", "城关镇（永登县）"]
    assert which.buttons[-1].data == "cmd:cancel"
    yuzhong = next(b.data for b in which.buttons if "榆中县" in b.label)
    page = results(await chat.press(yuzhong))
    assert page.data["center"]["lat"] == 35.85 and page.data["facilities"][0]["district"] == "榆中县"


async def test_shared_location_searches_at_once_and_more_pages_on(app: Tuoyu) -> None:
    chat = Chat(app)
    replies = await chat.location(36.0722, 103.7664)
    assert replies[0].kind == "facility_search"
    first = results(replies)
    assert first.data["center"]["accuracy"] == "point" and first.data["more"]
    second = results(await chat.press("f:more"))
    ids1 = [c["id"] for c in first.data["facilities"]]
    ids2 = [c["id"] for c in second.data["facilities"]]
    assert len(ids2) == 5 and not set(ids1) & set(ids2) and "\n6. " in second.text
    assert first.data["facilities"][-1]["distance_m"] <= second.data["facilities"][0]["distance_m"]


async def test_far_away_the_search_widens_says_how_far_and_offers_neighbours(app: Tuoyu) -> None:
    chat = Chat(app, "en")
    page = results(await chat.location(37.20, 102.90))
    assert "Nothing that fits within 5 km" in page.text and page.data["facilities"]
    assert any(b.data.startswith("f:d:") for b in page.buttons)
    district_button = next(b.data for b in page.buttons if b.data.startswith("f:d:"))
    assert results(await chat.press(district_button)).data["facilities"]


async def test_include_unregistered(app: Tuoyu) -> None:
    chat = Chat(app)
    await chat.location(36.0495, 103.8386)
    page = results(await chat.press("f:all"))
    assert "f:all" not in [b.data for b in page.buttons]


async def test_start_needs_no_database() -> None:
    unreachable = Database("postgresql://nobody@127.0.0.1:9/none")
    flow = FinderFlow(FacilityService(unreachable))
    catalog = default_catalog()
    asked = await flow.start(Turn(Inbound.message("帮我找城关区的托儿所"), State(), catalog))
    assert public_reply(asked)["kind"] == "facility_search"
    searched = await flow.start(Turn(Inbound.message("西站附近的半日托，孩子两岁"), State(), catalog))
    assert searched[0].kind == "facility_search" and "12345" in searched[-1].text
    await unreachable.dispose()


async def test_demo_seeding_only_into_an_empty_table(database: Database, settings: Settings) -> None:
    from locator.store import count

    on = dataclasses.replace(settings, demo_data=True)
    await build(on, db=database, migrate=False, kb=fixture_kb())
    await build(on, db=database, migrate=False, kb=fixture_kb())
    assert await count(database) == 300


@pytest.mark.parametrize(("lang", "words"), [("zh", ("不在兰州", "只覆盖兰州市", "公里")),
                                             ("en", ("not in Lanzhou", "covers Lanzhou only", "km away"))])
async def test_a_point_outside_lanzhou_says_what_is_covered_and_where_the_nearest_is(
        app: Tuoyu, lang: str, words: tuple[str, ...]) -> None:
    page = results(await Chat(app, lang).location(39.9, 116.4))  # Beijing
    assert all(w in page.text for w in words), page.text
    [nearest] = page.data["facilities"]
    assert nearest["distance_m"] > 1_000_000 and nearest["name"] in page.text and nearest["district"] in page.text
    assert page.data["out_of_area"] and "f:d:620102" in [b.data for b in page.buttons]

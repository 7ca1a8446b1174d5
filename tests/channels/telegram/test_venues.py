"""Finder results in Telegram: each facility as a native venue (a map pin), then the list with its buttons."""

from __future__ import annotations

from bot.channels.telegram.render import venues
from bot.engine.types import Reply
from locator.demo import seed_demo
from storage.database import Database
from tests.channels.telegram.fake_bot_api import FakeBotApi

CHAT = 1301


def to_chat(params: dict) -> bool:
    return int(params["chat_id"]) == CHAT


async def test_results_are_sent_as_venues_before_the_list(bot: FakeBotApi, database: Database) -> None:
    await seed_demo(database)
    for step in ("/find", "f:t:any", "f:a:any"):
        since = bot.mark()
        await (bot.text(CHAT, step) if step.startswith("/") else bot.callback(CHAT, step))
        await bot.wait_for_call("sendMessage", to_chat, since=since)
    since = bot.mark()
    await bot.location(CHAT, 36.0659, 103.8326)
    listing = await bot.wait_for_call(
        "sendMessage", lambda p: to_chat(p) and "c:fac:" in str(p.get("reply_markup")), since=since)
    pins = [c for c in bot.calls_of("sendVenue", since) if to_chat(c.params)]
    assert len(pins) == 5
    assert all(c.at <= listing.at for c in pins) and bot.calls.index(listing) > bot.calls.index(pins[-1])
    ids = [b["callback_data"].removeprefix("c:fac:") for row in listing.params["reply_markup"]["inline_keyboard"]
           for b in row if b["callback_data"].startswith("c:fac:")]
    assert len(ids) == 5
    for number, call in enumerate(pins, 1):
        venue = call.params
        assert venue["title"].startswith(f"{number}. ") and venue["address"]
        assert 35.5 < float(venue["latitude"]) < 37 and 102.5 < float(venue["longitude"]) < 104.5
    titles = [p.params["title"].split(". ", 1)[1] for p in pins]
    assert all(title in listing.params["text"] for title in titles)  # the same facilities, in the same order
    assert [listing.params["text"].index(t) for t in titles] == sorted(listing.params["text"].index(t) for t in titles)


def test_venues_number_from_the_page_offset_and_skip_cards_without_a_point() -> None:
    reply = Reply(kind="facility_results", text="…", data={"offset": 5, "facilities": [
        {"id": "A", "name": "甲托育", "lat": 36.06, "lon": 103.83, "address": "城关区某路1号", "distance_m": 1234},
        {"id": "B", "name": "乙托育", "lat": None, "lon": 103.8},
        {"id": "C", "name": "丙托育", "lat": 36.07, "lon": 103.84, "district": "城关区", "distance_m": 87},
    ]})
    assert [(v.title, v.address) for v in venues(reply)] == [("6. 甲托育", "城关区某路1号 · 1.2 km"),
                                                             ("8. 丙托育", "城关区 · 90 m")]
    assert venues(Reply(kind="answer", text="x")) == []

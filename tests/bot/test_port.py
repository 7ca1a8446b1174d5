"""The channel port on a real database: language pinning without a synthetic turn, guide links counted once
through one parser, photos fetched only when a flow takes one, search by the engine's rules."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from bot.conversations import Conversations
from bot.engine.engine import Engine
from bot.engine.types import Inbound
from bot.i18n import default_catalog
from bot.port import ChannelPort, PhotoUnavailable, public_reply
from bot.share import ShareService
from complaints.photos import PhotoRejected
from storage.database import Database
from tests.bot.helpers import fixture_kb


def port(db: Database, folder: Path) -> ChannelPort:
    kb = fixture_kb()
    return ChannelPort(Conversations(db, Engine(kb, default_catalog())), kb, default_catalog(),
                       photo_folder=folder / "photos", share=ShareService(db))


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG")
    return out.getvalue()


async def test_lang_pins_the_chat_language_without_an_extra_turn(database: Database, tmp_path: Path) -> None:
    door = port(database, tmp_path)
    outcome = await door.process("t:1", Inbound.message("产假有多少天"), lang="en")
    assert outcome.lang == "en" and outcome.replies[0].text.startswith("Maternity leave")
    assert len(outcome.replies) == 1 and await door.language("t:1") == "en"
    later = await door.process("t:1", Inbound.message("产假有多少天", lang_hint="zh"))
    assert later.lang == "en"  # a client hint never overrides an explicit choice


async def test_public_reply_is_the_contract_object(database: Database, tmp_path: Path) -> None:
    outcome = await port(database, tmp_path).process("t:2", Inbound.message("产假有多少天"))
    body = public_reply(outcome.replies)
    assert body["kind"] == "answer" and body["article"] and body["topic"] == "leave_maternity"
    assert set(body) >= {"kind", "article", "topic", "candidates", "text", "sources", "score", "buttons"}


async def test_guide_link_counted_and_bad_payload_is_a_plain_start(database: Database, tmp_path: Path) -> None:
    door = port(database, tmp_path)
    article = fixture_kb().articles[next(iter(fixture_kb().articles))]
    opened = await door.open_guide("t:3", f"g-{article.id}-clinic1", channel="test")
    assert opened.replies[0].article == article.id
    plain = await door.open_guide("t:4", "g-no_such_article", channel="test")
    assert plain.replies[0].article is None and plain.replies[0].kind == "smalltalk"
    stats = await ShareService(database).stats()
    assert [(s.article, s.ref, s.channel, s.count) for s in stats] == [(article.id, "clinic1", "test", 1)]


async def test_photo_fetched_only_inside_a_flow_that_takes_one(database: Database, tmp_path: Path) -> None:
    door = port(database, tmp_path)
    fetched: list[int] = []

    async def fetch() -> bytes:
        fetched.append(1)
        return jpeg()

    outside = await door.photo("t:5", fetch, channel="test")
    assert not fetched and outside.replies and not (tmp_path / "photos").exists()


async def test_search_finds_nothing_for_emergencies_and_blank(database: Database, tmp_path: Path) -> None:
    door = port(database, tmp_path)
    assert door.search("产假") and door.search("孩子没有呼吸了") == [] and door.search("   ") == []


@pytest.mark.parametrize("error", [PhotoUnavailable("gone"), PhotoRejected("not a photo")])
async def test_unreadable_photo_falls_back_to_the_channel_reference(database: Database, tmp_path: Path,
                                                                    error: Exception) -> None:
    door = port(database, tmp_path)
    door.wants_photo = _always  # type: ignore[method-assign]  # the complaint flow's photo step is tested there

    async def fetch() -> bytes:
        raise error

    outcome = await door.photo("t:6", fetch, channel="test", fallback="file-123")
    assert outcome.replies


async def _always(chat_key: str) -> bool:
    return True

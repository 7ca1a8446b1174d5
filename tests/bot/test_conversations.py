"""Conversations on a real database: state survives a restart, per-chat order is kept, logs are scrubbed."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import select

from bot.conversations import Conversations, scrub
from bot.engine.engine import Engine
from bot.engine.types import Inbound
from bot.i18n import default_catalog
from knowledge.memo import UP_TO
from storage.database import Database
from storage.models import Conversation, QuestionLog
from tests.bot.helpers import fixture_kb


def conversations(db: Database) -> Conversations:
    return Conversations(db, Engine(fixture_kb(), default_catalog()))


async def test_state_survives_a_new_process(database: Database) -> None:
    await conversations(database).process("t:1", Inbound.message("/lang en"))
    fresh = conversations(database)  # as if the process had restarted
    [reply] = await fresh.process("t:1", Inbound.message("产假有多少天"))
    assert reply.text.startswith("Maternity leave")


async def test_questions_logged_without_phone_numbers(database: Database) -> None:
    convs = conversations(database)
    await convs.process("t:2", Inbound.message("我电话13912345678，股票明天会涨吗", channel="web"))
    async with database.session() as s:
        [row] = (await s.execute(select(QuestionLog))).scalars().all()
    assert "13912345678" not in row.text and row.kind == "fallback" and row.channel == "web"


async def test_one_chat_is_processed_in_order(database: Database) -> None:
    convs = conversations(database)
    await asyncio.gather(*(convs.process("t:3", Inbound.message("产假有多少天")) for _ in range(10)))
    async with database.session() as s:
        row = await s.get(Conversation, "t:3")
    assert row is not None and row.version == 10 and row.state["turns"] == 10


async def test_many_chats_concurrently(database: Database) -> None:
    convs = conversations(database)
    await asyncio.gather(*(convs.process(f"t:c{i}", Inbound.message("护理假有几天")) for i in range(20)))
    async with database.session() as s:
        rows = (await s.execute(select(Conversation))).scalars().all()
    assert len(rows) == 20


def test_scrub_removes_ids_and_phones() -> None:
    assert "[号码]" in scrub("身份证620102199001011234") and "[号码]" in scrub("电话 0931-8888888")


async def test_a_new_question_is_decided_off_the_event_loop(database: Database,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    convs = conversations(database)
    kb = convs.engine.kb
    threads: list[str] = []
    decide = kb._decide

    def recording(text: str):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return decide(text)

    monkeypatch.setattr(kb, "_decide", recording)  # the memo's compute step: runs once per new text
    [reply] = await convs.process("t:9", Inbound.message("宝宝打完疫苗发烧了怎么办？"))
    assert reply.kind in {"answer", "clarify", "fallback"}
    assert threads and all(name.startswith("knowledge") for name in threads), threads
    threads.clear()
    night = "这几天晚上总是醒好几次，每次都要抱着哄很久才睡，白天也不太愿意吃辅食，"
    story = "我家宝宝九个月了，" + night * 6 + "这正常吗？"
    assert len(story) > UP_TO
    await convs.process("t:9", Inbound.message(story))  # a story is decided whole, off the loop too
    assert threads == ["knowledge_0"] * len(threads) and len(threads) == 1, threads

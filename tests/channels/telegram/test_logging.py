"""Log records written while an update is handled name that update and its chat."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from bot.bootstrap import Tuoyu
from bot.observability import ContextFilter
from tests.channels.telegram.fake_bot_api import FakeBotApi

CHAT = 3003


class Records(logging.Handler):
    """Keeps the records, with the context fields the production handler would add."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(ContextFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger("bot.channels.telegram")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_handled_update_is_logged_with_its_update_id_and_chat(bot: FakeBotApi, records: Records) -> None:
    update_id = await bot.text(CHAT, "乙肝疫苗什么时候打")
    await bot.wait_for_call("sendMessage", lambda p: int(p["chat_id"]) == CHAT)
    for _ in range(100):  # the line is written just after the reply was sent
        handled = [r for r in records.records if r.getMessage().startswith("update handled")]
        if handled:
            break
        await asyncio.sleep(0.02)
    assert [r.fields for r in handled] == [{"chat": f"telegram:{CHAT}", "update": str(update_id)}]  # type: ignore[attr-defined]


async def test_failing_update_is_logged_with_its_update_id(bot: FakeBotApi, tuoyu: Tuoyu, records: Records,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("engine down")

    monkeypatch.setattr(tuoyu.conversations, "process_with_state", broken)
    update_id = await bot.text(CHAT, "乙肝疫苗什么时候打")
    await bot.wait_for_call("sendMessage", lambda p: int(p["chat_id"]) == CHAT)  # the apology
    failed = next(r for r in records.records if r.levelno == logging.ERROR)
    assert failed.context == f" [chat=telegram:{CHAT} update={update_id}]"  # type: ignore[attr-defined]

"""Complaint notifications reach Telegram chats through the outbox's strategy."""

from __future__ import annotations

import pytest

from bot.bootstrap import Tuoyu
from bot.channels.telegram.notify import TelegramNotifier
from complaints.outbox import enqueue
from tests.channels.telegram.fake_bot_api import FakeBotApi


async def test_outbox_delivers_to_telegram_chats_escaped(bot: FakeBotApi, tuoyu: Tuoyu) -> None:
    outbox = tuoyu.services.outbox
    assert isinstance(outbox.strategies["telegram"], TelegramNotifier)
    async with tuoyu.db.session() as session:
        enqueue(session, "telegram:5005", "投诉 <TY-1> 已受理 & 转办")
    assert await outbox.run_once() == 1
    call = await bot.wait_for_call("sendMessage", lambda p: p["chat_id"] == "5005")
    assert call.params["text"] == "投诉 &lt;TY-1&gt; 已受理 &amp; 转办"


async def test_bad_address_raises_so_the_row_is_retried(bot: FakeBotApi, tuoyu: Tuoyu) -> None:
    notifier = tuoyu.services.outbox.strategies["telegram"]
    with pytest.raises(ValueError, match="not a Telegram chat"):
        await notifier.send("telegram:abc", "x", "tuoyu-notice-1")

"""Complaint notifications to Telegram chats: the outbox's strategy for `telegram:<chat id>` addresses."""

from __future__ import annotations

from telegram import Bot

from bot.channels.telegram.app import send_html
from bot.channels.telegram.render import Outgoing, render
from bot.engine.types import Reply


class TelegramNotifier:
    """`send(address, text, key)` as complaints.outbox.Strategy expects; raises on failure so the row is retried.

    The Bot API has no idempotency key, so `key` is unused: the outbox marks re-sends in the text instead.
    """

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, address: str, text: str, key: str) -> None:
        scheme, _, chat = address.partition(":")
        if scheme != "telegram" or not chat.lstrip("-").isdigit():
            raise ValueError(f"not a Telegram chat address: {address!r}")
        await self.bot.initialize()  # a no-op once initialised; needed by a Bot built only for notifications
        messages: list[Outgoing] = render(Reply(kind="notification", text=text))
        for message in messages:
            await send_html(self.bot, int(chat), message.html)

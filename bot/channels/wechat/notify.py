"""Complaint notices to WeChat followers (`wechat:<openid>`) as customer-service messages.

WeChat lets those through only within 48 hours of the follower's last message, click or scan; after that no retry
can deliver a notice, so it is reported `Undeliverable` (the case history says why, and the status page and the
phone remain the way to follow the case) instead of being retried for nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.channels.wechat.api import CLOSED_ERRORS, WeChatApi, WeChatError
from bot.channels.wechat.ledger import WINDOW_S, MessageLedger
from bot.channels.wechat.render import split
from complaints.outbox import Undeliverable


class WeChatNotifier:
    """`send(address, text, key)` as complaints.outbox.Strategy expects (WeChat has no idempotency key)."""

    def __init__(self, api: WeChatApi, ledger: MessageLedger, t: Callable[[str, str], str],
                 window_s: int = WINDOW_S) -> None:
        self.api, self.ledger, self.window_s = api, ledger, window_s
        self.reason = " / ".join(t("wx_window_closed", lang) for lang in ("zh", "en"))

    async def send(self, address: str, text: str, key: str) -> None:
        scheme, _, openid = address.partition(":")
        if scheme != "wechat" or not openid:
            raise ValueError(f"not a WeChat address: {address!r}")
        last = await self.ledger.last_seen(openid)
        if last is None or time.time() - last > self.window_s:
            raise Undeliverable(self.reason)
        for part in split(text):
            try:
                await self.api.send_text(openid, part)
            except WeChatError as exc:
                if exc.errcode in CLOSED_ERRORS:
                    raise Undeliverable(self.reason) from exc
                raise

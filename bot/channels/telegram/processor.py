"""Updates of one chat in order, different chats concurrently (PTB's own processors do only one of the two)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import Any
from weakref import WeakValueDictionary

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.channels.telegram.convert import chat_key
from bot.observability import bind

log = logging.getLogger(__name__)

#: PTB's semaphore only bounds waiting tasks; the real limit is the inner one, taken after the chat lock
#: so that a busy chat queues on its own lock without holding slots other chats need.
QUEUED = 4096


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """A per-chat FIFO lock, then a semaphore of `in_flight` updates across chats.

    Everything logged while an update is handled (handlers, engine, error handler) carries its
    `update` id and, when it has one, its `chat` (see `bot.observability.bind`).
    """

    def __init__(self, in_flight: int = 16) -> None:
        super().__init__(QUEUED)
        self._inner = asyncio.Semaphore(in_flight)
        self._locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()

    def _lock(self, key: int) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            async with self._inner:
                await coroutine
            return
        chat, user = update.effective_chat, update.effective_user
        key = chat.id if chat else (user.id if user else None)
        with bind(update=update.update_id, chat=chat_key(chat.id) if chat else None):
            started = time.perf_counter()
            if key is None:
                async with self._inner:
                    await coroutine
            else:
                async with self._lock(key), self._inner:
                    await coroutine
            if log.isEnabledFor(logging.DEBUG):
                log.debug("update handled in %.1f ms", (time.perf_counter() - started) * 1000)

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""

"""The channel port: the one typed door every channel adapter uses, built once at start-up.

Adapters (console, web, Telegram, WeChat) only convert inbound messages, render replies and run; everything
they need from the rest of Tuoyu goes through a `ChannelPort`, never through the composition root, so a new
channel is written against this small surface and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.conversations import Conversations
from bot.engine.types import Button, Inbound, InboundKind, Reply
from bot.i18n import LANGS, Catalog, normalize_lang
from bot.share import ShareService, parse_payload
from complaints import photos
from complaints.outbox import Deliverer, Strategy
from knowledge.base import KnowledgeBase
from knowledge.model import Article

if TYPE_CHECKING:
    from bot.services import Services
    from bot.settings import Settings

log = logging.getLogger(__name__)

Fetch = Callable[[], Awaitable[bytes]]


class PhotoUnavailable(Exception):
    """The channel could not fetch a photo's bytes (its own transport error, wrapped by the adapter)."""


@dataclass(frozen=True)
class Outcome:
    """What one inbound action produced: the replies, the chat's language, the flow it is in afterwards and what
    that flow has collected so far (a channel keeps the parent's own numbers out of what it stores)."""

    replies: list[Reply]
    lang: str
    flow: str | None
    collected: dict[str, Any] = field(default_factory=dict)


def public_reply(replies: Sequence[Reply]) -> dict[str, Any]:
    """The contract's reply object (`tuoyu ask --json`, `POST /api/chat`): the first reply's kind, every text as
    the user reads it, the answering article and its sources, and every button."""
    first = replies[0]
    main = next((r for r in replies if r.article), first)
    return {
        "kind": first.kind,
        "article": main.article,
        "topic": main.topic,
        "candidates": next((r.candidates for r in replies if r.candidates), []),
        "text": "\n\n".join(r.text for r in replies),
        "sources": [{"title": s.title, "url": s.url} for s in main.sources],
        "score": round(float(first.score if first.kind != "answer" else main.score), 4),
        "buttons": [{"label": b.label, "data": b.data} for r in replies for b in r.buttons],
    }


class ChannelPort:
    """Process messages for chats, open guide links, take photos, search articles, register notifiers."""

    langs: tuple[str, ...] = tuple(LANGS)

    def __init__(self, conversations: Conversations, kb: KnowledgeBase, catalog: Catalog, *,
                 photo_folder: Path, share: ShareService | None = None, outbox: Deliverer | None = None) -> None:
        self._conversations = conversations
        self._kb = kb
        self._catalog = catalog
        self._photo_folder = photo_folder
        self._share = share
        self._outbox = outbox

    @property
    def catalog(self) -> Catalog:
        """The message catalog, for channels that render pages or menus with many of their own words."""
        return self._catalog

    @property
    def knowledge(self) -> KnowledgeBase:
        """The articles, for channels that publish them as pages (the web guide)."""
        return self._kb

    def t(self, key: str, lang: str | None, **values: object) -> str:
        """A channel's own words (bot/messages/<area>.<lang>.yaml) in a language (a client's code such as en-US
        is mapped; Chinese by default)."""
        return str(self._catalog.get(key, normalize_lang(lang), **values))

    async def process(self, chat_key: str, inbound: Inbound, *, lang: str | None = None) -> Outcome:
        """One action for a chat, in order with its other actions; `lang` pins the chat's language first (a
        channel's explicit choice, such as the web page's language switch)."""
        pinned = normalize_lang(lang) if lang else None
        replies, state = await self._conversations.process_with_state(chat_key, inbound, lang=pinned)
        return Outcome(replies, state.lang, state.flow, dict(state.data))

    async def language(self, chat_key: str) -> str:
        """The chat's language as last saved (zh for a chat never seen)."""
        return (await self._conversations.load(chat_key)).lang

    async def wants_photo(self, chat_key: str) -> bool:
        """Whether the chat's flow is at a step that takes a photo (outside it nothing is fetched or kept)."""
        from bot.flows.complaint import takes_photo

        return takes_photo(await self._conversations.load(chat_key))

    async def photo(self, chat_key: str, fetch: Fetch, *, channel: str, fallback: str | None = None,
                    limit: int = photos.MAX_BYTES, lang_hint: str | None = None) -> Outcome:
        """A photo sent to a chat: fetched and stored only when the chat's flow takes one, then handed to it.

        A photo that cannot be fetched or read is passed on as `fallback` (a channel's own file reference, shown to
        staff as such) when the channel has one; without a fallback `PhotoRejected` reaches the adapter, which
        tells the sender why.
        """
        stored: str | None = None
        if await self.wants_photo(chat_key):
            try:
                stored = await photos.store(await fetch(), self._photo_folder, limit)
            except (PhotoUnavailable, photos.PhotoRejected, OSError) as exc:
                if fallback is None and isinstance(exc, photos.PhotoRejected):
                    raise
                log.warning("complaint photo kept as the channel's reference: %s", exc)
                stored = fallback
        return await self.process(chat_key, Inbound(InboundKind.PHOTO, attachment=stored, channel=channel,
                                                    lang_hint=lang_hint))

    async def open_guide(self, chat_key: str, payload: str, *, channel: str, lang_hint: str | None = None,
                         lang: str | None = None) -> Outcome:
        """A shared guidance link (`g-<article>[-<ref>]`, from a deep link, a scene QR code or a web link):
        counted per article and referral code, then the article; any other payload is a plain start. `lang`
        pins the chat's language as in `process`."""
        parsed = parse_payload(payload)
        if parsed is None or self._kb.get(parsed[0]) is None:
            return await self.process(chat_key, Inbound(InboundKind.COMMAND, text="start", channel=channel,
                                                        lang_hint=lang_hint), lang=lang)
        if self._share is not None:
            await self._share.record(parsed[0], parsed[1], channel)
        return await self.process(chat_key, Inbound(InboundKind.COMMAND, text="start", args=payload,
                                                    channel=channel, lang_hint=lang_hint), lang=lang)

    def search(self, text: str, limit: int = 10) -> list[Article]:
        """Articles for a search box by the engine's own rules: none for an emergency (that needs the chat, not a
        shared card) and none for what must never get an article (out of scope)."""
        text = text.strip()[:200]
        if not text or self._kb.emergency.detect(text):
            return []
        return self._kb.search(text, limit=limit)

    def menu(self, lang: str) -> list[Button]:
        """The main menu's buttons (every flow's entries) in `lang`, for a chat page before its first message."""
        return self._conversations.engine.menu(lang)

    def danger(self, text: str, lang: str | None) -> list[str]:
        """The lines the chat would lead with for a danger sign in `text` (what to do now), or none: a search box
        shows them where a chat would, since `search` finds no article for an emergency."""
        found = self._kb.emergency.detect(text.strip()[:200])
        if found is None:
            return []
        steps = self.t(f"emergency_{found.category}", lang)
        return [self.t(found.header, lang, call=found.call), *(line for line in steps.splitlines() if line.strip())]

    def article(self, article_id: str) -> Article | None:
        return self._kb.get(article_id)

    def register_notifier(self, scheme: str, notifier: Strategy) -> None:
        """Deliver complaint notices addressed `<scheme>:<id>` through this channel (no-op without an outbox)."""
        if self._outbox is not None:
            self._outbox.strategies[scheme] = notifier

    @staticmethod
    def public(replies: Sequence[Reply]) -> dict[str, Any]:
        return public_reply(replies)


@dataclass(frozen=True)
class ChannelContext:
    """What a channel adapter is handed at start-up: the port, the settings, and the typed services a channel
    runs beside its chats (the jobs runner, its own tables, the staff pages)."""

    port: ChannelPort
    settings: Settings
    services: Services

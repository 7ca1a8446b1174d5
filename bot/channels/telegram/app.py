"""The python-telegram-bot Application: handlers that feed the engine and send its replies."""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import Bot, BotCommand, CallbackQuery, LinkPreviewOptions, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.channels.telegram.convert import CHANNEL, chat_key, to_inbound
from bot.channels.telegram.inline import answer_inline
from bot.channels.telegram.processor import PerChatUpdateProcessor
from bot.channels.telegram.render import REMOVE_KEYBOARD, Markup, location_keyboard, render, venues
from bot.channels.telegram.request import AiohttpRequest
from bot.engine.types import Inbound, InboundKind, Reply
from bot.port import ChannelContext, ChannelPort, Outcome, PhotoUnavailable
from storage.outage import database_unreachable

log = logging.getLogger(__name__)

NO_PREVIEW = {"is_disabled": True}
COMMANDS = ("start", "help", "find", "complain", "status", "lang", "privacy", "about")
IN_FLIGHT = 16


class TelegramBot:
    """Turns updates into the port's calls and replies into Bot API calls."""

    def __init__(self, port: ChannelPort) -> None:
        self.port = port
        self._location_shown: set[int] = set()  # chats with our location keyboard open

    async def on_start(self, app: Application) -> None:
        """Register the command menu per language (the default scope gets Chinese)."""
        for lang in (None, *self.port.langs):
            commands = [BotCommand(c, self.port.t(f"tg_cmd_{c}", lang)) for c in COMMANDS]
            await app.bot.set_my_commands(commands, language_code=lang)

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.chat is None:  # a malformed update (the webhook takes any JSON)
            return
        inbound = to_inbound(message, context.bot.username)
        if inbound is None:
            return
        key = chat_key(message.chat.id)
        if inbound.kind is InboundKind.COMMAND and inbound.text == "start" and inbound.args:
            outcome = await self.port.open_guide(key, inbound.args, channel=CHANNEL, lang_hint=inbound.lang_hint)
        elif inbound.kind is InboundKind.PHOTO and inbound.attachment:
            outcome = await self._photo(context.bot, key, inbound)
        else:
            outcome = await self.port.process(key, inbound)
        await self.send(context.bot, message.chat.id, outcome, message.chat.type == ChatType.PRIVATE)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query: CallbackQuery = update.callback_query  # type: ignore[assignment]
        if not query.id:
            return
        await query.answer()
        message = query.message
        if not isinstance(message, Message) or message.chat is None or not query.data:
            return  # an inline-mode message or a message too old to read: nothing to continue
        inbound = Inbound(InboundKind.BUTTON, text=query.data, channel=CHANNEL,
                          lang_hint=query.from_user.language_code if query.from_user else None)
        outcome = await self.port.process(chat_key(message.chat.id), inbound)
        await self.send(context.bot, message.chat.id, outcome, message.chat.type == ChatType.PRIVATE)

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await answer_inline(self.port, update.inline_query, context.bot.username)  # type: ignore[arg-type]

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log with the update id and apologise to the chat, never raising again; while the database cannot be
        reached, the apology says to try again in a moment (the chat is as it was)."""
        update_id = update.update_id if isinstance(update, Update) else None
        outage = context.error is not None and database_unreachable(context.error)
        if outage:
            log.warning("update %s: database unreachable: %s", update_id, type(context.error).__name__)
        else:
            log.error("update %s failed", update_id, exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        user = update.effective_user
        text = self.port.t("outage_busy" if outage else "tg_error", user.language_code if user else None)
        try:
            await send_html(context.bot, update.effective_chat.id, html.escape(text))
        except TelegramError:
            log.warning("could not apologise to chat %s", update.effective_chat.id)

    async def _photo(self, bot: Bot, key: str, inbound: Inbound) -> Outcome:
        """A photo, fetched from Telegram only when the chat's complaint takes one (so staff see it on the
        dashboard); one that cannot be fetched or read keeps its Telegram file id, shown to staff as "in Telegram"."""
        file_id = str(inbound.attachment)

        async def fetch() -> bytes:
            try:
                return bytes(await (await bot.get_file(file_id)).download_as_bytearray())
            except TelegramError as exc:
                raise PhotoUnavailable(str(exc)) from exc

        return await self.port.photo(key, fetch, channel=CHANNEL, fallback=file_id, lang_hint=inbound.lang_hint)

    async def send(self, bot: Bot, chat_id: int, outcome: Outcome, private: bool) -> None:
        """Send replies in order; a location request adds a reply keyboard, removed on a later plain message."""
        replies: list[Reply] = outcome.replies
        wants_location = private and any(r.request_location for r in replies)
        for reply in replies:
            for venue in venues(reply):  # pins first, so the list and its buttons stay last and in reach
                await bot.send_venue(chat_id, latitude=venue.latitude, longitude=venue.longitude, title=venue.title,
                                     address=venue.address)
            messages = render(reply)
            for message in messages:
                markup = message.markup
                if markup is None and chat_id in self._location_shown and not wants_location:
                    markup = REMOVE_KEYBOARD
                    self._location_shown.discard(chat_id)
                await send_html(bot, chat_id, message.html, markup)
            if private and reply.request_location:
                t = self.port.t
                await send_html(bot, chat_id, html.escape(t("tg_location_prompt", outcome.lang)),
                                location_keyboard(t("tg_location_button", outcome.lang)))
                self._location_shown.add(chat_id)


async def send_html(bot: Bot, chat_id: int, text: str, markup: Markup | None = None) -> None:
    """sendMessage: HTML `text` (escaped by the caller), no link preview, an optional keyboard.

    Through PTB's request path (`_post`: defaults, flood limiter, retries, errors) but not `send_message`,
    which builds a `Message` object from Telegram's answer that nobody here reads: ~0.6 ms of CPU, 40 %
    of the call (benchmarks/telegram.py). python-telegram-bot is pinned, so this internal stays put.
    """
    data: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML,
                            "link_preview_options": NO_PREVIEW}
    if markup is not None:
        data["reply_markup"] = markup
    await bot._post("sendMessage", data)


def build_application(channel: ChannelContext, *, webhook: bool = False, in_flight: int = IN_FLIGHT,
                      rate_limiter: AIORateLimiter | None = None) -> Application:
    """A configured Application (not yet initialised); polling unless `webhook`."""
    settings = channel.settings
    if not settings.telegram_token:
        raise ValueError("TUOYU_TELEGRAM_TOKEN is not set")
    bot = TelegramBot(channel.port)
    builder = (ApplicationBuilder().token(settings.telegram_token)
               .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
               .concurrent_updates(PerChatUpdateProcessor(in_flight))
               .rate_limiter(rate_limiter or AIORateLimiter(max_retries=3))
               .request(AiohttpRequest(in_flight * 2, pool_timeout=10.0)).get_updates_request(AiohttpRequest(1)))
    if settings.telegram_api_url:
        base = settings.telegram_api_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.rsplit("/bot", 1)[0] + "/file/bot")
    if webhook:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data["tuoyu_bot"] = bot
    message_only = filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(message_only, bot.on_message))
    app.add_handler(CallbackQueryHandler(bot.on_button))
    app.add_handler(InlineQueryHandler(bot.on_inline))
    app.add_error_handler(bot.on_error)
    return app


def tuoyu_bot(app: Application) -> TelegramBot:
    """The handler object behind an Application built here."""
    return app.bot_data["tuoyu_bot"]  # type: ignore[no-any-return]

"""Telegram messages as engine input: what the user did, stripped of Telegram."""

from __future__ import annotations

from telegram import Message, MessageEntity

from bot.engine.types import Inbound, InboundKind

CHANNEL = "telegram"


def chat_key(chat_id: int) -> str:
    return f"{CHANNEL}:{chat_id}"


def _kind_of_media(message: Message) -> str | None:
    """The name the engine uses for content it cannot read, or None for service messages."""
    if message.sticker:
        return "sticker"
    if message.voice or message.audio:
        return "voice"
    if message.video or message.video_note or message.animation:
        return "video"
    if message.document or message.contact or message.poll or message.dice or message.game or message.story:
        return "other"
    return None


def _command_length(message: Message) -> int:
    """Length of a leading bot_command entity; 0 when the text is not a command."""
    entity = next(iter(message.entities), None)
    if entity is None or entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return 0
    return entity.length


def _command(message: Message, length: int, bot_username: str) -> Inbound | None:
    """The command and its arguments; None when it is addressed to another bot (`/help@other_bot`)."""
    text = message.text or ""
    name, _, target = text[1:length].partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return Inbound(InboundKind.COMMAND, text=name.lower(), args=text[length:].strip(), channel=CHANNEL,
                   lang_hint=_lang(message))


def _lang(message: Message) -> str | None:
    return message.from_user.language_code if message.from_user else None


def _mentions(message: Message, bot_username: str) -> bool:
    """True when a group message names the bot or replies to it."""
    reply = message.reply_to_message
    if reply and reply.from_user and (reply.from_user.username or "").lower() == bot_username.lower():
        return True
    mentions = message.parse_entities([MessageEntity.MENTION]).values()
    return any(m[1:].lower() == bot_username.lower() for m in mentions)


def to_inbound(message: Message, bot_username: str) -> Inbound | None:
    """The engine's view of a new message; None means stay silent (not for us, or a service message)."""
    private = message.chat.type == "private"
    if message.text is not None:
        length = _command_length(message)
        if length:
            return _command(message, length, bot_username)
        if not private and not _mentions(message, bot_username):
            return None
        text = message.text.replace(f"@{bot_username}", " ").strip() if not private else message.text
        return Inbound(InboundKind.TEXT, text=text, channel=CHANNEL, lang_hint=_lang(message))
    if not private and not _mentions(message, bot_username):
        return None
    where = message.venue.location if message.venue else message.location
    if where is not None:
        return Inbound(InboundKind.LOCATION, lat=where.latitude, lon=where.longitude, channel=CHANNEL,
                       lang_hint=_lang(message))
    if message.photo:
        return Inbound(InboundKind.PHOTO, attachment=message.photo[-1].file_id, channel=CHANNEL,
                       lang_hint=_lang(message))
    kind = _kind_of_media(message)
    if kind is None:
        return None
    return Inbound(InboundKind.UNSUPPORTED, text=kind, channel=CHANNEL, lang_hint=_lang(message))

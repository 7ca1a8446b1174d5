"""Engine replies as Telegram messages: split plain text, then escape, then attach keyboards.

Keyboards are the Bot API's own JSON (what PTB's markup objects would serialise to), built directly:
they go into the request body as they are, with no objects to build and serialise per message.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from typing import Any

from bot.engine.types import Button, Reply

log = logging.getLogger(__name__)

Markup = dict[str, Any]  # a reply_markup object of the Bot API
REMOVE_KEYBOARD: Markup = {"remove_keyboard": True}

LIMIT = 4096  # Telegram's maximum, counted in UTF-16 code units after entity parsing
CALLBACK_BYTES = 64
SHORT_LABEL = 12  # labels up to this long go two to a row
VENUE_TEXT = 100  # venue titles and addresses are cut here; longer ones only wrap badly on phones


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Plain text in pieces of at most `limit` UTF-16 units, cut at paragraphs, lines or spaces."""
    chunks: list[str] = []
    rest = text.strip() or "…"
    while utf16_len(rest) > limit:
        cut, units = 0, 0
        for i, char in enumerate(rest):  # the longest prefix within the limit
            units += 2 if ord(char) > 0xFFFF else 1
            if units > limit:
                break
            cut = i + 1
        window = rest[:cut]
        best = max(window.rfind("\n\n"), -1)
        for sep in ("\n\n", "\n", " ", "。", "；", "，"):
            best = window.rfind(sep)
            if best > cut // 2:
                break
        end = best + 1 if best > cut // 2 else cut
        chunks.append(rest[:end].rstrip())
        rest = rest[end:].lstrip()
    chunks.append(rest)
    return [c for c in chunks if c]


def inline_keyboard(buttons: list[Button]) -> Markup | None:
    """Buttons whose data fits Telegram's 64 bytes, two short ones to a row."""
    usable = []
    for button in buttons:
        if 0 < len(button.data.encode()) <= CALLBACK_BYTES:
            usable.append({"text": button.label, "callback_data": button.data})
        else:
            log.warning("button %r dropped: callback data must be 1-64 bytes", button.data)
    if not usable:
        return None
    width = 2 if all(len(b["text"]) <= SHORT_LABEL for b in usable) else 1
    return {"inline_keyboard": [usable[i:i + width] for i in range(0, len(usable), width)]}


def location_keyboard(label: str) -> Markup:
    return {"keyboard": [[{"text": label, "request_location": True}]], "resize_keyboard": True,
            "one_time_keyboard": True}


@dataclass
class Outgoing:
    """One sendMessage: HTML text and at most one keyboard."""

    html: str
    markup: Markup | None = None


def to_html(chunk: str, kind: str, first: bool) -> str:
    """Escape a chunk; the first line of an emergency or an answer (its title) in bold."""
    if first and kind in ("emergency", "answer"):
        head, sep, body = chunk.partition("\n")
        return f"<b>{html.escape(head)}</b>{sep}{html.escape(body)}"
    return html.escape(chunk)


@dataclass(frozen=True)
class Venue:
    """One sendVenue: Telegram clients draw it as a map pin with the title and address under it."""

    latitude: float
    longitude: float
    title: str
    address: str


def venues(reply: Reply) -> list[Venue]:
    """Each facility result (WGS-84 point, as Telegram expects) as a venue, numbered like the list."""
    out = []
    for number, card in enumerate(reply.data.get("facilities") or [], int(reply.data.get("offset") or 0) + 1):
        try:
            lat, lon = float(card["lat"]), float(card["lon"])
        except (KeyError, TypeError, ValueError):
            continue
        where = card.get("address") or f"{card.get('district') or ''}{card.get('subdistrict') or ''}" or "兰州"
        if isinstance(card.get("distance_m"), int | float):
            metres = card["distance_m"]
            where += f" · {metres / 1000:.1f} km" if metres >= 1000 else f" · {round(metres, -1):.0f} m"
        out.append(Venue(lat, lon, f"{number}. {card.get('name') or ''}"[:VENUE_TEXT], where[:VENUE_TEXT]))
    return out


def render(reply: Reply) -> list[Outgoing]:
    """The messages for one reply; its buttons go under the last piece."""
    chunks = split_text(reply.text)
    out = [Outgoing(to_html(chunk, reply.kind, i == 0)) for i, chunk in enumerate(chunks)]
    out[-1].markup = inline_keyboard(reply.buttons)
    return out

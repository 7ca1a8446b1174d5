"""WeChat messages and events (parsed by wechatpy) → what the channel does with them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from wechatpy import events, messages

from bot.engine.types import Button, Inbound, InboundKind
from locator.geo import gcj02_to_wgs84

CHANNEL = "wechat"
#: CLICK keys are engine button codes (menu.yaml); anything else is not ours.
KEY = re.compile(r"^[A-Za-z0-9:_.-]{1,64}$")


@dataclass(frozen=True)
class Guide:
    """A scene QR code's payload (`g-<article>[-<ref>]`): the port parses and counts it."""

    payload: str


@dataclass(frozen=True)
class Photo:
    media_id: str


@dataclass(frozen=True)
class Say:
    """A channel reply that needs no engine turn (voice without recognised text)."""

    key: str


Action = Inbound | Guide | Photo | Say


def chat_key(openid: str) -> str:
    return f"{CHANNEL}:{openid}"


def message_key(msg: messages.BaseMessage) -> str:
    """What identifies a delivery across WeChat's retries: MsgId for messages; for events, which have none, the
    sender and time WeChat suggests, plus the event and its key (two menu clicks can share a second)."""
    if msg.id:
        return f"m{msg.id}"
    key = getattr(msg, "key", None) or getattr(msg, "scene_id", None) or ""
    return f"e{msg.source}:{msg.time}:{getattr(msg, 'event', msg.type)}:{key}"[:160]


def convert(msg: messages.BaseMessage) -> Action | None:
    """The action for one delivery; None for what needs no answer (unfollow, periodic location reports, menu
    links that open a page), which WeChat gets `success` for."""
    if isinstance(msg, messages.TextMessage):
        return Inbound.message(msg.content or "", channel=CHANNEL)
    if isinstance(msg, messages.VoiceMessage):
        text = (msg.recognition or "").strip()
        return Inbound.message(text, channel=CHANNEL) if text else Say("wx_voice_unrecognised")
    if isinstance(msg, messages.LocationMessage):
        return _location(msg.location_x, msg.location_y)
    if isinstance(msg, messages.ImageMessage):
        return Photo(msg.media_id) if msg.media_id else Inbound(InboundKind.UNSUPPORTED, text="other", channel=CHANNEL)
    if isinstance(msg, events.SubscribeScanEvent | events.ScanEvent):
        return Guide(msg.scene_id or "")
    if isinstance(msg, events.SubscribeEvent):
        return Inbound(InboundKind.COMMAND, text="start", channel=CHANNEL)
    if isinstance(msg, events.ClickEvent):
        key = (msg.key or "").strip()
        return Inbound(InboundKind.BUTTON, text=key, channel=CHANNEL) if KEY.match(key) else None
    if isinstance(msg, events.BaseEvent) or msg.type == "event":
        return None
    kind = "video" if msg.type in ("video", "shortvideo") else "other"
    return Inbound(InboundKind.UNSUPPORTED, text=kind, channel=CHANNEL)


def opens_window(msg: messages.BaseMessage) -> bool:
    """Whether this delivery is the follower's own action, which opens WeChat's 48-hour customer-service window
    (messages, following, scanning a code, a menu click; not unfollowing or the periodic location report)."""
    return not isinstance(msg, events.UnsubscribeEvent | events.LocationEvent)


def numbered(inbound: Inbound, buttons: list[Button]) -> Inbound:
    """A reply of "2" presses the second button last shown (WeChat text has no buttons)."""
    text = inbound.text.strip()
    if inbound.kind is InboundKind.TEXT and text.isdigit() and 1 <= int(text) <= len(buttons):
        return Inbound(InboundKind.BUTTON, text=buttons[int(text) - 1].data, channel=CHANNEL)
    return inbound


def _location(lat_text: str | None, lon_text: str | None) -> Inbound:
    """WeChat's map gives GCJ-02 (the mainland's offset datum); the finder takes WGS-84."""
    try:
        lat, lon = float(lat_text or ""), float(lon_text or "")
    except ValueError:
        return Inbound(InboundKind.UNSUPPORTED, text="other", channel=CHANNEL)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return Inbound(InboundKind.UNSUPPORTED, text="other", channel=CHANNEL)
    lat, lon = gcj02_to_wgs84(lat, lon)
    return Inbound(InboundKind.LOCATION, lat=lat, lon=lon, channel=CHANNEL)

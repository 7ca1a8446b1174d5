"""Engine replies → WeChat text messages: numbered choices instead of buttons, split under WeChat's size limit."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.engine.types import Button, Reply

#: WeChat takes at most 2,048 bytes of text per message (passive or customer-service); a margin for safety.
LIMIT_BYTES = 2000
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render(replies: list[Reply], t: Callable[[str], str]) -> tuple[list[str], list[Button]]:
    """All replies as one text (WeChat shows one message per passive reply), every button numbered from 1 with a
    hint to answer with the number; then split into parts of at most LIMIT_BYTES."""
    blocks: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        lines = [reply.text.strip()]
        for button in reply.buttons:
            buttons.append(button)
            lines.append(f"{len(buttons)}. {button.label}")
        if reply.request_location:
            lines.append(t("wx_location_hint"))
        blocks.append("\n".join(line for line in lines if line))
    if buttons:
        blocks.append(t("wx_pick_hint"))
    return split("\n\n".join(b for b in blocks if b)), buttons


def split(text: str, limit: int = LIMIT_BYTES) -> list[str]:
    """Parts of at most `limit` UTF-8 bytes, cut at a paragraph, else a line, else a space, else anywhere."""
    text = _NOT_XML.sub("", text).strip()
    parts: list[str] = []
    while len(text.encode()) > limit:
        head = text.encode()[:limit].decode("utf-8", "ignore")
        cut = max(head.rfind("\n\n"), 0) or max(head.rfind("\n"), 0) or max(head.rfind(" "), 0) or len(head)
        parts.append(head[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts or [""]


def cdata_safe(text: str) -> str:
    """Text for a CDATA section (wechatpy writes `<![CDATA[...]]>` as it is): a `]]>` inside is split in two."""
    return text.replace("]]>", "]]]]><![CDATA[>")

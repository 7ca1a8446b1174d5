"""A reply's text as blocks the chat page draws with DOM nodes (never as HTML): headline, paragraphs, lists,
the red-flag box, the general-guidance note and the one-line sources with a link to the guide page.

The engine writes plain text for every channel (bot/engine/render.py: paragraphs split by blank lines, "- "
bullets, a red-flag paragraph opened by `answer_red_flags` with "· " items, `answer_general`, and a sources line
ending in "详情 <guide link>"); the page gets the same reply with its shape spelled out.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine.types import Reply
from bot.i18n import Catalog

BULLET = re.compile(r"^\s*[-·•]\s+")
#: The sources line's end: "详情 http://host/guide/<id>[?lang=en]" (render.sources_line).
DETAILS = re.compile(r"\s*·?\s*(\S+)\s+https?://\S+?/guide/([A-Za-z0-9_.-]+)(\?lang=en)?\s*$")
#: Numbers an emergency reply tells the parent to call, in the order the text names them.
CALLS = re.compile(r"(?<!\d)(120|110|12356|12320)(?!\d)")


class Words:
    """The engine's fixed phrases, in every language, that mark a reply's parts."""

    def __init__(self, catalog: Catalog) -> None:
        self.red_flags = {catalog.get("answer_red_flags", lang) for lang in catalog.messages}
        self.general = {catalog.get("answer_general", lang) for lang in catalog.messages}


def blocks(reply: Reply, words: Words) -> list[dict[str, Any]]:
    """The reply's text as a list of `{"type": ..., ...}` blocks, in reading order."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", reply.text.strip()) if p.strip()]
    headed = reply.kind == "emergency" or reply.article is not None  # an article's title, an emergency's call
    out: list[dict[str, Any]] = []
    for n, paragraph in enumerate(paragraphs):
        lines = paragraph.split("\n")
        if lines[0].strip() in words.red_flags:
            items = [_item(x) for x in lines[1:] if x.strip()]
            out.append({"type": "flags", "title": lines[0].strip(), "items": items})
        elif paragraph.strip() in words.general:
            out.append({"type": "note", "text": paragraph.strip()})
        elif n == len(paragraphs) - 1 and reply.article and (sources := _sources(paragraph)):
            out.append(sources)
        else:
            out.extend(_body(lines, head=n == 0 and headed))
    if reply.kind == "emergency" and out and out[0]["type"] == "head":
        calls = list(dict.fromkeys(CALLS.findall(out[0]["text"])))
        if calls:
            out.insert(1, {"type": "calls", "numbers": calls})
    return out


def _item(line: str) -> str:
    return BULLET.sub("", line, count=1).strip()


def _body(lines: list[str], head: bool) -> list[dict[str, Any]]:
    """Runs of bullet lines become lists, other runs paragraphs; a first paragraph's first line is the headline
    when more follows it."""
    out: list[dict[str, Any]] = []
    text: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if text:
            out.append({"type": "p", "text": "\n".join(text)})
            text.clear()
        if items:
            out.append({"type": "list", "items": list(items)})
            items.clear()

    for i, line in enumerate(lines):
        if head and i == 0 and not BULLET.match(line):
            out.append({"type": "head", "text": line.strip()})
        elif BULLET.match(line):
            if text:
                flush()
            items.append(_item(line))
        elif line.strip():
            if items:
                flush()
            text.append(line.strip())
    flush()
    return out


def _sources(paragraph: str) -> dict[str, Any] | None:
    """The sources line without its address, and the guide page's path to link from the "details" word."""
    if "\n" in paragraph:
        return None
    match = DETAILS.search(paragraph)
    if match is None:
        return None
    link = f"/guide/{match.group(2)}" + ("?lang=en" if match.group(3) else "")
    return {"type": "sources", "text": paragraph[:match.start()].strip(), "label": match.group(1), "link": link}

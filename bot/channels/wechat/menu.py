"""The custom menu (menu.yaml) in the form WeChat's menu/create takes, checked against WeChat's limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.channels.wechat.convert import KEY

MENU = Path(__file__).with_name("menu.yaml")
#: WeChat's limits: 3 entries of at most 16 bytes, each with at most 5 sub-entries of at most 60 bytes.
TOP, SUB, TOP_BYTES, SUB_BYTES = 3, 5, 16, 60


class MenuError(ValueError):
    """The menu file breaks one of WeChat's rules or names a key the engine does not route."""


def load(path: Path = MENU) -> dict[str, Any]:
    """{"button": [...]} with every leaf a `click` entry, ready for menu/create."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("button") or []
    if not 1 <= len(entries) <= TOP:
        raise MenuError(f"{path}: 1 to {TOP} top-level entries, not {len(entries)}")
    return {"button": [_entry(e, TOP_BYTES, top=True) for e in entries]}


def _entry(entry: dict[str, Any], name_bytes: int, *, top: bool) -> dict[str, Any]:
    name = str(entry.get("name", ""))
    if not name or len(name.encode()) > name_bytes:
        raise MenuError(f"menu name {name!r}: 1 to {name_bytes} bytes")
    if top and "sub_button" in entry:
        subs = entry["sub_button"] or []
        if not 1 <= len(subs) <= SUB:
            raise MenuError(f"{name}: 1 to {SUB} sub-entries, not {len(subs)}")
        return {"name": name, "sub_button": [_entry(s, SUB_BYTES, top=False) for s in subs]}
    key = str(entry.get("key", ""))
    if not KEY.match(key) or not key.startswith(("cmd:", "lang:")):
        raise MenuError(f"{name}: key {key!r} is not a cmd:<command> or lang:<code> button code")
    return {"type": "click", "name": name, "key": key}

"""Message catalogs (zh-CN first, English second) loaded from reviewed YAML files."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGS = ("zh", "en")
MESSAGES = Path(__file__).with_name("messages")


def normalize_lang(code: str | None) -> str:
    """Map a client language code (zh-hans, en-US, ...) to one we speak; Chinese by default."""
    if code and code.lower().startswith("en"):
        return "en"
    return "zh"


_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{2,}")


def written_language(text: str) -> str | None:
    """The language a message is plainly written in, or None when it is too short or mixed to tell.

    English needs a few words (a Chinese parent's "ok" or "B超" stays Chinese); a place name in
    characters inside an English sentence ("… near 西关十字") is still English.
    """
    han, words = len(_HAN.findall(text)), len(_WORD.findall(text))
    if (words >= 2 and han == 0) or (words >= 4 and han <= 2 * words // 3):
        return "en"
    if han >= 2 and words <= 1:
        return "zh"
    return None


class Catalog:
    """Looks up `key` in a language, falling back to Chinese, formatting `{name}` fields."""

    def __init__(self, messages: dict[str, dict[str, Any]]) -> None:
        self.messages = messages

    @classmethod
    def load(cls, folder: Path = MESSAGES) -> Catalog:
        """Merge every `<area>.<lang>.yaml` in `folder` into one catalog per language."""
        merged: dict[str, dict[str, Any]] = {lang: {} for lang in LANGS}
        for path in sorted(folder.glob("*.yaml")):
            lang = path.stem.rsplit(".", 1)[-1]
            if lang in merged:
                merged[lang].update(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {})
        return cls(merged)

    def get(self, key: str, lang: str = "zh", **values: object) -> str:
        raw = self.messages.get(lang, {}).get(key) or self.messages["zh"].get(key)
        if raw is None:
            raise KeyError(f"message {key!r} missing from the catalogs")
        return str(raw).format(**values) if values else str(raw)

    def keys(self, lang: str) -> set[str]:
        return set(self.messages.get(lang, {}))


@cache
def default_catalog() -> Catalog:
    return Catalog.load()

"""Catch a child in danger before anything else; the patterns live in data/emergency.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from knowledge.memo import Recent
from knowledge.normalize import fold, load_yaml

_SPACES = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


@dataclass(frozen=True)
class Emergency:
    category: str  # e.g. "not_breathing", "abuse"; the message catalog has its first steps
    call: str  # "120" or "110"


class EmergencyDetector:
    """Regular expressions per category, tested on folded text; the first category wins."""

    def __init__(self, table: dict) -> None:
        self.now = re.compile(table["now"])
        self.unless = re.compile(table["unless"])
        self.categories = [
            (name, str(spec["call"]), re.compile("|".join(f"(?:{p})" for p in spec["patterns"])))
            for name, spec in table["categories"].items()
        ]
        self._detected: Recent[Emergency | None] = Recent()

    @classmethod
    @cache
    def default(cls) -> EmergencyDetector:
        return cls(load_yaml("emergency.yaml"))

    def detect(self, text: str) -> Emergency | None:
        """The emergency in `text`, or None. A general question about a topic is not one."""
        return self._detected(text, self._detect)

    def _detect(self, text: str) -> Emergency | None:
        folded = fold(text)
        squeezed = _SPACES.sub("", folded)  # "宝 宝 抽 搐" is still a convulsion
        texts = (folded,) if squeezed == folded else (folded, squeezed)
        for name, call, pattern in self.categories:
            if any(pattern.search(t) for t in texts):
                if self.unless.search(folded) and not self.now.search(folded):
                    continue
                return Emergency(name, call)
        return None

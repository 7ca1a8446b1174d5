"""Catch a child (or a parent) in danger before anything else; the patterns live in data/emergency.yaml.

A danger sign counts where the parent describes it, however the question ends ("…会是什么原因",
"…怎么急救", "…会怎么样"). It does not count where the words around that one mention say it is not
happening: prevented ("怎么预防误吞电池"), feared or asked about as a risk ("打疫苗后会抽搐吗"),
denied ("没发烧"), past ("以前抽过"), or named in the abstract ("热性惊厥是什么").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from knowledge.memo import Recent
from knowledge.normalize import fold, load_yaml

_SPACES = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_TERM = re.compile(r"\{([a-z_]+)\}")
_CLAUSE = re.compile(r"[，。！？；,!?;\n]")
TIERS = ("call", "doctor", "crisis")


@dataclass(frozen=True)
class Emergency:
    category: str  # e.g. "not_breathing", "infant_fever"; the message catalog has its first steps
    call: str  # the number the reply names first: "120" or "110"
    tier: str = "call"  # "call": phone now; "doctor": go to a hospital now; "crisis": a parent at risk

    @property
    def header(self) -> str:
        """The catalog key of the reply's first line."""
        return "emergency_header" if self.tier == "call" else f"emergency_header_{self.tier}"


@dataclass(frozen=True)
class _Category:
    name: str
    call: str
    tier: str
    rules: tuple[tuple[re.Pattern[str], ...], ...]  # any rule fires when all of its patterns hold
    unless: re.Pattern[str] | None  # whole-message exceptions ("胎便" is not black stool)
    guarded: bool  # hearsay ("看到新闻说…") may suppress it; never for the highest-risk classes
    feared: bool  # a fear is the sign itself ("怕自己会伤害孩子"): words of fear do not frame it as a risk


class EmergencyDetector:
    """Categories of danger signs tested on folded text, in order; the first that holds wins."""

    def __init__(self, table: dict) -> None:
        terms: dict[str, str] = {}
        for name, pattern in table.get("terms", {}).items():
            terms[name] = self._expand(str(pattern), terms)
        frames = table["frames"]
        # A frame ends right where the mention starts (or begins right after it), inside one clause.
        self._before = re.compile(f"(?:{self._expand(frames['before'], terms)})$")
        self._adult = re.compile(f"(?:{frames['adult']})$")
        self._after = re.compile(f"^(?:{self._expand(frames['after'], terms)})")
        self._inside = re.compile(frames["inside"])
        self._hearsay = re.compile(frames["hearsay"])
        self._fear = re.compile(f"(?:{frames.get('fear', '(?!)')})")
        self.categories = [
            _Category(
                name=name,
                call=str(spec["call"]),
                tier=str(spec.get("tier", "call")),
                rules=tuple(tuple(re.compile(self._expand(p, terms)) for p in self._parts(rule))
                            for rule in spec["patterns"]),
                unless=re.compile(spec["unless"]) if spec.get("unless") else None,
                guarded=not spec.get("always", False),
                feared=bool(spec.get("feared", False)),
            )
            for name, spec in table["categories"].items()
        ]
        unknown = {c.tier for c in self.categories} - set(TIERS)
        if unknown:
            raise ValueError(f"emergency.yaml: unknown tier {sorted(unknown)}")
        self._detected: Recent[Emergency | None] = Recent()

    @staticmethod
    def _expand(pattern: str, terms: dict[str, str]) -> str:
        """`{young}` → the `young` term's expression (regex quantifiers like {0,6} are digits, untouched)."""
        return _TERM.sub(lambda m: f"(?:{terms[m.group(1)]})", pattern)

    @staticmethod
    def _parts(rule: str | list[str]) -> Iterable[str]:
        return [rule] if isinstance(rule, str) else rule

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
        hearsay = bool(self._hearsay.search(folded))
        for category in self.categories:
            if category.guarded and hearsay:
                continue
            if category.unless and category.unless.search(folded):
                continue
            if any(all(self._present(p, t, category) for p in rule) for rule in category.rules for t in texts):
                return Emergency(category.name, category.call, category.tier)
        return None

    def _present(self, pattern: re.Pattern[str], text: str, category: _Category) -> bool:
        """Some mention of `pattern` in `text` describes a sign the child has, not one prevented,
        feared, denied, past or defined (by the words before it, after it, or inside a long one),
        nor, for the ordinary signs, an adult's ("妈妈发烧"). Where the fear is the sign (a parent
        afraid of harming the baby), words of fear frame nothing."""
        for match in pattern.finditer(text):
            before = _CLAUSE.split(text[max(0, match.start() - 24):match.start()])[-1]
            after = _CLAUSE.split(text[match.end():match.end() + 24])[0]
            framed = (self._frame(self._before.search(before), category) or self._after.search(after)
                      or self._frame(self._inside.search(match.group()), category)
                      or (category.guarded and self._adult.search(before + match.group() + after)))
            if not framed:
                return True
        return False

    def _frame(self, found: re.Match[str] | None, category: _Category) -> bool:
        """A frame found around a mention counts, unless it is a fear and the category's sign is one."""
        return found is not None and not (category.feared and self._fear.match(found.group()))

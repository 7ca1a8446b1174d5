"""Fold parents' text into one canonical form: NFKC, simplified Chinese, digits, synonyms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path

import yaml

from knowledge.memo import Recent

DATA = Path(__file__).with_name("data")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+(?=[个岁天周年月日次针小分毫斤公克度])")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")
_NON_WORD = re.compile(r"[^\w%:.]+")
_DOTS = re.compile(r"(?<!\d)[.:]|[.:](?!\d)")


def load_yaml(name: str) -> dict:
    """A data file from knowledge/data."""
    return yaml.load((DATA / name).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}


def cn_to_int(text: str) -> int | None:
    """三 → 3, 十五 → 15, 二十四 → 24, 一百 → 100; None when it is not a plain number."""
    if text and all(c in _CN_DIGITS for c in text):
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _digits(match: re.Match[str]) -> str:
    value = cn_to_int(match.group(0))
    return match.group(0) if value is None else str(value)


_T2S: dict[int, str] = {}


def t2s_table() -> dict[int, str]:
    """Traditional → simplified, character by character, from zhconv's zh-CN dictionary.

    Loading zhconv's JSON costs ~0.2 s; the knowledge index pickles this table and hands it back
    through `use_t2s`, so a warm start never loads zhconv at all.
    """
    if not _T2S:
        from zhconv import zhconv
        table = zhconv.getdict("zh-cn")
        _T2S.update({ord(k): v for k, v in table.items() if len(k) == 1 and len(v) == 1})
    return _T2S


def use_t2s(table: dict[int, str]) -> None:
    """Adopt a table built earlier (from the knowledge cache)."""
    if not _T2S:
        _T2S.update(table)


def fold(text: str) -> str:
    """NFKC, lower case, invisible characters removed, traditional → simplified, 三个月 → 3个月, 发烧378 → 发烧37.8."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).lower()
    if any("\u4e00" <= c <= "\u9fff" for c in text):
        text = text.translate(t2s_table())
    return readable_temperatures(_CN_NUMBER.sub(_digits, text))


#: A body temperature typed without its decimal point ("烧到385", "体温37度8"): three digits 350–429 next to a
#: fever word or a degree sign, or "NN度D".
_TEMPERATURE_WORDS = r"(烧|热|体温|温度|腋温|耳温|肛温|额温|量了|测了|fever|temp)"
_AFTER_WORD = re.compile(rf"({_TEMPERATURE_WORDS}[^0-9，。,]{{0,3}})(3[5-9]|4[0-2])([0-9])(?![0-9.])")
_BEFORE_DEGREE = re.compile(r"(?<![0-9.])(3[5-9]|4[0-2])([0-9])(?=\s*(度|℃|°))")
_DEGREE_THEN_TENTH = re.compile(r"(?<![0-9.])(3[5-9]|4[0-2])度([1-9])(?![0-9])")


def readable_temperatures(text: str) -> str:
    """Body temperatures as numbers with their decimal point, so rules and retrieval read 37.8 however typed."""
    text = _DEGREE_THEN_TENTH.sub(r"\1.\2度", text)
    text = _AFTER_WORD.sub(r"\1\3.\4", text)
    return _BEFORE_DEGREE.sub(r"\1.\2", text)


def _wordish(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _edges_ok(text: str, start: int, end: int) -> bool:
    """No Latin word or number runs on across either end of text[start:end]."""
    return (not (start and _wordish(text[start]) and _wordish(text[start - 1]))
            and not (end < len(text) and _wordish(text[end - 1]) and _wordish(text[end])))


class LongestMatch:
    """Leftmost-longest matching of many phrases by dictionary look-up.

    A regular expression of a thousand alternatives takes long to compile at every start-up;
    a set of phrases and a scan over at most `longest` characters per position does not.
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = frozenset(p for p in phrases if p)
        # Per first character, the phrase lengths to try, longest first: most positions start no phrase.
        lengths: dict[str, set[int]] = {}
        for phrase in self.phrases:
            lengths.setdefault(phrase[0], set()).add(len(phrase))
        self.lengths = {char: sorted(found, reverse=True) for char, found in lengths.items()}

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of each match, left to right, longest first, not overlapping.

        A phrase that begins or ends with a Latin letter or digit matches only at a word edge there:
        "son" is not in "poisoning", "kid" not in "kidney", "3个月" not in "13个月".
        """
        i, n = 0, len(text)
        phrases, by_char = self.phrases, self.lengths
        while i < n:
            for length in by_char.get(text[i], ()):
                end = i + length
                if end <= n and text[i:end] in phrases and _edges_ok(text, i, end):
                    yield i, end
                    i = end
                    break
            else:
                i += 1

    def sub(self, text: str, replace: Callable[[str], str]) -> str:
        out, last = [], 0
        for start, end in self.spans(text):
            out += [text[last:start], replace(text[start:end])]
            last = end
        return "".join(out) + text[last:] if out else text

    def findall(self, text: str) -> list[str]:
        return [text[start:end] for start, end in self.spans(text)]


class Rewriter:
    """Replaces any of many phrases by a target in one left-to-right, longest-first pass."""

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self.mapping = {k: v for k, v in mapping.items() if k}
        self.matcher = LongestMatch(self.mapping)

    def __call__(self, text: str) -> str:
        return self.matcher.sub(text, self.mapping.__getitem__)


def synonym_map(table: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """{canonical: [variants]} → {variant or canonical: canonical}, keys folded."""
    mapping: dict[str, str] = {}
    for canonical, variants in table.items():
        target = fold(str(canonical))
        mapping[target] = target
        for variant in variants or []:
            mapping.setdefault(fold(str(variant)), target)
    return mapping


class Normalizer:
    """fold → fillers out → punctuation to spaces → synonyms to canonical terms."""

    def __init__(self, fillers: Iterable[str], synonyms: Mapping[str, str],
                 frames: Iterable[str] = (), frames_en: Iterable[str] = ()) -> None:
        self.fillers = Rewriter({fold(f): " " for f in fillers})
        self.synonyms = Rewriter(synonyms)
        self.frames = Rewriter({fold(f): " " for f in frames})
        self.frames_en = re.compile(r"\b(?:" + "|".join(map(re.escape, frames_en)) + r")\b") if frames_en else None
        self._cleaned: Recent[str] = Recent()

    @classmethod
    @cache
    def default(cls) -> Normalizer:
        fillers = load_yaml("fillers.yaml")
        synonyms = load_yaml("synonyms.yaml")
        table = {**synonyms.get("zh", {}), **synonyms.get("en", {})}
        return cls([*fillers.get("zh", []), *fillers.get("en", [])], synonym_map(table),
                   fillers.get("frames", []), fillers.get("frames_en", []))

    def clean(self, text: str) -> str:
        """Folded text with fillers and punctuation removed, synonyms not yet applied."""
        return self._cleaned(text, self._clean)

    def _clean(self, text: str) -> str:
        text = self.fillers(fold(text))
        text = _DOTS.sub(" ", _NON_WORD.sub(" ", text))
        return " ".join(text.split())

    def __call__(self, text: str) -> str:
        return self.synonyms(self.clean(text))

    def content(self, text: str) -> str:
        """Canonical text without question frames: only what the question is about."""
        text = self.frames(self(text))
        if self.frames_en is not None:
            text = self.frames_en.sub(" ", text)
        return " ".join(text.split())

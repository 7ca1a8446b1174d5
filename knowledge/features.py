"""Turn normalised text into weighted features: Chinese has no spaces, so no single tokeniser fits.

A feature is a string with a kind prefix: `b:` character bigram, `u:` single character, `t:` a
domain term found by longest match, `n:` an age or duration (3个月, 2岁), `w:` a Latin word or
number, `p:` a pinyin bigram (typo and homophone tolerance: 产价 and 产假 share `p:chan jia`).
`benchmarks/qa.py` compares the mixes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from knowledge.normalize import LongestMatch

_CJK = re.compile(r"[\u3400-\u9fff]+")
_AGE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(个月|月龄|月大|月|周岁|岁半|岁|周|天|-?months?|-?mos?\b|-?years?|-?yrs?\b|-?weeks?|-?days?)"
)
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
               "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "thirty": 30}
_EN_NUMBER = re.compile(r"\b(" + "|".join(_EN_NUMBERS) + r")\b(?=[ -]?(months?|years?|weeks?|days?))")
_LATIN = re.compile(r"[a-z0-9][a-z0-9%:.]*")
#: Characters too common in questions to mean anything on their own.
STOP_CHARS = frozenset("的了吗呢吧啊呀么是在有我你他她它们这那个和与及或也都就还要会能可以怎么什么多少几")

#: Particles and adverbs that glue phrases: a bigram with one of them ("准是", "的话", "天都") says nothing.
FUNCTION_CHARS = frozenset("的了吗呢吧啊呀么是都也就还")

KIND_WEIGHTS = {"n": 0.8, "t": 1.6, "b": 1.0, "w": 1.0, "u": 0.2, "p": 0.3}

_PINYIN_SYLLABLE = re.compile(
    r"^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|"
    r"ai|ei|ao|ou|an|en|in|un|vn|ia|ie|iu|ua|uo|ui|ue|ve|er|a|o|e|i|u|v)(ng|n|r)?$"
)


@cache
def _pinyin_table() -> dict[int, str]:
    """pypinyin's character table alone: importing the package would also load its 170 ms phrase table."""
    import importlib.util

    spec = importlib.util.find_spec("pypinyin")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.py"
    module_spec = importlib.util.spec_from_file_location("_tuoyu_pinyin_dict", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.pinyin_dict


@cache
def char_pinyin(char: str) -> str:
    """The first toneless reading of a character ('' when unknown)."""
    import unicodedata

    raw = _pinyin_table().get(ord(char), "")
    first = raw.split(",", 1)[0]
    return "".join(c for c in unicodedata.normalize("NFD", first) if c.isascii())


def is_pinyin(word: str) -> bool:
    return bool(_PINYIN_SYLLABLE.match(word))


class Featurizer:
    """Features of a normalised string, given the domain terms to match whole."""

    def __init__(self, terms: Iterable[str], pinyin: bool = True) -> None:
        # Ages and other numbers are `n:` features; as terms they would count twice.
        ordered = sorted({t for t in terms if len(t) >= 2 and not any(c.isdigit() for c in t)}, key=len, reverse=True)
        self.terms = LongestMatch(ordered) if ordered else None
        self.pinyin = pinyin

    def __call__(self, text: str) -> set[str]:
        text = _EN_NUMBER.sub(lambda m: str(_EN_NUMBERS[m.group(1)]), text)
        feats: set[str] = {"n:" + _age(m) for m in _AGE.finditer(text)}
        for run in _CJK.findall(self._without_terms(text, feats)):
            feats.update("u:" + c for c in run if c not in STOP_CHARS)
            feats.update("b:" + run[i : i + 2] for i in range(len(run) - 1)
                         if run[i] not in FUNCTION_CHARS and run[i + 1] not in FUNCTION_CHARS)
            if self.pinyin:
                sounds = [char_pinyin(c) if c not in FUNCTION_CHARS else "" for c in run]
                feats.update(f"p:{a} {b}" for a, b in itertools.pairwise(sounds) if a and b)
        latin = _LATIN.findall(_AGE.sub(r" \2", text))  # an age's number is its n: feature, not a word as well
        feats.update("w:" + w for w in latin)
        if self.pinyin:
            syllables = [w for w in latin if is_pinyin(w)]
            feats.update(f"p:{a} {b}" for a, b in itertools.pairwise(syllables))
        return feats

    def _without_terms(self, text: str, feats: set[str]) -> str:
        """Add the domain terms found in `text` and return the text with them cut out.

        A term stands for itself only: 护理假 (paternity leave) must not also match 护理 (care).
        """
        if self.terms is None:
            return text
        found = self.terms.findall(text)
        feats.update("t:" + term for term in found)
        return self.terms.sub(text, lambda _: " ") if found else text


def _age(match: re.Match[str]) -> str:
    """One spelling per age, in months under 7 years: 1岁半 = 18个月 = 18 months, 3岁 = 36个月."""
    value, unit = float(match.group(1)), match.group(2).lstrip("-")
    if unit.startswith(("year", "yr")) or unit in ("岁", "周岁", "岁半"):
        value = value * 12 + (6 if unit == "岁半" else 0)
        unit = "个月" if value < 84 else "岁"
        value = value if unit == "个月" else value / 12
    elif unit.startswith(("month", "mo")) or unit in ("月龄", "月大", "月"):
        unit = "个月"
    elif unit.startswith("week"):
        unit = "周"
    elif unit.startswith("day"):
        unit = "天"
    return f"{value:g}{unit}"


def weight_of_kind(feature: str) -> float:
    return KIND_WEIGHTS.get(feature[0], 1.0)

"""What a family's message already says: care type, child's age in months, and a place."""

from __future__ import annotations

import re
from dataclasses import dataclass

from locator.gazetteer import Gazetteer, Match, fold, mask_place_words

_CARE = (
    ("half_day", re.compile(r"半日托|半托|半天|半日|half[\s-]?day")),
    ("full_day", re.compile(r"全日托|全托|全天|全日|整天|full[\s-]?day|all[\s-]day")),
    ("hourly", re.compile(r"计时托|计时|钟点|按小时|小时托|hourly|by the hour")),
    ("temporary", re.compile(r"临时托|临时|temporary|occasional|drop[\s-]?in|emergency care")),
)
_CN = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
       "十一": 11, "十二": 12, "十八": 18, "二十": 20, "二十四": 24, "三十": 30, "三十六": 36}
_NUM = r"(\d+(?:\.\d+)?|十八|十[一二]?|二十四?|三十六?|[一两二三四五六七八九])"
_HALF_YEAR = re.compile(_NUM + r"\s*岁半")
_MONTHS = re.compile(_NUM + r"\s*(?:个)?\s*(?:多)?\s*(?:月|months?\b|mos?\b|-month)")
_YEARS = re.compile(_NUM + r"\s*(?:周岁|岁|years?\b|yrs?\b|-year)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ADDRESS = re.compile(r"[\u4e00-\u9fff0-9]+")
SKIP = re.compile(r"^(不限|都可以|都行|随便|无所谓|任意|全部|any|anything|skip|no preference|all|不知道)$")
MAX_AGE = 72


def _number(raw: str) -> float:
    return float(raw) if raw[0].isdigit() else float(_CN[raw])


def care_type(text: str) -> str | None:
    """The care type named in the text (全日托 full_day, 半日托 half_day, 计时托 hourly, 临时托 temporary)."""
    folded = fold(text)
    for code, pattern in _CARE:
        if pattern.search(folded):
            return code
    return None


def age_months(text: str) -> int | None:
    """The child's age in months: "14个月", "14-month-old", "一岁半" → 18, "2 years" → 24; None if absent."""
    folded = fold(text)
    raw = text.lower()
    if "半岁" in raw:
        return 6
    for source in (raw, folded):
        if m := _HALF_YEAR.search(source):
            value = _number(m[1]) * 12 + 6
        elif m := _MONTHS.search(source):
            value = _number(m[1])
        elif m := _YEARS.search(source):
            value = _number(m[1]) * 12
        else:
            continue
        return round(value) if 0 <= value <= MAX_AGE else None
    return None


@dataclass(frozen=True)
class Request:
    """`place` when the text names one place; `choices` when it names several equally well (ask which)."""

    care_type: str | None
    age_months: int | None
    place: Match | None
    choices: tuple[Match, ...] = ()


def parse_request(text: str, gazetteer: Gazetteer | None = None, *, place: bool = True) -> Request:
    """Everything the message already answers, so the finder can skip those questions (the place from the
    gazetteer only unless `place` is False: the finder asks FacilityService.locate, which may go online)."""
    gaz = gazetteer or Gazetteer.default()
    found = gaz.candidates(text) if place and text.strip() else []
    return Request(care_type(text), age_months(text), found[0] if len(found) == 1 else None,
                   tuple(found) if len(found) > 1 else ())


def place_text(text: str) -> str:
    """What is left of a message for a geocoder once the care type, the age and the place words are taken out:
    "帮我找雁滩万达附近的全日托，孩子14个月" → "雁滩万达"; empty when no Chinese is left."""
    folded = fold(text)
    for _, pattern in _CARE:
        folded = pattern.sub(" ", folded)
    for pattern in (_HALF_YEAR, _MONTHS, _YEARS):
        folded = pattern.sub(" ", folded)
    # Chinese and numbers only (an online geocoder reads Chinese addresses; Latin names are the gazetteer's)
    kept = "".join(_ADDRESS.findall(mask_place_words(folded.replace("半岁", "  "))))
    return kept if _CJK.search(kept) else ""


def is_skip(text: str) -> bool:
    """"不限", "any", ...: the family has no preference."""
    return bool(SKIP.match(fold(text)))

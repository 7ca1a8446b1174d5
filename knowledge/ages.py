"""The child's age as a parent states it ("宝宝8个月", "一岁半", "my 2-year-old"), in months.

Only a plain statement about a child counts: bounds ("3个月以下", "under 6 months"), ranges ("3–6个月"),
durations ("发烧3天") and grown-ups' ages are not the child's age. When a message names two different
ages (two children), none is returned: red flags are then shown for every age, the safe side.
"""

from __future__ import annotations

import re

from knowledge.normalize import fold

#: A number with an age unit; `天`/`周` only as "N天大" / "出生N天" (otherwise they are durations).
_AGE = re.compile(
    r"(?<![\d.\-–~到至])(出生)?(\d+(?:\.\d+)?)\s*"
    r"(个半月|个月|月龄|月大|月(?![份号日底初中])|周岁|岁半|岁|周大|天大|天|周"
    r"|-?months?(?:-old)?|-?mos?\b|-?years?(?:-old)?|-?yrs?\b|-?weeks?[ -]old|-?days?[ -]old)"
)
#: After the age: it is a bound or a range ("以下", "到6个月"), not the child's age.
_BOUND_AFTER = re.compile(r"^\s*(以下|以内|以上|之内|之前|之后|内|前|左右|[-–~到至]\s*\d)")
#: Before the age (English): a bound.
_BOUND_BEFORE = re.compile(r"(under|below|over|above|than|before|after|from|to|between|and|up to)\s*$")
_CHILD = re.compile(r"宝|孩|娃|儿子|女儿|闺女|儿童|婴|幼儿|小朋友|baby|babies|child|son|daughter|toddler|kid|infant|"
                    r"newborn|\bold\b|\bboy\b|\bgirl\b")
_HALF_YEAR = re.compile(r"(?<![\d一二两三四五六七八九十])半岁")
MAX_MONTHS = 72  # older is not a child in our scope (and "我30岁" is a parent)


def child_age_months(text: str) -> float | None:
    """The one age a message gives its child, in months; None when it gives none or several."""
    folded = fold(text)
    if not _CHILD.search(folded):
        return None
    ages = {0.5 * 12} if _HALF_YEAR.search(folded) else set()
    for match in _AGE.finditer(folded):
        if _BOUND_AFTER.match(folded[match.end():]) or _BOUND_BEFORE.search(folded[:match.start()]):
            continue
        unit = match.group(3).lstrip("-")
        if unit in ("天", "周") and not match.group(1):
            continue  # "发烧3天" is how long, "出生3天" how old
        months = _months(float(match.group(2)), unit)
        if months < MAX_MONTHS:
            ages.add(months)
    return ages.pop() if len(ages) == 1 else None


def _months(value: float, unit: str) -> float:
    if unit.startswith(("year", "yr")) or unit in ("岁", "周岁"):
        return value * 12
    if unit == "岁半":
        return value * 12 + 6
    if unit == "个半月":
        return value + 0.5
    if unit.startswith("week") or unit in ("周大", "周"):
        return round(value * 7 / 30.4, 2)
    if unit.startswith("day") or unit in ("天大", "天"):
        return round(value / 30.4, 2)
    return value

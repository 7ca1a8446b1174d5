"""The child's age in a parent's message: what counts, and what is a bound, a range or a duration."""

from __future__ import annotations

import pytest

from knowledge.ages import child_age_months


@pytest.mark.parametrize(("text", "months"), [
    ("宝宝8个月发烧怎么办", 8),
    ("两岁的孩子咳嗽", 24),
    ("一岁半的娃还不会说话", 18),
    ("宝宝半岁了能吃什么", 6),
    ("宝宝三个半月夜醒", 3.5),
    ("宝宝2月龄打什么疫苗", 2),
    ("my 2-year-old has a fever", 24),
    ("baby is 8 months old and has diarrhoea", 8),
])
def test_stated_ages(text: str, months: float) -> None:
    assert child_age_months(text) == months


def test_newborn_days_and_weeks_are_ages_only_when_said_as_ages() -> None:
    assert child_age_months("出生10天的宝宝黄疸") == pytest.approx(10 / 30.4, abs=0.01)
    assert child_age_months("my 6 week old baby") == pytest.approx(6 * 7 / 30.4, abs=0.01)
    assert child_age_months("宝宝发烧3天了") is None  # how long, not how old


@pytest.mark.parametrize("text", [
    "3个月以下宝宝发烧怎么办",  # a bound
    "baby under 6 months with a fever",
    "宝宝3-6个月吃什么",  # a range
    "大宝3岁，二宝5个月，都咳嗽",  # two children: no one age
    "我30岁，宝宝发烧了",  # a parent's age
    "产假6个月吗",  # no child
    "宝宝3月份打疫苗",  # a month of the year
])
def test_not_the_childs_age(text: str) -> None:
    assert child_age_months(text) is None

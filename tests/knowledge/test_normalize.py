"""Normalisation folds what parents type into one canonical form."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.normalize import Normalizer, cn_to_int, fold, readable_temperatures


@pytest.mark.parametrize(("raw", "expected"), [
    ("産假有幾天？", "产假有几天"),
    ("ＡＢＣ１２３", "abc123"),
    ("怀孕三个月", "怀孕3个月"),
    ("十五天", "15天"),
    ("宝宝二十四个月", "宝宝24个月"),
    ("a\u200bb", "ab"),
])
def test_fold(raw: str, expected: str) -> None:
    assert fold(raw).replace("？", "").replace("?", "") == expected


@pytest.mark.parametrize(("raw", "value"), [("三", 3), ("十", 10), ("十五", 15), ("二十四", 24), ("一百", 100),
                                            ("两", 2), ("三六", 36)])
def test_chinese_numbers(raw: str, value: int) -> None:
    assert cn_to_int(raw) == value


@pytest.mark.parametrize(("raw", "expected"), [
    ("我老公能休陪产假吗", "护理假"),
    ("男方假几天", "护理假"),
    ("宝宝拉肚子", "腹泻"),
    ("托儿所", "托育机构"),
    ("早教托班", "托育机构"),
    ("红屁股怎么办", "尿布疹"),
    ("产价多少天", "产假"),
])
def test_synonyms_map_to_canonical_terms(raw: str, expected: str) -> None:
    assert expected in Normalizer.default()(raw)


def test_fillers_are_removed() -> None:
    text = Normalizer.default()("病情描述：医生你好，宝宝拉肚子三天了。想得到怎样的帮助：怎么办？谢谢")
    assert "病情描述" not in text and "医生你好" not in text and "谢谢" not in text
    assert "腹泻" in text and "3天" in text


def test_latin_and_digit_phrases_match_only_at_word_edges() -> None:
    from knowledge.normalize import LongestMatch

    match = LongestMatch(["son", "kid", "3个月", "b超", "bb"])
    assert match.findall("food poisoning, kidney, bbq") == []  # no "son", "kid" or "bb" inside words
    assert match.findall("my son and the kid") == ["son", "kid"]
    assert match.findall("宝宝13个月") == [] and match.findall("宝宝3个月") == ["3个月"]
    assert match.findall("做b超") == ["b超"] and match.findall("bb发烧了") == ["bb"]  # next to Chinese is an edge


def _leftmost_longest(phrases: list[str], text: str) -> list[tuple[int, int]]:
    """The plain definition: at each position try every phrase length, longest first."""
    from knowledge.normalize import _edges_ok

    lengths, spans, i = sorted({len(p) for p in phrases if p}, reverse=True), [], 0
    while i < len(text):
        for length in lengths:
            if text[i:i + length] in phrases and i + length <= len(text) and _edges_ok(text, i, i + length):
                spans.append((i, i + length))
                i += length
                break
        else:
            i += 1
    return spans


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="宝宝发烧ab1 个月", min_size=1, max_size=4), max_size=8),
       st.text(alphabet="宝宝发烧ab1 个月x", max_size=30))
def test_longest_match_equals_the_plain_definition(phrases: list[str], text: str) -> None:
    from knowledge.normalize import LongestMatch

    assert list(LongestMatch(phrases).spans(text)) == _leftmost_longest(phrases, text)


@pytest.mark.parametrize(("raw", "expected"), [
    ("孩子烧到386了", "孩子烧到38.6了"), ("体温37度8", "体温37.8度"), ("量了一下365", "量了一下36.5"),
    ("fever 384 since noon", "fever 38.4 since noon"), ("宝宝392度", "宝宝39.2度"),
    ("宝宝出生375天", "宝宝出生375天"), ("每顿喝380毫升", "每顿喝380毫升"), ("发烧3天了", "发烧3天了"),
    ("体温38.5", "体温38.5"),
])
def test_temperatures_typed_without_the_decimal_point(raw: str, expected: str) -> None:
    assert readable_temperatures(raw) == expected

"""Intent rules: the finder, complaints, smalltalk, and questions we must not answer."""

from __future__ import annotations

import pytest

from knowledge.intents import IntentDetector


@pytest.fixture(scope="module")
def intents() -> IntentDetector:
    return IntentDetector.default()


@pytest.mark.parametrize(("text", "intent"), [
    ("你好", "smalltalk"), ("您好！", "smalltalk"), ("谢谢", "smalltalk"), ("hi", "smalltalk"),
    ("附近有没有全日托的托育园", "facility_search"), ("帮我找个城关区的托儿所", "facility_search"),
    ("我想找离家近的计时托", "facility_search"), ("Find a half-day daycare near me", "facility_search"),
    ("七里河区的托育机构有哪些", "facility_search"),
    ("我要投诉一家托育机构", "complaint"), ("举报无证托育班", "complaint"),
    ("托育园的饭菜不卫生想反映", "complaint"), ("I want to report a daycare", "complaint"),
    ("产假有多少天", None), ("什么是计时托", None), ("临时有事能把孩子临时托管吗", None),
    ("投诉电话是多少", None), ("非营利的托育机构在哪个部门注册", None), ("去哪个部门投诉托育机构", None),
])
def test_intent(intents: IntentDetector, text: str, intent: str | None) -> None:
    assert intents.intent(text) == intent


@pytest.mark.parametrize(("text", "reason"), [
    ("我爸高血压吃什么药好", "adult"), ("股票明天会涨吗", "unrelated"), ("兰州牛肉面哪家好吃", "unrelated"),
    ("宝宝发烧布洛芬吃几毫升", "dose"), ("孩子咳嗽要不要用抗生素", "dose"),
    ("what dose of paracetamol for my baby", "dose"),
])
def test_out_of_scope(intents: IntentDetector, text: str, reason: str) -> None:
    found = intents.out_of_scope(text)
    assert found is not None and found.reason == reason


@pytest.mark.parametrize("text", ["宝宝发烧怎么办", "产假有多少天", "宝宝几个月打麻腮风", "甲型肝炎疫苗防的是什么病"])
def test_in_scope_questions_pass(intents: IntentDetector, text: str) -> None:
    assert intents.out_of_scope(text) is None

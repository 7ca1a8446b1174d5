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
    ("find a half-day place for my 14-month-old near 西关十字", "facility_search"),
    ("Looking for a nursery in Anning", "facility_search"),
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


@pytest.mark.parametrize("text", [
    "冲奶粉要用多少度的水，奶瓶怎么消毒",
    "宝宝两个月38.2度，老人说小孩发烧捂一捂出身汗就好了，要不要马上去医院",
    "婆婆说用温水擦擦就行不用去医院，说医院去了就给输液，我该怎么办",
    "宝宝三个月纯母乳，最近兰州天气热，婆婆一直说要喂点水",
    "宝宝八个月不会叫爸爸妈妈，要怎么跟他说话玩游戏",
    "维生素D一天补多少",
])
def test_parents_narratives_are_not_out_of_scope(intents: IntentDetector, text: str) -> None:
    assert intents.out_of_scope(text) is None, text


@pytest.mark.parametrize(("text", "reason"), [
    ("今天查了血常规：白细胞15.6，请帮我看看这个结果是细菌感染还是病毒感染", "diagnosis"),
    ("诊所开了阿奇霉素干混悬剂，说一次吃半包，这个剂量对不对", "dose"),
    ("我得了乳腺炎，医生开了头孢，吃药期间能不能继续喂奶", "dose"),
    ("核磁报告写着脑室稍增宽，这是什么意思，需要手术引流吗", "diagnosis"),
    ("一哭就鼓起来一个包，是疝气吗，需要手术吗", "diagnosis"),
])
def test_medical_decisions_fall_back(intents: IntentDetector, text: str, reason: str) -> None:
    found = intents.out_of_scope(text)
    assert found is not None and found.reason == reason, (text, found)


@pytest.mark.parametrize("text", ["产假有多少天", "宝宝发烧怎么办？", "疫苗要打几针", "托育机构哪家好",
                                  "能不能休育儿假", "股票明天会涨吗", "How long is maternity leave",
                                  "can I take parental leave"])
def test_questions_are_told_from_answers(intents: IntentDetector, text: str) -> None:
    assert intents.is_question(text)


@pytest.mark.parametrize("text", ["8个月", "一岁半", "全日托", "七里河区的小太阳托育", "西关十字附近", "哪里都行",
                                  "好的", "14 months", "Sunshine Baby Care", "昨天下午"])
def test_answers_to_a_step_are_not_questions(intents: IntentDetector, text: str) -> None:
    assert not intents.is_question(text)

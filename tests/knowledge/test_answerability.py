"""When the knowledge base answers, declines or starts a flow: each mechanism behind a real-question failure,
in our own words (never rows of an evaluation set)."""

from __future__ import annotations

import pytest

from knowledge.answerability import FEATURES, Model, mentions_child
from knowledge.base import KnowledgeBase


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.mark.parametrize(("question", "reason"), [
    # the mother's pregnancy, unless the question is about leave or pay
    ("怀孕四个月了能不能喝感冒冲剂", "adult"),
    ("孕二十周做四维彩超要空腹吗", "adult"),
    ("胎儿偏小一周需要担心吗", "adult"),
    ("我已经三十周了，这两天鼻塞流涕", "adult"),  # her own weeks, without the word 孕
    # a parent's own health or cosmetics, with no child in the question
    ("坐月子期间我自己牙疼得厉害怎么办", "adult"),
    ("哺乳期可以去烫头发吗", "adult"),
    ("三十多岁的女人总失眠怎么调理", "adult"),
    ("九价HPV疫苗打完能喝酒吗", "adult"),  # a vaccine for adults
    # any medicine by name or form
    ("两岁孩子能不能吃阿莫西林颗粒", "dose"),
    ("宝宝咳嗽用氨溴索口服液还是小儿止咳糖浆", "dose"),
    ("孩子发烧用退热栓有副作用吗", "dose"),
    ("宝宝支气管炎吃阿奇霉素一定要吃满5天吗", "dose"),  # how long a course lasts is the doctor's
    # serious or congenital conditions, treatment decisions, which hospital
    ("孩子确诊脑瘫了怎么治疗", "diagnosis"),
    ("宝宝室间隔缺损多大需要手术", "diagnosis"),
    ("看小儿湿疹哪家医院最好", "diagnosis"),
    ("老人中风以后总是便秘怎么办", "diagnosis"),  # an adult's stroke, whatever else is asked
    # older children and unrelated paperwork
    ("十岁孩子总是咳嗽怎么办", "older_child"),
    ("独生子女证丢了去哪补办", "unrelated"),
    ("父母住院了独生子女护理假能请几天", "unrelated"),  # elder care, not a baby's
])
def test_out_of_scope_classes_decline(kb: KnowledgeBase, question: str, reason: str) -> None:
    decision = kb.decide(question)
    assert decision.kind == "fallback" and decision.reason == reason, decision


@pytest.mark.parametrize(("question", "topic"), [
    ("怀孕三个月流产了能休几天假", "leave_maternity"),  # pregnancy words in a leave question
    ("产检的时间算不算上班时间", "leave_maternity"),
    ("宝宝七个月能吃补钙的颗粒吗", "feeding_nutrition"),  # a supplement is not a medicine question
    ("哺乳期感冒了还能给宝宝喂奶吗", "feeding_nutrition"),  # the mother's cold, asked about the baby
    ("宝宝吃什么益生菌好", "feeding_nutrition"),
])
def test_near_misses_of_the_rules_are_still_answered(kb: KnowledgeBase, question: str, topic: str) -> None:
    decision = kb.decide(question)
    assert decision.kind == "answer" and decision.best is not None, decision
    assert decision.best.article.topic == topic, decision.best.article.id


def test_words_the_knowledge_base_has_never_seen_count_against_answering(kb: KnowledgeBase) -> None:
    assert kb.decide("痛风发作脚趾肿了怎么办").kind == "fallback"
    assert kb.retriever.known_share("痛风发作脚趾肿") < kb.retriever.known_share("宝宝湿疹怎么办")


def test_a_vaccination_question_about_a_symptom_is_about_vaccination(kb: KnowledgeBase) -> None:
    decision = kb.decide("宝宝流鼻涕还能去打疫苗吗")
    assert decision.best is not None and decision.best.article.topic == "vaccination"


@pytest.mark.parametrize(("question", "vaccination"), [
    ("一岁宝宝低烧三十七度六要紧吗", False),
    ("孩子打了退烧针两个小时了还是烧", False),  # a treatment injection
    ("宝宝打完预防针有点低烧要紧吗", True),
    ("娃打完针发烧了正常吗", True),  # 打针 for a baby is most often a vaccine
])
def test_vaccination_articles_need_a_vaccination_in_the_question(kb: KnowledgeBase, question: str,
                                                                 vaccination: bool) -> None:
    best = kb.decide(question).best
    assert best is not None and (best.article.topic == "vaccination") is vaccination, best.article.id


@pytest.mark.parametrize(("question", "article"), [
    ("宝宝九个月了，可以喝酸奶吗", "feeding_yogurt_cheese"),  # the age must not pull in the 6-12 month milestones
    ("8个月宝宝发烧38.5度怎么办", "illness_fever_home_care"),  # not the under-3-months article
    ("两个月宝宝发烧37.9度在家怎么护理", "illness_fever_under_3m"),
])
def test_an_age_picks_the_article_for_that_age_without_taking_over(kb: KnowledgeBase, question: str,
                                                                    article: str) -> None:
    decision = kb.decide(question)
    assert decision.best is not None and article in [h.article.id for h in decision.hits], decision


def test_a_facility_story_starts_the_complaint_and_a_place_story_the_finder(kb: KnowledgeBase) -> None:
    complaint = ("我家孩子上的那个托育园今年突然说要交一笔设备费，每人八百，不交就不让上，"
                 "家长们都觉得不合理，这种收费有人管吗？")
    place = "我们这边的托育园太少了，孩子两岁想找个离家近一点的，排了半年队还是没有名额，怎么办"
    assert kb.intents.intent(complaint) == "complaint"
    assert kb.intents.intent(place) == "facility_search"


def test_a_declined_question_offers_its_closest_articles_only_when_in_scope(kb: KnowledgeBase) -> None:
    medicine = kb.decide("婴儿能不能用红霉素眼膏")
    assert medicine.kind == "fallback" and kb.suggestions(medicine) == []


def test_the_model_is_calibrated_and_ordered() -> None:
    model = Model.default()
    assert 0 < model.answer_from < 1 and model.clarify_from <= model.answer_from
    base = dict.fromkeys(FEATURES, 0.0) | {"semantic": 0.9, "semantic_gap": 0.02, "known": 1.0, "long": 2.0}
    closer = base | {"semantic": 0.97}
    adult_like = base | {"out_of_scope_gap": 0.05}
    assert model.probability(closer) > model.probability(base) > model.probability(adult_like)


def test_child_words() -> None:
    assert mentions_child("我家娃八个月了") and mentions_child("my toddler won't eat")
    assert not mentions_child("我最近总是失眠")


def test_the_same_question_gets_the_same_decision(kb: KnowledgeBase) -> None:
    first = kb.decide("宝宝晚上睡觉总是出汗")
    kb._decided = type(kb._decided)()
    assert kb.decide("宝宝晚上睡觉总是出汗") == first

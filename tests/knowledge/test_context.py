"""Context is not the topic: a child's age, or everyday words like 每天都, must not pull a question elsewhere."""

from __future__ import annotations

import pytest

from knowledge.base import KnowledgeBase


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.mark.parametrize(("question", "article"), [
    ("我家宝宝8个月了，产假有多少天", "leave_maternity_national"),
    ("8个月宝宝发烧38.5度怎么办", "illness_fever_home_care"),
    ("宝宝9个月了一直拉肚子", "illness_diarrhoea"),
    ("八个月的宝宝能上托育园吗，分在什么班", "standard_admission"),
    ("my baby is 8 months old, how long is maternity leave", "leave_maternity_national"),
    # ...while a question about the age itself still gets that age's article
    ("宝宝6个月，体检查什么", "checkup_6m"),
    ("宝宝12个月体检", "checkup_12m"),
    ("宝宝2个月 要打什么疫苗", "vaccine_age_2_4m"),
])
def test_age_is_context_not_the_topic(kb: KnowledgeBase, question: str, article: str) -> None:
    decision = kb.decide(question)
    assert decision.kind == "answer" and decision.best is not None
    assert decision.best.article.id == article, [(h.article.id, h.score) for h in decision.hits]


@pytest.mark.parametrize(("question", "article"), [
    ("宝宝睡前怎么哄 每天都闹觉", "sleep_bedtime_routine"),  # not bathing ("宝宝每天都要洗澡吗")
    ("宝宝每天都要洗澡吗", "newborn_bathing"),
])
def test_function_words_do_not_make_a_topic(kb: KnowledgeBase, question: str, article: str) -> None:
    decision = kb.decide(question)
    assert decision.best is not None and decision.best.article.id == article, \
        [(h.article.id, h.score) for h in decision.hits]


def test_asking_whether_something_is_good_is_a_question_frame(kb: KnowledgeBase) -> None:
    # "好不好" is how the question is put, not what it is about: it matched "托育机构好不好怎么判断".
    decision = kb.decide("宝宝包襁褓好不好")
    assert decision.best is not None and decision.best.article.id != "choose_checklist"
    assert "sleep_swaddling" in [h.article.id for h in decision.hits]

"""A child's age is context: it must not pull a question about something else to that age's check-up."""

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

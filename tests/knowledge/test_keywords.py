"""A parent who types only a word an article lists as its keyword ("近视", "打完疫苗发烧") gets that article."""

from __future__ import annotations

import pytest

from knowledge.base import KnowledgeBase


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.mark.parametrize(("question", "article"), [
    ("打完疫苗发烧了", "vaccine_reactions"),  # one long term: it hid 疫苗 and 发烧, and no variant has it
    ("宝宝出牙发烧吗", "growth_teething"),
    ("血常规能查什么", "checkup_hemoglobin"),
    ("宝宝近视怎么办", "checkup_eye"),
])
def test_keyword_questions_find_their_article(kb: KnowledgeBase, question: str, article: str) -> None:
    decision = kb.decide(question)
    assert decision.kind == "answer" and decision.best is not None
    assert decision.best.article.id == article, [(h.article.id, h.score) for h in decision.hits]


def test_most_keywords_alone_lead_to_their_article(kb: KnowledgeBase) -> None:
    # Some keywords are shared or generic ("check-up", "区别"); 61% led to their article before keywords were indexed.
    pairs = [(w, a.id) for a in kb.articles.values() for ws in a.keywords.values() for w in ws]
    found = 0
    for word, article in pairs:
        decision = kb.decide(word)
        offered = [h.article.id for h in decision.hits][:1 if decision.kind == "answer" else 3]
        found += decision.kind != "fallback" and article in offered
    assert found / len(pairs) >= 0.85, f"{found}/{len(pairs)}"

"""Homophone and look-alike typos of known words are read as the word; correct text is left alone."""

from __future__ import annotations

import pytest

from knowledge.base import typo_fixer
from knowledge.emergency import EmergencyDetector
from knowledge.loader import load_articles
from knowledge.normalize import Normalizer
from knowledge.typos import TypoFixer
from tests.knowledge.test_emergency import CALL_110, CALL_120, CLASSES, NOT_EMERGENCY


@pytest.fixture(scope="module")
def fix() -> TypoFixer:
    return typo_fixer(load_articles()[0], Normalizer.default().synonyms.mapping)


@pytest.mark.parametrize(("typed", "meant"), [
    ("宝宝发稍怎么办", "宝宝发烧怎么办"),  # pinyin input: same sound, wrong character
    ("孩子发稍38度了", "孩子发烧38度了"),
    ("娃发绕了怎么办", "娃发烧了怎么办"),  # handwriting input: the look-alike
    ("宝宝长湿诊了", "宝宝长湿疹了"),
    ("手足扣病会传染吗", "手足口病会传染吗"),
    ("宝宝添加辅实以后便秘", "宝宝添加辅食以后便秘"),
])
def test_a_slip_of_a_known_word_is_corrected(fix: TypoFixer, typed: str, meant: str) -> None:
    assert fix(typed) == meant


@pytest.mark.parametrize("text", [
    "宝宝发烧怎么办", "止痒消炎水能用吗", "在哺乳期吃了药怎么办", "毕业班每个人都要交钱",
    "单位总是排挤针对我", "希望严查严打", "开初婚初育证明", "涂了护臀膏还是红", "咳不出来也哭不出声",
    "How long is maternity leave?", "",
])
def test_correct_text_is_left_as_it_is(fix: TypoFixer, text: str) -> None:
    assert fix(text) == text


def test_no_article_question_or_title_is_changed(fix: TypoFixer) -> None:
    changed = [text for article in load_articles()[0]
               for text in [*article.title.values(), *(q for qs in article.questions.values() for q in qs)]
               if fix(text) != text]
    assert changed == []


def test_emergencies_are_found_the_same_after_correction(fix: TypoFixer) -> None:
    detector = EmergencyDetector.default()
    texts = [*CALL_120, *CALL_110, *NOT_EMERGENCY, *(t for ts in CLASSES.values() for t in ts)]
    assert len(texts) > 100
    for text in texts:
        assert detector.detect(fix(text)) == detector.detect(text), text


def test_a_typo_reaches_the_fever_article() -> None:
    from knowledge.base import KnowledgeBase

    kb = KnowledgeBase.load()
    for typed in ("宝宝发稍怎么办", "宝宝发绕怎么办"):
        decision = kb.decide(typed)
        assert decision.kind == "answer" and decision.best is not None, typed
        assert decision.best.article.topic == "common_illness" and "fever" in decision.best.article.id, typed

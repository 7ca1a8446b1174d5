"""Replies that fit a phone: red flags for the child's age, one sources line, a length budget, the CPR button."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from bot.channels.telegram.render import render as telegram_render
from bot.engine.engine import Engine
from bot.engine.render import BUDGET, CPR_ARTICLE, short_issuer
from bot.i18n import default_catalog
from bot.port import public_reply
from knowledge.base import KnowledgeBase
from knowledge.model import ArticleSource
from tests.bot.helpers import FIXTURE_ARTICLES, Transcript

URL = "https://tuoyu.example"
YOUNG_ZH = "3个月以下宝宝体温≥38.0℃：立即就医"
HAN = re.compile(r"[\u3400-\u9fff]")


def articles(tmp_path: Path) -> Path:
    """The fixture articles, with the fever article's young-baby flag given its months."""
    folder = tmp_path / "articles"
    shutil.copytree(FIXTURE_ARTICLES, folder)
    path = folder / "illness_fever.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["red_flags"]["zh"][0] = {"text": YOUNG_ZH, "months": [0, 3]}
    raw["red_flags"]["en"][0] = {"text": raw["red_flags"]["en"][0], "months": [0, 3]}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return folder


def add_article(folder: Path, article_id: str, topic: str, answer_zh: str, flags_zh: list[str],
                answer_en: str = "Answer.", flags_en: list[str] | None = None) -> None:
    raw = {"id": article_id, "topic": topic, "title": {"zh": "标题", "en": "Title"},
           "questions": {"zh": [f"问题{i}" for i in range(6)], "en": ["q1", "q2"]},
           "answer": {"zh": answer_zh, "en": answer_en},
           "red_flags": {"zh": flags_zh, "en": flags_en or [f"sign {i}" for i in range(len(flags_zh))]},
           "sources": [{"title": "某规范", "issuer": "国家卫生健康委办公厅、民政部办公厅"},
                       {"title": "另一份", "issuer": "国务院"}],
           "reviewed": "2026-11-29"}
    (folder / f"{article_id}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


def engine(folder: Path, public_url: str | None = URL) -> Engine:
    return Engine(KnowledgeBase.load(folder), default_catalog(), public_url=public_url)


async def test_red_flags_fit_the_age_in_the_question_or_the_chat(tmp_path: Path) -> None:
    eng = engine(articles(tmp_path))
    [older] = await Transcript(eng).say("宝宝2岁发烧38度怎么办")
    assert older.article == "illness_fever" and YOUNG_ZH not in older.text and "立即拨打120" in older.text
    infant = Transcript(eng)  # "2个月 + 发烧" itself is a see-a-doctor-now emergency; the article keeps the flag
    await infant.say("宝宝2个月了")
    [young] = await infant.press("a:illness_fever")
    assert young.article == "illness_fever" and YOUNG_ZH in young.text
    [unknown] = await Transcript(eng).say("宝宝发烧38度怎么办")
    assert YOUNG_ZH in unknown.text  # age not given: every flag
    chat = Transcript(eng)
    await chat.say("我家孩子两岁半了")
    [later] = await chat.press("a:illness_fever")  # the chat remembers the age
    assert "立即拨打120" in later.text and YOUNG_ZH not in later.text
    english = Transcript(eng, lang="en")
    [reply] = await english.say("my 2 year old has a fever, what should I do?")
    assert reply.article == "illness_fever" and "Under 3 months" not in reply.text and "call 120" in reply.text


async def test_sources_become_one_line_linking_to_the_guide_page(tmp_path: Path) -> None:
    eng = engine(articles(tmp_path))
    [reply] = await Transcript(eng).say("产假有多少天？")
    assert reply.text.endswith("\n\n来源：国务院 · 2026-11-29审核 · 详情 https://tuoyu.example/guide/leave_maternity_national")
    assert "国务院令第619号" not in reply.text
    full = public_reply([reply])["sources"]  # the contract's field keeps every source in full
    assert full == [{"title": "女职工劳动保护特别规定（国务院令第619号, 国务院, 2012-04-28）", "url": None}]
    [en] = await Transcript(eng, lang="en").say("how long is maternity leave?")
    assert en.text.splitlines()[-1] == (
        "Source: State Council · reviewed 2026-11-29 · details https://tuoyu.example/guide/leave_maternity_national?lang=en")


def test_issuer_short_names() -> None:
    catalog = default_catalog()
    several = ArticleSource("x", issuer="国家卫生健康委办公厅、中央编办综合局")
    assert short_issuer(several, "zh", catalog) == "国家卫健委"
    assert short_issuer(ArticleSource("x", issuer="国家疾病预防控制局等6部门"), "en", catalog) == (
        "National Disease Control and Prevention Administration")
    assert short_issuer(ArticleSource("x", issuer="American Academy of Pediatrics (healthychildren.org)"), "zh",
                        catalog) == "美国儿科学会"
    assert short_issuer(ArticleSource("x", issuer="某某研究所（试行）"), "zh", catalog) == "某某研究所"


async def test_long_article_stays_within_the_budget_keeping_the_urgent_flags(tmp_path: Path) -> None:
    folder = articles(tmp_path)
    urgent = ["孩子没有呼吸、叫不醒、嘴唇发紫：立即拨打120", "抽搐超过5分钟或反复抽搐：立即拨打120"]
    later = [f"第{i}种不太急的情况持续好几天没有好转，或者越来越严重：看医生" for i in range(8)]
    add_article(folder, "illness_long", "common_illness", "很长的回答。" * 50, [*later, *urgent])
    [reply] = await Transcript(engine(folder)).press("a:illness_long")
    above_sources = reply.text.rsplit("\n\n", 1)[0]
    assert len(HAN.findall(above_sources)) <= BUDGET["zh"]
    assert all(flag in reply.text for flag in urgent) and "另有" in reply.text and "详情 https://" in reply.text
    assert reply.text.splitlines()[-1].startswith("来源：国家卫健委等 · 2026-11-29审核")
    [unlinked] = await Transcript(engine(folder, public_url=None)).press("a:illness_long")
    assert all(flag in unlinked.text for flag in later + urgent)  # no page to point to: nothing is hidden


def cpr_article(folder: Path) -> None:
    add_article(folder, CPR_ARTICLE, "safety_injury", "心肺复苏的步骤。", ["没有呼吸：立即拨打120"])


async def test_not_breathing_emergency_links_to_the_cpr_article(tmp_path: Path) -> None:
    folder = articles(tmp_path)
    cpr_article(folder)
    eng = engine(folder)
    [reply] = await Transcript(eng).say("宝宝没有呼吸了")
    assert reply.kind == "emergency" and "120" in reply.text.splitlines()[0]
    assert reply.buttons[0].data == f"a:{CPR_ARTICLE}"
    assert public_reply([reply])["buttons"][0]["data"] == f"a:{CPR_ARTICLE}"  # web chat and tuoyu ask
    keyboard = telegram_render(reply)[-1].markup
    assert keyboard and keyboard["inline_keyboard"][0][0]["callback_data"] == f"a:{CPR_ARTICLE}"
    [en] = await Transcript(eng, lang="en").say("my baby is not breathing")
    assert en.kind == "emergency" and en.buttons[0].data == f"a:{CPR_ARTICLE}"
    [seizure] = await Transcript(eng).say("宝宝突然抽搐了")  # its steps say nothing about CPR
    assert seizure.kind == "emergency" and f"a:{CPR_ARTICLE}" not in [b.data for b in seizure.buttons]


async def test_no_cpr_button_while_the_article_is_missing(tmp_path: Path) -> None:
    [reply] = await Transcript(engine(articles(tmp_path))).say("宝宝没有呼吸了")
    assert reply.kind == "emergency" and all(b.data != f"a:{CPR_ARTICLE}" for b in reply.buttons)

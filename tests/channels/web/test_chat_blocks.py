"""A reply's text as the blocks the chat page draws: the engine's own replies, from the real catalog."""

from __future__ import annotations

from bot.channels.web.blocks import Words, blocks
from bot.engine.types import Reply
from bot.i18n import default_catalog
from tests.bot.helpers import Transcript

WORDS = Words(default_catalog())


async def test_an_answer_has_headline_list_red_flags_note_and_sources_link() -> None:
    reply = Reply(kind="answer", article="illness_fever_home_care", text="\n\n".join([
        "宝宝发烧：在家怎么护理",
        "发热是身体对抗感染的反应。\n在家可以：\n- 穿薄一点。\n- 多喂奶。\n3–6个月宝宝发热，尽快联系医生。",
        "以下情况请及时就医，紧急时立即拨打120：\n· 3个月以下宝宝体温≥38.0℃：立即就医\n· 抽搐：立即拨打120",
        "以上为一般性健康指导，不能代替医生诊断。",
        "来源：美国儿科学会 · 2026-11-29审核 · 详情 http://127.0.0.1:8000/guide/illness_fever_home_care"]))
    assert blocks(reply, WORDS) == [
        {"type": "head", "text": "宝宝发烧：在家怎么护理"},
        {"type": "p", "text": "发热是身体对抗感染的反应。\n在家可以："},
        {"type": "list", "items": ["穿薄一点。", "多喂奶。"]},
        {"type": "p", "text": "3–6个月宝宝发热，尽快联系医生。"},
        {"type": "flags", "title": "以下情况请及时就医，紧急时立即拨打120：",
         "items": ["3个月以下宝宝体温≥38.0℃：立即就医", "抽搐：立即拨打120"]},
        {"type": "note", "text": "以上为一般性健康指导，不能代替医生诊断。"},
        {"type": "sources", "text": "来源：美国儿科学会 · 2026-11-29审核", "label": "详情",
         "link": "/guide/illness_fever_home_care"},
    ]


async def test_an_english_answer_links_the_english_guide_page() -> None:
    reply = Reply(kind="answer", article="sleep_safe", text="Safe sleep\n\nOn the back.\n\n"
                  "Source: AAP · reviewed 2026-11-29 · details https://tuoyu.example/guide/sleep_safe?lang=en")
    assert blocks(reply, WORDS)[-1] == {"type": "sources", "text": "Source: AAP · reviewed 2026-11-29",
                                        "label": "details", "link": "/guide/sleep_safe?lang=en"}


async def test_the_engines_emergency_reply_leads_with_what_to_call() -> None:
    replies = await Transcript().say("孩子抽搐了")
    drawn = blocks(replies[0], WORDS)
    assert replies[0].kind == "emergency"
    assert drawn[0]["type"] == "head" and "120" in drawn[0]["text"]
    assert drawn[1] == {"type": "calls", "numbers": ["120"]}
    assert drawn[2]["type"] == "list" and len(drawn[2]["items"]) >= 2


async def test_a_crisis_reply_offers_every_number_it_names_in_order() -> None:
    reply = Reply(kind="emergency", text="⚠️ 请立即拨打120（急救）或110（报警）。心理援助热线：12356。\n· 先确保安全。")
    assert blocks(reply, WORDS)[1] == {"type": "calls", "numbers": ["120", "110", "12356"]}


async def test_the_engines_answer_from_an_article() -> None:
    replies = await Transcript().say("宝宝发烧怎么办")
    drawn = blocks(replies[0], WORDS)
    assert drawn[0] == {"type": "head", "text": "宝宝发烧怎么办"}
    flags = next(b for b in drawn if b["type"] == "flags")
    assert len(flags["items"]) == 2 and not any(i.startswith("·") for i in flags["items"])


async def test_other_replies_have_no_headline_and_keep_their_lines() -> None:
    reply = Reply(kind="smalltalk", text="已取消。还有什么可以帮您？")
    assert blocks(reply, WORDS) == [{"type": "p", "text": "已取消。还有什么可以帮您？"}]
    listed = Reply(kind="complaint", text="请选择：\n- 第一项\n- 第二项\n\n或者直接输入。")
    assert blocks(listed, WORDS) == [{"type": "p", "text": "请选择："}, {"type": "list", "items": ["第一项", "第二项"]},
                                     {"type": "p", "text": "或者直接输入。"}]

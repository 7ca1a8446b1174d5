"""Leaving a flow by what you say, typing the bot's own buttons, and the way out shown at every step.

Transcripts through bootstrap.build() and Conversations on a real database with the demo facilities.
"""

from __future__ import annotations

import pytest

from bot.bootstrap import Tuoyu
from bot.engine.types import Reply
from bot.flows.complaint import STEPS
from tests.bot.helpers import Chat


def data(reply: Reply) -> list[str]:
    return [b.data for b in reply.buttons]


LEFT = {"zh": ("已退出找托育", "已退出投诉"), "en": ("Left the childcare finder", "Left the complaint")}
CANCELLED = {"zh": ("已取消找托育", "已取消投诉"), "en": ("Cancelled the childcare finder", "Cancelled the complaint")}


async def in_finder(app: Tuoyu, lang: str) -> Chat:
    """A chat at the finder's age question."""
    chat = Chat(app, lang)
    await chat.say("/find")
    [ask_age] = await chat.press("f:t:full_day")
    assert (await chat.state()).step == "age" and data(ask_age)[-1] == "cmd:cancel"
    return chat


async def in_complaint(app: Tuoyu, lang: str, step: str = "facility") -> Chat:
    """A chat in the complaint flow at `step` (facility or description)."""
    chat = Chat(app, lang)
    await chat.say(f"/lang {lang}")
    await chat.say("/complain")
    if step == "description":
        await chat.say("阳光宝贝托育中心")
        await chat.press("c:dist:chengguan")
        await chat.press("c:cat:care_quality")
    assert (await chat.state()).step == step
    return chat


# ---- cancel words --------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "word"), [("zh", "取消"), ("zh", "算了"), ("zh", "不找了"), ("zh", "退出"),
                                            ("zh", "返回"), ("en", "cancel"), ("en", "Never mind"),
                                            ("en", "stop"), ("en", "quit"), ("en", "back")])
async def test_cancel_words_leave_the_finder(app: Tuoyu, lang: str, word: str) -> None:
    chat = await in_finder(app, lang)
    [reply] = await chat.say(word)
    assert reply.text.startswith(CANCELLED[lang][0]) and "cmd:find" in data(reply)
    assert (await chat.state()).flow is None


@pytest.mark.parametrize(("lang", "word"), [("zh", "不投诉了"), ("zh", "算了！"), ("en", "Cancel.")])
async def test_cancel_words_leave_the_complaint_even_at_its_free_text_step(app: Tuoyu, lang: str, word: str) -> None:
    chat = await in_complaint(app, lang, "description")
    [reply] = await chat.say(word)
    assert reply.text.startswith(CANCELLED[lang][1]) and (await chat.state()).flow is None


async def test_the_cancel_button_is_on_every_step_and_leaves(app: Tuoyu) -> None:
    chat = Chat(app)
    steps = [await chat.say("/complain"), await chat.say("阳光宝贝托育中心"), await chat.press("c:dist:chengguan"),
             await chat.press("c:cat:food_safety"), await chat.say("孩子中午吃的饭菜有异味，回家后腹泻。"),
             await chat.press("c:when:yesterday"), await chat.press("c:photos:done"), await chat.say("13912345678")]
    for replies in steps:
        assert {"cmd:cancel", "c:cancel"} & set(data(replies[-1])), replies[-1].text
    assert (await chat.state()).step == "review"
    [left] = await chat.press("cmd:cancel")
    assert left.text.startswith("已取消投诉") and (await chat.state()).flow is None
    for replies in [await chat.say("/find"), await chat.press("f:t:any"), await chat.press("f:a:any")]:
        assert data(replies[-1])[-1] == "cmd:cancel"


# ---- a question ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "question"), [("zh", "产假有多少天？"), ("en", "How long is maternity leave?")])
async def test_a_question_in_the_finder_is_answered_and_the_finder_left(app: Tuoyu, lang: str, question: str) -> None:
    chat = await in_finder(app, lang)
    note, answer = await chat.say(question)
    assert note.text.startswith(LEFT[lang][0])
    assert answer.kind == "answer" and answer.article == "leave_maternity_national"
    assert (await chat.state()).flow is None


@pytest.mark.parametrize(("lang", "question"), [("zh", "产假有多少天？"), ("en", "How long is maternity leave?")])
async def test_a_question_at_the_complaint_facility_step_leaves(app: Tuoyu, lang: str, question: str) -> None:
    chat = await in_complaint(app, lang)
    note, answer = await chat.say(question)
    assert note.text.startswith(LEFT[lang][1]) and answer.article == "leave_maternity_national"
    assert (await chat.state()).flow is None


async def test_an_unrelated_question_leaves_too(app: Tuoyu) -> None:
    chat = await in_finder(app, "zh")
    note, reply = await chat.say("股票明天会涨吗")
    assert note.text.startswith("已退出找托育") and reply.kind == "fallback"


async def test_what_happened_is_the_complaint_not_a_question(app: Tuoyu) -> None:
    chat = await in_complaint(app, "zh", "description")
    [ask_when] = await chat.say("老师中午不给孩子喝水，孩子回家嗓子都哑了，这正常吗？")
    state = await chat.state()
    assert state.flow == "complaint" and state.step == "when" and "c:when:today" in data(ask_when)


# ---- another intent ------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "text"), [("zh", "我要投诉"), ("zh", "我要投诉一家托育机构"),
                                            ("en", "I want to complain about a daycare")])
async def test_a_complaint_from_inside_the_finder_switches(app: Tuoyu, lang: str, text: str) -> None:
    chat = await in_finder(app, lang)
    note, start = await chat.say(text)
    assert note.text.startswith(LEFT[lang][0]) and start.kind == "complaint"
    state = await chat.state()
    assert (state.flow, state.step) == ("complaint", "facility")


@pytest.mark.parametrize(("lang", "text"), [("zh", "找托育"), ("en", "find childcare")])
async def test_the_finder_from_inside_a_complaint_switches(app: Tuoyu, lang: str, text: str) -> None:
    chat = await in_complaint(app, lang)
    note, ask = await chat.say(text)
    assert note.text.startswith(LEFT[lang][1]) and ask.kind == "facility_search"
    assert (await chat.state()).flow == "finder"


@pytest.mark.parametrize(("lang", "text"), [("zh", "查进度"), ("zh", "查投诉进度"), ("en", "complaint status")])
async def test_status_from_inside_the_finder(app: Tuoyu, lang: str, text: str) -> None:
    chat = await in_finder(app, lang)
    replies = await chat.say(text)
    assert replies[-1].kind == "complaint" and "/status" in replies[-1].text
    assert (await chat.state()).flow is None


# ---- an emergency --------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "text"), [("zh", "宝宝突然抽搐了"), ("en", "my baby is not breathing")])
async def test_an_emergency_in_the_finder_comes_first_and_leaves_it(app: Tuoyu, lang: str, text: str) -> None:
    chat = await in_finder(app, lang)
    emergency, note = await chat.say(text)
    assert emergency.kind == "emergency" and "120" in emergency.text.splitlines()[0]
    assert note.text.startswith(LEFT[lang][0]) and (await chat.state()).flow is None


@pytest.mark.parametrize(("lang", "text"), [("zh", "老师打孩子，孩子头上一直在流血，现在还在托育园"),
                                            ("en", "The teacher is hitting my child at the daycare right now")])
async def test_an_emergency_in_a_complaint_is_part_of_it(app: Tuoyu, lang: str, text: str) -> None:
    chat = await in_complaint(app, lang, "description")
    replies = await chat.say(text)
    assert replies[0].kind == "emergency" and replies[-1].kind == "complaint"
    state = await chat.state()
    assert (state.flow, state.step) == ("complaint", "when") and state.data["urgent"]


async def test_an_emergency_at_the_facility_step_is_not_taken_as_its_name(app: Tuoyu) -> None:
    chat = await in_complaint(app, "zh")
    emergency, urgent, ask = await chat.say("老师打孩子，孩子头上一直在流血")
    assert emergency.kind == "emergency" and "紧急" in urgent.text and "是哪家机构" in ask.text
    state = await chat.state()
    assert (state.step, state.data["urgent"]) == ("facility", True) and "facility_name" not in state.data


async def test_a_question_in_english_leaving_a_chinese_chat_is_answered_in_english(app: Tuoyu) -> None:
    chat = await in_finder(app, "zh")
    note, answer = await chat.say("How long is maternity leave?")
    assert note.text.startswith("Left the childcare finder") and answer.text.startswith("Maternity leave")


async def test_a_command_phrase_in_chinese_switches_an_english_chat_to_chinese(app: Tuoyu) -> None:
    chat = await in_finder(app, "en")
    note, start = await chat.say("我要投诉")
    assert note.text.startswith("已退出找托育") and "第 1/7 步" in start.text


# ---- answers it cannot read ----------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "text", "hint"), [("zh", "很小", "没看懂“很小”是多大"),
                                                    ("en", "tiny", "couldn't read \"tiny\" as an age")])
async def test_an_unreadable_answer_repeats_the_question_with_a_hint(app: Tuoyu, lang: str, text: str,
                                                                     hint: str) -> None:
    chat = await in_finder(app, lang)
    [again] = await chat.say(text)
    assert hint in again.text and "f:a:any" in data(again) and data(again)[-1] == "cmd:cancel"
    assert (await chat.state()).step == "age"
    replies = await chat.say("8个月")
    assert (await chat.state()).step == "place" and replies[-1].request_location


async def test_a_place_it_does_not_know_is_asked_again(app: Tuoyu) -> None:
    chat = await in_finder(app, "zh")
    await chat.say("1岁半")
    [again] = await chat.say("火星基地")
    assert "火星基地" in again.text and again.request_location and (await chat.state()).step == "place"


async def test_a_district_it_does_not_know_is_asked_again(app: Tuoyu) -> None:
    chat = await in_complaint(app, "zh")
    [ask] = await chat.say("不存在的某某托育")
    assert "c:dist:chengguan" in data(ask)
    [again] = await chat.say("火星区")
    assert "火星区" in again.text and (await chat.state()).step == "district"
    [category] = await chat.say("安宁")
    assert (await chat.state()).data["district"] == "安宁区" and "c:cat:other" in data(category)


# ---- typing the bot's own buttons ----------------------------------------------------------------

@pytest.mark.parametrize(("lang", "label", "kind"), [
    ("zh", "查投诉进度", "complaint"), ("zh", "找托育机构", "facility_search"), ("zh", "投诉托育机构", "complaint"),
    ("zh", "我要投诉", "complaint"), ("en", "Complaint status", "complaint"),
    ("en", "Find childcare", "facility_search")])
async def test_typing_a_menu_label_presses_it(app: Tuoyu, lang: str, label: str, kind: str) -> None:
    [reply] = await Chat(app, lang).say(label)
    assert reply.kind == kind and reply.article is None


async def test_typing_a_button_offered_at_a_step_presses_it(app: Tuoyu) -> None:
    chat = Chat(app)
    await chat.say("/complain")
    await chat.say("阳光宝贝托育中心")
    await chat.say("城关区")
    [ask] = await chat.say("食品安全")
    state = await chat.state()
    assert state.data["category"] == "food_safety" and state.step == "description", ask.text
    await chat.say("孩子中午吃的饭菜有异味，回家后腹泻。")
    await chat.say("昨天")
    assert (await chat.state()).data["when"] == "昨天"
    [contact] = await chat.say("跳过")  # no photos
    assert (await chat.state()).step == "contact" and "c:contact:anon" in data(contact)


async def test_part_of_one_label_at_a_choice_step_presses_it(app: Tuoyu) -> None:
    chat = await in_complaint(app, "zh")
    await chat.say("七里河区的小太阳托育")
    await chat.say("食品")
    assert (await chat.state()).data["category"] == "food_safety"
    chat = Chat(app)
    await chat.say("/find")
    await chat.say("全日")
    assert (await chat.state()).data["care"] == "full_day"
    [again] = await chat.say("12")  # in two labels (6–12, 12–24 months): not a choice
    assert "没看懂" in again.text and (await chat.state()).step == "age"


# ---- the complaint flow's own steps --------------------------------------------------------------

async def test_step_one_offers_recent_facilities_only_when_there_are_some(app: Tuoyu) -> None:
    chat = Chat(app)
    [start] = await chat.say("/complain")
    assert f"共 {len(STEPS)} 步" in start.text and "第 1/7 步" in start.text
    assert "点下面" not in start.text and data(start) == ["cmd:cancel"]
    await chat.say("/cancel")
    await chat.say("/find 城关区的全日托，孩子14个月")
    [start] = await chat.say("/complain")
    assert "点下面最近查过的机构" in start.text and data(start)[0].startswith("c:fac:")


@pytest.mark.parametrize("name", ["七里河区的小太阳托育", "兰州市七里河区阳光托育园"])
async def test_a_facility_named_with_its_district_is_not_asked_for_it(app: Tuoyu, name: str) -> None:
    chat = await in_complaint(app, "zh")
    [category] = await chat.say(name)
    state = await chat.state()
    assert state.step == "category" and state.data["district"] == "七里河区" and "第 2/7 步" in category.text


async def test_none_of_the_registry_matches_keeps_the_district_typed(app: Tuoyu) -> None:
    chat = await in_complaint(app, "zh")
    [pick] = await chat.say("七里河区 示例")  # the demo registry has facilities named 示例·…
    assert "c:pick:none" in data(pick)
    await chat.press("c:pick:none")
    state = await chat.state()
    assert state.step == "category" and state.data["district"] == "七里河区"


async def test_privacy_is_told_before_the_phone_number_is_asked(app: Tuoyu) -> None:
    chat = await in_complaint(app, "zh", "description")
    await chat.say("孩子中午吃的饭菜有异味，回家后腹泻。")
    await chat.press("c:when:today")
    [contact] = await chat.press("c:photos:done")
    privacy, ask = contact.text.index("隐私"), contact.text.index("手机号：直接输入")
    assert privacy < ask and "/about" in contact.text and "承办部门" in contact.text


async def test_typing_the_finder_label_outside_any_flow_starts_it_with_a_way_out(app: Tuoyu) -> None:
    chat = Chat(app)
    [ask] = await chat.say("找托育机构")
    assert ask.kind == "facility_search" and data(ask)[-1] == "cmd:cancel"

"""Whole-conversation transcripts through the real engine (fixture knowledge base)."""

from __future__ import annotations

import pytest

from bot.engine.engine import Engine
from bot.engine.flow import Expects, Turn
from bot.engine.types import Button, Inbound, InboundKind, Reply, State
from bot.i18n import default_catalog
from tests.bot.helpers import Transcript, fixture_kb


async def test_question_gets_sourced_answer() -> None:
    chat = Transcript()
    [reply] = await chat.say("产假有多少天？")
    assert reply.kind == "answer" and reply.article == "leave_maternity_national"
    assert "98" in reply.text and "来源：国务院" in reply.text and "2026-11-29" in reply.text
    assert "国务院令第619号" in reply.sources[0].title and reply.buttons[0].data == "a:leave_paternity_gansu"


async def test_two_questions_in_one_message_get_both_answers_in_order() -> None:
    replies = await Transcript().say("产假有多少天？还有护理假有几天")
    assert [r.article for r in replies] == ["leave_maternity_national", "leave_paternity_gansu"]
    assert all(r.kind == "answer" and r.sources for r in replies)
    replies = await Transcript(lang="en").say("how long is maternity leave? and also paternity leave")
    assert [r.article for r in replies] == ["leave_maternity_national", "leave_paternity_gansu"]
    [reply] = await Transcript().say("产假有几天，还有没有别的假")  # "还有没有" asks "is there", not "and also"
    assert reply.article == "leave_maternity_national"


async def test_a_long_story_is_decided_whole_not_part_by_part(monkeypatch: pytest.MonkeyPatch) -> None:
    story = ("我在兰州一家公司上班，去年怀孕以后身体一直不太好，单位领导对我们这些要生孩子的员工态度也一般，"
             "同事们都说生完孩子回来岗位可能就没了，我心里很不踏实，这几个月一直睡不好，家里老人也帮不上忙，"
             "我老公在外地工作一个月才回来一次，什么事都要我自己跑，产检也是一个人去，排队一排就是一上午，"
             "有时候还要请假扣工资，人事说制度就是这样，我也不知道找谁说理，身边也没有懂政策的朋友可以问，"
             "想问问大家的经验。产假有多少天？还有护理假有几天")
    assert len(story) > 200
    chat = Transcript()
    decided: list[str] = []
    decide = chat.engine.kb._decide

    def counting(text: str):  # type: ignore[no-untyped-def]
        decided.append(text)
        return decide(text)

    monkeypatch.setattr(chat.engine.kb, "_decide", counting)
    replies = await chat.say(story)
    assert len(replies) == 1 and decided == [story]  # one concern, one decision (the short message above gets two)


async def test_one_question_asked_twice_over_gets_one_answer() -> None:
    [reply] = await Transcript().say("产假有多少天？产假一共能休几天？")
    assert reply.article == "leave_maternity_national"


async def test_related_button_opens_article() -> None:
    chat = Transcript()
    await chat.say("产假有多少天")
    [reply] = await chat.press("a:leave_paternity_gansu")
    assert reply.article == "leave_paternity_gansu" and "30" in reply.text


async def test_health_answer_carries_red_flags_and_disclaimer() -> None:
    [reply] = await Transcript().say("宝宝发烧38度怎么办")
    assert reply.article == "illness_fever"
    assert "120" in reply.text and "不能代替医生诊断" in reply.text


async def test_emergency_comes_first_even_mid_question() -> None:
    [reply] = await Transcript().say("宝宝发烧后突然抽搐了怎么办")
    assert reply.kind == "emergency" and reply.text.startswith("⚠️") and "120" in reply.text.splitlines()[0]


async def test_emergency_offers_the_matching_article_after_the_call() -> None:
    chat = Transcript()
    [reply] = await chat.say("宝宝发烧后突然抽搐了怎么办")
    assert reply.kind == "emergency" and reply.text.startswith("⚠️")
    assert reply.buttons and reply.buttons[0].data.startswith("a:illness_")  # the fixture KB's fever article
    [article] = await chat.press(reply.buttons[0].data)
    assert article.kind == "answer" and "120" in article.text


async def test_abuse_tells_to_call_110_in_english() -> None:
    [reply] = await Transcript(lang="en").say("The teacher is hitting my child")
    assert reply.kind == "emergency" and "110" in reply.text.splitlines()[0]


async def test_out_of_scope_medical_falls_back_to_doctor() -> None:
    [reply] = await Transcript().say("我爸高血压吃什么药好")
    assert reply.kind == "fallback" and "12320" in reply.text and reply.article is None


async def test_unrelated_falls_back_without_article() -> None:
    [reply] = await Transcript().say("股票明天会涨吗")
    assert reply.kind == "fallback" and reply.article is None and "12345" in reply.text


async def test_nonsense_falls_back() -> None:
    [reply] = await Transcript().say("啊啊啊啊啊")
    assert reply.kind in ("fallback", "smalltalk")
    assert reply.article is None


async def test_greeting_shows_menu() -> None:
    [reply] = await Transcript().say("你好")
    assert reply.kind == "smalltalk" and [b.data for b in reply.buttons] == ["lang:en"]  # no flows here: no entries


async def test_intents_without_flows_give_real_hotlines() -> None:
    chat = Transcript()
    [find] = await chat.say("帮我找个城关区的托儿所")
    assert find.kind == "facility_search" and "12345" in find.text
    [complain] = await chat.say("我要投诉一家托育机构")
    assert complain.kind == "complaint" and "12345" in complain.text and "12315" in complain.text


async def test_language_switch_persists_in_state() -> None:
    chat = Transcript()
    await chat.say("/lang en")
    assert chat.state.lang == "en" and chat.state.lang_set
    [reply] = await chat.say("How long is maternity leave in China?")
    assert reply.text.startswith("Maternity leave") and "98" in reply.text
    await chat.press("lang:zh")
    [reply] = await chat.say("产假有多少天")
    assert reply.text.startswith("国家规定的产假")


async def test_client_language_used_on_first_contact_only() -> None:
    chat = Transcript(lang="en-US")
    [reply] = await chat.say("/start")
    assert "Hello" in reply.text
    await chat.say("/lang zh")
    [reply] = await chat.say("/start")
    assert "您好" in reply.text


async def test_reply_follows_the_language_a_message_is_written_in_until_one_is_chosen() -> None:
    chat = Transcript(lang="zh-hans")  # a Chinese phone, an English-speaking parent
    [reply] = await chat.say("How long is maternity leave in China?")
    assert reply.text.startswith("Maternity leave") and not chat.state.lang_set
    [reply] = await chat.say("ok")  # too short to tell: the client's language again
    [reply] = await chat.say("产假有多少天")
    assert reply.text.startswith("国家规定的产假")
    await chat.say("/lang zh")
    [reply] = await chat.say("How long is maternity leave in China?")
    assert reply.text.startswith("国家规定的产假"), "an explicit choice wins"


def test_written_language_tells_plain_english_and_chinese_apart() -> None:
    from bot.i18n import written_language

    assert written_language("find a half-day place for my 14-month-old near 西关十字") == "en"
    assert written_language("my baby has a fever of 38.5") == "en"
    assert written_language("B超要做几次") == "zh" and written_language("DTaP 疫苗什么时候打") == "zh"
    assert written_language("ok") is None and written_language("hi 你") is None


async def test_deep_link_opens_article() -> None:
    [reply] = await Transcript().say("/start g-illness_fever-clinic7")
    assert reply.kind == "answer" and reply.article == "illness_fever"


async def test_forged_deep_link_and_button_are_harmless() -> None:
    chat = Transcript()
    [reply] = await chat.say("/start g-../../etc/passwd")
    assert reply.kind == "smalltalk"
    [reply] = await chat.press("a:no_such_article")
    assert reply.kind == "fallback"
    [reply] = await chat.press("zz:whatever")
    assert reply.kind == "smalltalk"


async def test_unsupported_inputs_get_polite_replies() -> None:
    chat = Transcript()
    for kind in ("sticker", "voice", "video", "dice"):
        [reply] = await chat.send(Inbound(InboundKind.UNSUPPORTED, text=kind))
        assert reply.kind == "smalltalk" and "文字" in reply.text
    [reply] = await chat.say("/nosuchcommand")
    assert "/help" in reply.text
    [reply] = await chat.say("宝" * 5000)
    assert "太长" in reply.text


async def test_commands_about_privacy_help() -> None:
    chat = Transcript()
    assert "演示数据" in (await chat.say("/about"))[0].text
    assert "匿名" in (await chat.say("/privacy"))[0].text
    assert "/find" in (await chat.say("/help"))[0].text


async def test_state_round_trips_through_json() -> None:
    chat = Transcript()
    await chat.say("/lang en")
    restored = State.from_dict({**chat.state.to_dict(), "unknown_future_field": 1})
    assert restored == chat.state


class ColourFlow:
    """A flow the engine has never heard of: it routes to it only by what the flow declares."""

    name, prefix, title = "colour", "col", "btn_help"
    start_commands, commands = ("colour",), ()
    keeps_emergency = False

    def __init__(self) -> None:
        self.intents: dict[str, str] = {}

    def menu_buttons(self, turn: Turn) -> list[Button]:
        return [Button("颜色", "cmd:colour")]

    def expects(self, state: State) -> Expects:
        return Expects.CHOICE

    async def understands(self, turn: Turn) -> bool:
        return turn.inbound.text.strip() in ("红", "蓝")

    async def start(self, turn: Turn) -> list[Reply]:
        turn.state.enter(self.name, "pick")
        return [Reply("smalltalk", "红还是蓝？", [Button("红色", "col:red"), Button("蓝色", "col:blue")])]

    async def on_input(self, turn: Turn) -> list[Reply]:
        choice = turn.inbound.text.partition(":")[2] if turn.inbound.kind is InboundKind.BUTTON else turn.inbound.text
        if choice in ("red", "blue", "红", "蓝"):
            turn.state.leave()
            return [Reply("smalltalk", f"选了{choice}")]
        return [Reply("smalltalk", "请选红或蓝。", [Button("红色", "col:red"), Button("蓝色", "col:blue")])]


async def test_a_new_flow_is_routed_by_what_it_declares() -> None:
    chat = Transcript(Engine(fixture_kb(), default_catalog(), [ColourFlow()]))
    [menu] = await chat.say("你好")
    assert [b.data for b in menu.buttons] == ["cmd:colour", "lang:en"]
    [ask] = await chat.say("颜色")  # the menu label typed
    assert ask.text == "红还是蓝？" and ask.buttons[-1].data == "cmd:cancel" and chat.state.flow == "colour"
    [again] = await chat.say("绿")  # short, asks nothing: an answer attempt
    assert again.text == "请选红或蓝。" and chat.state.flow == "colour"
    [done] = await chat.say("蓝色")  # a label offered at this step
    assert done.text == "选了blue" and chat.state.flow is None
    await chat.say("/colour")
    [left] = await chat.say("算了")
    assert left.text.startswith("已取消帮助") and chat.state.flow is None
    await chat.say("/colour")
    note, answer = await chat.say("产假有多少天？")
    assert note.text == "已退出帮助。" and answer.article == "leave_maternity_national"
    await chat.say("/colour")
    [done] = await chat.say("红")  # understood by the flow itself
    assert done.text == "选了红"
    await chat.say("/colour")
    [part] = await chat.say("蓝")
    assert part.text == "选了蓝"


async def test_cancel_outside_a_flow_and_an_unknown_command() -> None:
    chat = Transcript()
    assert (await chat.say("取消"))[0].text == default_catalog().get("nothing_to_cancel")
    assert "/help" in (await chat.say("/find"))[0].text  # no finder in this build

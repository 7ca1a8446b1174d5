"""The complaint dialogue end to end through bootstrap and Conversations on a real database."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from bot.bootstrap import Tuoyu, build
from bot.engine.types import Inbound, InboundKind, Reply
from bot.flows.complaint import ComplaintFlow
from bot.settings import Settings
from complaints.models import Complaint, Outbox
from complaints.outbox import LogStrategy
from complaints.views import Submission
from storage.database import Database
from storage.models import Conversation
from tests.bot.helpers import fixture_kb

NUMBER = re.compile(r"TY-\d{8}-[A-Z2-7]{8}")


class Chat:
    """One user talking to the app, the way a channel adapter would."""

    def __init__(self, app: Tuoyu, chat_key: str) -> None:
        self.app, self.chat_key = app, chat_key

    async def say(self, text: str) -> list[Reply]:
        return await self.app.conversations.process(self.chat_key, Inbound.message(text))

    async def press(self, data: str) -> list[Reply]:
        return await self.app.conversations.process(self.chat_key, Inbound(InboundKind.BUTTON, text=data))

    async def photo(self, ref: str) -> list[Reply]:
        return await self.app.conversations.process(self.chat_key, Inbound(InboundKind.PHOTO, attachment=ref))


async def app_on(settings: Settings, database: Database) -> Tuoyu:
    return await build(settings, db=database, kb=fixture_kb())


def buttons(replies: list[Reply]) -> list[str]:
    return [b.data for r in replies for b in r.buttons]


async def complaints(db: Database) -> list[Complaint]:
    async with db.session() as s:
        return list((await s.execute(select(Complaint).order_by(Complaint.id))).scalars().all())


async def to_review(chat: Chat, *, lang: str = "zh", contact: str = "13912345678") -> list[Reply]:
    await chat.say(f"/lang {lang}")
    first = await chat.say("/complain")
    assert first[0].kind == "complaint"
    assert (await chat.say("阳光宝贝托育中心" if lang == "zh" else "Sunshine Baby Care"))[0].data == {}
    assert "c:cat:food_safety" in buttons(await chat.press("c:dist:chengguan"))
    await chat.press("c:cat:food_safety")
    story = "孩子中午吃的饭菜有异味，回家后腹泻。" if lang == "zh" else "Lunch smelled off and my son had diarrhoea."
    await chat.say(story)
    await chat.press("c:when:yesterday")
    await chat.photo("photo-ref-1")
    await chat.press("c:photos:done")
    return await (chat.press("c:contact:anon") if contact == "anon" else chat.say(contact))


async def test_whole_dialogue_in_chinese(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    chat = Chat(app, "telegram:100")
    review = await to_review(chat)
    assert "城关区市场监督管理局" in review[0].text and "c:ok" in buttons(review)
    [done] = await chat.press("c:ok")
    assert done.kind == "complaint" and "查询码" in done.text
    tracking = done.data["tracking"]
    assert NUMBER.fullmatch(tracking)
    [row] = await complaints(database)
    assert (row.chat_key, row.phone, row.photos, row.district) == ("telegram:100", "13912345678", ["photo-ref-1"],
                                                                     "城关区")
    status = await chat.say(f"/status {tracking}")
    assert "已提交" in status[0].text
    stranger = await Chat(app, "telegram:999").say(f"/status {tracking}")
    assert tracking not in stranger[0].text


async def test_whole_dialogue_in_english_with_edit(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    chat = Chat(app, "web:abc")
    await to_review(chat, lang="en", contact="anon")
    await chat.press("c:edit:contact")
    bad = await chat.say("12345")
    assert "not a valid" in bad[0].text
    review = await chat.say("139 1234 5678")
    assert "mobile 13912345678" in review[0].text
    [done] = await chat.press("c:ok")
    assert "Tracking number" in done.text and "accept it by" in done.text


async def test_confirming_twice_files_once(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    chat = Chat(app, "telegram:7")
    await to_review(chat)
    first = await chat.press("c:ok")
    second = await chat.press("c:ok")
    assert first[0].data["tracking"] in second[0].text
    assert len(await complaints(database)) == 1


async def test_crash_after_filing_before_state_saved_files_once(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    chat = Chat(app, "telegram:8")
    await to_review(chat)
    state = await app.conversations.load("telegram:8")
    draft = state.data["draft"]
    await app.services.complaints.file(Submission(draft_id=draft, category="food_safety", facility_name="x",
                                                     description="filed before the crash", happened="-"))
    [again] = await chat.press("c:ok")  # the redelivered update after the restart
    assert len(await complaints(database)) == 1
    tracking, pin = again.data["tracking"], re.search(r"\b(\d{6})\b", again.text)
    assert pin is not None, "the user never saw the first answer, so a new PIN is issued"
    assert (await app.services.complaints.status_with_pin(tracking, pin.group(1))).tracking == tracking


async def test_guessing_pins_in_a_chat_is_paused_politely(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    await to_review(Chat(app, "telegram:10"))
    [filed] = await Chat(app, "telegram:10").press("c:ok")
    guesser = Chat(app, "telegram:666")
    pin = re.search(r"\b(\d{6})\b", filed.text).group(1)  # type: ignore[union-attr]
    wrong = "000000" if pin != "000000" else "111111"
    replies = [(await guesser.say(f"/status {filed.data['tracking']} {wrong}"))[0].text for _ in range(6)]
    assert "没有找到" in replies[0] and "暂停约3分钟" in replies[-1]  # the next try comes back in 3 minutes
    missing = [(await Chat(app, f"telegram:{700 + n}").say(f"/status TY-20260101-AAAAAAAA {wrong}"))[0].text
               for n in range(6)]
    assert missing[0] == replies[0] and missing[-1] == replies[-1], "a number that does not exist reads the same"
    [own] = await Chat(app, "telegram:10").say(f"/status {filed.data['tracking']}")
    assert filed.data["tracking"] in own.text, "the complainant's own chat still sees the status"


async def test_restart_resumes_the_draft(settings: Settings, database: Database) -> None:
    first = await app_on(settings, database)
    chat = Chat(first, "telegram:9")
    await chat.say("/complain")
    await chat.say("阳光宝贝托育中心")
    await chat.press("c:dist:anning")
    await chat.press("c:cat:hygiene_health")
    restarted = Chat(await app_on(settings, database), "telegram:9")  # a new process on the same database
    [asked] = await restarted.say("教室很脏，孩子的毛巾好几天没有换洗过。")
    assert asked.buttons and asked.buttons[0].data.startswith("c:when:")
    await restarted.press("c:when:today")
    await restarted.press("c:photos:done")
    review = await restarted.press("c:contact:chat")
    assert "安宁区卫生健康局" in review[0].text


async def test_anonymous_stores_no_identity(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    chat = Chat(app, "telegram:10")
    await to_review(chat, contact="anon")
    [done] = await chat.press("c:ok")
    assert "匿名" in done.text
    [row] = await complaints(database)
    assert row.chat_key is None and row.phone is None
    async with database.session() as s:
        saved = await s.get(Conversation, "telegram:10")
    assert saved is not None and done.data["tracking"] not in str(saved.state)
    assert (await chat.say("/status"))[0].buttons == []


async def test_abuse_is_urgent_and_notified_at_once(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    log = LogStrategy()
    app.services.outbox.strategies["office"] = log
    chat = Chat(app, "telegram:11")
    await chat.say("/complain")
    await chat.say("小太阳托育")
    await chat.press("c:dist:xigu")
    flagged = await chat.press("c:cat:abuse_injury")
    assert any("2 小时" in r.text for r in flagged)
    await chat.say("老师打了孩子的手，手背红肿，孩子一直哭。")
    await chat.press("c:when:today")
    await chat.press("c:photos:done")
    await chat.press("c:contact:chat")
    [done] = await chat.press("c:ok")
    assert done.data["urgent"] and done.data["office"] == "兰州市公安局西固分局"
    assert await app.services.outbox.run_once() == 2
    assert {a for a, _ in log.sent} == {"office:public_security.xigu", "office:health.xigu"}


async def test_emergency_words_mid_flow_make_it_urgent(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    chat = Chat(app, "telegram:12")
    await chat.say("/complain")
    await chat.say("小太阳托育")
    await chat.press("c:dist:xigu")
    await chat.press("c:cat:care_quality")
    replies = await chat.say("孩子在托育园抽搐了，老师没有打120，现在才通知我们")
    assert replies[0].kind == "emergency" and any(r.kind == "complaint" for r in replies)
    assert (await app.conversations.load("telegram:12")).data["urgent"] is True


async def test_similar_complaint_offered_for_support(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    await to_review(Chat(app, "telegram:13"))
    await Chat(app, "telegram:13").press("c:ok")
    other = Chat(app, "telegram:14")
    await other.say("/complain")
    await other.say("阳光宝贝托育中心")
    await other.press("c:dist:chengguan")
    offered = await other.press("c:cat:food_safety")
    assert "c:sup:yes" in buttons(offered)
    thanks = await other.press("c:sup:yes")
    assert "2" in thanks[0].text and len(await complaints(database)) == 1
    [row] = await complaints(database)
    assert row.supporters == 1


class Registry:
    """A stand-in locator service offering name search, as the finder builds it."""

    def search_names(self, text: str, limit: int = 5) -> list[dict[str, Any]]:
        return [{"id": "LZ-0042", "name": "七里河小太阳托育园", "district": "七里河区"}][:limit]


async def test_registry_search_and_recent_results(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    flow = app.engine.flows["complaint"]
    assert isinstance(flow, ComplaintFlow)
    flow.facilities = Registry()
    chat = Chat(app, "telegram:15")
    await chat.say("/complain")
    matches = await chat.say("小太阳")
    assert "c:pick:0" in buttons(matches)
    category = await chat.press("c:pick:0")
    assert "c:cat:other" in buttons(category), "district comes from the registry"
    flow.facilities = None  # without name search, the parent's recent finder results are still offered
    async with database.session() as s:  # what the finder leaves behind after a search
        state = {"memory": {"recent_facilities": [{"id": "LZ-7", "name": "安宁区彩虹托育", "district": "安宁区"}]}}
        s.add(Conversation(chat_key="telegram:16", state=state, version=1))
    recent = Chat(app, "telegram:16")
    started = await recent.say("/complain")
    assert "c:fac:LZ-7" in buttons(started)
    assert "c:cat:other" in buttons(await recent.press("c:fac:LZ-7"))


async def test_facility_card_button_starts_the_flow(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    replies = await Chat(app, "telegram:17").press("c:fac:LZ-0001")
    assert replies[0].kind == "complaint" and "c:dist:none" in buttons(replies)


async def test_status_lifecycle_reopen_and_rate_from_chat(settings: Settings, database: Database) -> None:
    app = await app_on(settings, database)
    svc = app.services.complaints
    await svc.add_staff("li", "market_regulation.chengguan")
    chat = Chat(app, "console:parent")
    await to_review(chat)
    [done] = await chat.press("c:ok")
    tracking = done.data["tracking"]
    await svc.update(tracking, "li", "accepted")
    await svc.update(tracking, "li", "resolved", note="已责令整改")
    async with database.session() as s:
        notes = (await s.execute(select(func.count()).select_from(Outbox)
                                 .where(Outbox.address == "console:parent"))).scalar()
    assert notes == 2
    status = await chat.press(f"c:st:{tracking}")
    assert "已办结" in status[0].text and f"c:rate:{tracking}:5" in buttons(status)
    assert "5" in (await chat.press(f"c:rate:{tracking}:5"))[0].text
    reopened = await chat.press(f"c:reopen:{tracking}")
    assert "城关区市场监督管理局" in reopened[0].text


async def test_card_button_finds_the_facility_in_the_registry(settings: Settings, database: Database) -> None:
    from locator.demo import seed_demo
    from locator.models import Facility

    app = await app_on(settings, database)
    await seed_demo(database)
    async with database.session() as s:
        facility = (await s.execute(select(Facility).where(Facility.district == "榆中县").limit(1))).scalar_one()
    replies = await Chat(app, "telegram:18").press(f"c:fac:{facility.registry_id}")
    assert "c:cat:food_safety" in buttons(replies), "the district comes from the registry"
    draft = (await app.conversations.load("telegram:18")).data
    assert (draft["facility_name"], draft["district"]) == (facility.name, "榆中县")


async def test_start_needs_no_database() -> None:
    from bot.engine.flow import Turn
    from bot.engine.types import State
    from bot.flows.complaint import ComplaintFlow
    from bot.i18n import default_catalog
    from complaints.routing import default_table
    from complaints.service import ComplaintService

    nowhere = Database("postgresql://nobody@127.0.0.1:1/none")  # never reachable
    flow = ComplaintFlow(ComplaintService(nowhere, default_catalog().get, pin_key=b"test"), default_table())
    state = State(memory={"recent_facilities": [{"id": "LZ-1", "name": "彩虹托育", "district": "安宁区"}]})
    [reply] = await flow.start(Turn(Inbound.message("我要投诉"), state, default_catalog(), "ask:1"))
    assert reply.kind == "complaint" and [b.data for b in reply.buttons] == ["c:fac:LZ-1"]
    assert state.flow == "complaint" and state.data["draft"]
    await nowhere.dispose()

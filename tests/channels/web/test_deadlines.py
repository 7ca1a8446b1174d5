"""Deadlines in Lanzhou time: counted in Asia/Shanghai, stored in UTC, and the same in every view."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import select

from bot.bootstrap import Tuoyu
from complaints.lifecycle import LANZHOU, deadlines, local
from complaints.models import Complaint
from tests.channels.web.conftest import PASSWORD, csrf_of, login

SESSION = "deadlineweb01"
MINUTE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def weekdays_after(day: date, count: int) -> date:
    while count:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


def test_working_days_are_counted_on_the_lanzhou_calendar() -> None:
    friday_evening_utc = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # already Saturday 04:00 in Lanzhou
    ack, resolve = deadlines(friday_evening_utc, urgent=False)
    assert ack.tzinfo is not None and ack.utcoffset() == timedelta(0), "stored in UTC"
    assert ack.astimezone(LANZHOU) == datetime(2026, 12, 9, 4, 0, tzinfo=LANZHOU)  # Sat → Mon, Tue, Wed
    assert local(ack) == "2026-12-09 04:00" and local(ack.replace(tzinfo=None)) == "2026-12-09 04:00"
    assert resolve.astimezone(LANZHOU).date() == weekdays_after(date(2026, 12, 5), 15)
    urgent_ack, _ = deadlines(friday_evening_utc, urgent=True)
    assert local(urgent_ack) == "2026-12-05 06:00"


async def chat(client: httpx.AsyncClient, **body: object) -> dict:
    response = await client.post("/api/chat", json={"session": SESSION, **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_every_view_shows_the_same_deadlines(client: httpx.AsyncClient, tuoyu: Tuoyu) -> None:
    await tuoyu.services.complaints.add_staff("wang", "health.chengguan", password=PASSWORD)
    reply: dict = {}
    for body in ({"text": "/complain"}, {"text": "期限测试托育中心"}, {"button": "c:dist:chengguan"},
                 {"button": "c:cat:hygiene_health"}, {"text": "厨房很脏，孩子们的餐具没有消毒。"},
                 {"button": "c:when:yesterday"}, {"button": "c:photos:done"}, {"button": "c:contact:chat"},
                 {"button": "c:ok"}):
        reply = await chat(client, **body)
    receipt = reply["text"]
    tracking = re.search(r"TY-\d{8}-[A-Z2-7]{8}", receipt).group()  # type: ignore[union-attr]
    pin = re.search(r"\b\d{6}\b", receipt.split(tracking, 1)[1]).group()  # type: ignore[union-attr]

    async with tuoyu.db.session() as s:
        created = (await s.execute(select(Complaint.created_at).where(Complaint.tracking == tracking))).scalar_one()
    created_local = (created if created.tzinfo else created.replace(tzinfo=UTC)).astimezone(LANZHOU)
    ack = f"{weekdays_after(created_local.date(), 3)} {created_local:%H:%M}"
    resolve = f"{weekdays_after(created_local.date(), 15)} {created_local:%H:%M}"
    assert MINUTE.findall(receipt) == [ack, resolve], "the receipt counts in Lanzhou time"

    in_chat = (await chat(client, text=f"/status {tracking}"))["text"]
    token = await csrf_of(client, "/status")
    page = (await client.post("/status", data={"tracking": tracking, "pin": pin, "csrf": token})).text
    assert (await login(client)).status_code in (302, 303)
    case = (await client.get(f"/staff/cases/{tracking}")).text
    listing = (await client.get("/staff")).text
    for name, view in (("/status in chat", in_chat), ("status page", page), ("staff case", case)):
        assert ack in view and resolve in view, name
    assert resolve in listing, "staff list"

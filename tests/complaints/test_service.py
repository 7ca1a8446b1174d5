"""The complaint service on a real database: lifecycle, access, audit, deadlines, privacy, concurrency."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from complaints.errors import Forbidden, Invalid, InvalidTransition, NotFound, Throttled
from complaints.lifecycle import add_working_days, deadlines
from complaints.models import AuditLog, Complaint, Outbox
from complaints.service import PIN_LOCK, PIN_TRIES
from complaints.tracking import TRACKING
from storage.database import Database
from tests.complaints.support import MONDAY, Clock, file, service


async def outbox(db: Database) -> list[Outbox]:
    async with db.session() as s:
        return list((await s.execute(select(Outbox).order_by(Outbox.id))).scalars().all())


def test_working_days_skip_weekends() -> None:
    friday = MONDAY + timedelta(days=4)
    assert add_working_days(friday, 1).weekday() == 0
    ack, resolve = deadlines(friday, urgent=False)
    assert (ack - friday).days == 5 and (resolve - friday).days == 21
    urgent_ack, _ = deadlines(friday, urgent=True)
    assert urgent_ack - friday == timedelta(hours=2)


async def test_file_routes_and_notifies_the_office(database: Database) -> None:
    svc = service(database)
    await svc.add_staff("li", "market_regulation.chengguan", telegram_chat="555")
    filed = await file(svc)
    assert TRACKING.match(filed.tracking) and filed.pin and len(filed.pin) == 6
    assert filed.office == "城关区市场监督管理局" and filed.level == "district" and not filed.urgent
    assert filed.ack_due_at == add_working_days(MONDAY, 3)
    [to_staff, to_health] = await outbox(database)
    assert to_staff.address == "telegram:555" and filed.tracking in to_staff.text
    assert to_health.address == "office:health.chengguan"


async def test_same_draft_files_once(database: Database) -> None:
    svc = service(database)
    first = await file(svc, draft_id="draft-1")
    again = await asyncio.gather(*(file(svc, draft_id="draft-1") for _ in range(5)))
    assert {a.tracking for a in again} == {first.tracking} and not any(a.created for a in again)
    async with database.session() as s:
        assert await s.scalar(select(func.count()).select_from(Complaint)) == 1


async def test_concurrent_filings_get_distinct_numbers(database: Database) -> None:
    svc = service(database)
    filed = await asyncio.gather(*(file(svc) for _ in range(200)))
    assert len({f.tracking for f in filed}) == 200
    async with database.session() as s:
        assert await s.scalar(select(func.count()).select_from(Complaint)) == 200


async def test_lifecycle_notifies_the_complainant_each_time(database: Database) -> None:
    svc = service(database)
    await svc.add_staff("li", "market_regulation.chengguan")
    filed = await file(svc)
    for status in ("accepted", "in_progress", "resolved"):
        await svc.update(filed.tracking, "li", status, note=f"step {status}")
    to_parent = [r for r in await outbox(database) if r.address == "test:parent"]
    assert len(to_parent) == 3 and "已办结" in to_parent[-1].text
    with pytest.raises(InvalidTransition):
        await svc.update(filed.tracking, "li", "in_progress")
    view = await svc.status_for_chat(filed.tracking, "test:parent")
    assert view.status == "resolved" and view.can_reopen and view.can_rate


async def test_reject_and_transfer_need_reasons(database: Database) -> None:
    svc = service(database)
    await svc.add_staff("li", "market_regulation.chengguan")
    await svc.add_staff("zhao", "health.chengguan")
    filed = await file(svc)
    with pytest.raises(Invalid):
        await svc.update(filed.tracking, "li", "rejected")
    moved = await svc.update(filed.tracking, "li", "transferred", note="卫生问题", transfer_to="health")
    assert moved.office_code == "health.chengguan"
    with pytest.raises(Forbidden):
        await svc.show(filed.tracking, "li")
    assert (await svc.show(filed.tracking, "zhao")).phone == "13912345678"
    await svc.update(filed.tracking, "zhao", "rejected", note="不属于托育，请拨打 12315")
    assert (await svc.status_with_pin(filed.tracking, filed.pin or "")).status == "rejected"


async def test_other_office_cannot_read_or_change(database: Database) -> None:
    svc = service(database)
    await svc.add_staff("li", "market_regulation.chengguan")
    await svc.add_staff("wu", "market_regulation.qilihe")
    filed = await file(svc)
    with pytest.raises(Forbidden):
        await svc.show(filed.tracking, "wu")
    with pytest.raises(Forbidden):
        await svc.update(filed.tracking, "wu", "accepted")
    assert [s.tracking for s in await svc.list_for_staff("li")] == [filed.tracking]
    assert await svc.list_for_staff("wu") == []
    await svc.show(filed.tracking, "li")
    async with database.session() as s:
        actions = [(a.actor, a.action) for a in (await s.execute(select(AuditLog).order_by(AuditLog.id))).scalars()]
    assert ("wu", "denied_view") in actions and ("wu", "denied_update") in actions and ("li", "view") in actions


async def test_status_needs_the_same_chat_or_the_pin(database: Database) -> None:
    svc = service(database)
    filed = await file(svc)
    with pytest.raises(NotFound):
        await svc.status_for_chat(filed.tracking, "test:stranger")
    with pytest.raises(NotFound):
        await svc.status_with_pin(filed.tracking, "000000" if filed.pin != "000000" else "111111")
    assert (await svc.status_with_pin(filed.tracking.lower(), filed.pin or "")).tracking == filed.tracking


async def test_wrong_pins_pause_lookups_by_pin_for_every_instance(database: Database) -> None:
    clock = Clock()
    first, second = service(database, clock), service(database, clock)  # two instances, one database
    filed = await file(first)
    wrong = "000000" if filed.pin != "000000" else "111111"
    for n in range(PIN_TRIES):
        with pytest.raises(NotFound):
            await (first if n % 2 else second).status_with_pin(filed.tracking, wrong)
    with pytest.raises(Throttled) as paused:
        await second.status_with_pin(filed.tracking, filed.pin or "")  # even the right PIN waits
    assert paused.value.retry_after == PIN_LOCK / PIN_TRIES  # the next try comes back after this
    assert (await first.status_for_chat(filed.tracking, "test:parent")).tracking == filed.tracking
    clock.advance(seconds=(PIN_LOCK / PIN_TRIES).total_seconds() + 1)
    assert (await first.status_with_pin(filed.tracking, filed.pin or "")).tracking == filed.tracking


async def test_a_right_pin_resets_the_count_of_wrong_ones(database: Database) -> None:
    svc = service(database)
    filed = await file(svc)
    wrong = "000000" if filed.pin != "000000" else "111111"
    for _ in range(3):
        for _ in range(PIN_TRIES - 1):
            with pytest.raises(NotFound):
                await svc.status_with_pin(filed.tracking, wrong)
        assert (await svc.status_with_pin(filed.tracking, filed.pin or "")).tracking == filed.tracking


async def test_anonymous_keeps_no_identity(database: Database) -> None:
    svc = service(database)
    await svc.add_staff("li", "market_regulation.chengguan")
    filed = await file(svc, anonymous=True)
    await svc.update(filed.tracking, "li", "accepted")
    async with database.session() as s:
        row = (await s.execute(select(Complaint))).scalar_one()
    assert row.chat_key is None and row.phone is None and row.anonymous
    assert all(r.address.startswith("office:") for r in await outbox(database))


async def test_urgent_notifies_office_and_also_notify_at_once(database: Database) -> None:
    clock = Clock()
    svc = service(database, clock)
    filed = await file(svc, category="abuse_injury", district="七里河区")
    assert filed.urgent and filed.office == "兰州市公安局七里河分局"
    assert filed.ack_due_at == MONDAY + timedelta(hours=2) and clock.woken
    rows = await outbox(database)
    assert {r.address for r in rows} == {"office:public_security.qilihe", "office:health.qilihe"}
    assert all(r.urgent and "紧急" in r.text for r in rows)


async def test_overdue_escalates_to_the_city_once(database: Database) -> None:
    clock = Clock()
    svc = service(database, clock)
    filed = await file(svc)
    clock.advance(days=2)
    assert await svc.escalate_overdue() == []
    clock.advance(days=2)
    assert await svc.escalate_overdue() == [filed.tracking]
    assert await svc.escalate_overdue() == []
    await svc.add_staff("city", "market_regulation.city")
    assert [s.tracking for s in await svc.list_for_staff("city")] == [filed.tracking]
    assert any(r.address == "office:market_regulation.city" for r in await outbox(database))


async def test_reopen_within_30_days_and_rate(database: Database) -> None:
    clock = Clock()
    svc = service(database, clock)
    await svc.add_staff("li", "market_regulation.chengguan")
    filed = await file(svc)
    await svc.update(filed.tracking, "li", "accepted")
    await svc.update(filed.tracking, "li", "resolved", note="已约谈机构")
    with pytest.raises(NotFound):
        await svc.rate(filed.tracking, 4, chat_key="test:stranger")
    await svc.rate(filed.tracking, 4, chat_key="test:parent")
    clock.advance(days=10)
    reopened = await svc.reopen(filed.tracking, chat_key="test:parent", reason="问题又出现了")
    assert reopened.status == "in_progress" and reopened.rating is None
    await svc.update(filed.tracking, "li", "resolved", note="再次处理")
    clock.advance(days=31)
    with pytest.raises(Invalid):
        await svc.reopen(filed.tracking, pin=filed.pin)


async def test_purge_removes_contact_after_retention(database: Database) -> None:
    clock = Clock()
    svc = service(database, clock)
    await svc.add_staff("li", "market_regulation.chengguan")
    closed, still_open = await file(svc), await file(svc, category="fees_contract")
    await svc.update(closed.tracking, "li", "rejected", note="请拨打 12345")
    clock.advance(days=100)
    assert await svc.purge_contacts(180) == 0
    clock.advance(days=81)
    assert await svc.purge_contacts(180) == 1
    async with database.session() as s:
        rows = {r.tracking: r for r in (await s.execute(select(Complaint))).scalars()}
    assert rows[closed.tracking].phone is None and rows[closed.tracking].chat_key is None
    assert rows[still_open.tracking].phone == "13912345678"


async def test_similar_complaint_is_offered_for_support(database: Database) -> None:
    clock = Clock()
    svc = service(database, clock)
    filed = await file(svc, facility_id="LZ-001")
    similar = await svc.similar("food_safety", "LZ-001", "whatever", None)
    assert similar is not None and similar.tracking == filed.tracking
    assert (await svc.support(filed.tracking)).supporters == 1
    assert await svc.similar("fees_contract", "LZ-001", "whatever", None) is None
    clock.advance(days=8)
    assert await svc.similar("food_safety", "LZ-001", "whatever", None) is None


async def test_staff_passwords_are_argon2(database: Database) -> None:
    svc = service(database)
    await svc.add_staff("li", "health.city", password="s3cret")
    assert (await svc.authenticate("li", "s3cret")).office == "兰州市卫生健康委员会"
    with pytest.raises(Forbidden):
        await svc.authenticate("li", "wrong")
    with pytest.raises(Invalid):
        await svc.add_staff("x", "health.nowhere")


async def test_routing_override_is_audited_and_used(database: Database) -> None:
    svc = service(database)
    await svc.add_staff("boss", "health.city")
    with pytest.raises(Invalid):
        await svc.set_route("other", None, "civil_affairs", actor="boss", why=" ")
    route = await svc.set_route("other", "西固", "civil_affairs", actor="boss", why="民政牵头")
    assert route.office == "西固区民政局"
    assert (await file(svc, category="other", district="西固区")).office == "西固区民政局"
    assert (await file(svc, category="other", district="城关区")).office == "城关区卫生健康局"
    [change] = await svc.routing_history()
    assert change.actor == "boss" and change.why == "民政牵头"


async def test_concurrent_supports_are_all_counted(database: Database) -> None:
    svc = service(database)
    filed = await file(svc)
    await asyncio.gather(*(svc.support(filed.tracking) for _ in range(20)))
    assert (await svc.support(filed.tracking)).supporters == 21


async def test_pins_are_keyed_and_rows_from_before_still_open(database: Database) -> None:
    import hashlib

    from complaints import tracking as tn

    svc = service(database)
    filed = await file(svc)
    async with database.session() as s:
        row = (await s.execute(select(Complaint))).scalar_one()
        assert row.pin_hash.startswith(tn.KEYED)  # an HMAC: without the key a leaked table is 10^6 guesses away
        assert row.pin_hash != tn.pin_hash(filed.tracking, filed.pin or "", b"another key")
        row.pin_hash = hashlib.sha256(f"{filed.tracking}:{filed.pin}".encode()).hexdigest()  # stored before
    assert (await svc.status_with_pin(filed.tracking, filed.pin or "")).tracking == filed.tracking
    async with database.session() as s:
        assert (await s.execute(select(Complaint.pin_hash))).scalar_one() == tn.pin_hash(
            filed.tracking, filed.pin or "", b"test")  # rehashed with the key at the first right PIN


async def test_read_models_for_the_staff_pages_and_metrics(database: Database) -> None:
    """The audit trail of one case and the monitoring backlog, as plain data (the pages query no tables)."""
    svc = service(database)
    await svc.add_staff("li", "market_regulation.chengguan", telegram_chat="555")
    filed = await file(svc)
    await svc.show(filed.tracking, "li")
    await svc.update(filed.tracking, "li", "accepted", "已受理")
    trail = await svc.audit_trail(filed.tracking)
    assert [(a.actor, a.action) for a in trail][-2:] == [("li", "view"), ("li", "update")]
    assert await svc.audit_trail("TY-20260101-NOTTHERE") == []
    backlog = await svc.backlog()
    assert backlog.by_status == {"accepted": 1}
    assert backlog.pending == len(await outbox(database)) > 0 and backlog.oldest_pending is not None
    assert backlog.oldest_pending.tzinfo is not None

"""Staff chart figures: weekly filings, districts, backlog and median times match the complaints in the database."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from complaints.stats import complaint_stats, week_of
from storage.database import Database
from tests.complaints.support import MONDAY, Clock, file, service

OFFICE = "health.chengguan"


async def test_figures_match_the_complaints(database: Database) -> None:
    clock = Clock()
    svc = service(database, clock)
    await svc.add_staff("wang", OFFICE, password="pw-123456789")
    a = await file(svc, category="care_quality")
    b = await file(svc, category="hygiene_health")
    other_office = await file(svc, category="care_quality", district="七里河区")
    elsewhere = await file(svc, category="food_safety")  # market regulation: another department
    assert a.office_code == b.office_code == OFFICE and other_office.office_code != OFFICE
    clock.advance(hours=5)
    await svc.update(a.tracking, "wang", "accepted")
    clock.advance(days=7)
    c = await file(svc, category="care_quality", district=None, facility_name="某托育")  # goes to the city office
    d = await file(svc, category="staff")
    clock.advance(hours=12)
    await svc.update(a.tracking, "wang", "resolved", "已整改")
    await svc.update(d.tracking, "wang", "accepted")
    clock.advance(days=3)

    now = clock()
    stats = await complaint_stats(database, now, office=OFFICE, weeks=4)
    this_week, last_week = week_of(now), week_of(now) - timedelta(weeks=1)
    assert stats.weeks == [this_week - timedelta(weeks=k) for k in (3, 2, 1, 0)] and this_week == date(2026, 12, 7)
    assert stats.filed == {"care_quality": [0, 0, 1, 0], "hygiene_health": [0, 0, 1, 0], "staff": [0, 0, 0, 1]}
    assert stats.by_district == {"城关区": 3}
    summaries = await svc.list_for_staff("wang")  # the case list's own view of what is open and overdue
    assert sum(stats.on_time.values()) == sum(not s.overdue for s in summaries) == 1  # d, accepted in time
    assert sum(stats.overdue.values()) == sum(s.overdue for s in summaries) == 1  # b, never accepted
    assert stats.accept_hours == [None, None, 5.0, 12.0]  # a after 5 h (last week), d after 12 h (this week)
    assert stats.resolve_days == [None, None, None, 7.7]  # a: 5 h + 7 days + 12 h
    del b, c, elsewhere

    city = await complaint_stats(database, now, department="health", weeks=4)
    assert Counter({k: sum(v) for k, v in city.filed.items()}) == Counter(care_quality=3, hygiene_health=1, staff=1)
    assert city.by_district == {"城关区": 3, "七里河区": 1, "": 1}
    everything = await complaint_stats(database, now, weeks=4)
    assert sum(everything.by_district.values()) == 6
    assert last_week in everything.weeks


async def test_csv_rows_cover_every_figure(database: Database) -> None:
    clock = Clock()
    svc = service(database, clock)
    await file(svc, category="care_quality")
    stats = await complaint_stats(database, clock(), weeks=2)
    rows = stats.rows()
    assert ("filed", week_of(MONDAY).isoformat(), "care_quality", 1) in rows
    assert ("filed", (week_of(MONDAY) - timedelta(weeks=1)).isoformat(), "care_quality", 0) in rows
    assert ("filed_by_district", "", "城关区", 1) in rows and ("open_on_time", "", "城关区", 1) in rows
    assert not [r for r in rows if r[0].startswith("median")]

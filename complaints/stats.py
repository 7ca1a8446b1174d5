"""Complaint figures for the staff charts, as plain data: weekly filings, districts, backlog, median handling times."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select

from complaints.lifecycle import CLOSED, LANZHOU, Status
from complaints.models import Complaint
from storage.database import Database

WEEKS = 12
HOUR = 3600.0


@dataclass(frozen=True)
class Stats:
    """One scope's figures; weeks are Mondays in Lanzhou time, oldest first; "" is an unknown district."""

    weeks: list[date]
    filed: dict[str, list[int]]  # category → complaints filed in each week
    by_district: dict[str, int]  # district → complaints filed over all the weeks
    on_time: dict[str, int]  # district → open now and within every deadline
    overdue: dict[str, int]  # district → open now and past a deadline
    accept_hours: list[float | None]  # median hours from filing to acceptance, by week of acceptance
    resolve_days: list[float | None]  # median days from filing to resolution, by week of resolution

    def rows(self) -> list[tuple[str, str, str, float]]:
        """Every figure as (figure, week, key, value): the charts' CSV."""
        out: list[tuple[str, str, str, float]] = []
        for category, counts in self.filed.items():
            out += [("filed", w.isoformat(), category, n) for w, n in zip(self.weeks, counts, strict=True)]
        out += [("filed_by_district", "", d, n) for d, n in self.by_district.items()]
        out += [("open_on_time", "", d, n) for d, n in self.on_time.items()]
        out += [("open_overdue", "", d, n) for d, n in self.overdue.items()]
        out += [("median_hours_to_acceptance", w.isoformat(), "", v)
                for w, v in zip(self.weeks, self.accept_hours, strict=True) if v is not None]
        out += [("median_days_to_resolution", w.isoformat(), "", v)
                for w, v in zip(self.weeks, self.resolve_days, strict=True) if v is not None]
        return out


def week_of(moment: datetime) -> date:
    """The Monday (Lanzhou time) of the week a moment falls in."""
    day = moment.astimezone(LANZHOU).date()
    return day - timedelta(days=day.weekday())


def is_overdue(status: str, acknowledged_at: datetime | None, ack_due: datetime, resolve_due: datetime,
               now: datetime) -> bool:
    """Open and past the acceptance deadline unaccepted, or past the resolution deadline (as the case list)."""
    return status not in CLOSED and ((acknowledged_at is None and ack_due < now) or resolve_due < now)


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive timestamps; every one stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _median(values: list[float], unit: float) -> float | None:
    return round(statistics.median(values) / unit, 1) if values else None


async def complaint_stats(db: Database, now: datetime, *, office: str | None = None, department: str | None = None,
                          weeks: int = WEEKS) -> Stats:
    """Figures for one office, or every office of a department (the city level), or all when neither is given."""
    mondays = [week_of(now) - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    start = datetime.combine(mondays[0], datetime.min.time(), LANZHOU)
    query = select(Complaint.category, Complaint.district, Complaint.status, Complaint.created_at,
                   Complaint.acknowledged_at, Complaint.closed_at, Complaint.ack_due_at, Complaint.resolve_due_at)
    if office is not None:
        query = query.where(Complaint.office_code == office)
    if department is not None:
        query = query.where(Complaint.office_code.startswith(f"{department}.", autoescape=True))
    query = query.where(or_(Complaint.created_at >= start, Complaint.acknowledged_at >= start,
                            Complaint.closed_at >= start, Complaint.status.not_in([s.value for s in CLOSED])))
    index = {monday: i for i, monday in enumerate(mondays)}
    filed: dict[str, list[int]] = {}
    by_district: Counter[str] = Counter()
    on_time: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    accept: list[list[float]] = [[] for _ in mondays]
    resolve: list[list[float]] = [[] for _ in mondays]
    async with db.session() as s:
        rows = (await s.execute(query)).all()
    for category, district, status, created_at, accepted_at, closed_at, ack_due, resolve_due in rows:
        created = _utc(created_at)
        accepted = _utc(accepted_at) if accepted_at else None
        district = district or ""
        week = index.get(week_of(created))
        if week is not None:
            filed.setdefault(category, [0] * weeks)[week] += 1
            by_district[district] += 1
        if status not in CLOSED:
            late = is_overdue(status, accepted, _utc(ack_due), _utc(resolve_due), now)
            (overdue if late else on_time)[district] += 1
        if accepted and (week := index.get(week_of(accepted))) is not None:
            accept[week].append((accepted - created).total_seconds())
        if status == Status.RESOLVED and closed_at and (week := index.get(week_of(_utc(closed_at)))) is not None:
            resolve[week].append((_utc(closed_at) - created).total_seconds())
    return Stats(mondays, dict(sorted(filed.items())), dict(by_district.most_common()),
                 dict(sorted(on_time.items())), dict(sorted(overdue.items())),
                 [_median(v, HOUR) for v in accept], [_median(v, 24 * HOUR) for v in resolve])

"""Work for every job of the jobs runner, and a check of which jobs did theirs (shared by the process tests)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update

from complaints.models import Complaint, Outbox
from complaints.service import ComplaintService
from tests.complaints.support import file

JOBS = frozenset({"deliver", "escalate", "purge"})


@dataclass(frozen=True)
class Staged:
    overdue: str  # tracking number of a complaint past its acceptance deadline
    expired: str  # tracking number of a complaint closed longer ago than the retention period


async def stage(svc: ComplaintService, retention_days: int = 180) -> Staged:
    """One overdue complaint, one closed long ago with a phone number; both have undelivered office notices."""
    now = svc.clock()
    overdue, expired = await file(svc, facility_name="逾期托育园"), await file(svc, facility_name="早已办结托育园")
    async with svc.db.session() as s:
        await s.execute(update(Complaint).where(Complaint.tracking == overdue.tracking)
                        .values(created_at=now - timedelta(days=10), ack_due_at=now - timedelta(days=5)))
        await s.execute(update(Complaint).where(Complaint.tracking == expired.tracking)
                        .values(status="resolved", acknowledged_at=now - timedelta(days=retention_days + 9),
                                closed_at=now - timedelta(days=retention_days + 1)))
    return Staged(overdue.tracking, expired.tracking)


async def done(svc: ComplaintService, staged: Staged) -> set[str]:
    """The jobs whose work on `staged` is visible in the database."""
    async with svc.db.session() as s:
        escalated = (await s.execute(select(Complaint.escalated_at)
                                     .where(Complaint.tracking == staged.overdue))).scalar_one()
        phone = (await s.execute(select(Complaint.phone).where(Complaint.tracking == staged.expired))).scalar_one()
        ids = select(Complaint.id).where(Complaint.tracking.in_([staged.overdue, staged.expired]))
        unsent = (await s.execute(select(func.count()).select_from(Outbox).where(
            Outbox.complaint_id.in_(ids), Outbox.sent_at.is_(None)))).scalar_one()
    return {name for name, ok in (("deliver", unsent == 0), ("escalate", escalated is not None),
                                  ("purge", phone is None)) if ok}


async def wait_for_jobs(svc: ComplaintService, staged: Staged, timeout: float = 10.0) -> set[str]:
    """Poll until every job did its work or `timeout` passes; the jobs seen working."""
    seen: set[str] = set()
    for _ in range(int(timeout / 0.05)):
        seen = await done(svc, staged)
        if seen == JOBS:
            break
        await asyncio.sleep(0.05)
    return seen

"""Work for every job of the jobs runner, and a check of which jobs did theirs (shared by the process tests)."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from complaints.models import Complaint, Outbox
from complaints.photos import folder
from complaints.service import ComplaintService
from tests.complaints.support import file

JOBS = frozenset({"deliver", "escalate", "purge", "photo_orphans"})


@dataclass(frozen=True)
class Staged:
    overdue: str  # tracking number of a complaint past its acceptance deadline
    expired: str  # tracking number of a complaint closed longer ago than the retention period
    orphan: Path  # a stored photo, days old, that nothing refers to


async def stage(svc: ComplaintService, data_dir: Path, retention_days: int = 180) -> Staged:
    """One overdue complaint, one closed long ago with a phone number (both with undelivered office notices),
    and an old photo in the uploads folder of `data_dir` that no complaint or draft refers to."""
    now = svc.clock()
    uploads = folder(data_dir)
    uploads.mkdir(parents=True, exist_ok=True)
    orphan = uploads / f"{secrets.token_hex(16)}.jpg"
    orphan.write_bytes(b"\xff\xd8\xff")
    three_days_ago = time.time() - 3 * 86400
    os.utime(orphan, (three_days_ago, three_days_ago))
    overdue, expired = await file(svc, facility_name="逾期托育园"), await file(svc, facility_name="早已办结托育园")
    async with svc.db.session() as s:
        await s.execute(update(Complaint).where(Complaint.tracking == overdue.tracking)
                        .values(created_at=now - timedelta(days=10), ack_due_at=now - timedelta(days=5)))
        await s.execute(update(Complaint).where(Complaint.tracking == expired.tracking)
                        .values(status="resolved", acknowledged_at=now - timedelta(days=retention_days + 9),
                                closed_at=now - timedelta(days=retention_days + 1)))
    return Staged(overdue.tracking, expired.tracking, orphan)


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
                                  ("purge", phone is None), ("photo_orphans", not staged.orphan.exists()))
            if ok}


async def wait_for_jobs(svc: ComplaintService, staged: Staged, timeout: float = 10.0) -> set[str]:
    """Poll until every job did its work or `timeout` passes; the jobs seen working."""
    seen: set[str] = set()
    for _ in range(int(timeout / 0.05)):
        seen = await done(svc, staged)
        if seen == JOBS:
            break
        await asyncio.sleep(0.05)
    return seen

"""Helpers for complaint tests: a settable clock, a service on the test database, a filed complaint."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.i18n import default_catalog
from complaints.service import ComplaintService
from complaints.views import Filed, Submission
from storage.database import Database

MONDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Lanzhou


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = MONDAY
    woken: list[bool] = field(default_factory=list)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def service(db: Database, clock: Clock | None = None) -> ComplaintService:
    clock = clock or Clock()
    return ComplaintService(db, default_catalog().get, pin_key=b"test", clock=clock,
                            wake=lambda: clock.woken.append(True))


def submission(**overrides: object) -> Submission:
    values: dict[str, object] = {
        "draft_id": uuid.uuid4().hex, "category": "food_safety", "facility_name": "阳光宝贝托育中心",
        "district": "城关区", "description": "午饭有异味，孩子回家后腹泻。", "happened": "昨天", "lang": "zh",
        "chat_key": "test:parent", "phone": "13912345678",
    }
    values.update(overrides)
    return Submission(**values)  # type: ignore[arg-type]


async def file(svc: ComplaintService, **overrides: object) -> Filed:
    return await svc.file(submission(**overrides))

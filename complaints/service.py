"""The complaint use cases: one function, one transaction; the bot, dashboard and staff chat all call these."""

from __future__ import annotations

import json
import logging
import re
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from complaints import passwords
from complaints import tracking as tn
from complaints.errors import Forbidden, Invalid, NotFound, Throttled
from complaints.lifecycle import CLOSED, REOPEN_WINDOW, SIMILAR_WINDOW, Status, check_transition, deadlines, local
from complaints.models import AuditLog, Complaint, ComplaintEvent, Outbox, RoutingChange, Staff
from complaints.outbox import Clock, enqueue, utc_now
from complaints.privacy import mask_numbers, redact_numbers, without
from complaints.routing import CATEGORIES, DEPARTMENTS, Office, Route, RoutingTable, Rule
from complaints.views import (
    AuditEntry,
    Backlog,
    Detail,
    Event,
    Filed,
    Similar,
    StaffView,
    StatusView,
    Submission,
    Summary,
    aware,
)
from storage import attempts
from storage.database import Database
from storage.models import Conversation

log = logging.getLogger(__name__)

#: texts(key, lang, **values) -> str: the message catalog, injected so this package never imports bot/.
Texts = Callable[..., str]
PHONE = re.compile(r"^1[3-9]\d{9}$")
DESCRIPTION_LIMITS = (10, 2000)
MAX_PHOTOS = 5
PIN_TRIES = 5  # wrong PINs in a row before lookups by PIN pause
PIN_LOCK = timedelta(minutes=15)
PIN_BUDGET = attempts.Budget(PIN_TRIES, PIN_TRIES / PIN_LOCK.total_seconds())
CLIENT_PIN_BUDGET = attempts.Budget(10, 1 / 60)  # any numbers, per address or chat
COMPLAINANT = "complainant"
SYSTEM = "system"


def valid_phone(text: str) -> str | None:
    """A mainland mobile number in the input (spaces, dashes and +86 allowed), or None."""
    digits = re.sub(r"[\s\-()]", "", text)
    digits = digits.removeprefix("+86").removeprefix("0086")
    return digits if PHONE.match(digits) else None


class ComplaintService:
    """Complaint use cases over one database; `wake` is called after urgent notifications are committed.

    `pin_key` (`tracking.pin_key` of the app secret) keys the PIN hashes: every process needs the same one.
    """

    def __init__(self, db: Database, texts: Texts, *, pin_key: bytes, table: RoutingTable | None = None,
                 clock: Clock = utc_now, wake: Callable[[], None] | None = None) -> None:
        from complaints.routing import default_table

        self.db = db
        self.pin_key = pin_key
        self.texts = texts
        self.base_table = table or default_table()
        self.clock = clock
        self.wake = wake
        #: Told each chat whose saved conversation the purge changed (a process may keep a copy of it).
        self.chat_changed: Callable[[str], None] | None = None

    # ---- routing -------------------------------------------------------------------------------

    async def routing(self) -> RoutingTable:
        """The routing file with the newest staff override per (category, district) applied."""
        async with self.db.session() as s:
            return await self._routing(s)

    async def _routing(self, s: AsyncSession) -> RoutingTable:
        rows = (await s.execute(select(RoutingChange).order_by(RoutingChange.id))).scalars().all()
        overrides = {(r.category, r.district): Rule(r.department, tuple(r.also_notify), r.urgent, f"override: {r.why}")
                     for r in rows}
        return self.base_table.with_overrides(overrides)

    async def route(self, category: str, district: str | None = None) -> Route:
        return (await self.routing()).route(category, district)

    async def set_route(self, category: str, district: str | None, department: str, *, actor: str, why: str,
                        also_notify: tuple[str, ...] | None = None, urgent: bool | None = None) -> Route:
        """Override one routing row (district None = every district); audited with who and why."""
        if not why.strip():
            raise Invalid("a reason (--why) is required for a routing change")
        unknown = [d for d in (department, *(also_notify or ())) if d not in DEPARTMENTS]
        if unknown:
            raise Invalid(f"unknown department {unknown[0]!r}")
        table = await self.routing()
        current = table.rule(category, None)
        name = table.district(district) if district else None
        if district and name is None:
            raise Invalid(f"unknown district {district!r}")
        async with self.db.session() as s:
            await self._staff(s, actor)
            change = RoutingChange(actor=actor, category=category, district=name, department=department,
                                   also_notify=list(current.also_notify if also_notify is None else also_notify),
                                   urgent=current.urgent if urgent is None else urgent, why=why.strip(),
                                   at=self.clock())
            s.add(change)
            s.add(AuditLog(actor=actor, action="route_set", at=self.clock(),
                           detail={"category": category, "district": name, "department": department, "why": why}))
        return await self.route(category, name)

    async def routing_history(self) -> list[RoutingChange]:
        async with self.db.session() as s:
            return list((await s.execute(select(RoutingChange).order_by(RoutingChange.id))).scalars().all())

    # ---- complainant ---------------------------------------------------------------------------

    async def similar(self, category: str, facility_id: str | None, facility_name: str,
                      district: str | None) -> Similar | None:
        """An open complaint on the same facility and category from the last 7 days."""
        since = self.clock() - SIMILAR_WINDOW
        query = select(Complaint).where(Complaint.category == category, Complaint.created_at >= since,
                                        Complaint.status.not_in([s.value for s in CLOSED]))
        if facility_id:
            query = query.where(Complaint.facility_id == facility_id)
        else:
            query = query.where(func.lower(Complaint.facility_name) == facility_name.strip().lower(),
                                Complaint.district == district)
        async with self.db.session() as s:
            row = (await s.execute(query.order_by(Complaint.id).limit(1))).scalar()
        return Similar(row.tracking, row.status, row.office_name, row.supporters) if row else None

    async def support(self, tracking: str) -> Similar:
        """Count another family behind an open complaint instead of filing a duplicate."""
        async with self.db.session() as s:
            row = await self._complaint(s, tracking, lock=True)
            await s.execute(update(Complaint).where(Complaint.id == row.id)
                            .values(supporters=Complaint.supporters + 1))
            await s.refresh(row)
            s.add(ComplaintEvent(complaint_id=row.id, actor=COMPLAINANT, action="support", note="", at=self.clock()))
            return Similar(row.tracking, row.status, row.office_name, row.supporters)

    async def file(self, sub: Submission, *, reissue_pin: bool = False) -> Filed:
        """File a confirmed draft once: a repeated draft id returns the first filing, with a new PIN if asked.

        `reissue_pin` is for a confirmation whose answer never reached the user (a crash before the chat
        state was saved): the draft id is a secret only that chat holds, so it may replace the PIN.
        """
        self._validate(sub)
        for _ in range(5):
            existing = await self._by_draft(sub.draft_id, reissue_pin=reissue_pin)
            if existing is not None:
                return existing
            try:
                filed = await self._insert(sub)
            except IntegrityError:
                continue  # the same draft filed concurrently, or a tracking-number collision: look again
            if filed.urgent and self.wake:
                self.wake()
            return filed
        raise RuntimeError("could not allocate a tracking number")

    def _validate(self, sub: Submission) -> None:
        if sub.category not in CATEGORIES:
            raise Invalid(f"unknown category {sub.category!r}")
        low, high = DESCRIPTION_LIMITS
        if not low <= len(sub.description.strip()) <= high:
            raise Invalid(f"the description must have {low} to {high} characters")
        if len(sub.photos) > MAX_PHOTOS:
            raise Invalid(f"at most {MAX_PHOTOS} photos")
        if sub.phone is not None and not PHONE.match(sub.phone):
            raise Invalid("not a mainland mobile number")

    async def _by_draft(self, draft_id: str, *, reissue_pin: bool) -> Filed | None:
        async with self.db.session() as s:
            row = (await s.execute(select(Complaint).where(Complaint.draft_id == draft_id))).scalar()
            if row is None:
                return None
            pin = tn.new_pin() if reissue_pin else None
            if pin is not None:
                row.pin_hash = tn.pin_hash(row.tracking, pin, self.pin_key)
            return self._filed(row, pin, created=False)

    def _filed(self, row: Complaint, pin: str | None, *, created: bool) -> Filed:
        level = "city" if row.office_code.endswith(".city") else "district"
        return Filed(row.tracking, pin, row.office_name, row.office_code, level, row.urgent,
                     aware(row.ack_due_at), aware(row.resolve_due_at), created)  # type: ignore[arg-type]

    async def _insert(self, sub: Submission) -> Filed:
        now = self.clock()
        async with self.db.session() as s:
            route = (await self._routing(s)).route(sub.category, sub.district)
            urgent = route.urgent or sub.urgent
            ack, resolve = deadlines(now, urgent)
            tracking, pin = tn.new_tracking(now), tn.new_pin()
            anonymous = sub.anonymous
            row = Complaint(
                tracking=tracking, draft_id=sub.draft_id, pin_hash=tn.pin_hash(tracking, pin, self.pin_key),
                category=sub.category,
                facility_id=sub.facility_id, facility_name=sub.facility_name.strip()[:200], district=route.district,
                description=sub.description.strip(), happened=sub.happened.strip()[:200], photos=list(sub.photos),
                urgent=urgent, status=Status.SUBMITTED.value, office_code=route.office_code, office_name=route.office,
                also_notify=list(route.also_notify_offices), lang=sub.lang, anonymous=anonymous,
                chat_key=None if anonymous else sub.chat_key, phone=None if anonymous else sub.phone, supporters=0,
                created_at=now, updated_at=now, ack_due_at=ack, resolve_due_at=resolve)
            s.add(row)
            await s.flush()
            s.add(ComplaintEvent(complaint_id=row.id, actor=COMPLAINANT, action="filed", to_status=row.status,
                                 office_code=row.office_code, note="", at=now))
            await self._notify_offices(s, row, "complaint_office_new", [row.office_code, *row.also_notify])
        return self._filed(row, pin, created=True)

    async def _notify_offices(self, s: AsyncSession, row: Complaint, key: str, office_codes: list[str],
                              note: str = "") -> None:
        """Queue an office notice to each active staff member's chat and mailbox (or the office log)."""
        for code in dict.fromkeys(office_codes):
            category = self.texts(f"complaint_cat_{row.category}", "zh")
            text = self.texts(key, "zh", tracking=row.tracking, category=category,
                              facility=row.facility_name, district=row.district or "兰州市",
                              urgent=self.texts("complaint_office_urgent", "zh") if row.urgent else "",
                              ack_due=local(aware(row.ack_due_at)), note=note)  # type: ignore[arg-type]
            staff = (await s.execute(select(Staff).where(Staff.office_code == code, Staff.active))).scalars().all()
            addresses = [f"telegram:{m.telegram_chat}" for m in staff if m.telegram_chat]
            addresses += [f"email:{m.email}" for m in staff if m.email]
            for address in addresses or [f"office:{code}"]:
                enqueue(s, address, text, complaint_id=row.id, urgent=row.urgent, now=self.clock())

    def _notify_complainant(self, s: AsyncSession, row: Complaint, note: str) -> None:
        """Queue a status notice to the chat the complaint came from (anonymous ones have none)."""
        if not row.chat_key:
            return
        status = self.texts(f"complaint_status_{row.status}", row.lang)
        text = self.texts("complaint_notify_status", row.lang, tracking=row.tracking, status=status,
                          office=row.office_name, note=note or "-")
        enqueue(s, row.chat_key, text, complaint_id=row.id, urgent=row.urgent, now=self.clock())

    async def status_for_chat(self, tracking: str, chat_key: str) -> StatusView:
        """Status for the chat that filed it; NotFound for any other chat (no hint that it exists)."""
        async with self.db.session() as s:
            row = await self._complaint(s, tracking)
            if not chat_key or row.chat_key != chat_key:
                raise NotFound(tracking)
            return await self._status(s, row)

    async def status_with_pin(self, tracking: str, pin: str, client: str | None = None) -> StatusView:
        """Status for whoever holds the tracking number and its PIN (the web status page, /status in chats).

        A try is reserved in the database before the PIN is compared (`storage.attempts`): PIN_TRIES per
        number, then one more each PIN_LOCK / PIN_TRIES, shared by every instance and channel, and a budget
        per `client` (the address or chat asking). Numbers that do not exist have budgets too, so "too many
        tries" says nothing about whether a number exists. The owner's own chat and notifications never need the PIN.
        """
        number = tn.normalize_tracking(tracking) or tracking.strip().upper()
        keys = [(f"pin-client:{client}", CLIENT_PIN_BUDGET)] if client else []
        wait = await attempts.take(self.db, [*keys, (f"pin:{number}", PIN_BUDGET)], self.clock().timestamp())
        if wait:
            raise Throttled(number, timedelta(seconds=wait))
        async with self.db.session() as s:
            row = await self._complaint(s, number)
            if not tn.pin_matches(row.tracking, pin, row.pin_hash, self.pin_key):
                raise NotFound(number)
            if not row.pin_hash.startswith(tn.KEYED):  # a row from before keyed hashes: rehash it now
                row.pin_hash = tn.pin_hash(row.tracking, pin.strip(), self.pin_key)
            view = await self._status(s, row)
        await attempts.clear(self.db, f"pin:{number}")
        return view

    async def for_chat(self, chat_key: str, limit: int = 5) -> list[StatusView]:
        """The chat's own complaints, newest first."""
        async with self.db.session() as s:
            rows = (await s.execute(select(Complaint).where(Complaint.chat_key == chat_key)
                                    .order_by(Complaint.id.desc()).limit(limit))).scalars().all()
            return [await self._status(s, r) for r in rows]

    async def _status(self, s: AsyncSession, row: Complaint) -> StatusView:
        now = self.clock()
        closed_at = aware(row.closed_at)
        closed = row.status in CLOSED
        return StatusView(
            row.tracking, row.status, row.category, row.facility_name, row.office_name, row.urgent,
            aware(row.created_at), aware(row.ack_due_at), aware(row.resolve_due_at), closed_at,  # type: ignore[arg-type]
            row.rating, closed and closed_at is not None and now - closed_at <= REOPEN_WINDOW,
            closed and row.rating is None,
            [e for e in await self._history(s, row) if e.action != "view"])

    async def reopen(self, tracking: str, *, chat_key: str | None = None, pin: str | None = None,
                     reason: str = "") -> StatusView:
        """Reopen a closed complaint within 30 days; it goes back to the office in progress."""
        async with self.db.session() as s:
            row = await self._owned(s, tracking, chat_key, pin)
            now = self.clock()
            closed_at = aware(row.closed_at)
            if row.status not in CLOSED or closed_at is None or now - closed_at > REOPEN_WINDOW:
                raise Invalid("only a complaint closed within the last 30 days can be reopened")
            before = row.status
            row.status, row.closed_at, row.rating, row.updated_at = Status.IN_PROGRESS.value, None, None, now
            row.ack_due_at, row.resolve_due_at = deadlines(now, row.urgent)
            s.add(ComplaintEvent(complaint_id=row.id, actor=COMPLAINANT, action="reopen", from_status=before,
                                 to_status=row.status, office_code=row.office_code, note=reason[:500], at=now))
            await self._notify_offices(s, row, "complaint_office_reopened", [row.office_code], note=reason)
            return await self._status(s, row)

    async def rate(self, tracking: str, stars: int, *, chat_key: str | None = None, pin: str | None = None) -> None:
        """Rate the handling (1–5) once the complaint is closed."""
        if not 1 <= stars <= 5:
            raise Invalid("a rating is 1 to 5")
        async with self.db.session() as s:
            row = await self._owned(s, tracking, chat_key, pin)
            if row.status not in CLOSED:
                raise Invalid("a complaint can be rated after it is closed")
            row.rating = stars
            s.add(ComplaintEvent(complaint_id=row.id, actor=COMPLAINANT, action="rate", note=str(stars),
                                 at=self.clock()))

    async def _owned(self, s: AsyncSession, tracking: str, chat_key: str | None, pin: str | None) -> Complaint:
        row = await self._complaint(s, tracking, lock=True)
        by_chat = bool(chat_key) and row.chat_key == chat_key
        by_pin = pin is not None and tn.pin_matches(row.tracking, pin, row.pin_hash, self.pin_key)
        if not (by_chat or by_pin):
            raise NotFound(tracking)
        return row

    # ---- staff ---------------------------------------------------------------------------------

    async def add_staff(self, name: str, office_code: str, *, password: str | None = None,
                        telegram_chat: str | None = None, email: str | None = None) -> StaffView:
        """Create a staff member of an office the routing table knows."""
        office = self.base_table.office_by_code(office_code)
        if office is None:
            raise Invalid(f"unknown office {office_code!r} (e.g. health.chengguan, market_regulation.city)")
        password_hash = await passwords.hashed(password) if password else None
        async with self.db.session() as s:
            if (await s.execute(select(Staff).where(Staff.name == name))).scalar() is not None:
                raise Invalid(f"staff {name!r} already exists")
            row = Staff(name=name, office_code=office.code, telegram_chat=telegram_chat, email=email, active=True,
                        password_hash=password_hash, created_at=self.clock())
            s.add(row)
            s.add(AuditLog(actor=SYSTEM, action="staff_add", at=self.clock(), detail={"name": name,
                                                                                      "office": office.code}))
        return self._staff_view(row)

    async def authenticate(self, name: str, password: str) -> StaffView:
        """The staff member when the password matches; Forbidden otherwise (dashboard login).

        The argon2 check runs in `passwords`' pool between two short transactions: no connection is held while
        it runs, and an unknown name takes as long as a known one.
        """
        async with self.db.session() as s:
            row = (await s.execute(select(Staff).where(Staff.name == name, Staff.active))).scalar()
            stored = row.password_hash if row is not None else None
        if not await passwords.matches(stored, password) or row is None or stored is None:
            raise Forbidden("wrong name or password")
        rehashed = await passwords.hashed(password) if passwords.needs_rehash(stored) else None
        async with self.db.session() as s:
            if rehashed:
                await s.execute(update(Staff).where(Staff.id == row.id, Staff.password_hash == stored)
                                .values(password_hash=rehashed))
            s.add(AuditLog(actor=name, action="login", at=self.clock(), detail={}))
        return self._staff_view(row)

    async def staff(self, name: str) -> StaffView:
        async with self.db.session() as s:
            return self._staff_view(await self._staff(s, name))

    async def staff_by_telegram(self, chat_id: str) -> StaffView | None:
        """The staff member behind a Telegram chat (for the staff chat commands)."""
        async with self.db.session() as s:
            row = (await s.execute(select(Staff).where(Staff.telegram_chat == chat_id, Staff.active))).scalar()
            return self._staff_view(row) if row else None

    def _staff_view(self, row: Staff) -> StaffView:
        office = self.base_table.office_by_code(row.office_code)
        return StaffView(row.name, row.office_code, office.name if office else row.office_code, row.telegram_chat,
                         row.email, row.active)

    async def _staff(self, s: AsyncSession, name: str) -> Staff:
        row = (await s.execute(select(Staff).where(Staff.name == name, Staff.active))).scalar()
        if row is None:
            raise NotFound(f"no active staff member {name!r}")
        return row

    async def list_for_staff(self, staff_name: str, *, status: str | None = None,
                             include_closed: bool = False) -> list[Summary]:
        """The complaints assigned to the staff member's office, urgent and oldest first."""
        async with self.db.session() as s:
            member = await self._staff(s, staff_name)
            query = select(Complaint).where(Complaint.office_code == member.office_code)
            if status:
                query = query.where(Complaint.status == status)
            elif not include_closed:
                query = query.where(Complaint.status.not_in([c.value for c in CLOSED]))
            rows = (await s.execute(query.order_by(Complaint.urgent.desc(), Complaint.id))).scalars().all()
            s.add(AuditLog(actor=staff_name, action="list", at=self.clock(),
                           detail={"office": member.office_code, "count": len(rows)}))
            return [self._summary(r) for r in rows]

    async def overview(self, *, status: str | None = None, include_closed: bool = False) -> list[Summary]:
        """Every office's complaints as summaries only (no description, no contact data), for operators."""
        query = select(Complaint)
        if status:
            query = query.where(Complaint.status == status)
        elif not include_closed:
            query = query.where(Complaint.status.not_in([c.value for c in CLOSED]))
        async with self.db.session() as s:
            rows = (await s.execute(query.order_by(Complaint.urgent.desc(), Complaint.id))).scalars().all()
            s.add(AuditLog(actor=SYSTEM, action="overview", at=self.clock(), detail={"count": len(rows)}))
            return [self._summary(r) for r in rows]

    def _summary(self, row: Complaint) -> Summary:
        now = self.clock()
        ack_due, resolve_due = aware(row.ack_due_at), aware(row.resolve_due_at)
        overdue = row.status not in CLOSED and (
            (row.acknowledged_at is None and ack_due < now) or resolve_due < now)  # type: ignore[operator]
        return Summary(row.tracking, row.category, row.status, row.urgent, row.facility_name, row.district,
                       row.office_code, aware(row.created_at), ack_due, resolve_due, overdue,  # type: ignore[arg-type]
                       row.supporters)

    async def show(self, tracking: str, staff_name: str, *, numbers: bool = False) -> Detail:
        """Full details with contact data, for staff of the assigned office only; the view is audited.

        Phone and ID numbers typed into the description and time are masked (139****5678) unless `numbers`
        is asked for: the contact phone the complainant gave for call-backs is shown in full, since the office
        needs it; a number in the text (a witness, the facility) is revealed only on request, audited apart.
        """
        async with self.db.session() as s:
            member = await self._staff(s, staff_name)
            row = await self._complaint(s, tracking)
            await self._check_office(member, row, "view")
            s.add(AuditLog(actor=staff_name, action="view_numbers" if numbers else "view", complaint_id=row.id,
                           at=self.clock(), detail={}))
            shown = (lambda t: t) if numbers else mask_numbers
            return Detail(self._summary(row), row.office_name, shown(row.description), shown(row.happened),
                          list(row.photos), row.facility_id, row.anonymous, row.phone, bool(row.chat_key),
                          aware(row.escalated_at), row.rating, await self._history(s, row))

    async def audit_trail(self, tracking: str) -> list[AuditEntry]:
        """The audit entries of one complaint (who viewed or changed it), oldest first; the caller has checked
        that the reader may see the complaint."""
        query = (select(AuditLog.at, AuditLog.actor, AuditLog.action)
                 .join(Complaint, Complaint.id == AuditLog.complaint_id)
                 .where(Complaint.tracking == tracking).order_by(AuditLog.id))
        async with self.db.session() as s:
            return [AuditEntry(at, actor, action) for at, actor, action in (await s.execute(query)).all()]

    async def backlog(self) -> Backlog:
        """Complaints by status and the outbox's undelivered notices with the oldest one's time (UTC)."""
        async with self.db.session() as s:
            by_status = dict((await s.execute(select(Complaint.status, func.count()).group_by(Complaint.status))).all())
            pending, oldest = (await s.execute(select(func.count(), func.min(Outbox.created_at))
                                               .where(Outbox.sent_at.is_(None)))).one()
        return Backlog({str(k): int(v) for k, v in by_status.items()}, int(pending), aware(oldest))

    async def _check_office(self, member: Staff, row: Complaint, action: str) -> None:
        """Forbidden unless the member works at the assigned office; the refusal is audited apart."""
        if member.office_code != row.office_code:
            async with self.db.session() as s:
                s.add(AuditLog(actor=member.name, action=f"denied_{action}", complaint_id=row.id, at=self.clock(),
                               detail={"office": member.office_code}))
            raise Forbidden(f"{row.tracking} is handled by {row.office_name}")

    async def update(self, tracking: str, staff_name: str, status: str, note: str = "", *,
                     transfer_to: str | None = None) -> Summary:
        """Move a complaint along its lifecycle; rejections and transfers need a reason; all audited and notified."""
        async with self.db.session() as s:
            member = await self._staff(s, staff_name)
            row = await self._complaint(s, tracking, lock=True)
            await self._check_office(member, row, "update")
            target = check_transition(row.status, status)
            if target in (Status.REJECTED, Status.TRANSFERRED) and not note.strip():
                raise Invalid("say why (and, for a rejection, where to go instead) in --note")
            await self._apply(s, row, member.name, target, note.strip(), transfer_to)
            return self._summary(row)

    async def _apply(self, s: AsyncSession, row: Complaint, actor: str, target: Status, note: str,
                     transfer_to: str | None) -> None:
        now = self.clock()
        before, office_before = row.status, row.office_code
        if target is Status.TRANSFERRED:
            office = await self._transfer_target(s, row, transfer_to)
            row.office_code, row.office_name = office.code, office.name
            row.ack_due_at, row.resolve_due_at = deadlines(now, row.urgent)
            row.acknowledged_at = None
        if target is Status.ACCEPTED and row.acknowledged_at is None:
            row.acknowledged_at = now
        if target in CLOSED:
            row.closed_at = now
        row.status, row.updated_at = target.value, now
        s.add(ComplaintEvent(complaint_id=row.id, actor=actor, action="status", from_status=before,
                             to_status=row.status, office_code=row.office_code, note=note, at=now))
        s.add(AuditLog(actor=actor, action="update", complaint_id=row.id, at=now,
                       detail={"from": before, "to": row.status, "office_before": office_before,
                               "office": row.office_code, "note": note}))
        self._notify_complainant(s, row, note)
        if target is Status.TRANSFERRED:
            await self._notify_offices(s, row, "complaint_office_transferred", [row.office_code], note=note)

    async def _transfer_target(self, s: AsyncSession, row: Complaint, transfer_to: str | None) -> Office:
        """An office code, or a department code meaning that department in the complaint's district."""
        table = await self._routing(s)
        if not transfer_to:
            raise Invalid("a transfer needs --to OFFICE or DEPARTMENT")
        office = table.office_by_code(transfer_to)
        if office is None and transfer_to in DEPARTMENTS:
            office = table.office(transfer_to, row.district)
        if office is None:
            raise Invalid(f"unknown office {transfer_to!r}")
        if office.code == row.office_code:
            raise Invalid("the complaint is already with that office")
        return office

    async def _complaint(self, s: AsyncSession, tracking: str, *, lock: bool = False) -> Complaint:
        number = tn.normalize_tracking(tracking)
        if number is None:
            raise NotFound(tracking)
        query = select(Complaint).where(Complaint.tracking == number)
        if lock and self.db.is_postgres:
            query = query.with_for_update()
        row = (await s.execute(query)).scalar()
        if row is None:
            raise NotFound(tracking)
        return row

    async def _history(self, s: AsyncSession, row: Complaint) -> list[Event]:
        events = (await s.execute(select(ComplaintEvent).where(ComplaintEvent.complaint_id == row.id)
                                  .order_by(ComplaintEvent.id))).scalars().all()
        return [Event(aware(e.at), e.actor, e.action, e.to_status, e.note) for e in events]  # type: ignore[arg-type]

    # ---- worker jobs ---------------------------------------------------------------------------

    async def escalate_overdue(self) -> list[str]:
        """Hand overdue complaints (not acknowledged or not resolved in time) to the city-level office, once."""
        now = self.clock()
        open_statuses = [s.value for s in Status if s not in CLOSED]
        query = select(Complaint.id).where(
            Complaint.status.in_(open_statuses), Complaint.escalated_at.is_(None),
            ((Complaint.acknowledged_at.is_(None)) & (Complaint.ack_due_at < now)) | (Complaint.resolve_due_at < now))
        escalated: list[str] = []
        async with self.db.session() as s:
            ids = (await s.execute(query)).scalars().all()
        for complaint_id in ids:
            async with self.db.session() as s:
                lock = select(Complaint).where(Complaint.id == complaint_id, Complaint.escalated_at.is_(None))
                if self.db.is_postgres:
                    lock = lock.with_for_update(skip_locked=True)
                row = (await s.execute(lock)).scalar()
                if row is None:
                    continue
                city = self.base_table.city_office(row.office_code)
                before = row.office_code
                row.escalated_at, row.updated_at = now, now
                row.office_code, row.office_name = city.code, city.name
                s.add(ComplaintEvent(complaint_id=row.id, actor=SYSTEM, action="escalate", from_status=row.status,
                                     to_status=row.status, office_code=city.code, note=f"overdue at {before}", at=now))
                s.add(AuditLog(actor=SYSTEM, action="escalate", complaint_id=row.id, at=now,
                               detail={"from": before, "to": city.code}))
                await self._notify_offices(s, row, "complaint_office_escalated", [city.code, before], note=before)
                escalated.append(row.tracking)
        if escalated and self.wake:
            self.wake()
        return escalated

    async def purge_contacts(self, retention_days: int) -> int:
        """Delete the contact data of complaints closed more than `retention_days` ago, everywhere it is kept.

        The phone and chat key on the complaint; numbers typed into its description, time and history notes;
        the notices sent to the complainant's chat (`web:<session>`, `telegram:<id>`); and the chat's link to
        the case: a conversation idle since the cutoff is deleted, one still in use loses the tracking number.
        """
        now = self.clock()
        cutoff = now - timedelta(days=retention_days)
        due = select(Complaint).where(Complaint.closed_at.is_not(None), Complaint.closed_at < cutoff,
                                      Complaint.contact_purged_at.is_(None)).order_by(Complaint.id)
        if self.db.is_postgres:
            due = due.with_for_update(skip_locked=True)
        async with self.db.session() as s:
            rows = (await s.execute(due)).scalars().all()
            unlinked = []
            for row in rows:
                if row.chat_key:
                    await s.execute(delete(Outbox).where(Outbox.complaint_id == row.id,
                                                         Outbox.address == row.chat_key))
                    if await self._unlink_chat(s, row.chat_key, row.tracking, cutoff):
                        unlinked.append(row.chat_key)
                events = (await s.execute(select(ComplaintEvent).where(ComplaintEvent.complaint_id == row.id)))
                for event in events.scalars():
                    event.note = redact_numbers(event.note)
                row.description, row.happened = redact_numbers(row.description), redact_numbers(row.happened)
                row.phone, row.chat_key, row.contact_purged_at = None, None, now
            s.add(AuditLog(actor=SYSTEM, action="purge_contacts", at=now,
                           detail={"count": len(rows), "retention_days": retention_days}))
        for chat_key in unlinked:
            if self.chat_changed:
                self.chat_changed(chat_key)
        return len(rows)

    async def _unlink_chat(self, s: AsyncSession, chat_key: str, tracking: str, idle_since: datetime) -> bool:
        """Remove the tracking number from the chat's saved conversation (the row, if idle since `idle_since`);
        True when the row changed."""
        if self.db.is_postgres:  # the lock bot/conversations.py holds while it loads and saves this chat
            await s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(chat_key.encode()) - 2**31})
        row = (await s.execute(select(Conversation).where(Conversation.chat_key == chat_key))).scalar()
        if row is None or tracking not in json.dumps(row.state, ensure_ascii=False):
            return False
        if (aware(row.updated_at) or idle_since) < idle_since:
            await s.delete(row)
        else:
            row.state = without(row.state, tracking)
        return True

"""The staff dashboard: login, the office's cases with filters, detail with history and audit, status changes, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from itsdangerous import BadData
from itsdangerous import URLSafeTimedSerializer as Serializer
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.channels.web import sessions
from bot.channels.web.complaints import labels, service_of
from bot.channels.web.pages import request_lang
from bot.channels.web.security import client_ip, csrf_ok, csrf_token, form_fields
from bot.settings import Settings, secret_key
from complaints.errors import ComplaintError, Forbidden, Invalid, InvalidTransition, NotFound
from complaints.lifecycle import TRANSITIONS, Status
from complaints.photos import MEDIA, photo_path
from complaints.routing import CATEGORIES
from complaints.views import StaffView, Summary
from storage import attempts
from storage.attempts import Budget

DEVICE_COOKIE = "tuoyu_staff_device"
DEVICE_DAYS = 90
DEVICE_NAMES = 5
LOGIN_PER_ADDRESS = Budget(20, 1 / 60)  # any names from one address
LOGIN_PER_NAME = Budget(10, 1 / 60)  # one name from browsers it never logged in from
CSV_FIELDS = ("tracking", "created_at", "category", "status", "urgent", "overdue", "facility_name", "district",
              "ack_due_at", "resolve_due_at", "supporters")


def _login_redirect(request: Request) -> Response:
    return RedirectResponse(f"/staff/login?lang={request_lang(request)}", status_code=303)


async def current_staff(request: Request) -> StaffView | None:
    """The logged-in, still active staff member of a live server-side session, or None (the cookie is then cleared)."""
    name = request.session.get("staff")
    if not isinstance(name, str):
        return None
    try:
        if await sessions.staff_of(request.app.state.services.db, request.session.get("sid")) != name:
            raise NotFound(name)  # logged out, expired, or a cookie from before server-side sessions
        return await service_of(request).staff(name)
    except NotFound:
        request.session.clear()
        return None


def _render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    lang = request_lang(request)
    return request.app.state.pages.render(request, template, status_code, form=True, lang=lang,
                                          **labels(request, lang), **context)


async def login_form(request: Request) -> Response:
    """GET /staff/login."""
    return _render(request, "staff_login.html", error=None, name="")


def _known_device(request: Request) -> Serializer:
    return _serializer(request.app.state.settings)


@cache
def _serializer(settings: Settings) -> Serializer:
    return Serializer(secret_key(settings), salt="tuoyu staff device")


def _device_names(request: Request) -> list[str]:
    """Staff names that logged in before from this browser (a signed cookie kept across logouts)."""
    try:
        names = _known_device(request).loads(request.cookies.get(DEVICE_COOKIE, ""), max_age=DEVICE_DAYS * 86400)
    except BadData:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def login_budgets(request: Request, name: str) -> list[tuple[str, Budget]]:
    """What a login try takes, reserved in the database before the password is checked.

    Per address and name (the limits' guess budget), per address over all names, and per name over all
    addresses, except from a browser that has logged in as that name before: an attacker spends his own
    address's budget, and one spread over many addresses slows new devices but never locks out a known one.
    """
    limits, ip = request.app.state.limits, client_ip(request)
    pair = Budget(limits.guess_burst, limits.guess_per_s)
    keys = [(f"login-ip:{ip}", LOGIN_PER_ADDRESS), (f"login:{name}|{ip}", pair)]
    if name not in _device_names(request):
        keys.append((f"login-name:{name}", LOGIN_PER_NAME))
    return keys


async def login(request: Request) -> Response:
    """POST /staff/login: a try is reserved (see login_budgets), then argon2 checks the password off the loop."""
    fields = await form_fields(request, ("name", "password", "csrf"))
    name, password, sent = fields["name"], fields["password"], fields["csrf"]
    if not csrf_ok(request, sent):
        return _render(request, "staff_login.html", 403, error="csrf", name=name)
    name, password, db = name[:64], password[:256], request.app.state.services.db
    if await attempts.take(db, login_budgets(request, name)):
        return _render(request, "staff_login.html", 429, error="throttled", name=name)
    try:
        member = await service_of(request).authenticate(name, password)
    except Forbidden:
        return _render(request, "staff_login.html", 400, error="wrong", name=name)
    await attempts.clear(db, f"login:{name}|{client_ip(request)}")
    request.session.clear()  # a fresh session (and CSRF token) after login
    request.session["staff"] = member.name
    request.session["sid"] = await sessions.start(db, member.name)
    csrf_token(request)
    response = RedirectResponse(f"/staff?lang={request_lang(request)}", status_code=303)
    names = [member.name, *(n for n in _device_names(request) if n != member.name)][:DEVICE_NAMES]
    response.set_cookie(DEVICE_COOKIE, _known_device(request).dumps(names), max_age=DEVICE_DAYS * 86400,
                        path="/staff", httponly=True, samesite="lax",
                        secure=request.app.state.settings.public_url.startswith("https://"))
    return response


async def logout(request: Request) -> Response:
    """POST /staff/logout: ends the session on the server too, so a copy of the cookie opens nothing."""
    if not csrf_ok(request, (await form_fields(request, ("csrf",), max_fields=4))["csrf"]):
        raise HTTPException(403, "wrong CSRF token")
    await sessions.end(request.app.state.services.db, request.session.get("sid"))
    request.session.clear()
    return _login_redirect(request)


def _filtered(cases: list[Summary], category: str, overdue_only: bool) -> list[Summary]:
    chosen = [c for c in cases if (not category or c.category == category) and (c.overdue or not overdue_only)]
    return sorted(chosen, key=lambda c: (not c.overdue, not c.urgent, c.created_at))


async def case_list(request: Request) -> Response:
    """GET /staff: the office's cases, overdue first, filtered by status, category, overdue."""
    member = await current_staff(request)
    if member is None:
        return _login_redirect(request)
    status = request.query_params.get("status", "")
    category = request.query_params.get("category", "")
    status = status if status in {s.value for s in Status} or status == "all" else ""
    category = category if category in CATEGORIES else ""
    overdue_only = request.query_params.get("overdue") == "1"
    cases = await service_of(request).list_for_staff(member.name, status=None if status in ("", "all") else status,
                                                     include_closed=status == "all")
    return _render(request, "staff_list.html", member=member, cases=_filtered(cases, category, overdue_only),
                   statuses=[s.value for s in Status], categories=CATEGORIES, status=status, category=category,
                   overdue_only=overdue_only)


async def case_detail(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    """GET /staff/cases/{tracking}: details, photos, history, audit, and the status form (view audited)."""
    member = await current_staff(request)
    if member is None:
        return _login_redirect(request)
    tracking = request.path_params["tracking"]
    try:
        detail = await service_of(request).show(tracking, member.name)
    except NotFound as exc:
        raise HTTPException(404) from exc
    except Forbidden as exc:
        raise HTTPException(403) from exc
    current = Status(detail.summary.status)
    offices = service_of(request).base_table.offices()
    local = [i for i, stored in enumerate(detail.photos) if photo_path(request.app.state.uploads, stored)]
    return _render(request, "staff_case.html", status_code, member=member, case=detail, error=error,
                   targets=[s.value for s in TRANSITIONS[current]], offices=offices, local_photos=local,
                   audit=await service_of(request).audit_trail(detail.summary.tracking))


async def change_status(request: Request) -> Response:
    """POST /staff/cases/{tracking}/status: a lifecycle move with a note, through the complaints service."""
    member = await current_staff(request)
    if member is None:
        return _login_redirect(request)
    fields = await form_fields(request, ("csrf", "status", "note", "transfer_to"))
    if not csrf_ok(request, fields["csrf"]):
        raise HTTPException(403, "wrong CSRF token")
    tracking = request.path_params["tracking"]
    try:
        await service_of(request).update(tracking, member.name, fields["status"], fields["note"][:2000],
                                         transfer_to=fields["transfer_to"] or None)
    except NotFound as exc:
        raise HTTPException(404) from exc
    except Forbidden as exc:
        raise HTTPException(403) from exc
    except (Invalid, InvalidTransition) as exc:
        return await case_detail(request, error=str(exc), status_code=400)
    return RedirectResponse(f"/staff/cases/{tracking}?lang={request_lang(request)}", status_code=303)


async def case_photo(request: Request) -> Response:
    """GET /staff/cases/{tracking}/photos/{index}: an uploaded photo, to the assigned office's staff only."""
    member = await current_staff(request)
    if member is None:
        raise HTTPException(403)
    try:
        detail = await service_of(request).show(request.path_params["tracking"], member.name)
    except NotFound as exc:
        raise HTTPException(404) from exc
    except ComplaintError as exc:
        raise HTTPException(403) from exc
    index = request.path_params["index"]
    path = photo_path(request.app.state.uploads, detail.photos[index]) if index < len(detail.photos) else None
    if path is None:
        raise HTTPException(404)
    return FileResponse(path, media_type=MEDIA[path.suffix.lstrip(".")],
                        headers={"cache-control": "private, no-store", "content-disposition": "inline"})


def _csv_cell(value: object) -> str:
    """Neutralise spreadsheet formulas (=, +, -, @) in exported text."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def export_csv(request: Request) -> Response:
    """GET /staff/export.csv: every case of the office, closed ones included (the listing is audited)."""
    member = await current_staff(request)
    if member is None:
        return _login_redirect(request)
    cases = await service_of(request).list_for_staff(member.name, include_closed=True)
    rows = ([_csv_cell(row[f]) for f in CSV_FIELDS] for row in (case.to_dict() for case in cases))
    return csv_download(CSV_FIELDS, rows, f"tuoyu-{member.office_code}.csv")


def csv_download(header: Sequence[str], rows: Iterable[Sequence[object]], filename: str) -> Response:
    """A CSV attachment with a BOM (so Excel reads the Chinese) that no cache keeps."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"',
                             "cache-control": "private, no-store"})


routes = [
    Route("/staff", case_list, methods=["GET"]),
    Route("/staff/login", login_form, methods=["GET"]),
    Route("/staff/login", login, methods=["POST"]),
    Route("/staff/logout", logout, methods=["POST"]),
    Route("/staff/export.csv", export_csv, methods=["GET"]),
    Route("/staff/cases/{tracking}", case_detail, methods=["GET"]),
    Route("/staff/cases/{tracking}/status", change_status, methods=["POST"]),
    Route("/staff/cases/{tracking}/photos/{index:int}", case_photo, methods=["GET"]),
]

"""The complainant's status page: tracking number + PIN → status history and the office's notes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.web.complaints import labels, service_of
from bot.channels.web.pages import request_lang
from bot.channels.web.security import client_ip, csrf_ok, form_fields
from complaints.errors import NotFound, Throttled
from complaints.tracking import normalize_tracking

PIN_LENGTH = 6


async def status_form(request: Request) -> Response:
    """GET /status: the lookup form."""
    return request.app.state.pages.render(request, "status.html", form=True, view=None, error=None, tracking="")


async def status_lookup(request: Request) -> Response:
    """POST /status: show the status when tracking number and PIN match; tries are throttled in the database."""
    pages = request.app.state.pages
    fields = await form_fields(request, ("tracking", "pin", "csrf"))
    raw_tracking, pin, sent_csrf = fields["tracking"], fields["pin"], fields["csrf"]
    if not csrf_ok(request, sent_csrf):
        return pages.render(request, "status.html", 403, form=True, view=None, error="csrf", tracking="")
    tracking = normalize_tracking(raw_tracking) or raw_tracking.strip().upper()[:40]
    try:  # every try counts against the number's and the address's budgets, reserved before the PIN is compared
        view = await service_of(request).status_with_pin(tracking, pin[:PIN_LENGTH + 2], client=client_ip(request))
    except Throttled:  # the same answer whether or not the number exists
        return pages.render(request, "status.html", 429, form=True, view=None, error="throttled", tracking=tracking)
    except NotFound:
        return pages.render(request, "status.html", 400, form=True, view=None, error="not_found", tracking=tracking)
    return pages.render(request, "status.html", form=True, view=view, error=None, tracking=tracking,
                        **labels(request, request_lang(request)))


routes = [
    Route("/status", status_form, methods=["GET"]),
    Route("/status", status_lookup, methods=["POST"]),
]

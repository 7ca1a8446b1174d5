"""GET /metrics in Prometheus text format: the process's counters plus gauges read from the database.

Counters (questions, fallbacks, emergencies, request latency) are per instance and add up across
instances; the gauges (complaints by status, outbox backlog and its oldest row's age) describe the
shared database, so every instance reports the same values: aggregate them with max, not sum.
"""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.observability import COUNTERS, REQUESTS, labels
from complaints.lifecycle import Status
from complaints.service import ComplaintService
from complaints.views import Backlog
from storage.base import utcnow

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def gauge(name: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    return lines + [f"{name}{labels(tuple(k), tuple(k.values()))} {v:g}" for k, v in samples]


async def database_gauges(complaints: ComplaintService | None) -> list[str]:
    """Complaints by status and the outbox backlog; `tuoyu_database_up 0` when the database is unreachable."""
    try:
        backlog = await complaints.backlog() if complaints is not None else Backlog({}, 0, None)
    except Exception:  # the scrape itself must answer, or the outage is invisible
        log.warning("metrics: database unreachable", exc_info=True)
        return gauge("tuoyu_database_up", "1 when the database answered this scrape.", [({}, 0)])
    oldest = backlog.oldest_pending
    lag = (utcnow() - oldest).total_seconds() if oldest else 0.0
    statuses = [({"status": s.value}, float(backlog.by_status.get(s.value, 0))) for s in Status]
    return [*gauge("tuoyu_database_up", "1 when the database answered this scrape.", [({}, 1)]),
            *gauge("tuoyu_complaints", "Complaints by status.", statuses),
            *gauge("tuoyu_outbox_pending", "Notifications not yet delivered.", [({}, float(backlog.pending))]),
            *gauge("tuoyu_outbox_lag_seconds", "Age of the oldest undelivered notification.", [({}, lag)])]


async def metrics(request: Request) -> Response:
    """GET /metrics: Prometheus text exposition format 0.0.4."""
    lines = [line for counter in COUNTERS for line in counter.render()]
    lines += await database_gauges(request.app.state.services.complaints)
    return Response("\n".join(lines) + "\n", media_type=CONTENT_TYPE, headers={"cache-control": "no-store"})


class RequestTimer:
    """ASGI middleware: each request's latency into the histogram, labelled by route template, not raw path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), "500"

        async def timed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, timed)
        finally:
            route = scope.get("route")
            REQUESTS.observe(time.perf_counter() - start, scope.get("method", ""),
                             getattr(route, "path", None) or "unmatched", status)


routes = [Route("/metrics", metrics, methods=["GET"])]

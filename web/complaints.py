"""The complaint service as the web uses it: the composition root's instance, or one built over the same db."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

from complaints.lifecycle import local

if TYPE_CHECKING:
    from bot.bootstrap import Tuoyu
    from complaints.service import ComplaintService


def complaint_service(tuoyu: Tuoyu) -> ComplaintService:
    """services["complaints"] when bootstrap wired it, else a service over the app's database and catalog."""
    from complaints.service import ComplaintService

    service = tuoyu.services.get("complaints")
    return service if isinstance(service, ComplaintService) else ComplaintService(tuoyu.db, tuoyu.catalog.get)


def service_of(request: Request) -> ComplaintService:
    return request.app.state.complaints


def labels(request: Request, lang: str) -> dict[str, object]:
    """Template helpers naming statuses and categories in the page's language, and Lanzhou time."""
    catalog = request.app.state.tuoyu.catalog
    return {
        "status_label": lambda code: catalog.get(f"complaint_status_{code}", lang) if code else "",
        "category_label": lambda code: catalog.get(f"complaint_cat_{code}", lang),
        "when": local,
    }

"""The complaint service as the web uses it, and template helpers naming its codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException
from starlette.requests import Request

from complaints.lifecycle import local

if TYPE_CHECKING:
    from complaints.service import ComplaintService


def service_of(request: Request) -> ComplaintService:
    """The complaint service (the same one the bot and the CLI use); pages of a build without it are not found."""
    service: ComplaintService | None = request.app.state.services.complaints
    if service is None:
        raise HTTPException(404)
    return service


def labels(request: Request, lang: str) -> dict[str, object]:
    """Template helpers naming statuses and categories in the page's language, and Lanzhou time."""
    catalog = request.app.state.port.catalog
    return {
        "status_label": lambda code: catalog.get(f"complaint_status_{code}", lang) if code else "",
        "category_label": lambda code: catalog.get(f"complaint_cat_{code}", lang),
        "when": local,
    }

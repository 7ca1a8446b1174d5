"""Landing, about and health check, and the error pages every route shares."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.web.chat import error, json_response


async def home(request: Request) -> Response:
    """GET /: links to the chat, the guide and the status page."""
    return request.app.state.pages.render(request, "home.html")


async def about(request: Request) -> Response:
    """GET /about: who runs this, what it is not, and whether the facility data is the synthetic demo set."""
    return request.app.state.pages.render(request, "about.html", demo=await demo_loaded(request))


async def demo_loaded(request: Request) -> bool:
    """True when any synthetic demo facility is in the registry table."""
    registry = request.app.state.services.facilities
    return registry is not None and await registry.demo_loaded()


async def healthz(request: Request) -> Response:
    """GET /healthz: 200 once the database answers, 503 otherwise."""
    if await request.app.state.services.db.ping():
        return json_response({"status": "ok"})
    return json_response({"status": "unavailable"}, 503)


async def http_error(request: Request, exc: Exception) -> Response:
    """JSON errors under /api, pages elsewhere (404 names what was not found)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if request.url.path.startswith(("/api/", "/telegram/")):
        return error(status, str(exc.detail) if isinstance(exc, HTTPException) else "error")
    template = "404.html" if status == 404 else "error.html"
    return request.app.state.pages.render(request, template, status, code=status)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/about", about, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
]

"""A database outage answers 503 with a polite "try again in a moment", never a 500 with a traceback.

Only errors that mean "the database cannot be reached right now" are caught; anything else (a bug, a
constraint violation) still surfaces as a 500 so that it gets fixed. The pool reconnects by itself
(`pool_pre_ping`), so service resumes as soon as the database answers again.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.i18n import Catalog, normalize_lang
from storage.outage import database_unreachable

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5


def language(scope: Scope) -> str:
    """zh or en from Accept-Language (the body may be what failed to be read)."""
    headers = dict(scope.get("headers", []))
    return normalize_lang(headers.get(b"accept-language", b"").decode("latin-1").split(",")[0] or None)


class DatabaseOutage:
    """ASGI middleware: an unreachable database becomes 503 with Retry-After and the polite message."""

    def __init__(self, app: ASGIApp, catalog: Catalog) -> None:
        self.app, self.catalog = app, catalog

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as error:
            if started or not database_unreachable(error):
                raise
            log.warning("database unreachable: %s %s: %s", scope.get("method"), scope.get("path"),
                        type(error).__name__)
            await self._busy(scope, send)

    async def _busy(self, scope: Scope, send: Send) -> None:
        message = self.catalog.get("outage_busy", language(scope))
        if scope.get("path", "").startswith(("/api/", "/telegram/")):
            body = json.dumps({"error": message, "retry_after": RETRY_AFTER_S}, ensure_ascii=False).encode()
            kind = b"application/json"
        else:
            body = message.encode()
            kind = b"text/plain; charset=utf-8"
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                                (b"retry-after", str(RETRY_AFTER_S).encode()), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})

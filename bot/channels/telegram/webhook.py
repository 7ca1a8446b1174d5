"""POST /telegram/webhook: check the secret, drop redeliveries, handle the update, then acknowledge."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.ext import Application

from bot.channels.telegram.dedupe import Claim, UpdateLedger
from bot.port import ChannelContext

log = logging.getLogger(__name__)

PATH = "/telegram/webhook"
SECRET_HEADER = "x-telegram-bot-api-secret-token"


def well_formed(body: object) -> bool:
    """An update is a JSON object with an integer `update_id` the ledger's BIGINT holds; anything else (null, a
    list, a string or an out-of-range id) would fail later, and Telegram redelivers what gets a 500."""
    update_id = body.get("update_id") if isinstance(body, dict) else None
    return type(update_id) is int and 0 <= update_id < 2**63


def storable(value: Any) -> Any:
    """The parsed body with every string made storable: NUL dropped (PostgreSQL refuses it in text) and unpaired
    surrogates (JSON escapes that are not UTF-8) replaced, so odd text gets an answer rather than a failed update."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode()
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value


def telegram_webhook_routes(app_ptb: Application, channel: ChannelContext, path: str = PATH) -> list[BaseRoute]:
    """Starlette routes for the webhook; every request is refused while no secret is configured.

    The update is acknowledged only after its handlers ran, so a crash makes Telegram redeliver it;
    the ledger drops the redeliveries of updates that were handled.
    """
    secret = (channel.settings.webhook_secret or "").encode()
    ledger = UpdateLedger(channel.services.db)

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode("latin-1")  # the header's raw bytes
        if not secret or not hmac.compare_digest(given, secret):
            return PlainTextResponse("forbidden", status_code=403)
        try:
            body = json.loads(await request.body())
            if not well_formed(body):
                raise ValueError("not an update")
            update = Update.de_json(storable(body), app_ptb.bot)
        except (RecursionError, UnicodeDecodeError, KeyError, TypeError, ValueError, AttributeError):
            return PlainTextResponse("bad update", status_code=400)  # JSONDecodeError is a ValueError
        claim = await ledger.claim(update.update_id)
        if claim is Claim.DONE:
            return PlainTextResponse("duplicate")
        if claim is Claim.BUSY:
            return PlainTextResponse("in progress", status_code=503)
        await app_ptb.update_processor.process_update(update, app_ptb.process_update(update))
        await ledger.done(update.update_id)
        return PlainTextResponse("ok")

    return [Route(path, webhook, methods=["POST"])]

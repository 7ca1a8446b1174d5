"""POST /telegram/webhook: check the secret, drop redeliveries, handle the update, then acknowledge."""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.ext import Application

from bot.bootstrap import Tuoyu
from bot.channels.telegram.dedupe import Claim, UpdateLedger

log = logging.getLogger(__name__)

PATH = "/telegram/webhook"
SECRET_HEADER = "x-telegram-bot-api-secret-token"


def telegram_webhook_routes(app_ptb: Application, tuoyu: Tuoyu, path: str = PATH) -> list[BaseRoute]:
    """Starlette routes for the webhook; every request is refused while no secret is configured.

    The update is acknowledged only after its handlers ran, so a crash makes Telegram redeliver it;
    the ledger drops the redeliveries of updates that were handled.
    """
    secret = (tuoyu.settings.webhook_secret or "").encode()
    ledger = UpdateLedger(tuoyu.db)

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode("latin-1")  # the header's raw bytes
        if not secret or not hmac.compare_digest(given, secret):
            return PlainTextResponse("forbidden", status_code=403)
        try:
            update = Update.de_json(await request.json(), app_ptb.bot)
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError):
            return PlainTextResponse("bad update", status_code=400)
        claim = await ledger.claim(update.update_id)
        if claim is Claim.DONE:
            return PlainTextResponse("duplicate")
        if claim is Claim.BUSY:
            return PlainTextResponse("in progress", status_code=503)
        await app_ptb.update_processor.process_update(update, app_ptb.process_update(update))
        await ledger.done(update.update_id)
        return PlainTextResponse("ok")

    return [Route(path, webhook, methods=["POST"])]

"""`/wechat`: WeChat's server URL (GET verifies it, POST delivers messages), as ../shared/contracts.md fixes it.

Every request's signature is checked (403 otherwise); in safe mode the message is decrypted and the reply
encrypted with wechatpy's `WeChatCrypto`. A message is claimed in the ledger, handled by the channel port and
answered passively when its text fits one message within `passive_s`; a longer or slower answer gets `success`
at once and goes out through the customer-service API, in order, when ready. WeChat retries a delivery it got
no answer to within 5 seconds: the ledger gives a retry the stored answer (or `success`), never a second turn.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Coroutine
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from wechatpy import events, messages, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

from bot.channels.wechat.api import WeChatApi, WeChatError
from bot.channels.wechat.convert import (
    CHANNEL,
    Action,
    Guide,
    Photo,
    Say,
    chat_key,
    convert,
    message_key,
    numbered,
    opens_window,
)
from bot.channels.wechat.ledger import Claim, MessageLedger
from bot.channels.wechat.notify import WeChatNotifier
from bot.channels.wechat.render import cdata_safe, render
from bot.engine.types import Button, Reply
from bot.port import ChannelPort, Outcome, PhotoUnavailable
from bot.settings import Settings
from storage.database import Database

log = logging.getLogger(__name__)

PATH = "/wechat"
#: WeChat waits 5 s for a passive reply; past this the answer goes through the customer-service API instead.
PASSIVE_S = 4.0
DRAIN_S = 25.0


class WeChatChannel:
    """The routes, the API client, the ledger and the notifier of one Official Account."""

    def __init__(self, port: ChannelPort, db: Database, settings: Settings, *, passive_s: float = PASSIVE_S) -> None:
        assert settings.wechat_token and settings.wechat_appid and settings.wechat_secret
        self.port, self.passive_s = port, passive_s
        self._token = settings.wechat_token
        self.crypto = (WeChatCrypto(settings.wechat_token, settings.wechat_aes_key, settings.wechat_appid)
                       if settings.wechat_aes_key else None)
        self.api = WeChatApi(db, settings.wechat_appid, settings.wechat_secret, settings.wechat_api_url)
        self.ledger = MessageLedger(db)
        self.notifier = WeChatNotifier(self.api, self.ledger, port.t)
        port.register_notifier("wechat", self.notifier)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sending: dict[str, tuple[asyncio.Lock, int]] = {}
        self.routes: list[BaseRoute] = [Route(PATH, self.endpoint, methods=["GET", "POST"])]

    async def close(self) -> None:
        """Let replies still being sent finish (bounded), then close the API client."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=DRAIN_S)
        await self.api.close()

    def signed(self, signature: str, timestamp: str, nonce: str) -> bool:
        signer = WeChatSigner()
        signer.add_data(self._token, timestamp, nonce)
        return hmac.compare_digest(signer.signature.encode(), signature.encode("utf-8", "replace"))

    async def endpoint(self, request: Request) -> Response:
        q = request.query_params
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        if not self.signed(q.get("signature", ""), timestamp, nonce):
            return PlainTextResponse("forbidden", status_code=403)
        if request.method == "GET":
            return PlainTextResponse(q.get("echostr", ""))
        aes = q.get("encrypt_type") == "aes"
        body = await request.body()
        try:
            if aes:
                if self.crypto is None:
                    return PlainTextResponse("safe mode is not configured", status_code=400)
                xml = self.crypto.decrypt_message(body, q.get("msg_signature", ""), timestamp, nonce)
            else:
                xml = body.decode("utf-8")
            msg = parse_message(xml)
        except InvalidSignatureException:
            return PlainTextResponse("forbidden", status_code=403)
        except Exception:  # whatever wechatpy, xmltodict or the cipher make of bytes that are not a message
            log.info("a WeChat delivery that is not a readable message", exc_info=True)
            return PlainTextResponse("bad message", status_code=400)
        if msg is None or not msg.source or not msg.target:
            return PlainTextResponse("bad message", status_code=400)
        return await self.deliver(msg, aes=aes, nonce=nonce)

    async def deliver(self, msg: messages.BaseMessage, *, aes: bool, nonce: str) -> Response:
        action = convert(msg)
        if action is None:
            return PlainTextResponse("success")
        key, openid = message_key(msg), msg.source
        try:
            claimed = await self.ledger.claim(key, openid, contact=opens_window(msg))
        except Exception:  # the database is out of reach: nothing was recorded, the parent sends it again
            log.exception("WeChat message %s not claimed", key)
            return self.passive(msg, self.port.t("outage_busy", "zh"), aes, nonce)
        if claimed.claim is Claim.DONE:
            return self.passive(msg, claimed.reply, aes, nonce)
        if claimed.claim is Claim.BUSY:
            handled, reply = await self.ledger.answer(key, self.passive_s)
            return self.passive(msg, reply if handled else None, aes, nonce)
        task = asyncio.create_task(self.handle(msg, action, claimed.buttons))
        done, _ = await asyncio.wait({task}, timeout=self.passive_s)
        if not done:  # slow: answer `success` now (a retry gets it too), the replies follow through the API
            await self._record(key, None, openid, None)
            self._spawn(self._later(task, key, openid))
            return PlainTextResponse("success")
        parts, buttons = task.result()
        if len(parts) == 1:
            await self._record(key, parts[0], openid, buttons)
            return self.passive(msg, parts[0], aes, nonce)
        await self._record(key, None, openid, buttons)
        self._spawn(self.send_parts(openid, parts))
        return PlainTextResponse("success")

    async def _record(self, key: str, reply: str | None, openid: str, buttons: list[Button] | None) -> None:
        """Mark the message answered; if the database is gone the answer still goes out (a retry after the
        claim's lease would be handled again, which beats no answer)."""
        try:
            await self.ledger.done(key, reply, openid, buttons)
        except Exception:
            log.exception("WeChat message %s answered but not recorded", key)

    async def handle(self, msg: messages.BaseMessage, action: Action, buttons: list[Button]
                     ) -> tuple[list[str], list[Button] | None]:
        """The message's answer as text parts, and the buttons it shows (None: an apology, keep the old ones)."""
        chat = chat_key(msg.source)
        try:
            outcome = await self._outcome(chat, action, buttons)
        except Exception:
            log.exception("WeChat message %s failed", message_key(msg))
            return [self.port.t("wx_error", "zh")], None
        replies = outcome.replies
        if isinstance(msg, events.SubscribeEvent | events.SubscribeScanEvent):
            replies = [*replies, Reply(kind="info", text=self.port.t("wx_menu_hint", outcome.lang))]
        return render(replies, lambda k: self.port.t(k, outcome.lang))

    async def _outcome(self, chat: str, action: Action, buttons: list[Button]) -> Outcome:
        if isinstance(action, Say):
            lang = await self.port.language(chat)
            return Outcome([Reply(kind="info", text=self.port.t(action.key, lang))], lang, None)
        if isinstance(action, Guide):
            return await self.port.open_guide(chat, action.payload, channel=CHANNEL)
        if isinstance(action, Photo):
            media_id = action.media_id
            return await self.port.photo(chat, lambda: self._media(media_id), channel=CHANNEL,
                                         fallback=f"wechat-media:{media_id}"[:200])
        return await self.port.process(chat, numbered(action, buttons))

    async def _media(self, media_id: str) -> bytes:
        try:
            return await self.api.media(media_id)
        except (httpx.HTTPError, WeChatError, TimeoutError) as exc:
            raise PhotoUnavailable(str(exc)) from exc

    def passive(self, msg: messages.BaseMessage, text: str | None, aes: bool, nonce: str) -> Response:
        """The passive reply XML (encrypted in safe mode), or `success` when there is none to give."""
        if text is None:
            return PlainTextResponse("success")
        xml = TextReply(source=msg.target, target=msg.source, content=cdata_safe(text), time=int(time.time())).render()
        if aes and self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, nonce or "tuoyu", str(int(time.time())))
        return Response(xml, media_type="application/xml")

    async def _later(self, task: asyncio.Task[tuple[list[str], list[Button] | None]], key: str, openid: str) -> None:
        parts, buttons = await task
        await self._record(key, None, openid, buttons)
        await self.send_parts(openid, parts)

    async def send_parts(self, openid: str, parts: list[str]) -> None:
        """Customer-service messages, in order; one follower's answers never interleave (a lock per follower
        while any of their answers is being sent, dropped after the last)."""
        lock, users = self._sending.get(openid, (asyncio.Lock(), 0))
        self._sending[openid] = (lock, users + 1)
        try:
            async with lock:
                for part in parts:
                    await self.api.send_text(openid, part)
        except (httpx.HTTPError, WeChatError, TimeoutError) as exc:
            log.warning("a customer-service message was not sent: %s", exc)
        finally:
            lock, users = self._sending[openid]
            if users == 1:
                del self._sending[openid]
            else:
                self._sending[openid] = (lock, users - 1)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


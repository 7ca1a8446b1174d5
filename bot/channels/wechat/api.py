"""The few WeChat API calls Tuoyu makes (token, media, customer-service send, menu), async over httpx, with one
access token shared by every instance through the database.

Why not wechatpy's `WeChatClient`: it is synchronous (requests), so each call would hold a worker thread, and its
token fetch is hard-wired to api.weixin.qq.com whatever `API_BASE_URL` says, so `TUOYU_WECHAT_API_URL` (the
tests' fake server, a proxy) could not take it. Messages, signatures, encryption and replies still go through
wechatpy (server.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import httpx
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.channels.wechat.models import WeChatToken
from storage.database import Database

log = logging.getLogger(__name__)

DEFAULT_URL = "https://api.weixin.qq.com"
TOKEN_MARGIN_S = 300  # refresh this long before expiry (WeChat keeps the old token valid 5 minutes after)
REFRESH_LEASE_S = 30
TOKEN_WAIT_S = 15.0
#: access_token invalid / expired / not the latest: invalidate it and fetch a new one, once.
TOKEN_ERRORS = {40001, 40014, 42001}
#: The follower's 48-hour window has closed (45015) or they unfollowed (43004): no retry can deliver it.
CLOSED_ERRORS = {43004, 45015, 45047}


class WeChatError(Exception):
    """WeChat answered a call with a non-zero `errcode`."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class TokenStore:
    """The access token: read from the database, fetched by one instance at a time, cached in memory.

    An instance finding the token missing or near expiry takes a short lease on its row (a conditional UPDATE:
    compare-and-set, atomic on SQLite and PostgreSQL alike) and fetches; the others keep using a still-valid token
    or wait for the new one. WeChat's daily token quota (2,000) is shared by every instance, so they must not each
    fetch their own, and a fetch invalidates the previous token after 5 minutes.
    """

    def __init__(self, db: Database, appid: str, fetch: Any) -> None:
        self.db, self.appid, self._fetch = db, appid, fetch
        self._token: str | None = None
        self._expires_at = 0
        self._lock = asyncio.Lock()
        insert = pg_insert if db.is_postgres else sqlite_insert
        self._ensure = insert(WeChatToken).values(appid=appid, access_token=None, expires_at=0,
                                                  refresh_until=0).on_conflict_do_nothing()

    async def get(self) -> str:
        if self._token and self._expires_at - TOKEN_MARGIN_S > time.time():
            return self._token
        async with self._lock:  # one coroutine per instance asks the database
            deadline = time.monotonic() + TOKEN_WAIT_S
            while True:
                token, expires_at, claimed = await self.db.unit(self._read_or_claim, int(time.time()))
                if claimed:
                    return await self._refresh()
                if token and expires_at > time.time():  # fresh, or still valid while another instance refreshes
                    self._token, self._expires_at = token, expires_at
                    return token
                if time.monotonic() > deadline:
                    raise TimeoutError("no WeChat access token: another instance's refresh did not finish")
                await asyncio.sleep(0.1)

    def _read_or_claim(self, conn: Connection, now: int) -> tuple[str | None, int, bool]:
        """The stored token, and whether this instance took the refresh lease (only when it needs refreshing)."""
        conn.execute(self._ensure)
        token, expires_at = conn.execute(select(WeChatToken.access_token, WeChatToken.expires_at)
                                         .where(WeChatToken.appid == self.appid)).one()
        if token and expires_at - TOKEN_MARGIN_S > now:
            return token, expires_at, False
        claimed = conn.execute(update(WeChatToken)
                               .where(WeChatToken.appid == self.appid, WeChatToken.refresh_until < now)
                               .values(refresh_until=now + REFRESH_LEASE_S)).rowcount == 1
        return token, expires_at, claimed

    async def _refresh(self) -> str:
        try:
            token, expires_in = await self._fetch()
        except BaseException:
            await self.db.unit(self._release)
            raise
        expires_at = int(time.time()) + int(expires_in)
        await self.db.unit(self._store, token, expires_at)
        self._token, self._expires_at = token, expires_at
        log.info("WeChat access token refreshed (valid %s s)", expires_in)
        return token

    def _release(self, conn: Connection) -> None:
        conn.execute(update(WeChatToken).where(WeChatToken.appid == self.appid).values(refresh_until=0))

    def _store(self, conn: Connection, token: str, expires_at: int) -> None:
        conn.execute(update(WeChatToken).where(WeChatToken.appid == self.appid)
                     .values(access_token=token, expires_at=expires_at, refresh_until=0))

    async def invalidate(self, token: str) -> None:
        """WeChat refused `token`: forget it everywhere (unless another instance already replaced it)."""
        if self._token == token:
            self._token, self._expires_at = None, 0
        await self.db.unit(lambda conn: conn.execute(
            update(WeChatToken).where(WeChatToken.appid == self.appid, WeChatToken.access_token == token)
            .values(expires_at=0)))


class WeChatApi:
    """Token, media download, customer-service text messages and menu creation."""

    def __init__(self, db: Database, appid: str, secret: str, base_url: str | None = None,
                 timeout: float = 10.0) -> None:
        self.base_url = (base_url or DEFAULT_URL).rstrip("/")
        self.appid, self._secret = appid, secret
        self.http = httpx.AsyncClient(timeout=timeout, trust_env=False)
        self.tokens = TokenStore(db, appid, self._fetch_token)

    async def close(self) -> None:
        await self.http.aclose()

    async def _fetch_token(self) -> tuple[str, int]:
        response = await self.http.get(f"{self.base_url}/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self._secret})
        body = _checked(response)
        return str(body["access_token"]), int(body.get("expires_in", 7200))

    async def _call(self, method: str, path: str, *, params: dict[str, str] | None = None,
                    payload: dict[str, Any] | None = None) -> httpx.Response:
        """A call with the access token; a token WeChat calls invalid or expired is refetched and the call made
        once more."""
        for attempt in (1, 2):
            token = await self.tokens.get()
            content = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
            response = await self.http.request(method, f"{self.base_url}{path}",
                                               params={**(params or {}), "access_token": token}, content=content)
            errcode = _errcode(response)
            if errcode in TOKEN_ERRORS and attempt == 1:
                log.warning("WeChat refused the access token (%s); fetching a new one", errcode)
                await self.tokens.invalidate(token)
                continue
            return response
        raise AssertionError("unreachable")

    async def send_text(self, openid: str, text: str) -> None:
        """One customer-service text message (message/custom/send)."""
        response = await self._call("POST", "/cgi-bin/message/custom/send", payload={
            "touser": openid, "msgtype": "text", "text": {"content": text}})
        _checked(response)

    async def media(self, media_id: str) -> bytes:
        """A temporary media file's bytes (media/get): an image a follower sent."""
        response = await self._call("GET", "/cgi-bin/media/get", params={"media_id": media_id})
        if response.headers.get("content-type", "").startswith(("application/json", "text/plain")):
            _checked(response)
        response.raise_for_status()
        return response.content

    async def create_menu(self, menu: dict[str, Any]) -> None:
        response = await self._call("POST", "/cgi-bin/menu/create", payload=menu)
        _checked(response)


def _errcode(response: httpx.Response) -> int:
    if not response.headers.get("content-type", "").startswith(("application/json", "text/plain")):
        return 0
    try:
        body = response.json()
    except ValueError:
        return 0
    return int(body.get("errcode", 0) or 0) if isinstance(body, dict) else 0


def _checked(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a successful call; WeChatError for a non-zero errcode, httpx's error for an HTTP one."""
    response.raise_for_status()
    body = response.json()
    if not isinstance(body, dict):
        raise WeChatError(-1, "not a JSON object")
    if int(body.get("errcode", 0) or 0) != 0:
        raise WeChatError(int(body["errcode"]), str(body.get("errmsg", "")))
    return body

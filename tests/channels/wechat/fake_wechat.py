"""A fake WeChat on 127.0.0.1:0 (aiohttp): it signs and posts followers' messages to our `/wechat` (plaintext or
safe mode) and serves the API Tuoyu calls (token, media, customer-service send, menu create), recording all."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import xmltodict
from aiohttp import web
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

TOKEN = "tuoyuTestToken1"
APPID = "wx0123456789abcdef"
SECRET = "test-app-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_tuoyu_test"


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


@dataclass
class Answer:
    """What our server answered one delivery: the status, and the passive reply's text (None for `success`)."""

    status: int
    body: str
    text: str | None = None
    msg_type: str | None = None


@dataclass
class Sent:
    openid: str
    text: str
    at: float = field(default_factory=time.monotonic)


class FakeWeChat:
    """`async with FakeWeChat() as wx:` then `wx.base_url` is TUOYU_WECHAT_API_URL; `wx.target` the /wechat URL."""

    def __init__(self, target: str = "", *, token: str = TOKEN, appid: str = APPID, secret: str = SECRET,
                 aes_key: str = AES_KEY, expires_in: int = 7200) -> None:
        self.target, self.token, self.appid, self.secret = target, token, appid, secret
        self.crypto = WeChatCrypto(token, aes_key, appid)
        self.expires_in = expires_in
        self.token_fetches = 0
        self.valid_tokens: set[str] = set()
        self.media: dict[str, bytes] = {}
        self.media_fetches: list[str] = []
        self.sent: list[Sent] = []
        self.menus: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self._ids = itertools.count(6_000_000_000_000_000_001)
        self._sent_event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.http = httpx.AsyncClient(timeout=30.0, trust_env=False)

    async def __aenter__(self) -> FakeWeChat:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_get("/cgi-bin/media/get", self._media)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/menu/create", self._menu_create)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the API WeChat serves ---------------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        self.calls.append("token")
        q = request.query
        if q.get("grant_type") != "client_credential" or q.get("appid") != self.appid or q.get("secret") != self.secret:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        self.token_fetches += 1
        await asyncio.sleep(0.05)  # a real fetch takes a while: long enough for instances to race
        token = f"ACCESS_TOKEN_{self.token_fetches}_{secrets.token_hex(4)}"
        self.valid_tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": self.expires_in})

    def _refused(self, request: web.Request) -> web.Response | None:
        token = request.query.get("access_token", "")
        if token not in self.valid_tokens:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        return None

    async def _media(self, request: web.Request) -> web.Response:
        self.calls.append("media")
        if (refused := self._refused(request)) is not None:
            return refused
        media_id = request.query.get("media_id", "")
        self.media_fetches.append(media_id)
        if media_id not in self.media:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        return web.Response(body=self.media[media_id], content_type="image/jpeg")

    async def _custom_send(self, request: web.Request) -> web.Response:
        self.calls.append("custom_send")
        if (refused := self._refused(request)) is not None:
            return refused
        body = json.loads(await request.read())
        content = body["text"]["content"]
        if body.get("msgtype") != "text" or len(content.encode()) > 2048:
            return web.json_response({"errcode": 45002, "errmsg": "content size out of limit"})
        self.sent.append(Sent(body["touser"], content))
        self._sent_event.set()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _menu_create(self, request: web.Request) -> web.Response:
        self.calls.append("menu_create")
        if (refused := self._refused(request)) is not None:
            return refused
        raw = await request.read()
        if b"\\u" in raw:  # WeChat shows escaped Chinese as it is: the body must be raw UTF-8
            return web.json_response({"errcode": 40016, "errmsg": "invalid button name"})
        self.menus.append(json.loads(raw))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def expire_tokens(self) -> None:
        """Every token handed out stops working (WeChat's 40001 on the next call)."""
        self.valid_tokens.clear()

    async def wait_for_sent(self, openid: str, count: int, timeout: float = 10.0) -> list[str]:
        """The customer-service texts sent to one follower, once there are at least `count`."""
        deadline = time.monotonic() + timeout
        while True:
            texts = [s.text for s in self.sent if s.openid == openid]
            if len(texts) >= count:
                return texts
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(texts)} of {count} messages sent to {openid}: {texts}")
            self._sent_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent_event.wait(), timeout=0.2)

    # --- followers writing to the account ----------------------------------------------------------------------

    def message(self, openid: str, msg_type: str, **fields: Any) -> dict[str, Any]:
        xml: dict[str, Any] = {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": int(time.time()),
                               "MsgType": msg_type, **fields}
        if msg_type != "event" and "MsgId" not in fields:
            xml["MsgId"] = next(self._ids)
        return xml

    def text(self, openid: str, content: str, **kw: Any) -> dict[str, Any]:
        return self.message(openid, "text", Content=content, **kw)

    def event(self, openid: str, event: str, key: str | None = None) -> dict[str, Any]:
        fields: dict[str, Any] = {"Event": event}
        if key is not None:
            fields["EventKey"] = key
        return self.message(openid, "event", **fields)

    def location(self, openid: str, lat: float, lon: float, label: str = "") -> dict[str, Any]:
        return self.message(openid, "location", Location_X=lat, Location_Y=lon, Scale=15, Label=label)

    def image(self, openid: str, media_id: str, data: bytes) -> dict[str, Any]:
        self.media[media_id] = data
        return self.message(openid, "image", PicUrl=f"http://mmbiz.example/{media_id}", MediaId=media_id)

    def voice(self, openid: str, recognition: str | None) -> dict[str, Any]:
        fields: dict[str, Any] = {"MediaId": "voice-media", "Format": "amr"}
        if recognition is not None:
            fields["Recognition"] = recognition
        return self.message(openid, "voice", **fields)

    def query(self, *, aes: bool = False, encrypted: str = "", token: str | None = None) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        params = {"signature": sign(token or self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if aes:
            params.update(encrypt_type="aes", msg_signature=sign(token or self.token, timestamp, nonce, encrypted))
        return params

    async def post(self, xml: dict[str, Any], *, aes: bool = False, token: str | None = None) -> Answer:
        """Deliver one message as WeChat does (signed; encrypted in safe mode) and read our answer."""
        plain = xmltodict.unparse({"xml": xml}, full_document=False)
        if aes:
            encrypted = self.crypto.encrypt_message(plain, secrets.token_hex(5))
            inner = xmltodict.parse(encrypted)["xml"]["Encrypt"]
            body = xmltodict.unparse({"xml": {"ToUserName": ACCOUNT, "Encrypt": inner}}, full_document=False)
            params = self.query(aes=True, encrypted=inner, token=token)
        else:
            body, params = plain, self.query(token=token)
        response = await self.http.post(self.target, params=params, content=body.encode(),
                                        headers={"content-type": "text/xml"})
        return self.read(response, aes)

    def read(self, response: httpx.Response, aes: bool) -> Answer:
        body = response.text
        if response.status_code != 200 or body in ("", "success"):
            return Answer(response.status_code, body)
        reply = xmltodict.parse(body)["xml"]
        if aes:
            outer = reply
            assert outer["MsgSignature"] == sign(self.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
            reply = xmltodict.parse(self.crypto.decrypt_message(body, outer["MsgSignature"], outer["TimeStamp"],
                                                                outer["Nonce"]))["xml"]
        assert reply["ToUserName"] and reply["FromUserName"] == ACCOUNT
        assert len(reply.get("Content", "").encode()) <= 2048
        return Answer(response.status_code, body, reply.get("Content"), reply["MsgType"])

    async def verify(self, echostr: str, *, token: str | None = None) -> httpx.Response:
        """The URL check WeChat makes when the server URL is saved."""
        return await self.http.get(self.target, params={**self.query(token=token), "echostr": echostr})


class Follower:
    """One follower chatting with the account through the fake: what they send and read, as text."""

    def __init__(self, wx: FakeWeChat, openid: str, *, aes: bool = False, settle_s: float = 0.3) -> None:
        self.wx, self.openid, self.aes, self.settle_s = wx, openid, aes, settle_s
        self.last = ""

    async def send(self, xml: dict[str, Any]) -> str:
        """Deliver one message; the passive reply's text, or the customer-service messages it was sent as."""
        before = len([s for s in self.wx.sent if s.openid == self.openid])
        answer = await self.wx.post(xml, aes=self.aes)
        assert answer.status == 200, answer.body
        if answer.text is not None:
            self.last = answer.text
            return self.last
        sent = await self.wx.wait_for_sent(self.openid, before + 1)
        while True:  # every part of one answer is sent back to back; a pause means it is complete
            await asyncio.sleep(self.settle_s)
            more = [s.text for s in self.wx.sent if s.openid == self.openid]
            if len(more) == len(sent):
                break
            sent = more
        self.last = "\n\n".join(sent[before:])
        return self.last

    async def say(self, text: str) -> str:
        return await self.send(self.wx.text(self.openid, text))

    async def pick(self, label: str) -> str:
        """Answer with the number of the choice whose label contains `label` in the last answer."""
        for line in self.last.splitlines():
            number, dot, rest = line.partition(". ")
            if dot and number.isdigit() and label in rest:
                return await self.say(number)
        raise AssertionError(f"no choice {label!r} in:\n{self.last}")

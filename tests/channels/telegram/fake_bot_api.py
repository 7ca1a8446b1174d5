"""A fake Telegram Bot API on 127.0.0.1:0 (aiohttp): long polling, webhook delivery, Telegram-like validation."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

TOKEN = "123456:TEST-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "Tuoyu", "username": "TuoyuTestBot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
JSON_FIELDS = {"reply_markup", "entities", "commands", "results", "allowed_updates", "button",
               "link_preview_options", "caption_entities", "scope", "reply_parameters"}
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
             "span", "blockquote", "tg-emoji"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


class _Html(HTMLParser):
    """Telegram's HTML subset: known tags, balanced, `<` always escaped; collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in HTML_TAGS:
            raise ApiError(400, f"Bad Request: can't parse entities: unsupported start tag \"{tag}\"")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            raise ApiError(400, f"Bad Request: can't parse entities: unmatched end tag \"{tag}\"")

    def handle_data(self, data: str) -> None:
        if "<" in data:
            raise ApiError(400, "Bad Request: can't parse entities: unexpected \"<\"")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            raise ApiError(400, f"Bad Request: can't parse entities: unsupported entity \"&{name};\"")
        self.text.append("x")

    def handle_charref(self, name: str) -> None:
        self.text.append("x")


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text after entity parsing, raising Telegram's error for malformed HTML."""
    if parse_mode != "HTML":
        return text
    parser = _Html()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise ApiError(400, f"Bad Request: can't parse entities: unclosed start tag \"{parser.stack[-1]}\"")
    return "".join(parser.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeBotApi:
    """Serve `/bot{token}/{method}`; tests inject updates and await the calls the bot makes."""

    def __init__(self, latency: float = 0.0, token: str = TOKEN) -> None:
        self.latency, self.token = latency, token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status) of webhook POSTs
        self.faults: dict[str, list[ApiError]] = {}
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and the file download URL
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._webhook_gate: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0
        self.count_only = False  # benchmarks: keep no call log, just counters
        self.counts: dict[str, int] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/files/{file_id}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._client = ClientSession(timeout=ClientTimeout(total=30))
        return self

    async def stop(self) -> None:
        self.updates.append({"_stop": True})  # releases pending long polls
        async with self._changed:
            self._changed.notify_all()
        for task in list(self._tasks):
            task.cancel()
        if self._client:
            await self._client.close()
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- the Bot API -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        if self.count_only:
            self.counts[method] = self.counts.get(method, 0) + 1
        else:
            self.calls.append(Call(method, params))
        async with self._changed:
            self._changed.notify_all()
        if self.latency and method != "getUpdates":
            await asyncio.sleep(self.latency)
        try:
            faults = self.faults.get(method)
            if faults:
                raise faults.pop(0)
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        """A file's content at the `file_path` getFile gave, as Telegram's file server serves it."""
        content = self.files.get(request.match_info["file_id"])
        if request.match_info["token"] != self.token or content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            # The Bot API reads JSON bodies and forms alike: give tests one shape (a form's scalars are strings).
            return {key: value if isinstance(value, str) or key in JSON_FIELDS else json.dumps(value)
                    for key, value in (await request.json()).items()}
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            value = value if isinstance(value, str) else value.file.read().decode(errors="replace")
            params[key] = json.loads(value) if key in JSON_FIELDS else value
        return params

    async def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        if offset:
            self.updates = [u for u in self.updates if u.get("update_id", offset) >= offset]
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not self._pending() and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
        return [u for u in self.updates if "_stop" not in u][:limit]

    def _pending(self) -> bool:
        return bool(self.updates)

    async def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": params["url"], "secret": params.get("secret_token"),
                        "max_connections": int(params.get("max_connections") or 40)}
        self._webhook_gate = asyncio.Semaphore(self.webhook["max_connections"])
        return True

    async def api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": 0}

    async def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        if not all(1 <= len(c["command"]) <= 32 and 1 <= len(c["description"]) <= 256 for c in params["commands"]):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        return True

    async def api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def api_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    async def api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        results = params.get("results", [])
        if len(results) > 50 or len({r["id"] for r in results}) != len(results):
            raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            content = result["input_message_content"]
            visible_text(content["message_text"], content.get("parse_mode"))
        return True

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        return {"message_id": next(self._message_ids), "date": int(time.time()), "from": BOT,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}, **extra}

    def _check_markup(self, params: dict[str, Any]) -> None:
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    async def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = params.get("text", "")
        visible = visible_text(text, params.get("parse_mode"))
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(visible) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        self._check_markup(params)
        return self._message(params, text=text)

    async def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        visible_text(params.get("text", ""), params.get("parse_mode"))
        return self._message(params, text=params.get("text", ""))

    async def api_sendVenue(self, params: dict[str, Any]) -> dict[str, Any]:
        location = {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
        venue = {"location": location, "title": params["title"], "address": params["address"]}
        return self._message(params, venue=venue, location=location)

    async def api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        visible_text(params.get("caption", ""), params.get("parse_mode"))
        photo = [{"file_id": "sent-photo", "file_unique_id": "sent", "width": 100, "height": 100}]
        return self._message(params, photo=photo)

    async def api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": f"{file_id}-u", "file_size": len(self.files[file_id]),
                "file_path": f"files/{file_id}"}

    # ---- injecting updates ---------------------------------------------------------------------

    async def push(self, payload: dict[str, Any]) -> int:
        """Queue (or, with a webhook set, deliver) one update; returns its update_id."""
        update_id = payload.get("update_id") or next(self._ids)
        update = {"update_id": update_id, **{k: v for k, v in payload.items() if k != "update_id"}}
        if self.webhook:
            task = asyncio.create_task(self._deliver(update))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return update_id
        self.updates.append(update)
        async with self._changed:
            self._changed.notify_all()
        return update_id

    async def _deliver(self, update: dict[str, Any], attempts: int = 8) -> None:
        """POST to the webhook with the secret; retry any non-2xx answer or connection error, as Telegram does."""
        assert self.webhook and self._client and self._webhook_gate
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook["secret"]} if self.webhook["secret"] else {}
        for attempt in range(attempts):
            status = 0
            try:
                async with self._webhook_gate, self._client.post(self.webhook["url"], json=update,
                                                                 headers=headers) as response:
                    status = response.status
            except OSError:
                status = 0
            self.deliveries.append((update["update_id"], status))
            if 200 <= status < 300:
                return
            await asyncio.sleep(min(0.2 * 2**attempt, 2.0))

    @staticmethod
    def user(user_id: int, lang: str | None = "zh-hans") -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}
        if lang:
            user["language_code"] = lang
        return user

    def _msg(self, chat: int, lang: str | None, chat_type: str | None = None, **content: Any) -> dict[str, Any]:
        user_id = abs(chat) if chat > 0 else 777
        chat_obj = {"id": chat, "type": chat_type or ("private" if chat > 0 else "group")}
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat_obj,
                "from": self.user(user_id, lang), **content}

    async def text(self, chat: int, text: str, lang: str | None = "zh-hans", **extra: Any) -> int:
        """A typed message; a leading /command gets its bot_command entity, @mentions a mention entity."""
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(text.split(" ", 1)[0])})
        mention = f"@{BOT['username']}"
        if mention in text:
            before = text.index(mention)
            entities.append({"type": "mention", "offset": utf16_len(text[:before]), "length": len(mention)})
        content: dict[str, Any] = {"text": text, **extra}
        if entities:
            content["entities"] = entities
        return await self.push({"message": self._msg(chat, lang, **content)})

    async def callback(self, chat: int, data: str, lang: str | None = "zh-hans", message_id: int = 1) -> int:
        message = {"message_id": message_id, "date": int(time.time()), "from": BOT,
                   "chat": {"id": chat, "type": "private" if chat > 0 else "group"}, "text": "…"}
        query = {"id": str(next(self._ids) + 10**6), "from": self.user(abs(chat), lang), "chat_instance": "c",
                 "data": data, "message": message}
        return await self.push({"callback_query": query})

    async def location(self, chat: int, lat: float, lon: float, lang: str | None = "zh-hans") -> int:
        return await self.push({"message": self._msg(chat, lang, location={"latitude": lat, "longitude": lon})})

    async def live_location_edit(self, chat: int, lat: float, lon: float) -> int:
        message = self._msg(chat, "zh-hans", location={"latitude": lat, "longitude": lon, "live_period": 900},
                            edit_date=int(time.time()))
        return await self.push({"edited_message": message})

    async def media(self, chat: int, kind: str, lang: str | None = "zh-hans") -> int:
        """A sticker, voice, photo or video message."""
        file = {"file_id": f"{kind}-file", "file_unique_id": f"{kind}-u"}
        content = {
            "sticker": {"sticker": {**file, "width": 512, "height": 512, "is_animated": False, "is_video": False,
                                    "type": "regular"}},
            "voice": {"voice": {**file, "duration": 3}},
            "video": {"video": {**file, "width": 640, "height": 480, "duration": 3}},
            "photo": {"photo": [{**file, "width": 90, "height": 90}, {**file, "file_id": "photo-big",
                                                                       "width": 800, "height": 800}]},
        }[kind]
        return await self.push({"message": self._msg(chat, lang, **content)})

    async def inline(self, user_id: int, query: str, lang: str | None = "zh-hans") -> int:
        inline_query = {"id": str(next(self._ids) + 10**6), "from": self.user(user_id, lang), "query": query,
                        "offset": ""}
        return await self.push({"inline_query": inline_query})

    # ---- asserting -----------------------------------------------------------------------------

    def mark(self) -> int:
        """The position in the call log; pass it as `since` to wait only for later calls."""
        return len(self.calls)

    def calls_of(self, method: str, since: int = 0) -> list[Call]:
        return [c for c in self.calls[since:] if c.method == method]

    async def wait_for_call(self, method: str, predicate: Callable[[dict[str, Any]], bool] | None = None,
                            since: int = 0, timeout: float = 5.0) -> Call:
        """The first call of `method` (after `since`) whose params satisfy `predicate`."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                for call in self.calls[since:]:
                    if call.method == method and (predicate is None or predicate(call.params)):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(c.method, str(c.params)[:200]) for c in self.calls[since:]]
                    raise AssertionError(f"no {method} call matched within {timeout}s; calls: {seen}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_for_count(self, method: str, count: int, since: int = 0, timeout: float = 10.0) -> list[Call]:
        """Wait until `count` calls of `method` arrived after `since`."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while len(self.calls_of(method, since)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{len(self.calls_of(method, since))} of {count} {method} calls")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
        return self.calls_of(method, since)

    async def wait_for_counted(self, method: str, count: int, timeout: float = 120.0) -> None:
        """In `count_only` mode: wait until `count` calls of `method` were counted."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.counts.get(method, 0) >= count), timeout)

    def texts(self, chat: int, since: int = 0) -> list[str]:
        return [c.params["text"] for c in self.calls_of("sendMessage", since) if int(c.params["chat_id"]) == chat]

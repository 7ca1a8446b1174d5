"""The web chat: the page, POST /api/chat (the contract's reply object) and photo uploads for complaints."""

from __future__ import annotations

import json
import math
import re
from dataclasses import is_dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.web import history
from bot.channels.web.blocks import Words, blocks
from bot.channels.web.errors import language
from bot.channels.web.maps import add_maps
from bot.channels.web.pages import request_lang
from bot.channels.web.security import TokenBucket, client_ip, csrf_ok, text_ok
from bot.engine.types import Inbound, InboundKind, Reply
from bot.port import ChannelPort, Outcome, public_reply
from complaints.lifecycle import local
from complaints.outbox import delivered_to
from complaints.photos import PhotoRejected, sniff

SESSION = re.compile(r"[A-Za-z0-9_-]{8,64}")  # fullmatch: `$` would let a trailing newline through
LABEL_MAX = 200  # a pressed button's label, as the page showed it (kept in the history)
BUTTON = re.compile(r"[A-Za-z0-9:_.-]{1,64}")


class BadRequest(ValueError):
    """The request is malformed; the message says what to fix."""


def _plain(value: object) -> object:
    """json.dumps' fallback: a dataclass (a reply's buttons and sources) as its fields, as `asdict` gives them;
    any other odd value (a date) as text."""
    if is_dataclass(value) and not isinstance(value, type):
        return vars(value)
    return str(value)


def json_response(payload: object, status: int = 200) -> Response:
    """JSON with Chinese kept readable, dataclasses as their fields and odd values (dates) stringified."""
    body = json.dumps(payload, ensure_ascii=False, default=_plain)
    return Response(body, status_code=status, media_type="application/json",
                    headers={"cache-control": "no-store"})


def error(status: int, message: str) -> Response:
    return json_response({"error": message}, status)


def chat_payload(replies: list[Reply], words: Words | None = None) -> dict[str, Any]:
    """The contract's reply object plus every reply in full and whether to offer location sharing.

    Each reply is `Reply.to_dict()` once written by `json_response`: copied one level here (add_maps adds
    keys), its buttons and sources left for the encoder, since `asdict`'s deep copy cost more than the rest.
    """
    shown = [dict(vars(r)) for r in replies]
    if words is not None:
        for reply, out in zip(replies, shown, strict=True):
            out["blocks"] = blocks(reply, words)
    return {**public_reply(replies), "replies": shown,
            "request_location": any(r.request_location for r in replies)}


def _words(request: Request) -> Words:
    """The engine's marker phrases, read from the catalog once per app."""
    words = getattr(request.app.state, "chat_words", None)
    if words is None:
        words = request.app.state.chat_words = Words(request.app.state.port.catalog)
    return words


def _recorder(request: Request) -> history.Recorder:
    """The app's history writer (one per app: it batches the exchanges of every chat)."""
    recorder = getattr(request.app.state, "chat_history", None)
    if recorder is None:
        recorder = request.app.state.chat_history = history.Recorder(request.app.state.services.db)
    return recorder


def _pin_prefixes(request: Request) -> list[str]:
    """What precedes the PIN in a filed complaint's reply, in each language ("查询码：", "PIN: ")."""
    prefixes = getattr(request.app.state, "chat_pin_prefixes", None)
    if prefixes is None:
        catalog = request.app.state.port.catalog
        prefixes = [line.split("{pin}")[0].strip() for lang in catalog.messages
                    for line in str(catalog.messages[lang].get("complaint_filed", "")).splitlines() if "{pin}" in line]
        request.app.state.chat_pin_prefixes = prefixes = [p for p in prefixes if p]
    return list(prefixes)


def shown_label(body: dict[str, Any]) -> str | None:
    """The label of the pressed button as the page showed it (optional; kept in the history), or BadRequest."""
    label = body.get("label")
    if label is None:
        return None
    if not isinstance(label, str) or len(label) > LABEL_MAX or not text_ok(label):
        raise BadRequest(f"label must be text of at most {LABEL_MAX} characters")
    return label


def parse_inbound(body: object) -> tuple[str, Inbound, str | None]:
    """(session, inbound, lang) from the request body, or BadRequest."""
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    session = body.get("session")
    if not isinstance(session, str) or not SESSION.fullmatch(session):
        raise BadRequest("session must match [A-Za-z0-9_-]{8,64}")
    lang = body.get("lang")
    if lang is not None and lang not in ChannelPort.langs:
        raise BadRequest(f"lang must be {' or '.join(ChannelPort.langs)}")
    common: dict[str, Any] = {"channel": "web", "lang_hint": lang}
    if "button" in body:
        data = body["button"]
        if not isinstance(data, str) or not BUTTON.fullmatch(data):
            raise BadRequest("button must be a button's data code")
        return session, Inbound(InboundKind.BUTTON, text=data, **common), lang
    if "location" in body:
        lat, lon = _coordinates(body["location"])
        return session, Inbound(InboundKind.LOCATION, lat=lat, lon=lon, **common), lang
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("give text, button or location")
    if not text_ok(text):
        raise BadRequest("text must be UTF-8 without NUL characters")
    return session, Inbound.message(text, **common), lang


def _coordinates(raw: object) -> tuple[float, float]:
    if not isinstance(raw, dict):
        raise BadRequest("location must be {lat, lon}")
    try:
        lat, lon = float(raw["lat"]), float(raw["lon"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadRequest("location must be {lat, lon}") from exc
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadRequest("location out of range")
    return lat, lon




def throttled(request: Request, bucket: TokenBucket, key: str, lang: str | None,
              message_key: str = "web_chat_throttled") -> Response:
    """429 with a polite "slow down" in the chat's language and when to try again."""
    wait = max(1, math.ceil(bucket.wait_s(key)))
    message = request.app.state.port.t(message_key, lang or language(request.scope))
    response = json_response({"error": message, "retry_after": wait}, 429)
    response.headers["retry-after"] = str(wait)
    return response


async def json_body(request: Request) -> Any:
    """The JSON body of a chat API request, or the response refusing it: the address's budget, the content type,
    the syntax (a 20,000-deep array is a RecursionError, not a crash)."""
    ip = client_ip(request)
    if not request.app.state.chat_ip_limit.allow(ip):
        return throttled(request, request.app.state.chat_ip_limit, ip, None)
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return error(415, "send application/json")
    try:
        return json.loads(await request.body())
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return error(400, "malformed JSON")


async def api_chat(request: Request) -> Response:
    """POST /api/chat: one text, button or location; the conversation continues by session.

    Budgets are per session (no parent types faster) and, far larger, per address (carrier NAT).
    """
    body = await json_body(request)
    if isinstance(body, Response):
        return body
    try:
        session, inbound, lang = parse_inbound(body)
        label = shown_label(body) if inbound.kind is InboundKind.BUTTON else None
    except (ValueError, RecursionError) as exc:  # BadRequest is a ValueError
        return error(400, str(exc) if isinstance(exc, BadRequest) else "malformed JSON")
    if not request.app.state.chat_limit.allow(session):
        return throttled(request, request.app.state.chat_limit, session, lang)
    port: ChannelPort = request.app.state.port
    if inbound.kind is InboundKind.COMMAND and inbound.text == "start" and inbound.args:  # /chat?start=g-…
        outcome = await port.open_guide(f"web:{session}", inbound.args, channel="web", lang_hint=lang, lang=lang)
    else:
        outcome = await port.process(f"web:{session}", inbound, lang=lang)  # the page's language, pinned
    payload = chat_payload(outcome.replies, _words(request))
    add_maps(request, outcome.lang, payload)
    typed = str(body.get("text") or "")
    sent = {InboundKind.BUTTON: label, InboundKind.LOCATION: None}.get(inbound.kind, typed)
    _remember(request, session, sent, typed, outcome, payload)
    return json_response(payload)


def _remember(request: Request, session: str, sent: str | None, typed: str, outcome: Outcome,
              payload: dict[str, Any]) -> None:
    """Add `flow` (the flow the chat is now in, or null: the page's cancel control) and keep the exchange."""
    payload["flow"] = outcome.flow
    secrets = history.secrets_in(typed, outcome.collected)
    entry = {"sent": history.user_entry(sent) if sent else None, "flow": outcome.flow,
             "replies": history.reply_entries(payload["replies"], secrets, _pin_prefixes(request))}
    _recorder(request).append(f"web:{session}", entry)


async def api_photo(request: Request) -> Response:
    """POST /api/chat/photo: a JPEG or PNG for the complaint flow, stored under a random name."""
    ip = client_ip(request)
    if not request.app.state.upload_limit.allow(ip):
        return throttled(request, request.app.state.upload_limit, ip, None, "web_upload_throttled")
    if not csrf_ok(request, request.headers.get("x-csrf-token")):
        return error(403, "missing or wrong CSRF token")
    limit = request.app.state.limits.upload_bytes
    try:
        async with request.form(max_files=1, max_fields=4) as form:
            session, photo = form.get("session"), form.get("photo")
            if not isinstance(session, str) or not SESSION.fullmatch(session):
                return error(400, "session must match [A-Za-z0-9_-]{8,64}")
            if photo is None or isinstance(photo, str):
                return error(400, "attach one photo")
            data = await photo.read(limit + 1)
            if len(data) > limit:
                raise PhotoRejected(f"photo larger than {limit // (1024 * 1024)} MB", 413)
            sniff(data)
    except PhotoRejected as exc:
        return error(exc.status, str(exc))
    except ValueError:  # multipart parse errors
        return error(400, "malformed multipart body")

    async def fetch() -> bytes:
        return data

    # Stored (decoded in a worker thread) only at a complaint's photo step: nothing is kept that no complaint
    # refers to; a picture that does not decode is refused with its reason.
    try:
        outcome: Outcome = await request.app.state.port.photo(f"web:{session}", fetch, channel="web", limit=limit)
    except PhotoRejected as exc:
        return error(exc.status, str(exc))
    payload = chat_payload(outcome.replies, _words(request))
    _remember(request, session, "📷", "", outcome, payload)
    return json_response(payload)


async def session_in_body(request: Request) -> str | Response:
    """The session of a `{session}` request body, or the response refusing the body."""
    body = await json_body(request)
    if isinstance(body, Response):
        return body
    session = body.get("session") if isinstance(body, dict) else None
    if not isinstance(session, str) or not SESSION.fullmatch(session):
        return error(400, "session must match [A-Za-z0-9_-]{8,64}")
    return session


async def api_notices(request: Request) -> Response:
    """POST /api/chat/notices {session}: the office's notices to this web chat, which the page shows on each visit.

    POST with the session in the body, never in a URL: the session id is the key to the chat and its complaints,
    and URLs end up in access logs.
    """
    session = await session_in_body(request)
    if isinstance(session, Response):
        return session
    rows = await delivered_to(request.app.state.services.db, f"web:{session}")
    return json_response({"notices": [{"id": r.id, "text": r.text, "at": local(r.sent_at or r.created_at),
                                       "sent": (r.sent_at or r.created_at).isoformat()} for r in rows]})


async def api_history(request: Request) -> Response:
    """POST /api/chat/history {session}: the chat's last exchanges (history.py) and the flow it is in, which the
    page draws on each visit. Like the notices, the session travels in the body only: it is the key to the chat."""
    session = await session_in_body(request)
    if isinstance(session, Response):
        return session
    chat_key = f"web:{session}"
    await _recorder(request).flushed()  # this process's own latest exchanges first
    exchanges = await history.recent(request.app.state.services.db, chat_key)
    words = _words(request)
    for exchange in exchanges:
        for reply in exchange.get("replies") or []:
            kind, text = str(reply.get("kind", "")), str(reply.get("text", ""))
            reply["blocks"] = blocks(Reply(kind=kind, text=text, article=reply.get("article")), words)
    flow = exchanges[-1].get("flow") if exchanges else None
    return json_response({"exchanges": exchanges, "flow": flow})


async def chat_page(request: Request) -> Response:
    """GET /chat: the mobile chat page (its script is static/chat.js; the CSRF token is for photo uploads)."""
    menu = request.app.state.port.menu(request_lang(request))
    return request.app.state.pages.render(request, "chat.html", form=True, menu=menu)


routes = [
    Route("/chat", chat_page, methods=["GET"]),
    Route("/api/chat", api_chat, methods=["POST"]),
    Route("/api/chat/photo", api_photo, methods=["POST"]),
    Route("/api/chat/notices", api_notices, methods=["POST"]),
    Route("/api/chat/history", api_history, methods=["POST"]),
]

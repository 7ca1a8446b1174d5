"""HTTP hardening: security headers, body limits, CSRF tokens and in-memory token-bucket rate limits."""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from complaints import photos

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"geolocation=(self), camera=(self), microphone=()"),
]

@dataclass(frozen=True)
class Limits:
    """Request budgets; the benchmark raises the per-client ones, production keeps these."""

    body_bytes: int = 64 * 1024
    upload_bytes: int = photos.MAX_BYTES
    chat_burst: int = 30  # per chat session: faster than any parent types
    chat_per_s: float = 2.0
    chat_ip_burst: int = 600  # per client IP: generous, mobile carriers put many parents behind one address
    chat_ip_per_s: float = 50.0
    upload_burst: int = 5
    upload_per_s: float = 0.1
    guess_burst: int = 5  # staff login tries per (name, address), counted in the database (bot/channels/web/staff.py)
    guess_per_s: float = 1 / 60

class TokenBucket:
    """In-memory buckets by key: `burst` tokens, refilled at `rate` per second."""

    def __init__(self, burst: int, rate: float, max_keys: int = 50_000) -> None:
        self.burst, self.rate, self.max_keys = burst, rate, max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def _level(self, key: str, now: float) -> float:
        tokens, stamp = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - stamp) * self.rate)

    def allow(self, key: str) -> bool:
        """Take one token for `key`; False when its bucket is empty."""
        now = time.monotonic()
        tokens = self._level(key, now)
        if tokens < 1:
            return False
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._prune(now)
        self._buckets[key] = (tokens - 1, now)
        return True

    def wait_s(self, key: str) -> float:
        """Seconds until `key` has a token again (0 when it has one now)."""
        return max(0.0, (1 - self._level(key, time.monotonic())) / self.rate)

    def empty(self, key: str) -> bool:
        """True when `key` has no token left (without taking one)."""
        return self._level(key, time.monotonic()) < 1

    def _prune(self, now: float) -> None:
        full = [k for k in self._buckets if self._level(k, now) >= self.burst]
        for key in full or list(self._buckets)[: self.max_keys // 10]:
            del self._buckets[key]

def text_ok(value: str) -> bool:
    """False for text no table can store: NUL (PostgreSQL refuses it) or unpaired surrogates (not UTF-8)."""
    return "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)


async def form_fields(request: Request, names: tuple[str, ...], max_fields: int = 8) -> dict[str, str]:
    """The named text fields of a posted form ("" when missing); 400 for a file, a NUL or a surrogate in any."""
    async with request.form(max_files=0, max_fields=max_fields) as form:
        values = {name: form.get(name) or "" for name in names}
    if not all(isinstance(v, str) and text_ok(v) for v in values.values()):
        raise HTTPException(400, "form fields must be plain text")
    return {k: str(v) for k, v in values.items()}


def client_ip(request: Request) -> str:
    """The peer address (uvicorn has already applied X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else "unknown"

def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use; forms and the chat page embed it."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)

def csrf_ok(request: Request, sent: object) -> bool:
    """True when `sent` equals the session's token (constant-time)."""
    expected = request.session.get("csrf")
    return isinstance(sent, str) and bool(expected) and hmac.compare_digest(sent, str(expected))

class SecurityHeaders:
    """Adds CSP, nosniff, Referrer-Policy and frame denial to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in HEADERS if n not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

class BodyLimit:
    """Rejects request bodies above the limit (413) by Content-Length and while streaming."""

    def __init__(self, app: ASGIApp, default: int, overrides: dict[str, int]) -> None:
        self.app, self.default, self.overrides = app, default, overrides

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.overrides.get(scope["path"], self.default)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _too_large(send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await _too_large(send)

class BodyTooLarge(Exception):
    """A streamed body went over its limit."""

async def _too_large(send: Send) -> None:
    body = json.dumps({"error": "request body too large"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

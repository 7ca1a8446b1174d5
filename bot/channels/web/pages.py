"""Rendering shared by every page: the language of the request, the Jinja2 environment, the base context."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.channels.web.phones import tel_links
from bot.channels.web.security import csrf_token
from bot.i18n import Catalog, normalize_lang

TEMPLATES = Path(__file__).with_name("templates")


def request_lang(request: Request) -> str:
    """?lang=zh|en wins, then the Accept-Language header; Chinese by default."""
    asked = request.query_params.get("lang", "")
    if asked in ("zh", "en"):
        return asked
    header = request.headers.get("accept-language", "")
    first = header.split(",", 1)[0].strip()
    return normalize_lang(first) if first else "zh"


def make_env(catalog: Catalog) -> Environment:
    """Autoescaped templates; `t` looks words up in the web catalog; `|tel_links` makes phone numbers tappable."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["catalog"] = catalog
    env.filters["tel_links"] = tel_links
    return env


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when an If-None-Match header names `etag` (weak or strong) or is `*`."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


class Pages:
    """Renders a template with the language, its words, the CSRF token and a URL helper."""

    def __init__(self, env: Environment, catalog: Catalog, bot_username: str, cache_size: int = 512) -> None:
        self.env, self.catalog, self.bot_username = env, catalog, bot_username
        self.cache_size = cache_size
        self._cache: dict[tuple[str, str, str], tuple[bytes, str]] = {}

    def cached(self, request: Request, produce: Callable[[], Response]) -> Response:
        """A page that depends only on its URL and language (guide pages): rendered once, then served from memory.

        Its ETag lets a browser or proxy revalidate after `max-age` and get 304 Not Modified instead of the page.
        """
        key = (request.url.path, request.url.query, request_lang(request))
        entry = self._cache.get(key)
        if entry is None:
            body = bytes(produce().body)
            entry = (body, f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"')
            if len(self._cache) >= self.cache_size:
                del self._cache[next(iter(self._cache))]
            self._cache[key] = entry
        body, etag = entry
        headers = {"cache-control": "public, max-age=300", "vary": "Accept-Language", "etag": etag}
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="text/html; charset=utf-8", headers=headers)

    def render(self, request: Request, template: str, status_code: int = 200, *, form: bool = False,
               **context: Any) -> HTMLResponse:
        """The page in the request's language (or `lang=`); `form` pages get a CSRF token and are never cached."""
        lang = context.pop("lang", None) or request_lang(request)

        def t(key: str, **values: object) -> str:
            return self.catalog.get(f"web_{key}", lang, **values)

        def url(path: str, **params: object) -> str:
            query = {k: v for k, v in params.items() if v not in (None, "")}
            query.setdefault("lang", lang)
            return f"{path}?{urlencode(query)}"

        other = "en" if lang == "zh" else "zh"
        switch = urlencode({**dict(request.query_params), "lang": other})
        html = self.env.get_template(template).render(
            request=request, lang=lang, other_lang=other, switch_url=f"{request.url.path}?{switch}", t=t, url=url,
            csrf=csrf_token(request) if form else "", **context,
        )
        return HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-store"} if form else None)

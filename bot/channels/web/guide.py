"""Guidance pages for parents and health workers: topic index with search, article pages, A4/A5 QR posters.

The web chat is the first door (Telegram is not reachable in mainland China): QR codes open the chat on the
article; Telegram's deep link and QR code are shown as a second door only when Telegram is configured.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urlencode

import segno
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.channels.web.pages import request_lang
from bot.share import chat_link, payload
from knowledge.model import TOPICS, Article

REF = re.compile(r"^[A-Za-z0-9_]{1,16}\Z")
SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)
SEARCH_LIMIT = 10
KEY_POINTS = 3
POSTER_SIZES = ("a4", "a5")
POINT_CHARS = 80
SENTENCE_END = re.compile(r"[。！？]|[.!?](?=\s)")


def text_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Split an answer into paragraphs and bullet lists: [("p", [line]) | ("ul", [items])]."""
    blocks: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        bullet = re.match(r"^[-·•*]\s*(.+)$", line)
        if bullet and blocks and blocks[-1][0] == "ul":
            blocks[-1][1].append(bullet.group(1))
        elif bullet:
            blocks.append(("ul", [bullet.group(1)]))
        else:
            blocks.append(("p", [line]))
    return blocks


def key_points(blocks: list[tuple[str, list[str]]], limit: int = KEY_POINTS) -> list[str]:
    """A poster's key points, taken from the article as written: the bullets of its first list, else its first
    paragraphs; a long one is cut to its first sentence (nothing is summarised or made up)."""
    for kind, lines in blocks:
        if kind == "ul" and len(lines) >= 2:
            return [first_sentence(line) for line in lines[:limit]]
    return [first_sentence(lines[0]) for kind, lines in blocks if kind == "p"][:limit - 1]


def first_sentence(text: str, longer_than: int = POINT_CHARS) -> str:
    """`text`, or only its first sentence when it is long (a poster is read from a step away)."""
    if len(text) <= longer_than:
        return text
    end = SENTENCE_END.search(text)
    return text[:end.end()].strip() if end else text


def deep_link(bot_username: str, article_id: str, ref: str | None) -> str:
    """The Telegram link that opens the bot on this article: start=g-<article>[-<ref>]."""
    return f"https://t.me/{quote(bot_username)}?start={payload(article_id, ref)}"


@lru_cache(maxsize=1024)
def qr_svg(data: str, scale: int = 4) -> Markup:
    """An inline SVG QR code made locally (no external service sees the link)."""
    svg = segno.make(data, error="m").svg_inline(scale=scale, omitsize=True, dark="#000", light="#fff", border=2)
    return Markup(svg)  # segno's own markup: the data is encoded as modules, never as text


def _article(request: Request) -> Article:
    article = request.app.state.port.knowledge.get(request.path_params["article_id"])
    if article is None:
        raise HTTPException(404)
    return article


def _ref(request: Request) -> str | None:
    ref = request.query_params.get("ref")
    return ref if ref and REF.match(ref) else None


async def index(request: Request) -> Response:
    """GET /guide: articles by topic, or search results for ?q= by the chat's rules (a danger sign gets what to do
    now, as in the chat; an out-of-scope question no article)."""
    port = request.app.state.port
    kb = port.knowledge
    query = request.query_params.get("q", "").strip()[:200]
    results, danger = None, []
    if query:
        danger = port.danger(query, request_lang(request))
        results = None if danger else port.search(query, limit=SEARCH_LIMIT)
    by_topic = {topic: [a for a in kb.articles.values() if a.topic == topic] for topic in TOPICS}
    topics = [(topic, sorted(items, key=lambda a: a.id)) for topic, items in by_topic.items() if items]
    return request.app.state.pages.render(request, "guide_index.html", query=query, results=results, danger=danger,
                                          topics=topics, total=len(kb.articles))


async def article_page(request: Request) -> Response:
    """GET /guide/{article}: the article with red flags, sources, review date, related, QR and Telegram link."""
    return request.app.state.pages.cached(request, lambda: _article_page(request))


def _article_page(request: Request) -> Response:
    article = _article(request)
    settings, kb = request.app.state.settings, request.app.state.port.knowledge
    ref = _ref(request)
    chat = chat_link(settings.public_url, article.id, ref, request_lang(request))
    related = [a for a in (kb.get(r) for r in article.related) if a is not None]
    return request.app.state.pages.render(
        request, "guide_article.html", article=article, related=related, chat_url=chat, qr=qr_svg(chat),
        ref=ref, **_telegram(request, article, ref), **_article_context(article, request),
    )


def _telegram(request: Request, article: Article, ref: str | None) -> dict[str, object]:
    """The Telegram door (deep link and its QR code) when Telegram is configured, else nothing."""
    if not request.app.state.settings.telegram_enabled:
        return {"deep_link": None, "tg_qr": None}
    link = deep_link(request.app.state.pages.bot_username, article.id, ref)
    return {"deep_link": link, "tg_qr": qr_svg(link)}


async def open_chat(request: Request) -> Response:
    """GET /guide/{article}/chat: open the web chat on the article as a shared guidance link
    (`/chat?start=g-<article>[-<ref>]`), which the chat posts to the port: counted there once, per article and
    referral code, like Telegram's deep link. Posters' QR codes and the article page's button point here."""
    article = _article(request)
    start = payload(article.id, _ref(request))
    query = urlencode({"start": start, "lang": request_lang(request)})
    return RedirectResponse(f"/chat?{query}", status_code=303, headers={"cache-control": "no-store"})


async def poster(request: Request) -> Response:
    """GET /guide/{article}/poster[?ref=CODE&size=a4|a5]: a print page for clinic walls: the clinic's name (the
    referral code's, or a line to write it on), title, key points, a large QR code opening the web chat on the
    article, the 12320 health hotline."""
    article = _article(request)
    raw_ref = request.query_params.get("ref")
    if raw_ref is not None and not REF.match(raw_ref):
        raise HTTPException(400, "ref must match [A-Za-z0-9_]{1,16}")
    size = request.query_params.get("size", "a4")
    if size not in POSTER_SIZES:
        raise HTTPException(400, "size must be a4 or a5")
    lang = request_lang(request)
    chat = chat_link(request.app.state.settings.public_url, article.id, raw_ref, lang)
    clinic = await request.app.state.services.share.ref_name(raw_ref)
    points = key_points(text_blocks(str(article.text("answer", lang))))
    return request.app.state.pages.render(
        request, "guide_poster.html", article=article, chat_url=chat, qr=qr_svg(chat, 10), ref=raw_ref,
        clinic=clinic, size=size, sizes=POSTER_SIZES, points=points, **_telegram(request, article, raw_ref),
        **_article_context(article, request))


def _article_context(article: Article, request: Request) -> dict[str, object]:
    lang = request_lang(request)
    flags = article.red_flags.get(lang) or article.red_flags.get("zh") or []
    sources = [(s, s.url if s.url and SAFE_URL.match(s.url) else None) for s in article.sources]
    return {"lang": lang, "blocks": text_blocks(str(article.text("answer", lang))), "flags": flags,
            "sources": sources, "title": str(article.text("title", lang))}


routes = [
    Route("/guide", index, methods=["GET"]),
    Route("/guide/{article_id}", article_page, methods=["GET"]),
    Route("/guide/{article_id}/poster", poster, methods=["GET"]),
    Route("/guide/{article_id}/chat", open_chat, methods=["GET"]),
]

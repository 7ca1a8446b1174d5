"""Guidance links for health workers: deep-link payloads, web links, named referral codes, anonymous counts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow
from storage.database import Database

#: `/start` payloads we accept: g-<article id>[-<referral code>]; anything else is dropped.
GUIDE_PAYLOAD = re.compile(r"^g-([a-z0-9_]{1,40})(?:-([A-Za-z0-9_]{1,16}))?\Z")
REF = re.compile(r"^[A-Za-z0-9_]{1,16}\Z")
REF_NAME_MAX = 120


class ShareCount(Base):
    """How often a guidance link was opened, per article, referral code and channel; no personal data."""

    __tablename__ = "share_count"

    article: Mapped[str] = mapped_column(String(64), primary_key=True)
    ref: Mapped[str] = mapped_column(String(16), primary_key=True)  # "" when the link had none
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ShareRef(Base):
    """The name a referral code stands for (the clinic whose posters carry it), printed on its posters."""

    __tablename__ = "share_ref"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(REF_NAME_MAX))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class ShareStat:
    article: str
    ref: str | None
    channel: str
    count: int


def parse_payload(payload: str) -> tuple[str, str | None] | None:
    """(article, ref) for a valid guide payload, None for anything else (user-controlled input)."""
    match = GUIDE_PAYLOAD.match(payload)
    return (match[1], match[2]) if match else None


def payload(article: str, ref: str | None = None) -> str:
    """The `/start` payload for an article, validated so a bad code never reaches a printed poster."""
    text = f"g-{article}" + (f"-{ref}" if ref else "")
    if parse_payload(text) is None:
        raise ValueError(f"not a valid article id / referral code (≤16 of A-Z a-z 0-9 _): {article!r} {ref!r}")
    return text


def deep_link(bot_username: str, article: str, ref: str | None = None) -> str:
    """t.me link that opens the bot on the article."""
    return f"https://t.me/{quote(bot_username)}?start={payload(article, ref)}"


def web_link(public_url: str, article: str, ref: str | None = None) -> str:
    """The article's guidance page, carrying the referral code."""
    query = f"?{urlencode({'ref': ref})}" if ref else ""
    return f"{public_url.rstrip('/')}/guide/{quote(article)}{query}"


def chat_link(public_url: str, article: str, ref: str | None = None, lang: str | None = None) -> str:
    """The link that counts the referral and opens the web chat on the article (posters' QR codes)."""
    payload(article, ref)  # the same allow-list as the deep link
    query = urlencode({k: v for k, v in (("lang", lang), ("ref", ref)) if v})
    return f"{public_url.rstrip('/')}/guide/{quote(article)}/chat" + (f"?{query}" if query else "")


def clean_ref_name(name: str) -> str:
    """A clinic's name as printed: one line, trimmed, at most REF_NAME_MAX characters; ValueError when empty."""
    text = " ".join(name.split())[:REF_NAME_MAX]
    if not text:
        raise ValueError("the referral code needs a name (e.g. the clinic's name)")
    return text


class ShareService:
    """Counts opened guidance links (insert-or-increment) and reports the totals."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, article: str, ref: str | None, channel: str) -> None:
        if ref is not None and not REF.match(ref):
            ref = None
        insert = pg_insert if self.db.is_postgres else sqlite_insert
        stmt = insert(ShareCount).values(article=article, ref=ref or "", channel=channel[:16], count=1)
        stmt = stmt.on_conflict_do_update(index_elements=["article", "ref", "channel"],
                                          set_={"count": ShareCount.count + 1})
        async with self.db.session() as session:
            await session.execute(stmt)

    async def name_ref(self, code: str, name: str) -> str:
        """Give a referral code a name (or rename it); the cleaned name is returned."""
        if not REF.match(code):
            raise ValueError(f"not a valid referral code (≤16 of A-Z a-z 0-9 _): {code!r}")
        text = clean_ref_name(name)
        async with self.db.session() as session:
            row = await session.get(ShareRef, code)
            if row is None:
                session.add(ShareRef(code=code, name=text))
            else:
                row.name = text
        return text

    async def ref_name(self, code: str | None) -> str | None:
        """The name of a referral code, None for an unnamed or missing one."""
        if not code or not REF.match(code):
            return None
        async with self.db.session() as session:
            row = await session.get(ShareRef, code)
            return row.name if row else None

    async def refs(self) -> dict[str, str]:
        """Every named referral code, by code."""
        async with self.db.session() as session:
            rows = (await session.execute(select(ShareRef).order_by(ShareRef.code))).scalars().all()
        return {r.code: r.name for r in rows}

    async def stats(self) -> list[ShareStat]:
        """Every counter, most opened first."""
        query = select(ShareCount).order_by(ShareCount.count.desc(), ShareCount.article, ShareCount.ref)
        async with self.db.session() as session:
            rows = (await session.execute(query)).scalars().all()
        return [ShareStat(r.article, r.ref or None, r.channel, r.count) for r in rows]

"""Guidance links for health workers: deep-link payloads, web links, and anonymous per-article counts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from sqlalchemy import Integer, String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.database import Database

#: `/start` payloads we accept: g-<article id>[-<referral code>]; anything else is dropped.
GUIDE_PAYLOAD = re.compile(r"^g-([a-z0-9_]{1,40})(?:-([A-Za-z0-9_]{1,16}))?\Z")
REF = re.compile(r"^[A-Za-z0-9_]{1,16}\Z")


class ShareCount(Base):
    """How often a guidance link was opened, per article, referral code and channel; no personal data."""

    __tablename__ = "share_count"

    article: Mapped[str] = mapped_column(String(64), primary_key=True)
    ref: Mapped[str] = mapped_column(String(16), primary_key=True)  # "" when the link had none
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


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

    async def stats(self) -> list[ShareStat]:
        """Every counter, most opened first."""
        query = select(ShareCount).order_by(ShareCount.count.desc(), ShareCount.article, ShareCount.ref)
        async with self.db.session() as session:
            rows = (await session.execute(query)).scalars().all()
        return [ShareStat(r.article, r.ref or None, r.channel, r.count) for r in rows]

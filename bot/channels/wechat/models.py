"""The WeChat channel's own tables (Alembic branch `wechat`).

Times are whole Unix seconds, as WeChat itself counts them (`CreateTime`, `expires_in`): compared with integers,
they mean the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class WeChatMessage(Base):
    """A message or event WeChat delivered (it retries up to 3 times): claimed once, answered once.

    `reply` is the passive reply's text, kept so a retry gets the same answer; null once handled means the
    answer went (or goes) through the customer-service API and a retry gets `success`.
    """

    __tablename__ = "wechat_message"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)  # MsgId, or openid:CreateTime:event
    received_at: Mapped[int] = mapped_column(BigInteger, index=True)
    handled_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)


class WeChatContact(Base):
    """A follower's last message (WeChat lets customer-service messages through for 48 hours after it) and the
    buttons last shown to them, numbered, so a reply of "2" presses the second."""

    __tablename__ = "wechat_contact"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seen: Mapped[int] = mapped_column(BigInteger)
    buttons: Mapped[list[list[str]]] = mapped_column(JSON, default=list)


class WeChatToken(Base):
    """The account's one access token, shared by every instance; `refresh_until` is the lease of the instance
    fetching a new one (compare-and-set: one refresher at a time)."""

    __tablename__ = "wechat_token"

    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[int] = mapped_column(BigInteger, default=0)
    refresh_until: Mapped[int] = mapped_column(BigInteger, default=0)

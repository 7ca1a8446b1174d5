"""Telegram updates with missing fields, unknown types, forged buttons and deep-link payloads: the webhook
answers 200 or 400, no handler fails, and nothing is left half-stored (claims finished, counts only for real
articles)."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from starlette.applications import Starlette

from bot.bootstrap import Tuoyu
from bot.channels.telegram.app import build_application
from bot.channels.telegram.dedupe import ProcessedUpdate
from bot.channels.telegram.runtime import started
from bot.channels.telegram.webhook import PATH, SECRET_HEADER, telegram_webhook_routes
from bot.engine.types import State
from bot.share import ShareCount
from storage.models import Conversation
from tests.channels.telegram.fake_bot_api import BOT, TOKEN, FakeBotApi
from tests.hostile.conftest import HOSTILE, Live
from tests.hostile.strategies import button_codes, texts

SECRET = "hostile_secret"
ids = st.integers(-(2**40), 2**40)
languages = st.sampled_from(["zh-hans", "en", "xx", "", "zh-hant-tw"])
users = st.fixed_dictionaries({"id": st.integers(1, 2**40), "is_bot": st.booleans(),
                               "first_name": st.text(max_size=20)}, optional={"language_code": languages})
chats = st.fixed_dictionaries({"id": ids, "type": st.sampled_from(["private", "group", "supergroup", "channel", "x"])})
payloads = st.one_of(st.from_regex(r"g-[A-Za-z0-9_]{0,70}(-[A-Za-z0-9_]{0,20})?", fullmatch=True),
                     st.sampled_from(["g-vaccine_hepb", "g-vaccine_hepb-clinic7", "g-../../x", "g-", "g--", "x" * 64]),
                     st.text(max_size=80))
message_texts = st.one_of(texts, payloads.map(lambda p: f"/start {p}"), st.sampled_from(["/start", "/find", "/status"]))
messages = st.fixed_dictionaries(
    {"message_id": st.integers(1, 2**31), "date": st.integers(0, 2**32)},
    optional={"chat": chats, "from": users, "text": message_texts, "location": st.fixed_dictionaries(
        {"latitude": st.floats(-1000, 1000), "longitude": st.floats(-1000, 1000)}),
              "photo": st.just([{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]),
              "entities": st.just([{"type": "bot_command", "offset": 0, "length": 6}])})
callbacks = st.fixed_dictionaries({"id": st.text(min_size=1, max_size=10), "from": users,
                                   "chat_instance": st.just("c")}, optional={"data": button_codes, "message": messages})
updates = st.one_of(
    st.fixed_dictionaries({"update_id": ids}, optional={"message": messages, "edited_message": messages,
                                                         "channel_post": messages, "callback_query": callbacks}),
    st.fixed_dictionaries({"update_id": ids, "inline_query": st.fixed_dictionaries(
        {"id": st.text(min_size=1, max_size=8), "from": users, "query": texts, "offset": st.just("")})}),
    st.fixed_dictionaries({"update_id": ids, "unknown_update_kind": st.dictionaries(st.text(max_size=8), st.text())}),
    st.dictionaries(st.text(max_size=12), st.one_of(st.integers(), st.text(max_size=20), st.none()), max_size=4),
)


@dataclass
class Bot:
    http: httpx.AsyncClient
    fake: FakeBotApi
    tuoyu: Tuoyu
    failures: list[logging.LogRecord]


class Failures(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture
def bot(live: Live) -> Iterator[Bot]:
    fake = live.run(FakeBotApi().start())
    tuoyu = replace(live.tuoyu, settings=replace(live.tuoyu.settings, telegram_token=TOKEN, webhook_secret=SECRET,
                                                 telegram_api_url=fake.base_url, bot_username=BOT["username"],
                                                 webhook_url="http://127.0.0.1:1/telegram/webhook"))
    app = build_application(tuoyu.channel, webhook=True)
    failures: list[logging.LogRecord] = []
    handler = Failures(failures)
    logging.getLogger("bot.channels.telegram").addHandler(handler)
    stack = contextlib.AsyncExitStack()
    live.run(stack.enter_async_context(started(app, tuoyu.channel, run_outbox=False)))
    routes = telegram_webhook_routes(app, tuoyu.channel)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(Starlette(routes=routes)), base_url="http://bot")
    try:
        yield Bot(http, fake, tuoyu, failures)
    finally:
        live.run(http.aclose())
        live.run(stack.aclose())
        live.run(fake.stop())
        logging.getLogger("bot.channels.telegram").removeHandler(handler)


async def stored(tuoyu: Tuoyu) -> tuple[int, set[str], list[dict[str, Any]]]:
    async with tuoyu.db.session() as s:
        unfinished = (await s.execute(select(func.count()).select_from(ProcessedUpdate)
                                      .where(ProcessedUpdate.handled_at.is_(None)))).scalar_one()
        counted = set((await s.execute(select(ShareCount.article))).scalars().all())
        states = list((await s.execute(select(Conversation.state))).scalars().all())
    return unfinished, counted, states


@HOSTILE
@given(update=updates)
def test_any_update_is_answered_without_a_failure_or_a_half_write(live: Live, bot: Bot, update: dict) -> None:
    bot.failures.clear()
    response = live.run(bot.http.post(PATH, json=update, headers={SECRET_HEADER: SECRET}))
    assert response.status_code in (200, 400), response.text
    assert not bot.failures, [(r.getMessage(), repr(r.exc_info[1]) if r.exc_info else "") for r in bot.failures]
    unfinished, counted, states = live.run(stored(bot.tuoyu))
    assert unfinished == 0
    assert all(bot.tuoyu.kb.get(article) is not None for article in counted)
    assert all(State.from_dict(state) for state in states)


DEEP = b"[" * 20_000 + b"]" * 20_000
MALFORMED = [b"null", b"[]", b'"x"', b"12", b'{"update_id": "7"}', b'{"update_id": 9223372036854775808}',
             b'{"update_id": -1}', b'{"update_id": 1.5}', b'{"update_id": true}', DEEP,
             b'{"update_id": 5, "message": ' + DEEP + b"}", b"{", b"\xff\xfe"]


@pytest.mark.parametrize("body", MALFORMED, ids=lambda b: b[:24].decode("latin-1"))
def test_malformed_bodies_with_the_right_secret_are_400(live: Live, bot: Bot, body: bytes) -> None:
    response = live.run(bot.http.post(PATH, content=body, headers={SECRET_HEADER: SECRET,
                                                                    "content-type": "application/json"}))
    assert response.status_code == 400, response.text
    assert not bot.failures


def test_surrogates_and_nul_in_a_message_are_answered_without_a_failure(live: Live, bot: Bot) -> None:
    for n, text in enumerate(("a\ud800b", "\udfff", "a\x00b", "/status TY-20260101-AAAAAAAA 12\x003456")):
        message = {"message_id": n + 1, "date": 0, "chat": {"id": 4242, "type": "private"},
                   "from": {"id": 4242, "is_bot": False, "first_name": "x"}, "text": text}
        body = json.dumps({"update_id": 777_000 + n, "message": message})  # ensure_ascii: \\ud800 escapes
        response = live.run(bot.http.post(PATH, content=body, headers={SECRET_HEADER: SECRET,
                                                                        "content-type": "application/json"}))
        assert response.status_code in (200, 400), response.text
        assert not bot.failures, [(r.getMessage(), repr(r.exc_info[1]) if r.exc_info else "") for r in bot.failures]

"""The aiohttp transport: JSON bodies, multipart uploads, PTB's timeout and network errors."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.channels.telegram.request import AiohttpRequest
from tests.channels.telegram.fake_bot_api import TOKEN, FakeBotApi


@pytest.fixture
async def ptb(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url, request=AiohttpRequest(4, read_timeout=0.5),
                   get_updates_request=AiohttpRequest(1)) as bot:
        yield bot


async def test_parameters_arrive_as_json(ptb: Bot, fake: FakeBotApi) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("产假 & <天数>", callback_data="a:leave")]])
    sent = await ptb.send_message(42, "<b>产假</b> 98 天 😀", parse_mode="HTML", reply_markup=markup)
    assert sent.text == "<b>产假</b> 98 天 😀"
    call = await fake.wait_for_call("sendMessage")
    assert call.params["chat_id"] == "42"  # a form's scalars are strings: the fake gives JSON the same shape
    assert call.params["text"] == "<b>产假</b> 98 天 😀"
    assert call.params["reply_markup"] == {"inline_keyboard": [[{"text": "产假 & <天数>", "callback_data": "a:leave"}]]}


async def test_files_go_as_multipart(ptb: Bot, fake: FakeBotApi) -> None:
    await ptb.send_photo(42, b"\x89PNG fake bytes", caption="二维码")
    call = await fake.wait_for_call("sendPhoto")
    assert call.params["caption"] == "二维码"
    assert call.params["chat_id"] == "42"
    assert call.params["photo"].endswith("PNG fake bytes")  # the file part itself (the fake decodes it as text)


async def test_a_slow_answer_times_out(ptb: Bot, fake: FakeBotApi) -> None:
    fake.latency = 1.0
    with pytest.raises(TimedOut):
        await ptb.send_message(42, "hello")
    fake.latency = 0.0
    assert (await ptb.send_message(42, "again")).text == "again"  # the pool recovered


async def test_an_unreachable_server_is_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    async with AiohttpRequest(1, connect_timeout=1) as request:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")


def test_proxies_come_from_the_environment_once_per_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://user:secret@proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "local.example")
    request = AiohttpRequest()
    proxy, headers = request._proxy("https://api.telegram.org/bot123:abc/sendMessage")
    assert str(proxy) == "http://proxy.example:3128"
    assert headers == {"Proxy-Authorization": "Basic dXNlcjpzZWNyZXQ="}  # user:secret
    assert request._proxy("https://local.example/bot123:abc/getMe") == (None, None)
    monkeypatch.delenv("HTTPS_PROXY")
    assert request._proxy("https://api.telegram.org/bot123:abc/getMe")[0] is not None  # looked up once
    assert AiohttpRequest()._proxy("https://api.telegram.org/bot123:abc/getMe") == (None, None)

"""HTTP under hostile input: malformed bodies, wrong types, huge bodies and path tricks get 4xx, never 500;
a database outage gets a polite 503; /metrics stays well-formed whatever paths were requested."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

from bot.channels.web.app import create_app
from bot.channels.web.security import Limits
from tests.hostile.conftest import HOSTILE, Live
from tests.hostile.strategies import button_codes, texts

UNLIMITED = Limits(chat_burst=10**9, chat_per_s=10**9, guess_burst=10**9, guess_per_s=10**9)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(
    max_size=40)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                        max_size=4), max_leaves=12)
BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries({"session": st.one_of(st.text(max_size=80), JSON)},
                          optional={"text": st.one_of(texts, JSON), "button": st.one_of(button_codes, JSON),
                                    "lang": st.one_of(st.sampled_from(["zh", "en", "fr", ""]), JSON),
                                    "location": st.one_of(JSON, st.fixed_dictionaries({"lat": JSON, "lon": JSON}))}),
    st.fixed_dictionaries({"session": st.just("hostile01"), "text": texts}),
    st.fixed_dictionaries({"session": st.just("hostile01"), "button": button_codes}),
)
SEGMENTS = st.sampled_from(["..", "%2e%2e", "%2E%2E%2F", "..%2f", "%00", "etc", "passwd", "%c0%af", "\\..\\",
                            "app.py", "chat.js", "a" * 300, "%ff%fe", "~root", ".", "", "%2f%2f"])
SEEN = re.compile(r"root:|import |SECRET|Traceback")
METRIC_LINE = re.compile(r'^(# (HELP|TYPE) \w+ .+|\w+(\{(\w+="([^"\\]|\\.)*",?)*\})? -?[\d.e+-]+)$')


@pytest.fixture
def client(live: Live) -> Iterator[httpx.AsyncClient]:
    app = create_app(live.tuoyu.channel, UNLIMITED)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                             base_url="http://testserver")
    yield http
    live.run(http.aclose())


def post(live: Live, client: httpx.AsyncClient, path: str, **kwargs: Any) -> httpx.Response:
    return live.run(client.post(path, **kwargs))


@HOSTILE
@given(body=BODIES)
def test_chat_bodies_get_a_reply_or_a_4xx(live: Live, client: httpx.AsyncClient, body: object) -> None:
    response = post(live, client, "/api/chat", json=body)
    assert response.status_code in (200, 400, 413, 415), response.text[:300]
    assert isinstance(response.json(), dict)


@HOSTILE
@given(raw=st.one_of(st.binary(max_size=400), st.text(max_size=200).map(str.encode),
                     st.just(b'{"session": "hostile01", "text": "\xff\xfe"}'), st.just(b"[" * 5000 + b"]" * 5000),
                     st.just(b'{"session": "hostile01", "location": {"lat": Infinity, "lon": NaN}}'),
                     st.just(b'{"session": "hostile01", "text": ' + b'"x", ' * 2000 + b"}")),
       kind=st.sampled_from(["application/json", "text/plain", "application/json; charset=gbk", "", "multipart/x"]))
def test_malformed_requests_are_4xx(live: Live, client: httpx.AsyncClient, raw: bytes, kind: str) -> None:
    response = post(live, client, "/api/chat", content=raw, headers={"content-type": kind})
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.text[:300]


@pytest.mark.parametrize("size", [64 * 1024 + 1, 1024 * 1024])
def test_huge_bodies_are_refused(live: Live, client: httpx.AsyncClient, size: int) -> None:
    body = json.dumps({"session": "hostile01", "text": "x" * size}).encode()
    assert post(live, client, "/api/chat", content=body, headers={"content-type": "application/json"}
                ).status_code == 413
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit applies while streaming
        for i in range(0, len(body), 8192):
            yield body[i:i + 8192]

    streamed = post(live, client, "/api/chat", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


@HOSTILE
@given(prefix=st.sampled_from(["/guide/", "/static/", "/guide/poster/", "/status/", "/staff/"]),
       parts=st.lists(SEGMENTS, min_size=1, max_size=6))
def test_path_tricks_never_escape_or_fail(live: Live, client: httpx.AsyncClient, prefix: str,
                                         parts: list[str]) -> None:
    response = live.run(client.get(prefix + "/".join(parts)))
    assert response.status_code < 500, (prefix, parts, response.status_code)
    assert not SEEN.search(response.text)


@pytest.mark.parametrize("error", [OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "refused")),
                                   ConnectionRefusedError(111, "Connect call failed"), OSError("Multiple exceptions")])
@pytest.mark.parametrize("lang", ["zh-CN,zh;q=0.9", "en-GB,en;q=0.8"])
def test_an_unreachable_database_is_a_polite_503(live: Live, client: httpx.AsyncClient,
                                                 monkeypatch: pytest.MonkeyPatch, error: Exception,
                                                 lang: str) -> None:
    async def down(*_: object, **__: object) -> None:
        raise error

    monkeypatch.setattr(live.tuoyu.conversations, "process_with_state", down)
    response = post(live, client, "/api/chat", json={"session": "outage01", "text": "产假有多少天"},
                    headers={"accept-language": lang})
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    message = response.json()["error"]
    assert ("稍等片刻" in message) if lang.startswith("zh") else ("try again in a moment" in message)
    assert "Traceback" not in response.text and "SELECT" not in response.text


def test_other_errors_stay_500_without_a_traceback(live: Live, client: httpx.AsyncClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    async def bug(*_: object, **__: object) -> None:
        raise KeyError("a bug, not an outage")

    monkeypatch.setattr(live.tuoyu.conversations, "process_with_state", bug)
    response = post(live, client, "/api/chat", json={"session": "outage01", "text": "你好"})
    assert response.status_code == 500 and "Traceback" not in response.text and "KeyError" not in response.text


def test_metrics_are_well_formed_after_hostile_paths(live: Live, client: httpx.AsyncClient) -> None:
    for path in ["/guide/%2e%2e/%2e%2e/etc", '/x"y%0Az', "/static/../app.py", "/guide/vaccine_hepb"]:
        live.run(client.get(path))
    post(live, client, "/api/chat", json={"session": "metrics01", "text": "宝宝抽搐了怎么办"})
    response = live.run(client.get("/metrics"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    lines = response.text.strip().splitlines()
    assert all(METRIC_LINE.match(line) for line in lines), [x for x in lines if not METRIC_LINE.match(x)]
    assert 'tuoyu_database_up 1' in lines
    assert any(line.startswith('tuoyu_http_request_duration_seconds_count{method="GET",route="/guide/{')
               for line in lines)
    assert not any("etc" in line or 'y\\nz' in line for line in lines)  # raw paths never become labels
    assert any(line.startswith("tuoyu_emergencies_total{") for line in lines)
    assert any(line.startswith('tuoyu_complaints{status="submitted"}') for line in lines)
    assert any(line.startswith("tuoyu_outbox_lag_seconds ") for line in lines)


SURROGATE_BODIES = [b'{"session": "hostile01", "text": "a\\ud800b"}', b'{"session": "hostile01", "text": "\\udfff"}',
                    b'{"session": "hostile01", "text": "a\\u0000b"}', b'{"session": "hostile\\ud800", "text": "x"}',
                    b'{"session": "hostile01", "button": "a:x\\ud800"}', b'{"session": "hostile01", "lang": "\\ud800"}',
                    b'{"session": "hostile01", "button": "cmd:help\\n"}', b'{"session": "hostile01\\n", "text": "x"}']


@pytest.mark.parametrize("body", SURROGATE_BODIES)
def test_surrogates_nul_and_trailing_newlines_in_chat_are_400(live: Live, client: httpx.AsyncClient,
                                                             body: bytes) -> None:
    response = post(live, client, "/api/chat", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    after = post(live, client, "/api/chat", json={"session": "hostile02", "text": "你好"})
    assert after.status_code == 200  # the connection and its transaction are fine afterwards


def forms(live: Live, client: httpx.AsyncClient) -> list[tuple[str, dict[str, str]]]:
    """Every form the site posts, with valid-looking values, for a logged-in staff member."""
    from complaints.views import Submission

    service = live.tuoyu.services.complaints
    live.run(service.add_staff("hostile", "health.chengguan", password="hostile password"))
    filed = live.run(service.file(Submission(draft_id="hostile-d1", category="hygiene_health",
                                             facility_name="阳光宝贝托育园", district="城关区",
                                             description="厨房很脏，餐具没有消毒。", happened="上周")))
    token = re.search(r'name="csrf" value="([^"]+)"', live.run(client.get("/staff/login")).text).group(1)  # type: ignore[union-attr]
    login = {"name": "hostile", "password": "hostile password", "csrf": token}
    assert post(live, client, "/staff/login", data=login).status_code == 303
    token = re.search(r'name="csrf" value="([^"]+)"', live.run(client.get("/staff")).text).group(1)  # type: ignore[union-attr]
    return [("/status", {"tracking": filed.tracking, "pin": "123456", "csrf": token}),
            (f"/staff/cases/{filed.tracking}/status", {"csrf": token, "status": "accepted", "note": "好",
                                                       "transfer_to": ""}),
            ("/staff/login", {"name": "hostile", "password": "x", "csrf": token}),
            ("/staff/logout", {"csrf": token})]


def test_nul_and_bad_utf8_in_every_form_field_are_400(live: Live, client: httpx.AsyncClient) -> None:
    sent = 0
    for path, fields in forms(live, client):
        for field in fields:
            for bad in ("a\x00b", "\x00"):
                response = post(live, client, path, data={**fields, field: bad})
                assert response.status_code == 400, (path, field, response.status_code)
                assert not SEEN.search(response.text)
                sent += 1
            multipart = {k: (None, v.encode()) for k, v in fields.items()}
            multipart[field] = (None, b"a\xed\xa0\x80b\x00")  # an encoded surrogate and a NUL
            response = post(live, client, path, files=multipart)
            assert 400 <= response.status_code < 500, (path, field, response.status_code)
    assert sent == 2 * 11  # every field of every form was tried

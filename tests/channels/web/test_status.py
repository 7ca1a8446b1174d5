"""The complainant's status page: tracking number + PIN, CSRF, and tries throttled before the PIN is compared."""

from __future__ import annotations

import contextlib
import re

import httpx

from bot.bootstrap import Tuoyu
from complaints.service import CLIENT_PIN_BUDGET, PIN_TRIES
from complaints.views import Filed
from tests.channels.web.conftest import csrf_of


async def lookup(client: httpx.AsyncClient, tracking: str, pin: str, token: str | None = None) -> httpx.Response:
    token = token if token is not None else await csrf_of(client, "/status")
    return await client.post("/status", data={"tracking": tracking, "pin": pin, "csrf": token})


async def test_right_pin_shows_history_and_notes(client: httpx.AsyncClient, filed: Filed, tuoyu: Tuoyu) -> None:
    await tuoyu.services.complaints.update(filed.tracking, "wang", "accepted", "已派人核查厨房卫生")
    assert filed.pin
    response = await lookup(client, filed.tracking.lower(), filed.pin)
    assert response.status_code == 200
    html = response.text
    assert filed.tracking in html and "已受理" in html and "已派人核查厨房卫生" in html
    assert "wang" not in html  # staff names stay inside the office


async def test_a_number_typed_as_people_type_it_opens_the_page(client: httpx.AsyncClient, filed: Filed) -> None:
    assert filed.pin
    _, date, random = filed.tracking.split("-")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in filed.tracking)  # as a Chinese input method types it
    for typed in (f"ty{date}{random.lower()}", f"TY {date[:4]} {date[4:]} {random[:4]} {random[4:]}", full_width):
        response = await lookup(client, typed, filed.pin)
        assert response.status_code == 200, typed
        assert f'id="tracking">{filed.tracking}<' in response.text


async def test_wrong_pin_is_refused(client: httpx.AsyncClient, filed: Filed) -> None:
    response = await lookup(client, filed.tracking, "000000" if filed.pin != "000000" else "111111")
    assert response.status_code == 400 and "查询号或查询码不正确" in response.text


async def test_malformed_input_is_refused_politely(client: httpx.AsyncClient) -> None:
    cases = (("", ""), ("TY-1", "12"), ("x" * 500, "abcdef"), ("TY-20260101-ABCDEFGH", "1234567"))
    codes = [(await lookup(client, tracking, pin)).status_code for tracking, pin in cases]
    assert codes == [400, 400, 400, 400]


async def test_wrong_guesses_are_throttled_per_tracking_number(client: httpx.AsyncClient, app, filed: Filed) -> None:
    wrong = "000000" if filed.pin != "000000" else "111111"
    codes = [(await lookup(client, filed.tracking, wrong)).status_code for _ in range(PIN_TRIES)]
    assert codes == [400] * PIN_TRIES
    # a different client now gets blocked on the same number, even with the right PIN
    transport = httpx.ASGITransport(app=app, client=("192.0.2.99", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        response = await lookup(other, filed.tracking, str(filed.pin))
    assert response.status_code == 429 and "尝试次数过多" in response.text


async def test_too_many_tries_reads_the_same_for_numbers_that_do_not_exist(client: httpx.AsyncClient,
                                                                          filed: Filed) -> None:
    wrong = "000000" if filed.pin != "000000" else "111111"
    missing = "TY-20260101-AAAAAAAA"
    pages = {}
    for number in (filed.tracking, missing):
        codes = [(await lookup(client, number, wrong)).status_code for _ in range(PIN_TRIES + 1)]
        assert codes == [400] * PIN_TRIES + [429], number
        page = await lookup(client, number, wrong)
        pages[number] = re.sub(r'name="csrf" value="[^"]+"', "", page.text).replace(number, "N")
    assert pages[filed.tracking] == pages[missing]


async def test_pin_budget_spent_elsewhere_pauses_the_page_too(client: httpx.AsyncClient, filed: Filed,
                                                              tuoyu: Tuoyu) -> None:
    from complaints.errors import NotFound

    wrong = "000000" if filed.pin != "000000" else "111111"
    for _ in range(PIN_TRIES):  # e.g. guessed through a chat or on another instance
        with contextlib.suppress(NotFound):
            await tuoyu.services.complaints.status_with_pin(filed.tracking, wrong, client="telegram:1")
    response = await lookup(client, filed.tracking, str(filed.pin))
    assert response.status_code == 429 and "尝试次数过多" in response.text


async def test_wrong_guesses_are_throttled_per_client(client: httpx.AsyncClient, filed: Filed) -> None:
    for n in range(CLIENT_PIN_BUDGET.burst):
        assert (await lookup(client, f"TY-20260101-AAAAAA{n:02d}", "123456")).status_code == 400
    assert (await lookup(client, filed.tracking, str(filed.pin))).status_code == 429


async def test_status_needs_csrf(client: httpx.AsyncClient, filed: Filed) -> None:
    await csrf_of(client, "/status")
    assert (await lookup(client, filed.tracking, str(filed.pin), token="forged")).status_code == 403
    fresh = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with fresh:
        response = await fresh.post("/status", data={"tracking": filed.tracking, "pin": filed.pin, "csrf": ""})
    assert response.status_code == 403


async def test_session_cookie_is_signed_httponly_lax(client: httpx.AsyncClient) -> None:
    response = await client.get("/status")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    client.cookies.set("tuoyu_session", "eyJjc3JmIjogIngifQ==.forged.sig")
    assert (await client.post("/status", data={"tracking": "x", "pin": "1", "csrf": "x"})).status_code == 403

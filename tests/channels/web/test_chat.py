"""POST /api/chat (the contract's reply object), photo uploads, and their malformed or abusive requests."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from bot.bootstrap import Tuoyu
from bot.channels.web.security import Limits
from bot.engine.types import Inbound

SESSION = "websession01"


def jpeg(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


async def chat(client: httpx.AsyncClient, **body: object) -> httpx.Response:
    return await client.post("/api/chat", json={"session": SESSION, **body})


async def test_question_gets_the_contract_reply_object(client: httpx.AsyncClient) -> None:
    response = await chat(client, text="产假有多少天")
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "answer" and body["article"] == "leave_maternity_national"
    assert body["topic"] == "leave_maternity" and "98天" in body["text"]
    assert body["sources"][0]["title"].startswith("女职工劳动保护特别规定")
    assert 0 < body["score"] <= 1 and body["candidates"] == []
    assert {"label", "data"} <= set(body["buttons"][0])
    assert body["replies"][0]["article"] == "leave_maternity_national"
    assert body["request_location"] is False


async def test_button_continues_the_conversation(client: httpx.AsyncClient) -> None:
    first = (await chat(client, text="产假有多少天")).json()
    related = first["buttons"][0]["data"]
    second = (await chat(client, button=related)).json()
    assert second["kind"] == "answer" and second["article"] == "leave_paternity_gansu"


async def test_lang_switches_the_reply_language(client: httpx.AsyncClient) -> None:
    body = (await chat(client, text="产假有多少天", lang="en")).json()
    assert "98 days" in body["text"]
    body = (await chat(client, text="产假有多少天", lang="zh")).json()
    assert "98天" in body["text"]


async def test_sessions_are_separate_chats(client: httpx.AsyncClient, tuoyu: Tuoyu) -> None:
    await chat(client, text="产假有多少天", lang="en")
    assert (await tuoyu.conversations.load(f"web:{SESSION}")).lang == "en"
    assert (await tuoyu.conversations.load("web:othersession")).lang == "zh"


async def test_emergency_first(client: httpx.AsyncClient) -> None:
    body = (await chat(client, text="宝宝抽搐了怎么办")).json()
    assert body["kind"] == "emergency" and "120" in body["text"].splitlines()[0]


async def test_location_is_accepted(client: httpx.AsyncClient) -> None:
    response = await chat(client, location={"lat": 36.06, "lon": 103.83})
    assert response.status_code == 200
    assert response.json()["kind"] == "facility_search"


async def test_malformed_requests_are_400_not_500(client: httpx.AsyncClient) -> None:
    headers = {"content-type": "application/json"}
    cases = [
        b"{not json", b"[]", b'"text"', b"{}", b'{"session": "short", "text": "hi"}',
        b'{"session": "has spaces in it", "text": "hi"}', b'{"session": "websession01"}',
        b'{"session": "websession01", "text": ""}', b'{"session": "websession01", "text": 5}',
        b'{"session": "websession01", "button": "bad data!"}', b'{"session": "websession01", "button": null}',
        b'{"session": "websession01", "location": {"lat": 91, "lon": 0}}',
        b'{"session": "websession01", "location": {"lat": "x"}}',
        b'{"session": "websession01", "location": {"lat": NaN, "lon": 1}}',
        b'{"session": "websession01", "text": "hi", "lang": "fr"}',
        b"\xff\xfe", b"[[[[[[[[[[",
    ]
    for raw in cases:
        response = await client.post("/api/chat", content=raw, headers=headers)
        assert response.status_code == 400, raw
        assert "error" in response.json()


async def test_deeply_nested_json_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/chat", content=b"[" * 50_000 + b"]" * 50_000,
                                 headers={"content-type": "application/json"})
    assert response.status_code in (400, 413)


async def test_wrong_content_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/chat", data={"session": SESSION, "text": "hi"})
    assert response.status_code == 415


async def test_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    response = await chat(client, text="长" * 40_000)
    assert response.status_code == 413


async def test_chat_rate_limited_per_session_with_a_polite_retry(tuoyu: Tuoyu) -> None:
    from bot.channels.web.app import create_app

    app = create_app(tuoyu.channel, Limits(chat_burst=3, chat_per_s=0.5))
    transport = httpx.ASGITransport(app=app, client=("198.51.100.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        codes = [(await chat(c, text="你好")).status_code for _ in range(5)]
        other = await c.post("/api/chat", json={"session": "another-parent-1", "text": "你好"})
        slowed = await c.post("/api/chat", json={"session": SESSION, "text": "hello", "lang": "en"})
    assert codes == [200, 200, 200, 429, 429]
    assert other.status_code == 200, "a parent behind the same address is not slowed by another"
    assert slowed.status_code == 429 and slowed.headers["retry-after"] in ("1", "2")
    assert "send it again" in slowed.json()["error"] and slowed.json()["retry_after"] in (1, 2)


async def test_chat_rate_limited_per_address_generously(tuoyu: Tuoyu) -> None:
    from bot.channels.web.app import create_app

    app = create_app(tuoyu.channel, Limits(chat_ip_burst=4, chat_ip_per_s=0.001))
    transport = httpx.ASGITransport(app=app, client=("198.51.100.3", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        codes = [(await c.post("/api/chat", json={"session": f"parent-{n:04d}", "text": "你好"})).status_code
                 for n in range(6)]
        refused = await c.post("/api/chat", json={"session": "parent-9999", "text": "你好"})
    assert codes == [200, 200, 200, 200, 429, 429]
    assert "请稍等" in refused.json()["error"] and int(refused.headers["retry-after"]) >= 1


async def upload(client: httpx.AsyncClient, data: bytes, name: str = "p.jpg", token: str | None = None,
                 session: str = SESSION) -> httpx.Response:
    token = token if token is not None else await csrf_of_chat(client)
    return await client.post("/api/chat/photo", data={"session": session}, files={"photo": (name, data, "image/jpeg")},
                             headers={"x-csrf-token": token})


async def csrf_of_chat(client: httpx.AsyncClient) -> str:
    html = (await client.get("/chat")).text
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


async def start_photo_step(client: httpx.AsyncClient) -> None:
    """Walk the complaint flow up to the photo step."""
    await chat(client, text="我要投诉")
    for text in ("阳光宝贝托育园", "城关区"):
        body = (await chat(client, text=text)).json()
        if any(b["data"].startswith("c:cat:") for b in body["buttons"]):
            break
    await chat(client, button="c:cat:hygiene_health")
    await chat(client, text="厨房很脏，孩子们的餐具没有消毒，已经好几周了。")
    await chat(client, text="上周三")


async def test_photo_upload_in_the_complaint_flow(client: httpx.AsyncClient, tuoyu: Tuoyu) -> None:
    await start_photo_step(client)
    response = await upload(client, jpeg())
    assert response.status_code == 200, response.text
    state = await tuoyu.conversations.load(f"web:{SESSION}")
    stored = state.data.get("photos", [])
    assert len(stored) == 1
    saved = Path(tuoyu.settings.data_dir / "uploads" / stored[0])
    assert saved.is_file() and saved.read_bytes().startswith(b"\xff\xd8\xff")
    assert response.json()["kind"] == "complaint"


async def test_upload_strips_exif(client: httpx.AsyncClient, tuoyu: Tuoyu) -> None:
    image = Image.new("RGB", (20, 20))
    exif = image.getexif()
    exif[0x010F] = "CameraMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    assert b"CameraMaker" in out.getvalue()
    await start_photo_step(client)
    assert (await upload(client, out.getvalue())).status_code == 200
    name = (await tuoyu.conversations.load(f"web:{SESSION}")).data["photos"][0]
    assert b"CameraMaker" not in (tuoyu.settings.data_dir / "uploads" / name).read_bytes()


async def test_upload_rejects_non_images(client: httpx.AsyncClient) -> None:
    response = await upload(client, b"GIF89a" + b"\0" * 100, "x.gif")
    assert response.status_code == 415
    response = await upload(client, b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.jpg")
    assert response.status_code == 415


async def test_upload_rejects_truncated_jpeg(client: httpx.AsyncClient) -> None:
    await start_photo_step(client)
    response = await upload(client, b"\xff\xd8\xff\xe0" + b"\0" * 50)
    assert response.status_code == 400


async def test_photos_outside_the_photo_step_are_not_kept(client: httpx.AsyncClient, tuoyu: Tuoyu) -> None:
    uploads = tuoyu.settings.data_dir / "uploads"
    assert (await upload(client, jpeg())).status_code == 200  # no complaint at all
    await chat(client, text="我要投诉")
    assert (await upload(client, jpeg())).status_code == 200  # a complaint, but not at its photo step
    assert not uploads.exists() or not any(uploads.iterdir())
    assert not (await tuoyu.conversations.load(f"web:{SESSION}")).data.get("photos")


async def test_too_many_pixels_is_413_and_decoding_runs_off_the_loop(client: httpx.AsyncClient, tuoyu: Tuoyu,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from complaints import photos

    threads: list[str] = []
    real = photos.store_photo

    def recorded(*args: Any) -> str:
        threads.append(threading.current_thread().name)
        return real(*args)

    monkeypatch.setattr(photos, "store_photo", recorded)
    big = io.BytesIO()
    Image.new("L", (4100, 4000)).save(big, "PNG")  # 16.4 MP in a few kB
    await start_photo_step(client)
    response = await upload(client, big.getvalue(), "big.png")
    assert response.status_code == 413 and "pixels" in response.json()["error"]
    assert (await upload(client, jpeg())).status_code == 200
    assert threads and all(name.startswith("photo") for name in threads)


async def test_oversized_upload_is_413(client: httpx.AsyncClient, tuoyu: Tuoyu) -> None:
    response = await upload(client, b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024 + 10))
    assert response.status_code == 413
    assert not (tuoyu.settings.data_dir / "uploads").exists() or not any(
        (tuoyu.settings.data_dir / "uploads").iterdir())


async def test_upload_needs_csrf_token(client: httpx.AsyncClient) -> None:
    await csrf_of_chat(client)
    assert (await upload(client, jpeg(), token="forged")).status_code == 403
    client.cookies.clear()
    assert (await upload(client, jpeg(), token="")).status_code == 403


async def test_upload_validates_session(client: httpx.AsyncClient) -> None:
    assert (await upload(client, jpeg(), session="../../etc")).status_code == 400


async def test_upload_rate_limited(tuoyu: Tuoyu) -> None:
    from bot.channels.web.app import create_app

    app = create_app(tuoyu.channel, Limits(upload_burst=2, upload_per_s=0.001))
    transport = httpx.ASGITransport(app=app, client=("198.51.100.2", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        token = await csrf_of_chat(c)
        responses = [await upload(c, jpeg(), token=token) for _ in range(3)]
    assert responses[-1].status_code == 429 and "照片" in responses[-1].json()["error"]


async def test_chat_page_is_plain_script(client: httpx.AsyncClient) -> None:
    html = (await client.get("/chat")).text
    assert '<script src="/static/chat.js" defer></script>' in html
    script = await client.get("/static/chat.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "import " not in script.text and "=>" not in script.text  # no modules; plain functions for old WebViews


async def test_the_first_buttons_are_the_flows_own_menu(client: httpx.AsyncClient) -> None:
    """The page shows what the flows declare (the chat's menu without the language switch), in the page's language."""
    expected = {"zh": ("找托育机构", "投诉托育机构", "查投诉进度"), "en": ("Find childcare", "Complaint status")}
    for lang, labels in expected.items():
        hello = (await client.get("/chat", params={"lang": lang})).text.split('class="msg bot hello"', 1)[1]
        buttons = re.findall(r'data-button="([^"]+)">([^<]+)</button>', hello.split("</li>", 1)[0])
        assert [data for data, _ in buttons] == ["cmd:find", "cmd:complain", "cmd:status"]
        assert all(any(label in text for _, text in buttons) for label in labels), buttons


def test_replies_are_written_as_reply_to_dict() -> None:
    """chat_payload leaves buttons and sources to the encoder: the JSON is still every Reply.to_dict()."""
    import datetime
    import json

    from bot.channels.web.chat import chat_payload, json_response
    from bot.engine.types import Button, Reply, Source

    replies = [
        Reply(kind="answer", text="答", buttons=[Button("下一步", "a:x")], article="x", topic="t", candidates=["x"],
              sources=[Source("规定", "https://example.org"), Source("无链接")], score=0.9),
        Reply(kind="facility_search", text="找到", request_location=True,
              data={"facilities": [{"id": "f1", "lat": 36.0, "lon": 103.8, "demo": True}],
                    "when": datetime.date(2026, 1, 2), "nested": {"b": [Button("x", "y")]}}),
    ]
    sent = json.loads(bytes(json_response(chat_payload(replies)).body))
    assert sent["replies"] == json.loads(json.dumps([r.to_dict() for r in replies], ensure_ascii=False, default=str))
    assert sent["request_location"] is True and sent["buttons"] == [{"label": "下一步", "data": "a:x"}]


async def test_a_web_chat_continues_from_the_state_it_saved(client: httpx.AsyncClient, tuoyu: Tuoyu,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite the process remembers the state it saved (it is the only writer): no read per message."""
    from bot import conversations

    reads = []
    read = conversations._read
    monkeypatch.setattr(conversations, "_read", lambda conn, key: reads.append(key) or read(conn, key))
    await chat(client, text="/lang en")
    await chat(client, text="产假有多少天")
    body = (await chat(client, text="护理假有几天")).json()
    assert "days" in body["text"]
    assert len(reads) == (3 if tuoyu.db.is_postgres else 1)
    assert (await tuoyu.conversations.load(f"web:{SESSION}")).lang == "en"
    await tuoyu.conversations.forget(f"web:{SESSION}")  # forgetting drops the remembered state too
    assert (await tuoyu.conversations.load(f"web:{SESSION}")).lang == "zh"


async def test_a_failed_save_is_not_remembered(client: httpx.AsyncClient, tuoyu: Tuoyu,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import conversations

    await chat(client, text="/lang en")
    save = conversations._save

    def failing(conn: object, *rows: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(conversations, "_save", failing)
    with pytest.raises(RuntimeError):
        await tuoyu.conversations.process(f"web:{SESSION}", Inbound.message("/lang zh", channel="web"))
    monkeypatch.setattr(conversations, "_save", save)
    assert (await tuoyu.conversations.load(f"web:{SESSION}")).lang == "en"  # what the database holds
    assert "days" in (await chat(client, text="产假有多少天")).json()["text"]

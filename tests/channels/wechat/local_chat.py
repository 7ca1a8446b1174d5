"""Chat with Tuoyu's WeChat channel on this machine, without WeChat: the tests' fake WeChat plus a console.

    python -m tests.channels.wechat.local_chat [--aes] [--port P] [--no-server]

Starts the fake WeChat on 127.0.0.1 and `tuoyu serve` with the WeChat settings pointing at it (unless
--no-server: then start it yourself with the printed settings on --port), and relays what you type as a
follower's messages, signed (and encrypted with --aes) as WeChat does; it prints the passive reply or the
customer-service messages sent instead. Besides text and /commands: a number answers a numbered choice,
`/loc LAT LON` shares a location (GCJ-02, as WeChat's map gives it), `/photo` sends a picture, `/voice TEXT` a
recognised voice message, `/follow [SCENE]` follows (a scene like g-<article>-<ref> as a QR code would),
`/scan SCENE` scans a code, `/click KEY` taps a menu entry (cmd:help, cmd:find, cmd:complain, ...), `/quit` ends.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import sys
import tempfile
import time
from typing import Any

import httpx
from PIL import Image

from tests.channels.wechat.fake_wechat import AES_KEY, APPID, SECRET, TOKEN, FakeWeChat, Follower

OPENID = "oLocalChatParent"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 160, 220)).save(out, "JPEG")
    return out.getvalue()


def message(wx: FakeWeChat, line: str) -> dict[str, Any]:
    """One console line as the follower's WeChat message or event."""
    word, _, rest = line.partition(" ")
    rest = rest.strip()
    if word == "/loc":
        lat, lon = (float(x) for x in rest.split()[:2])
        return wx.location(OPENID, lat, lon)
    if word == "/photo":
        return wx.image(OPENID, f"MEDIA_{time.monotonic_ns()}", picture())
    if word == "/voice":
        return wx.voice(OPENID, rest or None)
    if word == "/follow":
        return wx.event(OPENID, "subscribe", f"qrscene_{rest}" if rest else None)
    if word == "/scan":
        return wx.event(OPENID, "SCAN", rest)
    if word == "/click":
        return wx.event(OPENID, "CLICK", rest)
    return wx.text(OPENID, line)


async def wait_healthy(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(trust_env=False) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(f"tuoyu serve did not answer at {url}")


async def main(args: argparse.Namespace) -> int:
    port = args.port or free_port()
    async with FakeWeChat(f"http://127.0.0.1:{port}/wechat") as wx:
        env = {"TUOYU_WECHAT_TOKEN": TOKEN, "TUOYU_WECHAT_APPID": APPID, "TUOYU_WECHAT_SECRET": SECRET,
               "TUOYU_WECHAT_API_URL": wx.base_url}
        if args.aes:
            env["TUOYU_WECHAT_AES_KEY"] = AES_KEY
        print("Fake WeChat running. Tuoyu uses it with:")
        for name, value in env.items():
            print(f"  export {name}={value}")
        server = None
        if not args.no_server:
            data_dir = os.environ.get("TUOYU_DATA_DIR") or tempfile.mkdtemp(prefix="tuoyu-wechat-chat-")
            print(f"Starting `tuoyu serve --port {port}` (data in {data_dir}) ...")
            server = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "serve", "--port", str(port),
                env={**os.environ, **env, "TUOYU_DATA_DIR": data_dir}, stdout=asyncio.subprocess.DEVNULL)
        else:
            print(f"Run `tuoyu serve --port {port}` with those settings now.")
        try:
            await wait_healthy(f"http://127.0.0.1:{port}")
            print("Type as a parent would; a number picks a choice; /loc LAT LON, /photo, /voice TEXT, "
                  "/follow [SCENE], /scan SCENE, /click KEY, /quit.")
            parent = Follower(wx, OPENID, aes=args.aes, settle_s=0.5)
            loop = asyncio.get_running_loop()
            while True:
                raw = await loop.run_in_executor(None, sys.stdin.readline)
                line = raw.strip()
                if not raw or line == "/quit":  # end of input, or asked to
                    return 0
                if not line:
                    continue
                try:
                    print(await parent.send(message(wx, line)))
                except (AssertionError, TimeoutError, ValueError) as exc:
                    print(f"(no answer: {exc})")
                print("—" * 40, flush=True)
        finally:
            if server is not None and server.returncode is None:
                server.terminate()
                await server.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aes", action="store_true", help="safe mode: messages and replies encrypted")
    parser.add_argument("--port", type=int, default=0, help="the port of `tuoyu serve` (default: a free one)")
    parser.add_argument("--no-server", action="store_true", help="only the fake WeChat; start `tuoyu serve` yourself")
    sys.exit(asyncio.run(main(parser.parse_args())))

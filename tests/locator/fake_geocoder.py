"""A Baidu-style geocoding server on 127.0.0.1 (GET /geocoding/v3/?address=…&ak=…&city=…), run in a thread.

Known addresses answer with a BD-09 point and a level, as Baidu's v3 API does; unknown ones with Baidu's
"no result" status; `failing` makes every request a 500 (the service down).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeBaidu:
    url: str = ""
    answers: dict[str, tuple[float, float, str]] = field(default_factory=dict)  # address -> BD-09 lat, lng, level
    requests: list[dict[str, str]] = field(default_factory=list)
    failing: bool = False


@contextmanager
def fake_baidu(answers: dict[str, tuple[float, float, str]]) -> Iterator[FakeBaidu]:
    fake = FakeBaidu(answers=answers)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            fake.requests.append({"path": parts.path, **query})
            if fake.failing or parts.path != "/geocoding/v3/":
                self.send_response(500)
                self.end_headers()
                return
            if query.get("ak") != "test-key":
                body = {"status": 200, "message": "APP不存在，AK有误请检查再重试"}
            elif query.get("address") in fake.answers:
                lat, lng, level = fake.answers[query["address"]]
                body = {"status": 0, "result": {"location": {"lng": lng, "lat": lat}, "precise": 1,
                                                 "confidence": 80, "comprehension": 100, "level": level}}
            else:
                body = {"status": 1, "msg": "Internal Service Error:无相关结果", "results": []}
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()

"""A map tile server on 127.0.0.1 for tests: any /{z}/{x}/{y}.png is a small PNG; `failing` answers 500."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


@dataclass
class Tiles:
    url: str = ""  # the tile URL template: http://127.0.0.1:PORT/{z}/{x}/{y}.png
    requests: list[str] = field(default_factory=list)
    failing: bool = False


@contextmanager
def tile_server() -> Iterator[Tiles]:
    tiles = Tiles()
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (225, 235, 225)).save(buffer, "PNG")
    png = buffer.getvalue()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            tiles.requests.append(self.path)
            if tiles.failing:
                self.send_response(500)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tiles.url = f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tiles
    finally:
        server.shutdown()
        server.server_close()

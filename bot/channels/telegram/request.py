"""Bot API calls over aiohttp with JSON bodies, in place of PTB's default httpx transport.

Why: a PTB call through httpx cost ~3 ms of CPU here (the bot's biggest cost per update), mostly
httpcore's pool bookkeeping (each request start and end walks every pooled connection and asks its
socket whether it is still readable) and form-encoding (a Chinese answer triples as %XX escapes).
aiohttp learns of a closed connection from the event loop instead of polling, parses responses in C,
and the parameters go as one UTF-8 JSON body, which the Bot API accepts for every method except file
uploads (those go as multipart, as before): ~1 ms per call (`benchmarks/telegram.py`, docs/telegram.md).
"""

from __future__ import annotations

import json
import urllib.request
from base64 import b64encode
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

_JSON_HEADERS = {"Content-Type": "application/json"}
_DEFAULT = type(BaseRequest.DEFAULT_NONE)


def _seconds(value: Any, default: float | None) -> float | None:
    """PTB passes DEFAULT_NONE for "the configured timeout"; anything else is seconds or None (no limit)."""
    return default if isinstance(value, _DEFAULT) else value


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one aiohttp session of at most `connection_pool_size` connections.

    Timeouts default as in PTB's `HTTPXRequest`. aiohttp has no separate write timeout: waiting for a
    free connection is bounded by pool + connect timeout, each response read by the read timeout, and
    the whole call by the sum of all four. Proxies come from the environment (HTTPS_PROXY, NO_PROXY ...),
    as with httpx, but are looked up once per origin (aiohttp's `trust_env` looks them up in a worker
    thread on every request).
    """

    def __init__(self, connection_pool_size: int = 256, *, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout, self._write_timeout = read_timeout, write_timeout
        self._connect_timeout, self._pool_timeout = connect_timeout, pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, tuple[URL | None, dict[str, str] | None]] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})
            self._proxies.clear()

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _proxy(self, url: str) -> tuple[URL | None, dict[str, str] | None]:
        """The environment's proxy for this URL's origin and the header with its credentials, or None."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        found = self._proxies.get(origin)
        if found is None:
            proxy = urllib.request.getproxies().get(parts.scheme)
            if proxy is None or urllib.request.proxy_bypass(parts.hostname or ""):
                found = (None, None)
            else:
                proxy_url = URL(proxy if "://" in proxy else f"http://{proxy}")
                credentials = f"{proxy_url.user}:{proxy_url.password or ''}".encode()
                found = (proxy_url.with_user(None), {"Proxy-Authorization": f"Basic {b64encode(credentials).decode()}"}
                         if proxy_url.user else None)
            self._proxies[origin] = found
        return found

    def _timeout(self, files: bool, read: Any, write: Any, connect: Any, pool: Any) -> aiohttp.ClientTimeout:
        read = _seconds(read, self._read_timeout)
        write = _seconds(write, self._media_write_timeout if files else self._write_timeout)
        connect, pool = _seconds(connect, self._connect_timeout), _seconds(pool, self._pool_timeout)
        phases = (read, write, connect, pool)
        return aiohttp.ClientTimeout(
            total=None if None in phases else sum(phases),  # type: ignore[arg-type]
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect, sock_read=read)

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        body: Any = None
        headers = None
        if request_data is not None and files:
            form = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, mime_type) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            body = form
        elif request_data is not None:
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            headers = _JSON_HEADERS
        timeout = self._timeout(files, read_timeout, write_timeout, connect_timeout, pool_timeout)
        proxy, proxy_headers = self._proxy(url)
        try:
            async with self._session.request(method, url, data=body, headers=headers, timeout=timeout, proxy=proxy,
                                             proxy_headers=proxy_headers) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutErrors too
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

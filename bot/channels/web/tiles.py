"""Street-map tiles through our own origin: GET /tiles/{z}/{x}/{y}.png fetches the tile from the deployment's
tile source (TUOYU_MAP_TILES) and keeps recent ones in memory.

Through us rather than straight from the browser, so the page's content policy stays `img-src 'self'`, the
parents' addresses are not shown to the tile provider, and a tile asked for by many chats is fetched once.
Only whole-number tile coordinates reach the source: this is no open proxy.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

log = logging.getLogger(__name__)

MAX_ZOOM = 19
#: Tiles kept in memory (a street tile is ~10–40 kB).
KEPT = 1024
TIMEOUT_S = 5.0

_cache: OrderedDict[tuple[str, int, int, int], tuple[bytes, str]] = OrderedDict()


async def tile(request: Request) -> Response:
    """One tile, or 404 (no tile source, or not a tile) / 502 (the source failed: the page falls back to the
    drawn sketch)."""
    template = request.app.state.settings.map_tiles
    z, x, y = (int(request.path_params[k]) for k in ("z", "x", "y"))
    if not template or not (0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        return Response(status_code=404)
    key = (template, z, x, y)
    if key in _cache:
        _cache.move_to_end(key)
        body, media = _cache[key]
    else:
        url = template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
                upstream = await client.get(url)
        except httpx.HTTPError:
            log.warning("tile source unreachable", exc_info=True)
            return Response(status_code=502)
        media = upstream.headers.get("content-type", "").split(";")[0].strip()
        if upstream.status_code != 200 or not media.startswith("image/"):
            return Response(status_code=502)
        body = upstream.content
        _cache[key] = (body, media)
        if len(_cache) > KEPT:
            _cache.popitem(last=False)
    return Response(body, media_type=media, headers={"cache-control": "public, max-age=86400"})


routes = [Route("/tiles/{z:int}/{x:int}/{y:int}.png", tile, methods=["GET"])]

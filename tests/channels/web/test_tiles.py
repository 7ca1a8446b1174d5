"""The street map's tiles through /tiles (from a tile server on loopback) and its pins in the chat payload."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from bot.bootstrap import Tuoyu, build
from bot.channels.web import tiles as tile_proxy
from bot.channels.web.app import create_app
from bot.settings import Settings, SettingsError
from locator.geo import geodesic_m, wgs84_to_gcj02
from storage.database import Database
from tests.bot.helpers import fixture_kb
from tests.channels.web.test_maps import search
from tests.channels.web.tile_server import Tiles, tile_server


@pytest.fixture
def tiles() -> Iterator[Tiles]:
    with tile_server() as server:
        yield server


async def client_for(database: Database, settings: Settings, **changes: object) -> AsyncIterator[httpx.AsyncClient]:
    tuoyu: Tuoyu = await build(dataclasses.replace(settings, demo_data=True, **changes), db=database, migrate=False,
                               kb=fixture_kb())
    transport = httpx.ASGITransport(app=create_app(tuoyu.channel), client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
    await tuoyu.services.facilities.close()


@pytest.fixture
async def tiled(database: Database, settings: Settings, tiles: Tiles) -> AsyncIterator[httpx.AsyncClient]:
    tile_proxy._cache.clear()
    async for c in client_for(database, settings, map_tiles=tiles.url):
        yield c


@pytest.fixture
async def untiled(database: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in client_for(database, settings):
        yield c


async def test_tiles_come_through_our_origin_and_are_kept(tiled: httpx.AsyncClient, tiles: Tiles) -> None:
    first = await tiled.get("/tiles/13/6459/3178.png")
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    assert first.content.startswith(b"\x89PNG") and tiles.requests == ["/13/6459/3178.png"]
    assert (await tiled.get("/tiles/13/6459/3178.png")).content == first.content and len(tiles.requests) == 1
    assert (await tiled.get("/tiles/2/4/0.png")).status_code == 404  # x beyond 2**z: not a tile
    assert (await tiled.get("/tiles/20/0/0.png")).status_code == 404
    tiles.failing = True
    assert (await tiled.get("/tiles/13/6460/3178.png")).status_code == 502


async def test_no_tile_source_no_tiles_and_no_street_map(untiled: httpx.AsyncClient) -> None:
    assert (await untiled.get("/tiles/13/6459/3178.png")).status_code == 404
    reply = await search(untiled, "tilesession01", "西关十字")
    assert "street_map" not in reply and reply["map_svg"].startswith("<svg")
    assert "leaflet" not in (await untiled.get("/chat")).text


async def test_the_street_map_pins_are_in_the_tiles_datum(tiled: httpx.AsyncClient) -> None:
    reply = await search(tiled, "tilesession02", "西关十字")
    street, cards = reply["street_map"], reply["data"]["facilities"]
    assert street["tiles"] == "/tiles/{z}/{x}/{y}.png" and reply["map_svg"]  # the sketch is the fallback
    assert [p["id"] for p in street["pins"]] == [c["id"] for c in cards] and street["pins"][0]["n"] == 1
    for pin, card in zip(street["pins"], cards, strict=True):
        gcj = wgs84_to_gcj02(card["lat"], card["lon"])
        assert geodesic_m(*pin["at"], *gcj) < 0.2 and geodesic_m(*pin["at"], card["lat"], card["lon"]) > 100
    centre = reply["data"]["center"]
    assert geodesic_m(*street["centre"]["at"], *wgs84_to_gcj02(centre["lat"], centre["lon"])) < 0.2
    page = (await tiled.get("/chat")).text
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/vendor/leaflet/leaflet.css" in page
    assert (await tiled.get("/static/vendor/leaflet/leaflet.js")).status_code == 200


def test_tile_settings() -> None:
    assert Settings.from_env({"TUOYU_MAP_TILES": "https://t.example/{z}/{x}/{y}.png"}).map_tiles_datum == "gcj02"
    with pytest.raises(SettingsError):
        Settings.from_env({"TUOYU_MAP_TILES": "https://t.example/tile.png"})
    with pytest.raises(SettingsError):
        Settings.from_env({"TUOYU_MAP_TILES": "https://t.example/{z}/{x}/{y}", "TUOYU_MAP_TILES_DATUM": "bd09"})

"""The finder map: well-formed SVG, pins where the points are, escaped names, honest district cells."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from visual.svgmap import PIN_R, Area, Centre, Frame, Pin, Spot, render_map, voronoi

NS = {"svg": "http://www.w3.org/2000/svg"}
XLINK = "{http://www.w3.org/1999/xlink}href"
AREAS = (
    Area("城关区", (Spot("城关区", 36.0495, 103.8386), Spot("张掖路街道", 36.0659, 103.8326),
                    Spot("东岗街道", 36.0450, 103.9411))),
    Area("七里河区", (Spot("七里河区", 36.0670, 103.7818), Spot("西站街道", 36.0722, 103.7664))),
)
PINS = [Pin("LZ-001", 1, "示例·阳光托育", 36.0610, 103.8350), Pin("LZ-002", 2, "小太阳", 36.0550, 103.8450),
        Pin("LZ-003", 3, "七里河托育", 36.0700, 103.7800)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def pins(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//svg:a[@class='pin']", NS)


def disc(pin: ET.Element) -> tuple[float, float]:
    circle = next(c for c in pin.findall("svg:circle", NS) if c.get("r") == str(int(PIN_R)))
    return float(circle.get("cx", "0")), float(circle.get("cy", "0"))


def test_pins_are_numbered_links_to_their_cards() -> None:
    root = parse(render_map(AREAS, PINS, Centre(36.0659, 103.8326, "西关十字", 2000), title="附近的托育机构"))
    found = pins(root)
    assert [p.get("data-id") for p in found] == ["LZ-001", "LZ-002", "LZ-003"]
    assert [p.get("href") for p in found] == ["#fac-LZ-001", "#fac-LZ-002", "#fac-LZ-003"]
    assert [p.get(XLINK) for p in found] == [p.get("href") for p in found]
    assert [p.find("svg:text", NS).text for p in found] == ["1", "2", "3"]  # type: ignore[union-attr]
    assert found[0].find("svg:title", NS).text == "1. 示例·阳光托育"  # type: ignore[union-attr]
    assert root.find("svg:title", NS).text == "附近的托育机构"  # type: ignore[union-attr]
    assert "2. 小太阳" in (root.find("svg:desc", NS).text or "")  # type: ignore[union-attr]


def test_phone_sized_and_everything_inside_the_view() -> None:
    root = parse(render_map(AREAS, PINS, Centre(36.0659, 103.8326, "西关十字"), title="t", note="非官方边界"))
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert width == 360 and height == 342  # 320 map + 22 note strip
    for pin in pins(root):
        x, y = disc(pin)
        assert PIN_R <= x <= width - PIN_R and PIN_R <= y <= 320 - PIN_R
    sizes = [float(t.get("font-size", "0")) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert min(sizes) >= 11  # readable at 360 px


def test_geometry_north_up_east_right_with_cos_lat() -> None:
    frame = Frame([(36.0, 103.8), (36.1, 103.9)], 360, 320, 1000)
    x0, y0 = frame.xy(36.05, 103.85)
    east = frame.xy(36.05, 103.85 + 1000 / (111_320 * math.cos(math.radians(36.05))))
    north = frame.xy(36.05 + 1000 / 111_320, 103.85)
    assert east[0] > x0 and north[1] < y0
    assert east[0] - x0 == pytest.approx(y0 - north[1], rel=1e-3)  # a kilometre is a kilometre both ways


def test_pin_drawn_at_its_point_relative_to_centre() -> None:
    root = parse(render_map(AREAS, [Pin("E", 1, "east", 36.0659, 103.8500)], Centre(36.0659, 103.8326, "c"),
                            title="t"))
    centre = root.find(".//svg:g[@class='centre']/svg:circle", NS)
    assert centre is not None
    cx, cy = float(centre.get("cx", "0")), float(centre.get("cy", "0"))
    x, y = disc(pins(root)[0])
    assert x > cx + 100 and y == pytest.approx(cy, abs=0.2)


def test_overlapping_pins_are_nudged_apart_with_a_leader() -> None:
    same = [Pin(f"S{n}", n, f"same {n}", 36.06, 103.83) for n in (1, 2, 3)]
    svg = render_map(AREAS, same, title="t")
    points = [disc(p) for p in pins(parse(svg))]
    assert all(math.dist(a, b) >= 2 * PIN_R for i, a in enumerate(points) for b in points[i + 1:])
    assert points[0] == pytest.approx((180, 160), abs=0.2)  # the first stays on its point, in the middle
    assert svg.count('stroke="#c0392b" stroke-width="1.2"') == 2  # two leader lines back to the point


def test_labels_are_escaped() -> None:
    nasty = '<b>&"\'\x01'
    svg = render_map((Area(nasty, (Spot(nasty, 36.06, 103.83),)),), [Pin('x"><script>', 1, nasty, 36.06, 103.84)],
                     Centre(36.06, 103.83, nasty), title=nasty, note=nasty)
    root = parse(svg)
    assert "<script>" not in svg and "<b>" not in svg
    assert root.find("svg:title", NS).text == '<b>&"\''  # type: ignore[union-attr]
    assert pins(root)[0].get("href") == '#fac-x"><script>'


def test_district_cells_and_borders() -> None:
    root = parse(render_map(AREAS, title="city"))
    names = [p.get("data-name") for p in root.findall(".//svg:path[@class='area']", NS)]
    assert names == ["城关区", "七里河区"]
    borders = root.find(".//svg:path[@class='borders']", NS)
    assert borders is not None and borders.get("stroke-dasharray")
    labels = {t.text for t in root.findall(".//svg:text[@class='district-label']", NS)}
    assert labels == {"城关区", "七里河区"}


def test_voronoi_cells_partition_the_box() -> None:
    sites = [(50.0, 50.0), (300.0, 60.0), (180.0, 250.0), (20.0, 300.0), (-500.0, 100.0)]
    cells = voronoi(sites, 360, 320)

    def area(cell: list) -> float:
        return abs(sum(p[0] * q[1] - q[0] * p[1] for (p, _), (q, _) in zip(cell, cell[1:] + cell[:1], strict=True))) / 2

    assert sum(area(c) for c in cells if c) == pytest.approx(360 * 320)
    for (sx, sy), cell in zip(sites[:4], cells, strict=False):
        xs, ys = [p[0] for p, _ in cell], [p[1] for p, _ in cell]
        assert min(xs) <= sx <= max(xs) and min(ys) <= sy <= max(ys)
    assert cells[4] == []  # far outside the view: no cell inside it
    facing = {tag for _, tag in cells[0]}
    assert -1 in facing and 1 in facing  # edges remember the frame and the neighbour they face


def test_link_pattern_and_single_pin_view() -> None:
    svg = render_map(AREAS, [Pin("LZ-9", 1, "one", 36.0827, 103.75)], title="t", link="/facility/{id}")
    assert pins(parse(svg))[0].get("href") == "/facility/LZ-9"
    assert re.search(r">\d+ (k?m)<", svg)  # a scale bar says how far


def test_nothing_to_draw() -> None:
    with pytest.raises(ValueError):
        render_map((), title="t")

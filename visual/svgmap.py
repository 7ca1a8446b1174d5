"""Finder maps as self-contained SVG from our own gazetteer points: no tile server, readable on a 360 px phone.

District areas are drawn as the cells of the map nearest to each district's named points (a Voronoi
diagram of district seats and subdistrict points), which is honest about what we know: points, not
official boundaries. Projection: equirectangular around the middle latitude (x scaled by cos(lat)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from visual.svg import attr, num, text, text_width, uid

M_PER_DEG = 111_320.0  # metres per degree of latitude (and of longitude at the equator)
FONT = "system-ui, -apple-system, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
FILLS = ("#e3ecf7", "#e8f2de", "#f7ecdc", "#efe4f3", "#dff1ef", "#f6efd2", "#e7e5f5", "#f6e1e4", "#e2efe4",
         "#eee8de")
BORDER = "#8d99a6"
INK = "#37414b"
PIN = "#c0392b"
CENTRE = "#1565c0"
PIN_R = 11.0
PAD = PIN_R * 2
SCALE_STEPS = (50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
SUBDISTRICT_NAMES_BELOW_M = 12_000  # name subdistrict points only when the map is this narrow or less

Point = tuple[float, float]
Edge = tuple[Point, int]  # a polygon vertex and the site whose bisector the edge from it lies on (-1: frame)


@dataclass(frozen=True)
class Spot:
    """A named WGS-84 point (a district seat or a subdistrict) that gives its area a cell."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Area:
    """A district and its named points; the first point is where its name goes when it is in view."""

    name: str
    spots: tuple[Spot, ...]


@dataclass(frozen=True)
class Pin:
    """A numbered result; tapping it follows the map's link pattern to its card."""

    id: str
    number: int
    label: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Centre:
    """The search point; `radius_m` draws how far off it may be (a subdistrict point is ±2 km)."""

    lat: float
    lon: float
    label: str
    radius_m: float = 0.0


class Frame:
    """Equirectangular projection fitted to a set of points, never narrower than `min_span_m`."""

    def __init__(self, points: Sequence[tuple[float, float]], width: float, height: float, min_span_m: float,
                 pad: float = PAD) -> None:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        self.mid_lat, self.mid_lon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
        self.k = math.cos(math.radians(self.mid_lat))
        span_x = max((max(lons) - min(lons)) * self.k * M_PER_DEG, min_span_m)
        span_y = max((max(lats) - min(lats)) * M_PER_DEG, min_span_m)
        self.px_per_m = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
        self.width, self.height = width, height

    def xy(self, lat: float, lon: float) -> Point:
        return (self.width / 2 + (lon - self.mid_lon) * self.k * M_PER_DEG * self.px_per_m,
                self.height / 2 - (lat - self.mid_lat) * M_PER_DEG * self.px_per_m)

    def inside(self, p: Point, margin: float = 0.0) -> bool:
        return margin <= p[0] <= self.width - margin and margin <= p[1] <= self.height - margin

    @property
    def span_m(self) -> float:
        return self.width / self.px_per_m


def _clip(poly: list[Edge], a: Point, b: float, tag: int) -> list[Edge]:
    """Sutherland–Hodgman against the half-plane a·p ≤ b, tagging the new edge with `tag`."""
    out: list[Edge] = []
    for i, (p, p_tag) in enumerate(poly):
        q = poly[(i + 1) % len(poly)][0]
        fp, fq = a[0] * p[0] + a[1] * p[1] - b, a[0] * q[0] + a[1] * q[1] - b
        if fp <= 0:
            out.append((p, p_tag))
        if (fp <= 0) != (fq <= 0):
            t = fp / (fp - fq)
            cut = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
            out.append((cut, tag if fp <= 0 else p_tag))
    return out


def voronoi(sites: Sequence[Point], width: float, height: float) -> list[list[Edge]]:
    """Each site's cell inside the box (0, 0, width, height); edges know which neighbour they face."""
    frame: list[Edge] = [((0.0, 0.0), -1), ((width, 0.0), -1), ((width, height), -1), ((0.0, height), -1)]
    cells = []
    for i, (sx, sy) in enumerate(sites):
        poly = frame
        for j, (tx, ty) in enumerate(sites):
            if j != i and poly:
                poly = _clip(poly, (tx - sx, ty - sy), (tx * tx + ty * ty - sx * sx - sy * sy) / 2, j)
        cells.append(poly)
    return cells


def _area_centroid(poly: list[Edge]) -> tuple[float, Point]:
    """Shoelace area and centroid of a convex cell."""
    area = cx = cy = 0.0
    for i, (p, _) in enumerate(poly):
        q = poly[(i + 1) % len(poly)][0]
        cross = p[0] * q[1] - q[0] * p[1]
        area += cross
        cx += (p[0] + q[0]) * cross
        cy += (p[1] + q[1]) * cross
    if abs(area) < 1e-9:
        return 0.0, poly[0][0]
    return abs(area) / 2, (cx / (3 * area), cy / (3 * area))


class _Boxes:
    """Rectangles already taken by pins and labels, so names do not pile on top of each other."""

    def __init__(self) -> None:
        self.taken: list[tuple[float, float, float, float]] = []

    def free(self, box: tuple[float, float, float, float]) -> bool:
        x0, y0, x1, y1 = box
        return all(x1 <= a0 or x0 >= a1 or y1 <= b0 or y0 >= b1 for a0, b0, a1, b1 in self.taken)

    def take(self, box: tuple[float, float, float, float]) -> None:
        self.taken.append(box)


def _label_box(x: float, y: float, label: str, size: float, anchor: str) -> tuple[float, float, float, float]:
    w = text_width(label, size)
    left = x - w / 2 if anchor == "middle" else x if anchor == "start" else x - w
    return (left - 2, y - size, left + w + 2, y + size * 0.3)


def _free_spot(boxes: _Boxes, candidates: list[tuple[float, float, str]], label: str, size: float, width: float,
               height: float) -> tuple[float, float, str] | None:
    """The first candidate (x, y, text-anchor) where the label fits the view and covers nothing; taken."""
    for x, y, anchor in candidates:
        box = _label_box(x, y, label, size, anchor)
        if box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height and boxes.free(box):
            boxes.take(box)
            return x, y, anchor
    return None


def _halo_text(x: float, y: float, label: str, size: float, fill: str, *, anchor: str = "middle",
               weight: str = "normal", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (f'<text{klass} x="{num(x)}" y="{num(y)}" font-size="{num(size)}" fill="{fill}" text-anchor="{anchor}" '
            f'font-weight="{weight}" stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">'
            f"{text(label)}</text>")


def _place_pins(points: list[Point], frame: Frame) -> list[Point]:
    """Pins at their points, nudged around a ring when they would cover an earlier pin."""
    placed: list[Point] = []
    gap = 2 * PIN_R + 2

    def clear(p: Point) -> bool:
        return frame.inside(p, PIN_R) and all(math.dist(p, q) >= gap for q in placed)

    for x, y in points:
        spot = (x, y)
        if not clear(spot):
            rings = ((x + r * gap * math.cos(a), y + r * gap * math.sin(a))
                     for r in (1, 2, 3) for a in (math.radians(d) for d in range(-90, 270, 30)))
            spot = next((c for c in rings if clear(c)), spot)
        placed.append(spot)
    return placed


def _scale_bar(frame: Frame, y: float) -> tuple[str, tuple[float, float, float, float]]:
    metres = max((m for m in SCALE_STEPS if m * frame.px_per_m <= frame.width * 0.3), default=SCALE_STEPS[0])
    length = metres * frame.px_per_m
    label = f"{metres // 1000} km" if metres >= 1000 else f"{metres} m"
    x = 10.0
    svg = (f'<g class="scale"><path d="M{num(x)} {num(y - 5)}V{num(y)}H{num(x + length)}V{num(y - 5)}" '
           f'fill="none" stroke="{INK}" stroke-width="1.5"/>'
           + _halo_text(x + length + 4, y, label, 11, INK, anchor="start") + "</g>")
    return svg, (0.0, y - 14, x + length + 4 + text_width(label, 11) + 4, y + 4)


def _district_layer(areas: Sequence[Area], frame: Frame) -> tuple[list[str], list[list[Edge]], list[int]]:
    """Filled district cells, dashed lines where neighbouring cells belong to different districts, point dots."""
    sites: list[Point] = []
    owner: list[int] = []
    seen: set[tuple[float, float]] = set()
    for index, area in enumerate(areas):
        for spot in area.spots:
            key = (round(spot.lat, 5), round(spot.lon, 5))
            if key not in seen:
                seen.add(key)
                sites.append(frame.xy(spot.lat, spot.lon))
                owner.append(index)
    cells = voronoi(sites, frame.width, frame.height)
    parts = [f'<rect width="{num(frame.width)}" height="{num(frame.height)}" fill="#f4f6f8"/>']
    for index, area in enumerate(areas):
        d = "".join("M" + "L".join(f"{num(p[0])} {num(p[1])}" for p, _ in cell) + "Z"
                    for cell, o in zip(cells, owner, strict=True) if o == index and len(cell) > 2)
        if d:
            fill = FILLS[index % len(FILLS)]
            parts.append(f'<path class="area" data-name={attr(area.name)} d="{d}" fill="{fill}" stroke="{fill}" '
                         f'stroke-width="1"/>')
    borders = []
    for i, cell in enumerate(cells):
        for k, (p, tag) in enumerate(cell):
            if tag > i and owner[tag] != owner[i]:
                q = cell[(k + 1) % len(cell)][0]
                borders.append(f"M{num(p[0])} {num(p[1])}L{num(q[0])} {num(q[1])}")
    if borders:
        parts.append(f'<path class="borders" d="{"".join(borders)}" fill="none" stroke="{BORDER}" '
                     f'stroke-width="1.2" stroke-dasharray="5 3"/>')
    parts += [f'<circle cx="{num(x)}" cy="{num(y)}" r="1.6" fill="{BORDER}"/>'
              for x, y in sites if frame.inside((x, y))]
    return parts, cells, owner


def _centre_marks(centre: Centre, frame: Frame, boxes: _Boxes) -> list[str]:
    """The search point as a ring, its possible error as a dashed circle, its name beside it."""
    cx, cy = frame.xy(centre.lat, centre.lon)
    marks = []
    if centre.radius_m > 0:
        marks.append(f'<circle class="accuracy" cx="{num(cx)}" cy="{num(cy)}" '
                     f'r="{num(centre.radius_m * frame.px_per_m)}" fill="{CENTRE}" fill-opacity="0.08" '
                     f'stroke="{CENTRE}" stroke-opacity="0.35" stroke-dasharray="3 3"/>')
    marks.append(f'<g class="centre"><title>{text(centre.label)}</title>'
                 f'<circle cx="{num(cx)}" cy="{num(cy)}" r="7" fill="#fff" stroke="{CENTRE}" stroke-width="3"/>'
                 f'<circle cx="{num(cx)}" cy="{num(cy)}" r="2.5" fill="{CENTRE}"/></g>')
    boxes.take((cx - 8, cy - 8, cx + 8, cy + 8))
    candidates = [(cx + dx, cy + dy, anchor) for dx, anchor in ((12, "start"), (-12, "end"))
                  for dy in (4, -10, 18)]
    half = text_width(centre.label, 13) / 2 + 4
    mid = min(max(cx, half), frame.width - half)  # centred under or over the point, kept inside the view
    candidates += [(mid, cy + dy, "middle") for dy in (-14, 26, -30, 42)]
    at = _free_spot(boxes, candidates, centre.label, 13, frame.width, frame.height)
    if at:
        marks.append(_halo_text(at[0], at[1], centre.label, 13, CENTRE, anchor=at[2], weight="bold",
                                cls="centre-label"))
    return marks


def _area_labels(areas: Sequence[Area], cells: list[list[Edge]], owner: list[int], frame: Frame,
                 boxes: _Boxes) -> list[str]:
    """District names at their seats (or their largest visible cell), then subdistrict names when zoomed in."""
    labels: list[str] = []
    for index, area in enumerate(areas):
        seat = frame.xy(area.spots[0].lat, area.spots[0].lon) if area.spots else None
        if seat is None or not frame.inside(seat, 24):
            visible = [_area_centroid(c) for c, o in zip(cells, owner, strict=True) if o == index and len(c) > 2]
            visible = [v for v in visible if v[0] > 2500]
            if not visible:
                continue
            seat = max(visible)[1]
        at = _free_spot(boxes, [(seat[0], seat[1] + dy, "middle") for dy in (0, -16, 16, -32, 32)],
                        area.name, 14, frame.width, frame.height)
        if at:
            labels.append(_halo_text(at[0], at[1], area.name, 14, INK, weight="bold", cls="district-label"))
    if frame.span_m <= SUBDISTRICT_NAMES_BELOW_M:
        for area in areas:
            for spot in area.spots[1:]:
                x, y = frame.xy(spot.lat, spot.lon)
                if frame.inside((x, y)) and _free_spot(boxes, [(x, y - 4, "middle")], spot.name, 11, frame.width,
                                                       frame.height):
                    labels.append(_halo_text(x, y - 4, spot.name, 11, "#5f6b75", cls="spot-label"))
    return labels


def _leader(at: Point, true_at: Point) -> str:
    """A line from a nudged pin back to its true point, drawn under every pin."""
    return (f'<path d="M{num(true_at[0])} {num(true_at[1])}L{num(at[0])} {num(at[1])}" stroke="{PIN}" '
            f'stroke-width="1.2"/><circle cx="{num(true_at[0])}" cy="{num(true_at[1])}" r="2.5" fill="{PIN}"/>')


def _pin(pin: Pin, at: Point, href: str) -> str:
    """A numbered disc inside a link, with a wider invisible tap target."""
    x, y = at
    digits = str(pin.number)
    size = 13 if len(digits) == 1 else 11 if len(digits) == 2 else 9
    return (f'<a class="pin" href={attr(href)} xlink:href={attr(href)} data-id={attr(pin.id)} '
            f'data-number="{pin.number}"><title>{text(f"{pin.number}. {pin.label}")}</title>'
            f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(PIN_R + 8)}" fill="#fff" fill-opacity="0"/>'
            f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(PIN_R)}" fill="{PIN}" stroke="#fff" stroke-width="2"/>'
            f'<text x="{num(x)}" y="{num(y)}" dy="0.35em" font-size="{size}" font-weight="bold" fill="#fff" '
            f'text-anchor="middle">{digits}</text></a>')


def render_map(areas: Sequence[Area], pins: Sequence[Pin] = (), centre: Centre | None = None, *, title: str,
               note: str = "", link: str = "#fac-{id}", width: int = 360, height: int = 320,
               min_span_m: float = 3000.0) -> str:
    """The search point and numbered pins over district cells, as one SVG string.

    The view fits the centre and the pins (all the areas' points when there are none); `link` is a
    pattern with `{id}` for each pin's anchor, so tapping a pin jumps to its card without script.
    """
    focus = [(p.lat, p.lon) for p in pins] + ([(centre.lat, centre.lon)] if centre else [])
    if not focus:
        focus = [(s.lat, s.lon) for a in areas for s in a.spots]
    if not focus:
        raise ValueError("nothing to draw: no pins, no centre and no area points")
    frame = Frame(focus, width, height, min_span_m)
    boxes = _Boxes()
    base, cells, owner = _district_layer(areas, frame)
    true_points = [frame.xy(p.lat, p.lon) for p in pins]
    pin_points = _place_pins(true_points, frame)
    for x, y in pin_points:
        boxes.take((x - PIN_R, y - PIN_R, x + PIN_R, y + PIN_R))
    scale_svg, scale_box = _scale_bar(frame, height - 10)
    boxes.take(scale_box)
    boxes.take((width - 26, 0, width, 34))  # the north arrow
    marks = _centre_marks(centre, frame, boxes) if centre else []
    labels = _area_labels(areas, cells, owner, frame, boxes)
    pin_svg = [_leader(at, true_at) for at, true_at in zip(pin_points, true_points, strict=True)
               if math.dist(at, true_at) > 0.5]
    pin_svg += [_pin(pin, at, link.format(id=pin.id)) for pin, at in zip(pins, pin_points, strict=True)]
    north = (f'<g class="north"><path d="M{width - 13} 6l5 12h-10z" fill="{INK}"/>'
             + _halo_text(width - 13, 30, "N", 11, INK) + "</g>")
    total_h = height + (22 if note else 0)
    footer = ""
    if note:
        footer = (f'<rect y="{height}" width="{width}" height="22" fill="#fff"/>'
                  f'<text class="note" x="6" y="{height + 15}" font-size="11" fill="#5f6b75">{text(note)}</text>')
    ident = uid(title, [(p.id, p.lat, p.lon) for p in pins], centre)
    desc = "; ".join(f"{p.number}. {p.label}" for p in pins) or title
    if note:
        desc += f" — {note}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" class="tuoyu-map" '
            f'viewBox="0 0 {width} {total_h}" width="{width}" height="{total_h}" role="img" '
            f'aria-labelledby="{ident}-t {ident}-d" font-family={attr(FONT)}>'
            f'<title id="{ident}-t">{text(title)}</title><desc id="{ident}-d">{text(desc)}</desc>'
            + "".join(base) + "".join(labels) + "".join(marks) + "".join(pin_svg) + scale_svg + north + footer
            + "</svg>")

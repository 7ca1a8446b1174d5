"""Bar, stacked-column and line charts as self-contained SVG, rendered on the server: no chart script to load.

Every figure is also written as text (bar ends, column totals, point values) and listed in <desc>, so
the picture is readable without colour vision or a pointer, and screen readers get the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from visual.svg import attr, num, text, text_width, uid

FONT = "system-ui, -apple-system, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#17becf", "#8c564b")
INK = "#37414b"
MUTED = "#6b7680"
GRID = "#e3e7eb"
TITLE_H = 28.0
ROW_H = 26.0


@dataclass(frozen=True)
class Series:
    """One named row of figures, one per x label; None where there is nothing (a gap in a line)."""

    name: str
    values: tuple[float | None, ...]


def fmt(value: float | None, unit: str = "") -> str:
    """Whole numbers without decimals, others with one; a dash for missing."""
    if value is None:
        return "–"
    out = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return out + unit


def nice_step(top: float, ticks: int = 4) -> float:
    """A 1-2-5 step so that about `ticks` steps cover `top`."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _clip_label(label: str, size: float, room: float) -> str:
    if text_width(label, size) <= room:
        return label
    while label and text_width(label + "…", size) > room:
        label = label[:-1]
    return label + "…"


def _svg(title: str, desc: str, width: float, height: float, body: list[str]) -> str:
    ident = uid(title, desc)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="tuoyu-chart" viewBox="0 0 {num(width)} {num(height)}" '
            f'width="{num(width)}" height="{num(height)}" role="img" aria-labelledby="{ident}-t {ident}-d" '
            f'font-family={attr(FONT)}><title id="{ident}-t">{text(title)}</title>'
            f'<desc id="{ident}-d">{text(desc)}</desc><rect width="100%" height="100%" fill="#fff"/>'
            f'<text class="heading" x="4" y="18" font-size="14" font-weight="bold" fill="{INK}">{text(title)}</text>'
            + "".join(body) + "</svg>")


def _empty(title: str, desc: str, width: float, message: str) -> str:
    return _svg(title, f"{desc} {message}".strip(), width, TITLE_H + 40, [
        f'<text class="empty" x="{num(width / 2)}" y="{num(TITLE_H + 24)}" font-size="13" fill="{MUTED}" '
        f'text-anchor="middle">{text(message)}</text>'])


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, desc: str = "", unit: str = "",
              width: float = 360, colour: str = PALETTE[0], empty: str = "No data") -> str:
    """Horizontal bars, one row per label: long Chinese names stay readable on a narrow phone."""
    if len(labels) != len(values):
        raise ValueError("one value per label")
    summary = "; ".join(f"{label}: {fmt(v, unit)}" for label, v in zip(labels, values, strict=True))
    desc = f"{desc} {summary}".strip()
    if not labels or not any(values):
        return _empty(title, desc, width, empty)
    size = 12.0
    label_w = min(max(text_width(label, size) for label in labels) + 12, width * 0.4)
    value_w = max(text_width(fmt(v, unit), size) for v in values) + 8
    room = width - label_w - value_w - 4
    top = max(values)
    body = []
    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TITLE_H + row * ROW_H
        length = room * value / top if top else 0.0
        body.append(
            f'<g class="bar" data-label={attr(label)} data-value="{fmt(value)}"><title>{text(label)}: '
            f'{text(fmt(value, unit))}</title>'
            f'<text x="{num(label_w - 6)}" y="{num(y + 17)}" font-size="{num(size)}" fill="{INK}" '
            f'text-anchor="end">{text(_clip_label(label, size, label_w - 8))}</text>'
            f'<rect x="{num(label_w)}" y="{num(y + 5)}" width="{num(length)}" height="16" fill="{colour}" rx="2"/>'
            f'<text class="value" x="{num(label_w + length + 4)}" y="{num(y + 17)}" font-size="{num(size)}" '
            f'fill="{INK}">{text(fmt(value, unit))}</text></g>')
    return _svg(title, desc, width, TITLE_H + len(labels) * ROW_H + 6, body)


class _Plot:
    """The value axis shared by column and line charts: gridlines, tick labels, x labels thinned to fit."""

    def __init__(self, labels: Sequence[str], top: float, width: float, height: float, unit: str) -> None:
        self.step = nice_step(top)
        self.top = self.step * max(1, math.ceil(top / self.step))
        self.left = max(text_width(fmt(self.top, unit), 11), text_width("0", 11)) + 8
        self.right, self.y0, self.y1 = width - 8, TITLE_H + 8, height
        self.labels, self.unit = labels, unit
        self.slot = (self.right - self.left) / max(1, len(labels))

    def x(self, index: int) -> float:
        return self.left + self.slot * (index + 0.5)

    def y(self, value: float) -> float:
        return self.y1 - (self.y1 - self.y0) * value / self.top

    def axes(self) -> list[str]:
        out = []
        ticks = round(self.top / self.step)
        for k in range(ticks + 1):
            value = k * self.step
            y = self.y(value)
            out.append(f'<path d="M{num(self.left)} {num(y)}H{num(self.right)}" stroke="{GRID}"/>'
                       f'<text x="{num(self.left - 4)}" y="{num(y + 4)}" font-size="11" fill="{MUTED}" '
                       f'text-anchor="end">{text(fmt(value, self.unit))}</text>')
        widest = max((text_width(label, 11) for label in self.labels), default=0)
        every = max(1, math.ceil((widest + 4) / self.slot))
        for index, label in enumerate(self.labels):
            if index % every == 0:
                out.append(f'<text class="x-label" x="{num(self.x(index))}" y="{num(self.y1 + 15)}" font-size="11" '
                           f'fill="{MUTED}" text-anchor="middle">{text(label)}</text>')
        return out


def _legend(names: Sequence[str], colours: Sequence[str], y: float, width: float) -> tuple[list[str], float]:
    """Swatches and names wrapped into rows; returns the parts and the height used."""
    out, x, row = [], 4.0, 0
    for name, colour in zip(names, colours, strict=True):
        w = 14 + text_width(name, 11) + 12
        if x + w > width and x > 4:
            x, row = 4.0, row + 1
        top = y + row * 18
        out.append(f'<g class="legend"><rect x="{num(x)}" y="{num(top)}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{num(x + 14)}" y="{num(top + 9.5)}" font-size="11" fill="{INK}">{text(name)}</text></g>')
        x += w
    return out, (row + 1) * 18 if names else 0


def stacked_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, desc: str = "", unit: str = "",
                  width: float = 360, height: float = 200, empty: str = "No data",
                  colours: Sequence[str] = PALETTE) -> str:
    """One column per label (e.g. a week) stacked by series (e.g. category), total written on top.

    Each series keeps its colour (`colours`, in series order) whether or not the others have figures.
    """
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.name!r}: one value per label")
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    shown = [(s, colours[n % len(colours)]) for n, s in enumerate(series) if any(s.values)]
    summary = "; ".join(
        f"{label}: {fmt(total, unit)}" + (" (" + ", ".join(f"{s.name} {fmt(s.values[i], unit)}" for s, _ in shown
                                                          if s.values[i]) + ")" if total else "")
        for i, (label, total) in enumerate(zip(labels, totals, strict=True)))
    desc = f"{desc} {summary}".strip()
    if not labels or not any(totals):
        return _empty(title, desc, width, empty)
    plot = _Plot(labels, max(totals), width, height, unit)
    body = plot.axes()
    bar_w = min(plot.slot * 0.7, 36)
    for i, label in enumerate(labels):
        base = 0.0
        x = plot.x(i) - bar_w / 2
        parts = []
        for s, colour in shown:
            value = s.values[i] or 0
            if value:
                y_top, y_bottom = plot.y(base + value), plot.y(base)
                parts.append(f'<rect class="segment" data-series={attr(s.name)} data-value="{fmt(value)}" '
                             f'x="{num(x)}" y="{num(y_top)}" width="{num(bar_w)}" height="{num(y_bottom - y_top)}" '
                             f'fill="{colour}"><title>{text(label)} · {text(s.name)}: {text(fmt(value, unit))}'
                             f"</title></rect>")
                base += value
        if totals[i]:
            parts.append(f'<text class="total" x="{num(plot.x(i))}" y="{num(plot.y(totals[i]) - 3)}" font-size="11" '
                         f'fill="{INK}" text-anchor="middle">{text(fmt(totals[i], unit))}</text>')
        body.append(f'<g class="column" data-label={attr(label)} data-total="{fmt(totals[i])}">'
                    + "".join(parts) + "</g>")
    legend, legend_h = _legend([s.name for s, _ in shown], [c for _, c in shown], height + 24, width)
    return _svg(title, desc, width, height + 24 + legend_h, body + legend)


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, desc: str = "", unit: str = "",
               width: float = 360, height: float = 200, empty: str = "No data") -> str:
    """One line per series over the labels, broken where a value is missing, each point's value written."""
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.name!r}: one value per label")
    summary = "; ".join(f"{s.name}: " + ", ".join(f"{label} {fmt(v, unit)}" for label, v in
                                                  zip(labels, s.values, strict=True)) for s in series)
    desc = f"{desc} {summary}".strip()
    present = [v for s in series for v in s.values if v is not None]
    if not labels or not present:
        return _empty(title, desc, width, empty)
    plot = _Plot(labels, max(max(present), 0), width, height, unit)
    body = plot.axes()
    colours = [PALETTE[n % len(PALETTE)] for n in range(len(series))]
    for s, colour in zip(series, colours, strict=True):
        runs: list[list[tuple[float, float]]] = [[]]
        points = []
        for i, value in enumerate(s.values):
            if value is None:
                runs.append([])
                continue
            x, y = plot.x(i), plot.y(value)
            runs[-1].append((x, y))
            near = [v for v in (s.values[i - 1] if i else None, s.values[i + 1] if i + 1 < len(s.values) else None)
                    if v is not None]
            label_y = y + 15 if near and value < sum(near) / len(near) else y - 6  # below a dip, above a peak
            points.append(f'<g class="point" data-label={attr(labels[i])} data-value="{fmt(value)}">'
                          f"<title>{text(labels[i])} · {text(s.name)}: {text(fmt(value, unit))}</title>"
                          f'<circle cx="{num(x)}" cy="{num(y)}" r="3" fill="{colour}"/>'
                          f'<text x="{num(x)}" y="{num(label_y)}" font-size="11" fill="{colour}" text-anchor="middle" '
                          f'stroke="#fff" stroke-width="2.5" paint-order="stroke">{text(fmt(value))}</text></g>')
        d = "".join("M" + "L".join(f"{num(x)} {num(y)}" for x, y in run) for run in runs if len(run) > 1)
        line = f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"/>' if d else ""
        body.append(f'<g class="series" data-series={attr(s.name)}>{line}{"".join(points)}</g>')
    if len(series) == 1:  # the title names the only line
        return _svg(title, desc, width, height + 24, body)
    legend, legend_h = _legend([s.name for s in series], colours, height + 24, width)
    return _svg(title, desc, width, height + 24 + legend_h, body + legend)

"""Charts: well-formed SVG whose drawn bars, columns and points carry exactly the figures given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from visual.charts import Series, bar_chart, fmt, line_chart, nice_step, stacked_chart

NS = {"svg": "http://www.w3.org/2000/svg"}
WEEKS = ["11-02", "11-09", "11-16", "11-23"]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_bar_lengths_and_written_values_match_the_input() -> None:
    labels, values = ["城关区", "七里河区", "西固区", "兰州新区"], [12, 6, 3, 0]
    root = parse(bar_chart("按区县", labels, values, desc="本周"))
    bars = root.findall(".//svg:g[@class='bar']", NS)
    assert [b.get("data-label") for b in bars] == labels
    assert [b.get("data-value") for b in bars] == ["12", "6", "3", "0"]
    assert [b.find("svg:text[@class='value']", NS).text for b in bars] == ["12", "6", "3", "0"]  # type: ignore[union-attr]
    widths = [float(b.find("svg:rect", NS).get("width", "0")) for b in bars]  # type: ignore[union-attr]
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.1) and widths[2] == pytest.approx(widths[0] / 4, abs=0.1)
    assert widths[3] == 0
    desc = root.find("svg:desc", NS).text  # type: ignore[union-attr]
    assert desc == "本周 城关区: 12; 七里河区: 6; 西固区: 3; 兰州新区: 0"
    assert float(root.get("viewBox", "").split()[2]) == 360


def test_stacked_columns_sum_to_their_totals() -> None:
    series = [Series("照护质量", (2, 0, 1, 0)), Series("收费合同", (1, 3, 0, 0)), Series("其他", (0, 0, 0, 0))]
    root = parse(stacked_chart("每周投诉", WEEKS, series))
    columns = root.findall(".//svg:g[@class='column']", NS)
    assert [c.get("data-total") for c in columns] == ["3", "3", "1", "0"]
    first = columns[0].findall("svg:rect", NS)
    assert [(r.get("data-series"), r.get("data-value")) for r in first] == [("照护质量", "2"), ("收费合同", "1")]
    heights = [float(r.get("height", "0")) for r in first]
    assert heights[0] == pytest.approx(2 * heights[1], abs=0.2)
    assert [t.text for t in root.findall(".//svg:text[@class='total']", NS)] == ["3", "3", "1"]
    legend = [g.find("svg:text", NS).text for g in root.findall(".//svg:g[@class='legend']", NS)]  # type: ignore[union-attr]
    assert legend == ["照护质量", "收费合同"]  # a series with nothing in it stays out of the legend
    assert "11-09: 3 (收费合同 3)" in (root.find("svg:desc", NS).text or "")  # type: ignore[union-attr]


def test_column_heights_share_one_scale() -> None:
    root = parse(stacked_chart("open vs overdue", ["A", "B"], [Series("open", (4, 1)), Series("overdue", (4, 0))],
                               colours=("#00f", "#f00")))
    rects = root.findall(".//svg:rect[@class='segment']", NS)
    assert [r.get("fill") for r in rects] == ["#00f", "#f00", "#00f"]
    heights = [float(r.get("height", "0")) for r in rects]
    assert heights[0] == pytest.approx(heights[1]) and heights[2] == pytest.approx(heights[0] / 4, abs=0.1)


def test_line_breaks_where_a_value_is_missing() -> None:
    lines = [Series("受理", (2, 3.5, None, 1)), Series("办结", (None, None, None, 40))]
    root = parse(line_chart("中位数", WEEKS, lines, unit=" h"))
    series = root.findall(".//svg:g[@class='series']", NS)
    first = series[0]
    assert [p.get("data-value") for p in first.findall("svg:g[@class='point']", NS)] == ["2", "3.5", "1"]
    assert [p.find("svg:text", NS).text for p in first.findall("svg:g[@class='point']", NS)] == ["2", "3.5", "1"]  # type: ignore[union-attr]
    assert first.find("svg:path", NS).get("d", "").count("M") == 1  # type: ignore[union-attr]  # 11-23 stands alone
    assert series[1].find("svg:path", NS) is None  # a single point has no line
    assert "受理: 11-02 2 h, 11-09 3.5 h, 11-16 –, 11-23 1 h" in (root.find("svg:desc", NS).text or "")  # type: ignore[union-attr]
    assert any(t.text == "40 h" for t in root.iter("{http://www.w3.org/2000/svg}text"))  # the axis top


def test_points_higher_values_drawn_higher() -> None:
    root = parse(line_chart("t", ["a", "b"], [Series("s", (1, 5))]))
    ys = [float(c.get("cy", "0")) for c in root.findall(".//svg:g[@class='point']/svg:circle", NS)]
    assert ys[1] < ys[0]


@pytest.mark.parametrize("chart", [
    lambda: bar_chart("t", ["a"], [0], empty="暂无数据"),
    lambda: stacked_chart("t", WEEKS, [Series("s", (0, 0, 0, 0))], empty="暂无数据"),
    lambda: line_chart("t", WEEKS, [Series("s", (None, None, None, None))], empty="暂无数据"),
])
def test_empty_charts_say_so(chart) -> None:  # type: ignore[no-untyped-def]
    root = parse(chart())
    assert root.find(".//svg:text[@class='empty']", NS).text == "暂无数据"  # type: ignore[union-attr]


def test_escaping_and_mismatched_input() -> None:
    root = parse(bar_chart("<&>", ["a<b", "c&d"], [1, 2]))
    assert root.find("svg:title", NS).text == "<&>"  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        bar_chart("t", ["a"], [1, 2])
    with pytest.raises(ValueError):
        stacked_chart("t", ["a", "b"], [Series("s", (1,))])


def test_number_helpers() -> None:
    assert [nice_step(v) for v in (0, 3, 7, 13, 40, 950)] == [1, 1, 2, 5, 10, 500]
    assert fmt(3.0) == "3" and fmt(2.25, " h") == "2.2 h" and fmt(None) == "–"


def test_text_is_readable_on_a_phone() -> None:
    lines = [Series("受理", (2, None, 3, 1)), Series("办结", (5, 6, None, 4))]
    for svg in (stacked_chart("t", WEEKS, [Series("a", (1, 2, 3, 4))]), line_chart("t", WEEKS, lines),
                bar_chart("t", ["城关区"], [3])):
        root = parse(svg)
        assert float(root.get("width", "0")) == 360
        assert min(float(t.get("font-size", "0")) for t in root.iter("{http://www.w3.org/2000/svg}text")) >= 11

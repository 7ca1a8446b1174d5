"""Staff charts: the office's (or, for a city-level office, its department's) complaint figures as SVG and CSV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.web.complaints import labels, service_of
from bot.channels.web.pages import request_lang
from bot.channels.web.staff import _login_redirect, csv_download, current_staff
from complaints.routing import CATEGORIES
from complaints.stats import Stats, complaint_stats
from complaints.views import StaffView
from visual.charts import PALETTE, Series, bar_chart, line_chart, stacked_chart

CITY = "city"


@dataclass(frozen=True)
class Scope:
    """Whose complaints the figures count: one office, or every office of a department (city level)."""

    key: str  # "office" | "city"
    office: str | None
    department: str | None
    name: str


def scopes(request: Request, member: StaffView, lang: str) -> list[Scope]:
    """The member's own office, plus the whole department when the member works at its city-level office."""
    t = request.app.state.port.catalog.get
    department, _, where = member.office_code.partition(".")
    own = Scope("office", member.office_code, None, f"{t('web_charts_scope_office', lang)} · {member.office}")
    if where != CITY:
        return [own]
    names = service_of(request).base_table.departments.get(department, {})
    city = Scope(CITY, None, department, t("web_charts_scope_city", lang, department=names.get(lang, department)))
    return [own, city]


async def _figures(request: Request, member: StaffView, lang: str) -> tuple[Scope, list[Scope], Stats]:
    options = scopes(request, member, lang)
    scope = next((s for s in options if s.key == request.query_params.get("scope")), options[0])
    service = service_of(request)
    stats = await complaint_stats(service.db, service.clock(), office=scope.office, department=scope.department)
    return scope, options, stats


def render_charts(stats: Stats, t: dict[str, str], name: Callable[[str], str]) -> list[str]:
    """The five charts, in the page's order, from the figures and the page's words."""
    weeks = [w.strftime("%m-%d") for w in stats.weeks]
    empty = t["empty"]
    nothing = [0] * len(weeks)  # every category keeps its colour; empty ones stay out of the legend
    by_category = [Series(name(c), tuple(stats.filed.get(c, nothing))) for c in CATEGORIES]
    districts = list(dict.fromkeys([*stats.on_time, *stats.overdue]))

    def district(d: str) -> str:
        return d or t["no_district"]

    return [
        stacked_chart(t["weekly"], weeks, by_category, empty=empty),
        bar_chart(t["district"], [district(d) for d in stats.by_district], list(stats.by_district.values()),
                  empty=empty),
        stacked_chart(t["backlog"], [district(d) for d in districts],
                      [Series(t["on_time"], tuple(stats.on_time.get(d, 0) for d in districts)),
                       Series(t["overdue"], tuple(stats.overdue.get(d, 0) for d in districts))], empty=empty,
                      colours=(PALETTE[0], PALETTE[2])),  # overdue in red
        line_chart(t["accept"], weeks, [Series(t["median"], tuple(stats.accept_hours))], empty=empty),
        line_chart(t["resolve"], weeks, [Series(t["median"], tuple(stats.resolve_days))], empty=empty),
    ]


async def charts_page(request: Request) -> Response:
    """GET /staff/charts: complaint figures drawn on the server (no chart script), scope chosen by ?scope=."""
    member = await current_staff(request)
    if member is None:
        return _login_redirect(request)
    lang = request_lang(request)
    scope, options, stats = await _figures(request, member, lang)
    catalog = request.app.state.port.catalog
    words = {k: catalog.get(f"web_charts_{k}", lang) for k in (
        "weekly", "district", "backlog", "on_time", "overdue", "accept", "resolve", "median", "no_district", "empty")}
    helpers = labels(request, lang)
    charts = render_charts(stats, words, cast(Callable[[str], str], helpers["category_label"]))
    return request.app.state.pages.render(request, "staff_charts.html", form=True, lang=lang, member=member,
                                          scope=scope, scopes=options, charts=charts, **helpers)


async def charts_csv(request: Request) -> Response:
    """GET /staff/charts.csv: the same figures, one per line (figure, week, key, value)."""
    member = await current_staff(request)
    if member is None:
        return _login_redirect(request)
    scope, _, stats = await _figures(request, member, request_lang(request))
    who = member.office_code if scope.key == "office" else f"{scope.department}.{CITY}-all"
    return csv_download(("figure", "week", "key", "value"), stats.rows(), f"tuoyu-charts-{who}.csv")


routes = [
    Route("/staff/charts", charts_page, methods=["GET"]),
    Route("/staff/charts.csv", charts_csv, methods=["GET"]),
]

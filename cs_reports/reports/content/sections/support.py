"""The support section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content import attachments as tables
from cs_reports.reports.content import charts
from cs_reports.reports.content import slide_kit as deck
from cs_reports.reports.content.charts import Chart
from cs_reports.reports.content.client_figures import (
    Period,
    Subject,
    compare,
    has_previous_quarter,
    in_months,
    nps_of,
    own_rows,
    support_figures,
)
from cs_reports.reports.content.context import Compare, doc
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import SlideSpec, TableSpec
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["NpsQuarter", "SupportSection", "build", "slides", "table"]


@dataclass(frozen=True)
class NpsQuarter:
    """NPS of one quarter."""

    label: str = doc("quarter, e.g. 3T26 / Q3 26")
    score: float = doc("NPS of the quarter's answers (NaN = no answer)")
    answers: int = doc("answers in the quarter")


@dataclass(frozen=True)
class SupportSection:
    """Support and satisfaction in the quarter, each KPI next to the previous quarter."""

    tickets: Compare = doc("tickets opened in the quarter")
    open_tickets: int = doc("tickets of the quarter not resolved yet")
    first_response_hours: Compare = doc("mean hours to first response (metrics.response_times)")
    first_response_median_hours: float = doc("median hours to first response this quarter")
    resolution_hours: Compare = doc("mean hours to resolution")
    csat: Compare = doc("share of satisfied CSAT answers (metrics.csat_rate)")
    ces: Compare = doc("mean CES answer 1-7 (metrics.customer_effort_score)")
    nps_quarters: tuple[NpsQuarter, ...] = doc("NPS of the last 6 quarters with their answer counts")
    nps_chart: Chart = doc("NPS by quarter, answer count on each bar")


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> SupportSection:
    """Support KPIs of the quarter vs the previous one, and NPS by quarter with answer counts."""
    prev = has_previous_quarter(book, client, period)
    now = support_figures(book, client, period.start, period.end)
    before = support_figures(book, client, period.start - pd.DateOffset(months=3), period.prev_end)
    fmt, t = client.fmt, client.t
    quarters = []
    nps = own_rows(book, "NPS", client)
    for back in range(5, -1, -1):
        end = period.end - pd.DateOffset(months=3 * back)
        answers = (
            in_months(nps, "date", end - pd.DateOffset(months=2), end)["score"]
            if nps is not None
            else pd.Series(dtype=float)
        )
        quarters.append(
            NpsQuarter(fmt.quarter(end.year, (end.month - 1) // 3 + 1, short=True), nps_of(answers), len(answers))
        )
    chart = charts.bar_chart(
        [(q.label, q.score) for q in quarters],  # a quarter without answers: drawn at 0, a gap in the data
        lang=client.lang,
        alt=t["alt_nps"].format(name=client.info.name),
        colors=[
            "#9aa3b2"
            if math.isnan(q.score)
            else "#2E8B57"
            if q.score >= settings.nps_good_score
            else "#E0A100"
            if q.score >= settings.nps_ok_score
            else "#C0392B"
            for q in quarters
        ],
        labels=[
            t["nps_bar_label"].format(score=fmt.number(q.score, 0), n=q.answers) if q.answers else t["nps_bar_none"]
            for q in quarters
        ],
        width=460,
        height=150,
    )
    return SupportSection(
        tickets=compare(now["tickets"], before["tickets"], prev),
        open_tickets=int(0 if math.isnan(now["open"]) else now["open"]),
        first_response_hours=compare(now["first"], before["first"], prev),
        first_response_median_hours=now["first_median"],
        resolution_hours=compare(now["resolution"], before["resolution"], prev),
        csat=compare(now["csat"], before["csat"], prev),
        ces=compare(now["ces"], before["ces"], prev),
        nps_quarters=tuple(quarters),
        nps_chart=chart,
    )


def table(s: Any) -> dict[str, pd.DataFrame]:
    """Support KPIs and NPS by quarter."""
    kpis = tables.compare_rows(s, ("tickets", "first_response_hours", "resolution_hours", "csat", "ces"))
    nps = tables.frame(
        [{"quarter": q.label, "nps": q.score, "answers": q.answers} for q in s.nps_quarters],
        ("quarter", "nps", "answers"),
    )
    return {"Support": kpis, "NPS by quarter": nps}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The support table and the NPS-by-quarter chart."""
    return _support(ctx, kit.t, kit.fmt, kit.lang)


def _support(ctx: QBRContext, t: dict[str, str], fmt: Formatter, lang: str) -> list[SlideSpec]:
    s = ctx.support
    if s is None:
        return []
    table = TableSpec(
        (t["kpi"], t["value"]),
        (
            (t["tickets"], fmt.number(s.tickets.now)),
            (t["open_tickets_label"], fmt.number(s.open_tickets)),
            (t["tmr"], fmt.hours(s.first_response_hours.now)),
            (t["tmr_full"], fmt.hours(s.first_response_median_hours)),
            (t["resolution"], fmt.hours(s.resolution_hours.now)),
            (t["csat"], fmt.percent(s.csat.now, 0)),
            (t["ces"], fmt.number(s.ces.now, 1)),
        ),
        numeric=(1,),
    )
    notes = t["notes_support"].format(
        tickets=fmt.number(s.tickets.now), open=fmt.number(s.open_tickets), tmr=fmt.hours(s.first_response_hours.now)
    )
    nps = deck.chart_slide(s.nps_chart, t["nps_history"], "NPS", lang, t, "notes_nps", lambda v: fmt.number(v, 0))
    return [SlideSpec("Table", {"title": t["support"], "table": table}, notes=notes), *nps]

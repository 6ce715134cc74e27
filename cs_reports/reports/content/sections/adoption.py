"""The adoption section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports import metrics as m
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
    own_rows,
    usage_at,
)
from cs_reports.reports.content.common import quiet, rows
from cs_reports.reports.content.context import Compare, doc
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import SlideSpec
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["AdoptionSection", "UsageRow", "build", "slides", "table"]


@dataclass(frozen=True)
class UsageRow:
    """Adoption in one month."""

    month: pd.Timestamp = doc("month")
    active: int = doc("active users")
    licensed: int = doc("licensed users")
    rate: float = doc("adoption rate active / licensed")


@dataclass(frozen=True)
class AdoptionSection:
    """Adoption over the last 6 months."""

    usage: tuple[UsageRow, ...] = doc("last 6 months of adoption")
    adoption: Compare = doc("adoption rate at the quarter's end vs the previous quarter's end")
    licensed: Compare = doc("licenses at the quarter's end vs the previous quarter's end")
    usage_chart: Chart = doc("adoption rate over the last 6 months")


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> AdoptionSection:
    """Adoption over the last 6 months, at the quarter's end vs the previous quarter's end."""
    prev = has_previous_quarter(book, client, period)
    u = own_rows(book, "Usage", client)
    usage: tuple[UsageRow, ...] = ()
    if u is not None:
        u = u[(u["month"] > period.end - pd.DateOffset(months=6)) & (u["month"] <= period.end)].sort_values("month")
        usage = tuple(
            UsageRow(
                r.month,
                int(r.active_users),
                int(r.licensed_users),
                quiet(m.adoption_rate, [r.active_users], [r.licensed_users]),
            )
            for r in rows(u)
        )
    a_now, _, lic_now = usage_at(book, client, period.end)
    a_before, _, lic_before = usage_at(book, client, period.prev_end)
    t, fmt = client.t, client.fmt
    chart = charts.bar_chart(
        [(fmt.month(r.month, short=True), r.rate) for r in usage] or [("-", 0.0)],
        lang=client.lang,
        percent=True,
        alt=t["alt_usage"].format(name=client.info.name),
        labels=[fmt.percent(r.rate, 0) for r in usage] or None,
        width=460,
        height=140,
    )
    return AdoptionSection(usage, compare(a_now, a_before, prev), compare(lic_now, lic_before, prev), chart)


def table(s: Any) -> dict[str, pd.DataFrame]:
    """Adoption by month."""
    cols = ("month", "active", "licensed", "rate")
    return {"Adoption": tables.frame([{c: getattr(u, c) for c in cols} for u in s.usage], cols)}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The adoption chart (the PDF's chart data)."""
    t, fmt = kit.t, kit.fmt
    chart = ctx.adoption.usage_chart if ctx.adoption else None
    return deck.chart_slide(
        chart, t["adoption"], t["label_license_adoption"], kit.lang, t, "notes_adoption", lambda v: fmt.percent(v, 0)
    )

"""The commercial section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module (the slide bodies are in ``internal_slides``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports import metrics as m
from cs_reports.data.book import Book
from cs_reports.metrics.registry import REGISTRY
from cs_reports.reports.content import attachments as tables
from cs_reports.reports.content import charts
from cs_reports.reports.content.charts import Chart
from cs_reports.reports.content.client_figures import (
    Period,
    Subject,
    compare,
    has_previous_quarter,
    mrr_at,
    own_rows,
)
from cs_reports.reports.content.common import as_date, quiet, rows, text
from cs_reports.reports.content.context import Compare, doc
from cs_reports.reports.content.internal_slides import internal_slides
from cs_reports.reports.content.portfolio import figures_of
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import SlideSpec
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["CommercialSection", "OpportunityRow", "build", "slides", "table"]


@dataclass(frozen=True)
class OpportunityRow:
    """An upsell / cross-sell opportunity."""

    kind: str = doc("upsell or cross-sell")
    opened: date | None = doc("opened on")
    mrr_delta: float = doc("additional MRR if won")
    status: str = doc("open / won / lost")


@dataclass(frozen=True)
class CommercialSection:
    """Internal: what the account is worth to us."""

    mrr: Compare = doc("MRR in the quarter's last month vs the previous quarter's")
    arr: float = doc("ARR = 12 x MRR")
    ltv: float = doc("the registry's client_ltv: MRR x margin / the portfolio's mean monthly logo churn, capped")
    ltv_policy: str = doc("the client_ltv policy sentence with the knobs used (metrics.registry)")
    cac: float = doc("what acquiring the client cost (Clients.cac)")
    gross_margin: float = doc("gross margin on the client (Clients.gross_margin)")
    ltv_cac: float = doc("LTV / CAC (metrics.ltv_cac_ratio)")
    opportunities: tuple[OpportunityRow, ...] = doc("upsell / cross-sell opportunities, lost ones included")
    first_month: pd.Timestamp = doc(
        "first month of the MRR chart: the client's first paid month, at most 11 months back"
    )
    mrr_chart: Chart = doc("MRR from first_month to the quarter's end")


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> CommercialSection:
    """Internal: MRR, ARR, LTV, CAC, margin and the opportunities (lost ones included)."""
    prev = has_previous_quarter(book, client, period)
    own = book.rows_of("MRR", client.client_id)
    paid = own.loc[own["mrr"] > 0, "month"]
    first = max(paid.min(), period.end - pd.DateOffset(months=11)) if len(paid) else period.end
    months = pd.date_range(first, period.end, freq="MS")
    by_month = own.groupby("month")["mrr"].sum() if len(own) else pd.Series(dtype=float)
    series = [(mo, float(by_month.get(mo, 0.0))) for mo in months]
    mrr_now, mrr_before = mrr_at(book, client, period.end), mrr_at(book, client, period.prev_end)
    row = book.client(client.client_id)
    cac = float(row["cac"]) if "cac" in row and not pd.isna(row["cac"]) else math.nan
    margin = float(row["gross_margin"]) if "gross_margin" in row and not pd.isna(row["gross_margin"]) else math.nan
    summary_ = figures_of(book).summary(period.end)
    ltv = REGISTRY["client_ltv"].compute(
        mrr_now,
        summary_.ltv_monthly_churn,
        gross_margin=1.0 if math.isnan(margin) else margin,
        cap=summary_.policies.max_lifetime_months,
    )
    opps: tuple[OpportunityRow, ...] = ()
    op = own_rows(book, "Opportunities", client)
    if op is not None:
        opps = tuple(
            OpportunityRow(
                text(r.kind),
                as_date(r.opened),
                float(r.mrr_delta) if not pd.isna(r.mrr_delta) else math.nan,
                "open" if pd.isna(r.won) else "won" if r.won else "lost",
            )
            for r in rows(op)
        )
    t, fmt = client.t, client.fmt
    chart = charts.line_chart(
        series,
        lang=client.lang,
        money=client.info.currency,
        alt=t["alt_mrr"].format(name=client.info.name, period=fmt.quarter(period.year, period.quarter)),
        width=460,
        height=150,
    )
    return CommercialSection(
        mrr=compare(mrr_now, mrr_before, prev),
        arr=12 * mrr_now,
        ltv=ltv,
        ltv_policy=REGISTRY["client_ltv"].sentence(
            client.lang, n=summary_.policies.ltv_churn_months, cap=summary_.policies.max_lifetime_months
        ),
        cac=cac,
        gross_margin=margin,
        ltv_cac=quiet(m.ltv_cac_ratio, ltv, cac, zero_division="nan")
        if not (math.isnan(ltv) or math.isnan(cac))
        else math.nan,
        opportunities=opps,
        first_month=first,
        mrr_chart=chart,
    )


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The commercial figures and the opportunities."""
    figures = pd.DataFrame(
        [
            {"figure": "mrr", "value": s.mrr.now, "previous_quarter": s.mrr.before},
            {"figure": "arr", "value": s.arr, "previous_quarter": None},
            {"figure": "ltv", "value": s.ltv, "previous_quarter": None},
            {"figure": "cac", "value": s.cac, "previous_quarter": None},
            {"figure": "gross_margin", "value": s.gross_margin, "previous_quarter": None},
            {"figure": "ltv_cac", "value": s.ltv_cac, "previous_quarter": None},
        ]
    )
    opps = tables.frame(
        [{"kind": o.kind, "opened": o.opened, "mrr_delta": o.mrr_delta, "status": o.status} for o in s.opportunities],
        ("kind", "opened", "mrr_delta", "status"),
    )
    return {"Commercial": figures, "Opportunities": opps}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The commercial slides (:mod:`cs_reports.reports.content.internal_slides`)."""
    return internal_slides(ctx, kit.lang, kit.t, kit.fmt, kit.compare)["commercial"]()

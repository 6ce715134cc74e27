"""The internal edition's sections: Health Score, risks, forecast, commercial figures, comments, talking points.

Each is a function ``(book, client, period, settings) -> section context``; none of them is in
the client edition (``sections.EDITIONS``), so their data never reaches a client.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cs_reports import metrics as m
from cs_reports.data.book import Book
from cs_reports.data.summary import portfolio_summary
from cs_reports.reports import charts
from cs_reports.reports.client_figures import (
    Period,
    Subject,
    compare,
    goals_of,
    health_rows,
    in_months,
    mrr_at,
    own_rows,
    renewal_forecast,
    risk_items,
)
from cs_reports.reports.common import (
    as_date,
    health_at,
    per_book,
    quiet,
    rows,
    text,
)
from cs_reports.reports.context import (
    CommercialSection,
    Driver,
    Forecast,
    HealthSection,
    OpportunityRow,
    RisksSection,
    TalkingPointsSection,
    Verbatim,
    VerbatimsSection,
)
from cs_reports.reports.settings import ReportSettings

__all__ = ["commercial", "forecast", "health", "risks_section", "talking_points", "verbatims"]


def _drivers_at(book: Book, period: Period) -> dict[str, pd.DataFrame]:
    """Health drivers of every client, by client (computed once per book and quarter)."""

    def compute() -> dict[str, pd.DataFrame]:
        frame = m.health_drivers(health_at(book, period.end), health_at(book, period.prev_end))
        return {str(k): g for k, g in frame.groupby("client_id", sort=False)}

    return per_book(book, "health_drivers", period.end, compute)  # type: ignore[no-any-return]


def health(book: Book, client: Subject, period: Period, settings: ReportSettings) -> HealthSection:
    """Internal: the Health Score, its band, its change and its drivers."""
    h, hp = health_rows(book, client, period)
    own = _drivers_at(book, period).get(client.client_id)
    drivers = tuple(
        Driver(r.component, float(h[f"{r.component}_subscore"]), float(r.current), float(np.nan_to_num(r.change)))
        for r in (rows(own) if own is not None else iter(()))
    )
    return HealthSection(float(h["score"]), str(h["band"]) or "no_score", float(h["score"] - hp["score"]), drivers)


def risks_section(book: Book, client: Subject, period: Period, settings: ReportSettings) -> RisksSection:
    """Internal: every risk with its evidence."""
    return RisksSection(risk_items(book, client, period, settings, "internal"))


def forecast(book: Book, client: Subject, period: Period, settings: ReportSettings) -> Forecast:
    """Internal: the renewal forecast."""
    return renewal_forecast(book, client, period, settings)


def commercial(book: Book, client: Subject, period: Period, settings: ReportSettings) -> CommercialSection:
    """Internal: MRR, ARR, LTV, CAC, margin and the opportunities (lost ones included)."""
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
    summary_ = per_book(book, "summary", period.end, lambda: quiet(portfolio_summary, book, period.end))
    churn = summary_.logo_churn_rate
    ltv = (
        quiet(m.clv_margin_churn, mrr_now, churn, gross_margin=1.0 if math.isnan(margin) else margin, zero_churn="cap")
        if mrr_now > 0 and not math.isnan(churn)
        else math.nan
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
        mrr=compare(mrr_now, mrr_before),
        arr=12 * mrr_now,
        ltv=ltv,
        cac=cac,
        gross_margin=margin,
        ltv_cac=quiet(m.ltv_cac_ratio, ltv, cac, zero_division="nan")
        if not (math.isnan(ltv) or math.isnan(cac))
        else math.nan,
        opportunities=opps,
        first_month=first,
        mrr_chart=chart,
    )


def verbatims(book: Book, client: Subject, period: Period, settings: ReportSettings) -> VerbatimsSection:
    """Internal: NPS comments of the last two quarters, lowest score first."""
    nps = own_rows(book, "NPS", client)
    if nps is None or "comment" not in nps.columns:
        return VerbatimsSection(())
    recent = in_months(nps, "date", period.start - pd.DateOffset(months=3), period.end)
    recent = recent[recent["comment"].notna() & (recent["comment"].astype(str).str.strip() != "")]
    recent = recent.sort_values(["score", "date"], kind="stable")
    return VerbatimsSection(tuple(Verbatim(r.date.date(), int(r.score), str(r.comment)) for r in rows(recent.head(8))))


def talking_points(book: Book, client: Subject, period: Period, settings: ReportSettings) -> TalkingPointsSection:
    """Internal: open with the wins, then the risks to raise, then the renewal."""
    t, fmt = client.t, client.fmt
    points = []
    wins = [g for g in goals_of(book, client, settings) if g.status == "achieved"]
    if wins:
        points.append(t["tp_wins"].format(goals="; ".join(g.objective for g in wins[:3])))
    for r in risk_items(book, client, period, settings, "internal")[:3]:
        points.append(
            t[f"tp_{r.key}"] if f"tp_{r.key}" in t else t["tp_risk"].format(title=r.title, evidence=r.evidence)
        )
    f = renewal_forecast(book, client, period, settings)
    if f.days_to_renewal is not None and 0 <= f.days_to_renewal <= settings.renewal_window_days:
        points.append(t["tp_renewal"].format(date=fmt.date(f.renewal_date), days=f.days_to_renewal))
    shown = ("mrr", "churn", "nrr", "ltv", "ltv_cac", "nps", "support_times", "csat", "ces", "adoption")
    return TalkingPointsSection(
        tuple(points) or (t["tp_none"],),
        tuple(a.line() for a in book.assumptions.touching(*shown, "renewal_rate", "clients")),
    )

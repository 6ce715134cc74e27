"""The QBR context of one client and quarter."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from cs_reports import metrics as m
from cs_reports.data.book import Book
from cs_reports.errors import InvalidInputError
from cs_reports.reports import charts
from cs_reports.reports.common import (
    as_date,
    client_goals,
    client_info,
    client_milestones,
    health_at,
    parse_quarter,
    quiet,
    renewal_model,
    renewal_probability,
    rows,
)
from cs_reports.reports.context import Driver, OpportunityRow, QBRContext, UsageRow
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.render import strings

__all__ = ["build_qbr_context"]


def build_qbr_context(book: Book, quarter: str, client_id: str, lang: str) -> QBRContext:
    """Build the QBR of ``client_id`` for ``quarter`` (e.g. ``'2026Q3'``)."""
    year, q = parse_quarter(quarter)
    end = pd.Timestamp(year=year, month=3 * q, day=1)
    start = end - pd.DateOffset(months=2)
    prev_end = start - pd.DateOffset(months=1)
    t = strings("qbr", lang)
    info = client_info(book, client_id, end)
    own = book.rows_of("MRR", client_id)
    own_paid = own.loc[own["mrr"] > 0, "month"]
    if not ((own_paid >= start) & (own_paid <= end)).any():
        since = f"first MRR in {own_paid.min():%Y-%m}" if len(own_paid) else "no MRR at all"
        raise InvalidInputError(
            f"Client '{client_id}' has no MRR in {year}Q{q} ({since}); a QBR covers a quarter the client paid for."
        )
    health_now = health_at(book, end)
    health_prev = health_at(book, prev_end)
    drivers_frame = m.health_drivers(health_now, health_prev)
    h = health_now[health_now["client_id"] == client_id].iloc[0]
    hp = health_prev[health_prev["client_id"] == client_id].iloc[0]
    drivers = tuple(
        Driver(r.component, float(h[f"{r.component}_subscore"]), float(r.current), float(np.nan_to_num(r.change)))
        for r in rows(drivers_frame[drivers_frame["client_id"] == client_id])
    )
    months12 = pd.date_range(end - pd.DateOffset(months=11), end, freq="MS")
    matrix = m.mrr_matrix(own, start=months12[0], end=end) if len(own) else None
    series = [(mo, float(matrix.column(mo).sum() / 100) if matrix is not None else 0.0) for mo in months12]
    mrr_now, mrr_before = series[-1][1], series[-4][1] if len(series) >= 4 else math.nan
    nps_rows = (
        book.nps[
            (book.nps["client_id"] == client_id)
            & (book.nps["date"] >= end - pd.DateOffset(months=11))
            & (book.nps["date"] < end + pd.offsets.MonthBegin(1))
        ]
        if book.nps is not None
        else None
    )
    nps = m.net_promoter_score(nps_rows["score"]) if nps_rows is not None and len(nps_rows) else None
    tickets = None
    if book.tickets is not None:
        tk = book.tickets
        tickets = tk[
            (tk["client_id"] == client_id)
            & (tk["opened_at"] >= start)
            & (tk["opened_at"] < end + pd.offsets.MonthBegin(1))
        ]
    first = (
        quiet(m.response_times, tickets["opened_at"], tickets["first_response_at"])
        if tickets is not None and len(tickets)
        else None
    )
    resolution = (
        quiet(m.response_times, tickets["opened_at"], tickets["resolved_at"])
        if tickets is not None and len(tickets)
        else None
    )
    usage_rows: tuple[UsageRow, ...] = ()
    adoption = math.nan
    if book.usage is not None:
        u = book.usage[
            (book.usage["client_id"] == client_id)
            & (book.usage["month"] > end - pd.DateOffset(months=6))
            & (book.usage["month"] <= end)
        ]
        u = u.sort_values("month")
        usage_rows = tuple(
            UsageRow(
                r.month,
                int(r.active_users),
                int(r.licensed_users),
                r.active_users / r.licensed_users if r.licensed_users else math.nan,
            )
            for r in rows(u)
        )
        last = u[u["month"] == end]
        if len(last):
            adoption = quiet(m.adoption_rate, last["active_users"], last["licensed_users"])
    milestones = client_milestones(book, client_id)
    done = tuple(x for x in milestones if x.status == "done")
    upcoming = tuple(x for x in milestones if x.status != "done")
    next_steps = tuple(
        [x for x in upcoming if x.owner_side == "vendor"][:3] + [x for x in upcoming if x.owner_side == "client"][:3]
    )
    opps: tuple[OpportunityRow, ...] = ()
    if book.opportunities is not None:
        op = book.rows_of("Opportunities", client_id)
        opps = tuple(
            OpportunityRow(
                r.kind,
                as_date(r.opened),
                float(r.mrr_delta) if not pd.isna(r.mrr_delta) else math.nan,
                "open" if pd.isna(r.won) else "won" if r.won else "lost",
            )
            for r in rows(op)
        )
    try:
        fit = renewal_model(book, end)
        probability = renewal_probability(fit, book, client_id, end, info.renewal_date)
    except InvalidInputError:
        probability = math.nan
    days = (pd.Timestamp(info.renewal_date) - (end + pd.offsets.MonthEnd(0))).days if info.renewal_date else None
    risks = []
    if h["band"] in ("red", "yellow"):
        risks.append("risk_health")
    if not math.isnan(adoption) and adoption < 0.5:
        risks.append("risk_adoption")
    if nps is not None and nps.score < 0:
        risks.append("risk_nps")
    if any(x.status == "late" for x in milestones):
        risks.append("risk_late_milestones")
    if (
        days is not None
        and days <= 90
        and (h["band"] != "green" or (not math.isnan(probability) and probability < 0.8))
    ):
        risks.append("risk_renewal")
    if not math.isnan(mrr_before) and mrr_before and mrr_now < mrr_before:
        risks.append("risk_contraction")
    fmt = Formatter(lang)
    quarters: dict[str, list[int]] = {}
    if book.nps is not None:
        all_nps = book.nps[(book.nps["client_id"] == client_id) & (book.nps["date"] < end + pd.offsets.MonthBegin(1))]
        for r in rows(all_nps):
            qn = (r.date.month - 1) // 3 + 1
            key = f"{qn}T{r.date.year % 100:02d}" if lang == "pt-BR" else f"Q{qn} {r.date.year % 100:02d}"
            quarters.setdefault(key, []).append(int(r.score))
    nps_bars = [(k, quiet(lambda v=v: m.net_promoter_score(v).score)) for k, v in list(quarters.items())[-6:]]
    currency = info.currency
    return QBRContext(
        client=info,
        year=year,
        quarter=q,
        period_start=start,
        period_end=end,
        generated_on=date.today(),
        health_score=float(h["score"]),
        health_band=str(h["band"]) or "no_score",
        health_change=float(h["score"] - hp["score"]),
        drivers=drivers,
        nps=nps.score if nps else math.nan,
        nps_low=nps.ci_low if nps else math.nan,
        nps_high=nps.ci_high if nps else math.nan,
        nps_answers=nps.n if nps else 0,
        mrr=mrr_now,
        arr=12 * mrr_now,
        mrr_change=(mrr_now - mrr_before) / mrr_before if mrr_before else math.nan,
        renewal_probability=probability,
        days_to_renewal=days,
        goals=client_goals(book, client_id),
        usage=usage_rows,
        adoption=adoption,
        tickets=0 if tickets is None else len(tickets),
        open_tickets=0 if tickets is None else int(tickets["resolved_at"].isna().sum()),
        tmr_first_response_hours=first.mean_hours if first else math.nan,
        tmr_first_response_median_hours=first.median_hours if first else math.nan,
        tmr_resolution_hours=resolution.mean_hours if resolution else math.nan,
        csat=quiet(m.csat_rate, tickets["csat"]) if tickets is not None and len(tickets) else math.nan,
        ces=quiet(m.customer_effort_score, tickets["ces"]) if tickets is not None and len(tickets) else math.nan,
        milestones_done=done,
        milestones_next=upcoming,
        risks=tuple(risks),
        opportunities=opps,
        next_steps=next_steps,
        mrr_chart=charts.line_chart(
            series,
            lang=lang,
            money=currency,
            alt=t["alt_mrr"].format(name=info.name, period=fmt.quarter(year, q)),
            width=320,
            height=160,
        ),
        usage_chart=charts.bar_chart(
            [(fmt.month(r.month, short=True), r.rate) for r in usage_rows],
            lang=lang,
            percent=True,
            alt=t["alt_usage"].format(name=info.name),
            width=460,
            height=130,
        ),
        nps_chart=charts.bar_chart(
            nps_bars or [("-", 0.0)],
            lang=lang,
            alt=t["alt_nps"].format(name=info.name),
            colors=["#2E8B57" if v >= 30 else "#E0A100" if v >= 0 else "#C0392B" for _, v in nps_bars] or None,
            width=460,
            height=130,
        ),
    )

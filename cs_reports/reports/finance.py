"""The monthly finance report context of the whole portfolio."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from cs_reports import metrics as m
from cs_reports.data.book import Book
from cs_reports.data.summary import Policies, portfolio_summary
from cs_reports.errors import InvalidInputError
from cs_reports.reports import charts
from cs_reports.reports.common import as_date, health_at, quiet, renewal_model, renewal_probability, text
from cs_reports.reports.context import BreakdownRow, FinanceContext, RenewalRow
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.render import strings

__all__ = ["build_finance_context"]


def _breakdown(
    book: Book, current: pd.Series, groups: pd.Series, month: pd.Timestamp, window: int
) -> tuple[BreakdownRow, ...]:
    total = float(current.sum())
    rows = []
    for name in sorted(groups.dropna().unique(), key=str):
        ids = set(groups[groups == name].index)
        cur = current[current.index.isin(ids)]
        paying = cur[cur > 0]
        sub = book.mrr[book.mrr["client_id"].isin(ids)]
        nrr = quiet(m.net_revenue_retention_rate, sub, as_of=month, window=window) if len(sub) else math.nan
        rows.append(
            BreakdownRow(
                str(name),
                len(paying),
                float(paying.sum()),
                float(paying.sum()) / total if total else math.nan,
                quiet(m.arpa_value, paying) if len(paying) else math.nan,
                nrr,
            )
        )
    return tuple(rows)


def build_finance_context(book: Book, month: Any, lang: str, *, policies: Policies | None = None) -> FinanceContext:
    """Build the monthly finance report for ``month`` (default: the book's last month)."""
    pol = policies or Policies()
    summary = portfolio_summary(book, month, policies=pol)
    month = summary.month
    t = strings("finance", lang)
    fmt = Formatter(lang)
    first = month - pd.DateOffset(months=11)
    bridge = m.mrr_movements(book.mrr, start=first, end=month)
    bridge_rows = tuple({str(k): v for k, v in row.items()} for row in bridge.to_dict("records"))
    table = m.cohort_retention(book.mrr[book.mrr["month"] <= month], max_age=12)
    recent = table.rates.iloc[-13:-1] if len(table.rates) > 13 else table.rates
    sizes = table.sizes.reindex(recent.index).to_numpy()
    cohorts = tuple(
        (pd.Timestamp(str(idx)), int(size), tuple(float(v) for v in row))
        for idx, size, row in zip(recent.index, sizes, recent.to_numpy(), strict=True)
    )
    matrix = m.mrr_matrix(book.mrr, end=month)
    current = pd.Series(matrix.column(month) / 100.0, index=matrix.clients)
    names = book.clients.set_index("client_id")["name"]
    top = current.sort_values(ascending=False).head(10)
    total = float(current.sum())
    top_clients = tuple((str(names.get(cid, cid)), float(v), float(v) / total) for cid, v in top.items())
    clients = book.clients.set_index("client_id")
    derived = m.assign_touch_models(
        pd.DataFrame(
            {
                "arr": 12 * current.reindex(clients.index).fillna(0.0).to_numpy(),
                "touch_model": clients["touch_model"].to_numpy(),
            },
            index=clients.index,
        )
    )
    by_touch = _breakdown(book, current, derived, month, pol.window)
    by_csm = _breakdown(book, current, clients["csm"], month, pol.window)
    renewals: list[RenewalRow] = []
    horizon = month + pd.offsets.MonthEnd(0) + pd.Timedelta(days=90)
    due = clients[(clients["renewal_date"] > month + pd.offsets.MonthEnd(0)) & (clients["renewal_date"] <= horizon)]
    try:
        fit: m.SBGFit | None = renewal_model(book, month)
    except InvalidInputError:
        fit = None
    health = health_at(book, month).set_index("client_id")["score"]
    for cid, row in due.sort_values("renewal_date").iterrows():
        mrr_now = float(current.get(cid, 0.0))
        if mrr_now <= 0:
            continue
        p = renewal_probability(fit, book, str(cid), month, as_date(row["renewal_date"])) if fit else math.nan
        score = float(health.get(cid, math.nan))
        likely = (math.isnan(p) or p >= 0.8) and (math.isnan(score) or score >= 40)
        renewals.append(
            RenewalRow(
                str(cid),
                text(row["name"]),
                as_date(row["renewal_date"]) or month.date(),
                mrr_now,
                score,
                p,
                "likely" if likely else "at_risk",
            )
        )
    cur = summary.currency
    steps = [
        (t["start"], summary.start_mrr, "total"),
        (t["new"], summary.new, "up"),
        (t["expansion"], summary.expansion, "up"),
        (t["reactivation"], summary.reactivation, "up"),
        (t["contraction"], summary.contraction, "down"),
        (t["churn"], summary.churn, "down"),
        (t["end"], summary.mrr, "total"),
    ]
    return FinanceContext(
        month=month,
        generated_on=date.today(),
        summary=summary,
        policies=pol,
        bridge=bridge_rows,
        cohorts=cohorts,
        cohort_ages=min(13, table.rates.shape[1]),
        top_clients=top_clients,
        by_touch=by_touch,
        by_csm=by_csm,
        renewals=tuple(renewals),
        bridge_chart=charts.waterfall_chart(
            steps, lang=lang, currency=cur, alt=t["alt_bridge"].format(month=fmt.month(month))
        ),
        mrr_chart=charts.line_chart(
            [(r["month"], r["end"]) for r in bridge_rows],
            lang=lang,
            money=cur,
            y_zero=False,
            alt=t["alt_mrr"].format(month=fmt.month(month)),
        ),
    )

"""The monthly finance report context of the whole portfolio."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cs_reports import metrics as m
from cs_reports.data.book import Book
from cs_reports.data.summary import Policies, portfolio_summary, segment_touch_models
from cs_reports.reports.content import charts
from cs_reports.reports.content.common import as_date, quiet, rows, text
from cs_reports.reports.content.context import BreakdownRow, FinanceContext, MoverRow, RenewalBandRow, RenewalRow
from cs_reports.reports.content.forecast import (
    PROBABILITY_BANDS,
    RenewalModel,
    probability_band,
    renewal_forecast_model,
)
from cs_reports.reports.content.sections import today
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.render import strings
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings

__all__ = ["build_finance_context", "renewal_flags"]


def renewal_flags(signals: dict[str, Any], settings: ReportSettings = DEFAULT_SETTINGS) -> tuple[str, ...]:
    """Risk flags of an upcoming renewal from the forecast's signals of the client.

    A fall of the Health Score by ``settings.finance_health_fall_points`` or more over 3 months,
    and a 3-month MRR trend at or below ``-settings.finance_contraction_rate``, are flagged.

    >>> renewal_flags({"band": "red", "health_change_3m": -12.0, "mrr_trend_3m": 0.0, "first_renewal": 1.0})
    ('health_low', 'health_falling', 'first_renewal')
    """
    flags = []
    if signals.get("band") == "red":
        flags.append("health_low")
    if float(signals.get("health_change_3m", math.nan)) <= -settings.finance_health_fall_points:
        flags.append("health_falling")
    if float(signals.get("mrr_trend_3m", math.nan)) <= -settings.finance_contraction_rate:
        flags.append("contraction")
    if float(signals.get("first_renewal", math.nan)) == 1.0:
        flags.append("first_renewal")
    return tuple(flags)


def _renewals(
    clients: pd.DataFrame,
    current: pd.Series,
    month: pd.Timestamp,
    forecast: RenewalModel,
    settings: ReportSettings,
) -> tuple[RenewalRow, ...]:
    """Paying clients whose renewal falls in the ``finance_renewals_days`` after the month, largest MRR first."""
    end = month + pd.offsets.MonthEnd(0)
    until = end + pd.Timedelta(days=settings.finance_renewals_days)
    due = clients[(clients["renewal_date"] > end) & (clients["renewal_date"] <= until)]
    out = []
    for key, row in due.iterrows():
        cid = str(key)
        mrr_now = float(current.get(cid, 0.0))
        if mrr_now <= 0:
            continue
        signals: dict[Any, Any] = (
            forecast.forecasts.loc[cid].to_dict() if cid in forecast.forecasts.index else {"probability": math.nan}
        )
        p = float(signals["probability"])
        out.append(
            RenewalRow(
                cid,
                text(row["name"]),
                as_date(row["renewal_date"]) or month.date(),
                mrr_now,
                float(signals.get("health_score", math.nan)),
                p,
                probability_band(p),
                p * mrr_now if math.isfinite(p) else math.nan,
                renewal_flags(signals, settings),
            )
        )
    return tuple(sorted(out, key=lambda r: (-r.mrr, r.due_date, r.client_id)))


def _bands(renewals: tuple[RenewalRow, ...]) -> tuple[RenewalBandRow, ...]:
    """Renewals per probability band (likely first), then the total."""
    order = [name for _, name in reversed(PROBABILITY_BANDS)] + ["unknown"]
    rows = []
    for band in order:
        sel = [r for r in renewals if r.band == band]
        if sel or band != "unknown":
            rows.append(
                RenewalBandRow(
                    band,
                    len(sel),
                    sum(r.mrr for r in sel),
                    sum(r.expected_mrr for r in sel if math.isfinite(r.expected_mrr)),
                )
            )
    rows.append(
        RenewalBandRow(
            "total", sum(r.renewals for r in rows), sum(r.mrr for r in rows), sum(r.expected_mrr for r in rows)
        )
    )
    return tuple(rows)


def _movers(book: Book, month: pd.Timestamp, names: pd.Series, count: int) -> tuple[MoverRow, ...]:
    """The clients behind each movement of the month, largest first (``count`` each)."""
    moves = m.customer_movements(book.mrr, start=month, end=month)
    out = []
    for kind in ("new", "expansion", "reactivation", "contraction", "churn"):
        top = moves[moves["movement"] == kind].sort_values(["amount", "client_id"], ascending=[False, True])
        for r in rows(top.head(count)):
            out.append(MoverRow(kind, str(r.client_id), text(names.get(r.client_id, r.client_id)), float(r.amount)))
    return tuple(out)


def _group_order(group: Any) -> tuple[bool, int, str]:
    """Given touch models first (tech, low, mid, high), then the derived ones; other groups by name."""
    name = str(group)
    base = name.removeprefix("derived_")
    return name != base, m.TOUCH_MODELS.index(base) if base in m.TOUCH_MODELS else 0, name


def _breakdown(
    book: Book, current: pd.Series, groups: pd.Series, month: pd.Timestamp, window: int
) -> tuple[BreakdownRow, ...]:
    total = float(current.sum())
    rows = []
    for name in sorted(groups.dropna().unique(), key=_group_order):
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


#: The figures of the finance report (their assumptions are printed on its policies page).
FIGURES = (
    *("mrr", "arr", "movements", "churn", "nrr", "grr", "arpa", "quick_ratio", "ltv", "ltv_cac", "cac"),
    *("cac_payback", "gross_margin", "renewal_rate", "reporting_month", "clients", "cohorts", "touch_model"),
)


def build_finance_context(
    book: Book,
    month: Any,
    lang: str,
    *,
    policies: Policies | None = None,
    settings: ReportSettings = DEFAULT_SETTINGS,
) -> FinanceContext:
    """Build the monthly finance report for ``month`` (default: the book's last month).

    ``settings`` (``--settings``) sets the renewal window, the movers listed and the renewal flags
    (the ``finance_*`` settings).
    """
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
    segments = segment_touch_models(book, month, window=pol.window)
    # a derived touch model is its own group ("derived_high"): the given ones count as the Clients sheet does
    groups = segments["touch_model"].where(~segments["derived"], "derived_" + segments["touch_model"])
    by_touch = _breakdown(book, current, groups, month, pol.window)
    by_csm = _breakdown(book, current, clients["csm"], month, pol.window)
    forecast = renewal_forecast_model(book, month, settings)
    renewals = _renewals(clients, current, month, forecast, settings)
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
        assumptions=tuple(a.line(lang) for a in book.assumptions.touching(*FIGURES)),
        month=month,
        generated_on=today(),
        summary=summary,
        spreading=book.spreading,
        previous=portfolio_summary(book, month - pd.DateOffset(months=1), policies=pol)
        if month - pd.DateOffset(months=1) >= book.months[0]
        else None,
        policies=pol,
        bridge=bridge_rows,
        movers=_movers(book, month, names, int(settings.finance_movers_count)),
        cohorts=cohorts,
        cohort_ages=min(13, table.rates.shape[1]),
        top_clients=top_clients,
        by_touch=by_touch,
        by_csm=by_csm,
        renewals=renewals,
        renewal_bands=_bands(renewals),
        renewals_days=int(settings.finance_renewals_days),
        forecast=forecast,
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

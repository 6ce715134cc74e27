"""What the QBR sections share: the period, the client (with per-report memo), the client's figures.

Every figure here reads only the client's own rows (``Book.rows_of``); portfolio-level figures
(health scores of every client, the renewal model) come from ``common.per_book``. The risk
signals and the renewal forecast are memoised on the :class:`Subject`, so every section of a
report shares one computation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cs_reports import metrics as m
from cs_reports.data.book import SHEET_FIELDS, Book
from cs_reports.reports.content import risks
from cs_reports.reports.content.common import (
    client_goals,
    client_milestones,
    quiet,
)
from cs_reports.reports.content.context import (
    ClientInfo,
    Compare,
    Forecast,
    GoalRow,
    MilestoneRow,
    RiskItem,
)
from cs_reports.reports.content.forecast import (
    client_drivers,
    driver_texts,
    interval_text,
    probability_band,
    probability_text,
    renewal_forecast_model,
)
from cs_reports.reports.content.portfolio import figures_of
from cs_reports.reports.content.trends import client_trends
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.render import strings
from cs_reports.reports.settings import ReportSettings
from cs_reports.reports.vocabulary import Period

#: Fields of :class:`risks.ClientSignals` read from :func:`trends.client_trends` (one computation).
TREND_SIGNALS = (
    "nps_answers",
    "nps_detractors",
    "tickets_now",
    "tickets_before",
    "csat_now",
    "csat_before",
    "csat_answers_now",
    "csat_answers_before",
    "resolution_now",
    "resolution_before",
    "resolved_now",
    "resolved_before",
)

__all__ = ["Period", "Subject", "compare", "has_previous_quarter", "renewal_forecast", "signals"]


@dataclass
class Subject:
    """The client a report is about, its language and figures memoised for its sections."""

    client_id: str
    info: ClientInfo
    lang: str
    memo: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per report."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    @property
    def t(self) -> dict[str, str]:
        """The QBR strings in the report's language."""
        return self.once("t", lambda: strings("qbr", self.lang))  # type: ignore[no-any-return]

    @property
    def fmt(self) -> Formatter:
        """The report's formatter."""
        return self.once("fmt", lambda: Formatter(self.lang))  # type: ignore[no-any-return]


def compare(now: float, before: float, previous: bool) -> Compare:
    """A KPI now and in the previous quarter, with the change.

    ``previous`` is :func:`has_previous_quarter`: a client first paid in the quarter has no
    previous quarter, so ``before`` and the change are NaN (shown as ``no_before``), never a
    rise from zero.

    >>> compare(5.0, 0.0, False).before != compare(5.0, 0.0, False).before
    True
    """
    if not previous:
        return Compare(now, math.nan, math.nan)
    return Compare(now, before, now - before)


def has_previous_quarter(book: Book, client: Subject, period: Period) -> bool:
    """Whether the client paid in a month before the quarter (False: new, first paid in the quarter).

    The one test of "is there a previous quarter" for every comparison of the QBR (both
    editions), its deck and its attachment (memoised per report).
    """

    def compute() -> bool:
        own = own_rows(book, "MRR", client)
        return own is not None and bool(((own["month"] < period.start) & (own["mrr"] > 0)).any())

    return client.once(f"previous {period.start:%Y-%m}", compute)  # type: ignore[no-any-return]


def in_months(frame: pd.DataFrame, col: str, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Rows of ``frame`` whose ``col`` falls in the months ``first`` .. ``last``."""
    return frame[(frame[col] >= first) & (frame[col] < last + pd.offsets.MonthBegin(1))]


def own_rows(book: Book, sheet: str, client: Subject) -> pd.DataFrame | None:
    """The client's rows of ``sheet``; None when the book has no such sheet (memoised per report)."""
    if getattr(book, SHEET_FIELDS[sheet]) is None:
        return None
    return client.once(f"rows {sheet}", lambda: book.rows_of(sheet, client.client_id))  # type: ignore[no-any-return]


# --- shared per-client figures -------------------------------------------------------------


def usage_at(book: Book, client: Subject, month: pd.Timestamp) -> tuple[float, float, float]:
    """(adoption rate, active users, licenses) in ``month`` (memoised per report and month)."""

    def compute() -> tuple[float, float, float]:
        u = own_rows(book, "Usage", client)
        last = u[u["month"] == month] if u is not None else None
        if last is None or not len(last):
            return math.nan, math.nan, math.nan
        active, licensed = float(last["active_users"].sum()), float(last["licensed_users"].sum())
        return quiet(m.adoption_rate, last["active_users"], last["licensed_users"]), active, licensed

    return client.once(f"usage {month:%Y-%m}", compute)  # type: ignore[no-any-return]


def mrr_at(book: Book, client: Subject, month: pd.Timestamp) -> float:
    """The client's MRR in ``month`` (0 when it has none)."""
    own = own_rows(book, "MRR", client)
    assert own is not None  # the MRR sheet always exists
    return float(own.loc[own["month"] == month, "mrr"].sum()) if len(own) else 0.0


def support_figures(book: Book, client: Subject, first: pd.Timestamp, last: pd.Timestamp) -> dict[str, float]:
    """Support KPIs of the tickets opened from ``first`` to ``last`` (memoised per report)."""
    return client.once(f"support {first:%Y-%m} {last:%Y-%m}", lambda: _support_of(book, client, first, last))  # type: ignore[no-any-return]


def _support_of(book: Book, client: Subject, first: pd.Timestamp, last: pd.Timestamp) -> dict[str, float]:
    tk = own_rows(book, "Tickets", client)
    out = dict.fromkeys(("tickets", "open", "first", "first_median", "resolution", "csat", "ces"), math.nan)
    if tk is None:
        return out
    q = in_months(tk, "opened_at", first, last)
    out["tickets"], out["open"] = float(len(q)), float(q["resolved_at"].isna().sum())
    if len(q):
        fr = quiet(m.response_times, q["opened_at"], q["first_response_at"])
        out["first"], out["first_median"] = fr.mean_hours, fr.median_hours
        out["resolution"] = quiet(m.response_times, q["opened_at"], q["resolved_at"]).mean_hours
        out["csat"] = quiet(m.csat_rate, q["csat"])
        out["ces"] = quiet(m.customer_effort_score, q["ces"])
    return out


def milestones_of(book: Book, client: Subject) -> list[MilestoneRow]:
    """The client's milestones by due date (memoised per report)."""
    return client.once("milestones", lambda: client_milestones(book, client.client_id))  # type: ignore[no-any-return]


def goals_of(book: Book, client: Subject, settings: ReportSettings) -> tuple[GoalRow, ...]:
    """The client's goals with progress and status (memoised per report)."""
    return client.once(  # type: ignore[no-any-return]
        "goals", lambda: client_goals(book, client.client_id, on_track=settings.goal_on_track_rate)
    )


def nps_of(answers: pd.Series) -> float:
    """NPS of some 0-10 answers; NaN without answers."""
    return float(quiet(lambda: m.net_promoter_score(answers).score)) if len(answers) else math.nan


def health_rows(book: Book, client: Subject, period: Period) -> tuple[Any, Any]:
    """The client's health-score rows at the period's end and at the previous period's end.

    The portfolio's scores are computed and indexed by client once per book and month, so a
    report looks its client up instead of scanning every client's row.
    """

    def row(month: pd.Timestamp) -> Any:
        return figures_of(book).health_by_client(month).loc[client.client_id]

    return client.once("health", lambda: (row(period.end), row(period.prev_end)))  # type: ignore[no-any-return]


def signals(book: Book, client: Subject, period: Period, settings: ReportSettings) -> risks.ClientSignals:
    """The numbers the risk rules look at, from the client's own rows (memoised per report)."""

    def compute() -> risks.ClientSignals:
        adoption, active, licensed = usage_at(book, client, period.end)
        before, _, _ = usage_at(book, client, period.prev_end)
        h, hp = health_rows(book, client, period)
        overdue = [
            (x, (period.last_day.date() - x.due_date).days)
            for x in milestones_of(book, client)
            if x.status != "done" and x.due_date is not None
        ]
        overdue = [(x, d) for x, d in overdue if d > settings.overdue_days]
        nps = own_rows(book, "NPS", client)
        answered = nps.loc[nps["date"] <= period.last_day, "date"] if nps is not None else None
        last_answer = answered.max() if answered is not None and len(answered) else None
        months_since = (
            math.nan
            if last_answer is None
            else float((period.end.year - last_answer.year) * 12 + period.end.month - last_answer.month)
        )
        tk = own_rows(book, "Tickets", client)
        cutoff = period.last_day - pd.Timedelta(days=settings.old_ticket_days)
        old = (
            tk[(tk["opened_at"] <= cutoff) & (tk["resolved_at"].isna() | (tk["resolved_at"] > period.last_day))]
            if tk is not None
            else None
        )
        forecast = renewal_forecast(book, client, period, settings)
        trend = client_trends(book, client.client_id, period.end, settings)
        return risks.ClientSignals(
            period.year,
            period.quarter,
            adoption_now=adoption,
            adoption_before=before,
            active_seats=active,
            licensed_seats=licensed,
            health_now=float(h["score"]),
            health_before=float(hp["score"]),
            overdue_client=sum(x.owner_side == "client" for x, _ in overdue),
            overdue_vendor=sum(x.owner_side != "client" for x, _ in overdue),
            overdue_max_days=float(max((d for _, d in overdue), default=0)),
            months_since_nps=months_since,
            old_open_tickets=0 if old is None else len(old),
            oldest_open_days=0.0
            if old is None or not len(old)
            else float((period.last_day - old["opened_at"].min()).days),
            **{k: trend[k] for k in TREND_SIGNALS},
            mrr_now=mrr_at(book, client, period.end),
            mrr_before=mrr_at(book, client, period.prev_end),
            days_to_renewal=math.nan if forecast.days_to_renewal is None else float(forecast.days_to_renewal),
            renewal_probability=forecast.probability,
            end_month=int(period.end.month),
        )

    return client.once("signals", compute)  # type: ignore[no-any-return]


def risk_items(
    book: Book, client: Subject, period: Period, settings: ReportSettings, audience: str
) -> tuple[RiskItem, ...]:
    s = signals(book, client, period, settings)
    found = risks.assess_risks(s, settings)
    words = risks.risk_texts(found, s, client.t, client.fmt, audience=audience, currency=client.info.currency)
    return tuple(RiskItem(w.key, w.severity, w.title, w.evidence) for w in words)


def renewal_forecast(book: Book, client: Subject, period: Period, settings: ReportSettings) -> Forecast:
    """The client's renewal forecast: one value object from the book's renewal model.

    The model (``reports.content.forecast``: a logistic model with sign constraints on the client's
    signals, learned from the book's own renewal outcomes and backtested; with too little
    history the renewal rate of the client's health band) is fitted once per book and month.
    The band follows ``settings.forecast_likely_rate`` / ``forecast_unlikely_rate``; the
    countdown runs from the report's date (``sections.today``), never from the quarter's end.
    """

    def compute() -> Forecast:
        from cs_reports.reports.content import sections  # the report date lives there (tests fix it)

        renewal = client.info.renewal_date
        days = (pd.Timestamp(renewal) - pd.Timestamp(sections.today())).days if renewal else None
        t, fmt = client.t, client.fmt
        model = renewal_forecast_model(book, period.end, settings)
        known = client.client_id in model.forecasts.index
        row: dict[Any, Any] = model.forecasts.loc[client.client_id].to_dict() if known else {}
        p, low, high = (float(row.get(k, math.nan)) for k in ("probability", "low", "high"))
        if model.method == "logistic":
            basis = t["forecast_basis_logistic"].format(n=model.n_outcomes, churned=model.n_churned)
            if model.backtest is not None:
                bt = model.backtest
                basis += " " + t["forecast_basis_backtest"].format(
                    n=bt.n_test, brier=fmt.number(bt.brier, 3), flat=fmt.number(bt.brier_flat, 3)
                )
        elif model.method == "health_band":
            basis = t["forecast_basis_health_band"].format(n=model.n_outcomes, churned=model.n_churned)
        else:
            basis = t["forecast_basis_none"].format(reason=t["forecast_no_outcomes"])
        if renewal is None:
            p = low = high = math.nan
            basis = t["forecast_basis_none"].format(reason=t["forecast_no_renewal_date"])
        band = probability_band(p, likely=settings.forecast_likely_rate, unlikely=settings.forecast_unlikely_rate)
        drivers = driver_texts(client_drivers(model, client.client_id), t, fmt) if math.isfinite(p) else ()
        return Forecast(
            p,
            band,
            basis,
            renewal,
            days,
            probability_text(p, fmt),
            interval_text(low, high, fmt),
            drivers,
        )

    return client.once("forecast", compute)  # type: ignore[no-any-return]

"""Headline numbers of a portfolio or a client for a month, computed by the metric library.

These summaries are what ``cs-reports metrics`` prints and what the reports show: one
place where data meets metrics, so the same number appears everywhere.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cs_reports import metrics as m
from cs_reports._validation import as_month
from cs_reports._validation import quiet as _quiet
from cs_reports.data.book import Book
from cs_reports.errors import InvalidInputError
from cs_reports.metrics.registry import REGISTRY, mean_monthly_logo_churn

__all__ = [
    "ClientSummary",
    "Policies",
    "PortfolioSummary",
    "client_health_inputs",
    "client_summary",
    "portfolio_summary",
    "segment_touch_models",
]


@dataclass(frozen=True)
class Policies:
    """Choices where sources disagree; printed on every report that uses them.

    Attributes
    ----------
    window : int
        months of the GRR/NRR window
    same_period : str
        logo churn: 'exclude' clients who joined and left in the same period (ChartMogul's standard) or 'include'
    zero_churn : str
        LTV at zero churn: 'cap' the lifetime at max_lifetime_months (Stripe) or leave it infinite
    max_lifetime_months : int
        the LTV lifetime cap, in months
    churn_timing : str
        when a client counts as churned
    ltv_churn_months : int
        LTV's churn: mean of the monthly logo-churn rates of these trailing months
    """

    window: int = 12  # months for GRR/NRR
    same_period: str = "exclude"  # logo churn: ChartMogul standard
    zero_churn: str = "cap"  # LTV at zero churn: Stripe's 60-month cap
    max_lifetime_months: int = 60
    churn_timing: str = "first month at zero MRR"
    ltv_churn_months: int = 12  # LTV's churn: mean of the monthly logo-churn rates of these trailing months


@dataclass(frozen=True)
class PortfolioSummary:
    """The portfolio's numbers for one month (money in the book's currency).

    Attributes
    ----------
    month : Timestamp
        the month
    currency : str
        currency of every amount (the book's one currency)
    customers : int
        clients paying in the month
    mrr : float
        MRR at the month's end (metrics.mrr_movements)
    arr : float
        ARR = 12 x MRR (metrics.arr_value)
    start_mrr : float
        MRR at the month's start (the previous month's end)
    new : float
        MRR from new clients in the month
    expansion : float
        MRR added by existing clients
    contraction : float
        MRR lost by clients who stayed (positive amount)
    churn : float
        MRR lost by clients who left (positive amount)
    reactivation : float
        MRR from clients who came back
    logo_churn_rate : float
        share of clients lost in the month (metrics.logo_churn_rate, policy same_period)
    gross_revenue_churn_rate : float
        (churn + contraction) / start MRR (metrics.revenue_churn_rate)
    net_revenue_churn_rate : float
        (churn + contraction - expansion - reactivation) / start MRR
    nrr : float
        net revenue retention over the policy window (metrics.net_revenue_retention_rate)
    grr : float
        gross revenue retention over the policy window (metrics.gross_revenue_retention_rate)
    arpa : float
        mean MRR per paying client (metrics.arpa_value)
    quick_ratio : float
        (new + expansion + reactivation) / (churn + contraction) (metrics.quick_ratio)
    ltv : float
        the registry's portfolio_ltv: ARPA x gross margin / ltv_monthly_churn, capped by the policy
    ltv_monthly_churn : float
        mean of the monthly logo-churn rates of the last ltv_churn_months months
    ltv_lifetime_months : float
        lifetime behind LTV: 1 / monthly churn, or the cap when it binds
    ltv_capped : bool
        whether the zero-churn / lifetime cap policy decided LTV
    cac : float
        mean CAC of the clients paying this month (Clients.cac)
    gross_margin : float
        mean gross margin of the clients paying this month (1.0 when unknown)
    ltv_cac : float
        LTV / CAC (metrics.ltv_cac_ratio)
    cac_payback_months : float
        months of margin to recover CAC (metrics.cac_payback_months)
    nps : float
        NPS of the trailing 3 months' answers (metrics.net_promoter_score)
    nps_low : float
        lower end of the NPS interval
    nps_high : float
        upper end of the NPS interval
    nps_answers : int
        NPS answers in the trailing 3 months
    csat : float
        share of satisfied CSAT answers of the trailing 3 months' tickets (metrics.csat_rate)
    renewal_rate : float
        share of the trailing 3 months' renewals that renewed
    tmr_first_response_hours : float
        mean hours to first response, trailing 3 months (metrics.response_times)
    tmr_resolution_hours : float
        mean hours to resolution, trailing 3 months
    adoption : float
        active / licensed users in the month (metrics.adoption_rate)
    pareto_top20 : float
        share of MRR from the top 20% of clients (metrics.pareto_share)
    policies : Policies
        the policies these numbers follow
    """

    month: pd.Timestamp
    currency: str
    customers: int
    mrr: float
    arr: float
    start_mrr: float
    new: float
    expansion: float
    contraction: float
    churn: float
    reactivation: float
    logo_churn_rate: float
    gross_revenue_churn_rate: float
    net_revenue_churn_rate: float
    nrr: float
    grr: float
    arpa: float
    quick_ratio: float
    ltv: float  # the registry's ``portfolio_ltv``
    ltv_monthly_churn: float  # mean of the monthly logo-churn rates of the last ``ltv_churn_months`` months
    ltv_lifetime_months: float  # lifetime behind LTV: 1 / monthly churn, or the cap when it binds
    ltv_capped: bool  # the zero-churn / lifetime cap policy decided LTV
    cac: float  # mean CAC of the clients paying this month
    gross_margin: float  # mean gross margin of the clients paying this month (1.0 when unknown)
    ltv_cac: float
    cac_payback_months: float
    nps: float
    nps_low: float
    nps_high: float
    nps_answers: int
    csat: float
    renewal_rate: float
    tmr_first_response_hours: float
    tmr_resolution_hours: float
    adoption: float
    pareto_top20: float
    policies: Policies = field(default_factory=Policies)

    def as_dict(self) -> dict[str, Any]:
        """Field name -> value (policies flattened as ``policy_*``)."""
        out = asdict(self)
        for key, value in out.pop("policies").items():
            out[f"policy_{key}"] = value
        return out


def _month_slice(frame: pd.DataFrame | None, col: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame | None:
    if frame is None:
        return None
    dates = frame[col]
    return frame[(dates >= start) & (dates < end + pd.offsets.MonthBegin(1))]


def _currency(book: Book) -> str:
    currencies = sorted(set(book.clients["currency"].dropna()))
    if len(currencies) > 1:
        raise InvalidInputError(
            f"{book.source}: the portfolio mixes currencies {currencies}; convert MRR to one currency before "
            "computing portfolio totals (exchange-rate changes are not MRR movements)."
        )
    return currencies[0] if currencies else "BRL"


def portfolio_summary(book: Book, month: Any = None, *, policies: Policies | None = None) -> PortfolioSummary:
    """Compute the portfolio's headline numbers for ``month`` (default: the book's last month).

    Survey and support figures cover the trailing 3 months; churn and movements the month;
    GRR/NRR the policy window; LTV is the registry's ``portfolio_ltv`` (the mean of the trailing
    ``ltv_churn_months`` monthly logo-churn rates).
    CAC, gross margin, LTV:CAC and CAC payback are over the clients paying in ``month``
    (a churned client's CAC and margin no longer describe the portfolio).
    """
    pol = policies or Policies()
    month = book.last_month if month is None else as_month(month, name="month", func="portfolio_summary")
    currency = _currency(book)
    mrr = book.mrr
    bridge = m.mrr_movements(mrr, start=month, end=month).iloc[0]
    matrix = m.mrr_matrix(mrr, end=month)
    current = matrix.column(month) / 100.0
    customers = int((current > 0).sum())
    monthly_churn = mean_monthly_logo_churn(mrr, end=month, months=pol.ltv_churn_months, same_period=pol.same_period)
    arpa = _quiet(m.arpa_value, current)
    # CAC and gross margin: means over the clients paying this month (the ones ARPA and churn describe)
    paying = book.clients[book.clients["client_id"].isin(matrix.clients[current > 0])]
    margins, cacs = paying["gross_margin"].dropna(), paying["cac"].dropna()
    margin = float(margins.mean()) if len(margins) else 1.0
    lifetime = 1.0 / monthly_churn if math.isfinite(monthly_churn) and monthly_churn > 0 else math.inf
    capped = pol.zero_churn == "cap" and lifetime > pol.max_lifetime_months
    ltv = REGISTRY["portfolio_ltv"].compute(
        arpa, monthly_churn, gross_margin=margin, zero_churn=pol.zero_churn, cap=pol.max_lifetime_months
    )
    cac = float(cacs.mean()) if len(cacs) else math.nan
    quarter_start = month - pd.DateOffset(months=2)
    nps_frame = _month_slice(book.nps, "date", quarter_start, month)
    nps = m.net_promoter_score(nps_frame["score"]) if nps_frame is not None and len(nps_frame) else None
    tickets = _month_slice(book.tickets, "opened_at", quarter_start, month)
    renewals = _month_slice(book.renewals, "due_date", quarter_start, month)
    usage = None if book.usage is None else book.usage[book.usage["month"] == month]
    return PortfolioSummary(
        month=month,
        currency=currency,
        customers=customers,
        mrr=float(bridge["end"]),
        arr=m.arr_value(current),
        start_mrr=float(bridge["start"]),
        new=float(bridge["new"]),
        expansion=float(bridge["expansion"]),
        contraction=float(bridge["contraction"]),
        churn=float(bridge["churn"]),
        reactivation=float(bridge["reactivation"]),
        logo_churn_rate=_quiet(m.logo_churn_rate, mrr, start=month, same_period=pol.same_period),
        gross_revenue_churn_rate=_quiet(m.revenue_churn_rate, bridge["start"], bridge["churn"], bridge["contraction"]),
        net_revenue_churn_rate=_quiet(
            m.revenue_churn_rate,
            bridge["start"],
            bridge["churn"],
            bridge["contraction"],
            expansion=bridge["expansion"],
            reactivation=bridge["reactivation"],
            kind="net",
        ),
        nrr=_quiet(m.net_revenue_retention_rate, mrr, as_of=month, window=pol.window),
        grr=_quiet(m.gross_revenue_retention_rate, mrr, as_of=month, window=pol.window),
        arpa=arpa,
        quick_ratio=_quiet(
            m.quick_ratio,
            bridge["new"],
            bridge["expansion"],
            bridge["churn"],
            bridge["contraction"],
            reactivation=bridge["reactivation"],
        ),
        ltv=ltv,
        ltv_monthly_churn=monthly_churn,
        ltv_lifetime_months=min(lifetime, float(pol.max_lifetime_months)) if capped else lifetime,
        ltv_capped=capped,
        cac=cac,
        gross_margin=margin,
        ltv_cac=_quiet(m.ltv_cac_ratio, ltv, cac) if math.isfinite(ltv) and math.isfinite(cac) else math.nan,
        cac_payback_months=_quiet(m.cac_payback_months, cac, arpa, gross_margin=margin)
        if math.isfinite(cac) and math.isfinite(arpa)
        else math.nan,
        nps=nps.score if nps else math.nan,
        nps_low=nps.ci_low if nps else math.nan,
        nps_high=nps.ci_high if nps else math.nan,
        nps_answers=nps.n if nps else 0,
        csat=_quiet(m.csat_rate, tickets["csat"]) if tickets is not None else math.nan,
        renewal_rate=_quiet(m.renewal_rate_from_outcomes, renewals["outcome"]) if renewals is not None else math.nan,
        tmr_first_response_hours=_quiet(
            lambda: m.response_times(tickets["opened_at"], tickets["first_response_at"]).mean_hours
        )
        if tickets is not None
        else math.nan,
        tmr_resolution_hours=_quiet(lambda: m.response_times(tickets["opened_at"], tickets["resolved_at"]).mean_hours)
        if tickets is not None
        else math.nan,
        adoption=_quiet(m.adoption_rate, usage["active_users"], usage["licensed_users"])
        if usage is not None
        else math.nan,
        pareto_top20=_quiet(m.pareto_share, current[current > 0]) if customers else math.nan,
        policies=pol,
    )


@dataclass(frozen=True)
class ClientSummary:
    """One client's numbers for one month."""

    client_id: str
    name: str
    month: pd.Timestamp
    mrr: float
    arr: float
    mrr_3m_ago: float
    mrr_change_3m: float
    nps: float
    nps_answers: int
    csat: float
    tmr_first_response_hours: float
    tickets: int
    adoption: float
    milestones_on_time: float
    health_score: float
    health_band: str
    touch_model: str

    def as_dict(self) -> dict[str, Any]:
        """Field name -> value."""
        return asdict(self)


def segment_touch_models(book: Book, month: Any, *, window: int = 12, client_id: str | None = None) -> pd.DataFrame:
    """Every client's touch model for the window of ``window`` months ending at ``month``.

    The Clients sheet's ``touch_model`` when given; a blank one is derived (``derived`` True)
    from 12 x the client's MRR at the window's start (``month`` minus ``window`` months), or,
    for a client whose first paid month is later, from 12 x its MRR in that first paid month;
    a client never paid by ``month`` is tech-touch. A segment's figures (its NRR, its churned
    clients) then keep each client in the segment it had when the window began, and current
    growth or churn never moves it.

    ``client_id`` restricts the answer to one client (its own rows only: the same value).

    Returns
    -------
    DataFrame
        Index ``client_id``; columns ``touch_model`` and ``derived`` (bool).
    """
    month = as_month(month, name="month", func="segment_touch_models")
    start = month - pd.DateOffset(months=window)
    mrr = book.mrr
    if client_id is not None and len(own := book.rows_of("Clients", client_id)):
        clients, mrr = own.set_index("client_id"), book.rows_of("MRR", client_id)  # O(the client's rows)
    else:
        clients = book.clients.set_index("client_id")
        if client_id is not None:
            clients, mrr = clients.loc[[client_id]], book.rows_of("MRR", client_id)
    if not len(mrr):
        mrr = pd.DataFrame({"client_id": [], "month": [start], "mrr": []}).iloc[:0]
    matrix = m.mrr_matrix(mrr, start=start, end=month)
    in_window = np.asarray(matrix.months >= start)  # the matrix may start before the window
    paid = pd.DataFrame(matrix.cents[:, in_window], index=matrix.clients).where(lambda c: c > 0)
    basis = paid.bfill(axis=1).iloc[:, 0] / 100.0  # MRR at the window's start, else in the first paid month
    arr = 12 * basis.reindex(clients.index).fillna(0.0)
    given = clients["touch_model"].astype("string").str.strip()
    touch = m.assign_touch_models(
        pd.DataFrame({"arr": arr.to_numpy(), "touch_model": given.to_numpy(dtype=object)}, index=clients.index)
    )
    derived = ~given.fillna("").str.lower().isin(m.TOUCH_MODELS).to_numpy(dtype=bool)
    return pd.DataFrame({"touch_model": touch, "derived": derived}, index=clients.index)


def client_health_inputs(book: Book, month: Any) -> pd.DataFrame:
    """Raw values of the default health model's components for every client at ``month``.

    Columns: ``client_id, nps, adoption, support, mrr_trend, milestones`` (NaN = no data),
    as documented in :data:`cs_reports.metrics.DEFAULT_HEALTH_MODEL`.
    """
    month = as_month(month, name="month", func="client_health_inputs")
    ids = book.clients["client_id"]
    out = pd.DataFrame({"client_id": ids.to_numpy()})
    matrix = m.mrr_matrix(book.mrr, start=month - pd.DateOffset(months=3), end=month)
    now = pd.Series(matrix.column(month) / 100.0, index=matrix.clients)
    then = pd.Series(matrix.column(month - pd.DateOffset(months=3)) / 100.0, index=matrix.clients)
    trend = ((now - then) / then.where(then > 0)).reindex(ids).to_numpy()
    out["mrr_trend"] = trend
    if book.nps is not None:
        recent = _month_slice(book.nps, "date", month - pd.DateOffset(months=5), month)
        assert recent is not None
        out["nps"] = out["client_id"].map(recent.groupby("client_id")["score"].mean().astype(float))
    else:
        out["nps"] = np.nan
    if book.usage is not None:
        u = book.usage[book.usage["month"] == month].groupby("client_id")[["active_users", "licensed_users"]].sum()
        out["adoption"] = out["client_id"].map(
            (u["active_users"] / u["licensed_users"].where(u["licensed_users"] > 0)).astype(float)
        )
    else:
        out["adoption"] = np.nan
    if book.tickets is not None:
        t = _month_slice(book.tickets, "opened_at", month - pd.DateOffset(months=2), month)
        assert t is not None
        hours = (t["first_response_at"] - t["opened_at"]).dt.total_seconds() / 3600
        out["support"] = out["client_id"].map(hours.groupby(t["client_id"]).median())
    else:
        out["support"] = np.nan
    if book.milestones is not None:
        ms = book.milestones
        end = month + pd.offsets.MonthEnd(0)
        due = ms[ms["due_date"] <= end]
        on_time = due["done_date"].notna() & (due["done_date"] <= due["due_date"] + pd.Timedelta(days=3))
        out["milestones"] = out["client_id"].map(on_time.groupby(due["client_id"]).mean().astype(float))
    else:
        out["milestones"] = np.nan
    return out[["client_id", "nps", "adoption", "support", "mrr_trend", "milestones"]]


def client_summary(book: Book, client_id: str, month: Any = None) -> ClientSummary:
    """Compute one client's numbers for ``month`` (default: the book's last month)."""
    month = book.last_month if month is None else as_month(month, name="month", func="client_summary")
    row = book.client(client_id)
    own = book.rows_of("MRR", client_id)
    matrix = m.mrr_matrix(own, start=month - pd.DateOffset(months=3), end=month) if len(own) else None
    now = float(matrix.column(month).sum() / 100.0) if matrix is not None else 0.0
    then = float(matrix.column(month - pd.DateOffset(months=3)).sum() / 100.0) if matrix is not None else 0.0
    nps_rows = None if book.nps is None else book.nps[book.nps["client_id"] == client_id]
    nps_rows = _month_slice(nps_rows, "date", month - pd.DateOffset(months=11), month)
    tickets = None if book.tickets is None else book.tickets[book.tickets["client_id"] == client_id]
    tickets = _month_slice(tickets, "opened_at", month - pd.DateOffset(months=2), month)
    usage = (
        None
        if book.usage is None
        else book.usage[(book.usage["client_id"] == client_id) & (book.usage["month"] == month)]
    )
    health = m.health_scores(client_health_inputs(book, month))
    h = health[health["client_id"] == client_id].iloc[0]
    inputs = client_health_inputs(book, month)
    on_time = inputs.loc[inputs["client_id"] == client_id, "milestones"].iloc[0]
    touch = segment_touch_models(book, month, client_id=client_id).loc[client_id, "touch_model"]
    nps = m.net_promoter_score(nps_rows["score"]) if nps_rows is not None and len(nps_rows) else None
    return ClientSummary(
        client_id=client_id,
        name=str(row["name"]),
        month=month,
        mrr=now,
        arr=12 * now,
        mrr_3m_ago=then,
        mrr_change_3m=(now - then) / then if then else math.nan,
        nps=nps.score if nps else math.nan,
        nps_answers=nps.n if nps else 0,
        csat=_quiet(m.csat_rate, tickets["csat"]) if tickets is not None and len(tickets) else math.nan,
        tmr_first_response_hours=_quiet(
            lambda: m.response_times(tickets["opened_at"], tickets["first_response_at"]).mean_hours
        )
        if tickets is not None and len(tickets)
        else math.nan,
        tickets=0 if tickets is None else len(tickets),
        adoption=_quiet(m.adoption_rate, usage["active_users"], usage["licensed_users"])
        if usage is not None and len(usage)
        else math.nan,
        milestones_on_time=float(on_time),
        health_score=float(h["score"]),
        health_band=str(h["band"]),
        touch_model=str(touch),
    )

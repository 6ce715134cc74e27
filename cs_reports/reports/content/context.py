"""The documented contexts of the reports and the types they share: what a template may use, and where it comes from.

Every number a report shows is a field of a context dataclass, filled from
:mod:`cs_reports.metrics`: the success map's and the finance report's here, the QBR's
(:class:`~cs_reports.reports.content.sections.QBRContext`) beside its section registry, each
QBR section's own type in its section module. The types several reports share (``ClientInfo``,
``Compare``, ``HealthSection``, ``Forecast``...) stay here. Each field carries a help text,
:func:`doc` (``metadata["help"]``); ``cs-reports fields KIND`` prints them
(:mod:`cs_reports.reports.content.reference`) and a test fails when a template uses an
undocumented name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports.data.summary import Policies, PortfolioSummary
from cs_reports.reports.content.charts import Chart

if TYPE_CHECKING:
    from cs_reports.reports.content.forecast import RenewalModel

__all__ = [
    "BreakdownRow",
    "ClientInfo",
    "Compare",
    "Driver",
    "FinanceContext",
    "Forecast",
    "GoalRow",
    "HealthSection",
    "MilestoneRow",
    "MoverRow",
    "RenewalBandRow",
    "RenewalRow",
    "RiskItem",
    "RisksSection",
    "SuccessMapContext",
    "doc",
]


def doc(text: str) -> Any:
    """A dataclass field with its help text: what ``cs-reports fields`` prints for it."""
    return field(metadata={"help": text})


@dataclass(frozen=True)
class ClientInfo:
    """Who the report is about."""

    client_id: str = doc("the client's id (Clients.client_id)")
    name: str = doc("the client's name")
    segment: str = doc("segment (Clients.segment), may be empty")
    csm: str = doc("the responsible CSM")
    plan: str = doc("plan name")
    touch_model: str = doc("tech/low/mid/high, given or derived from ARR at the 12-month window's start")
    currency: str = doc("currency of all amounts")
    contract_start: date | None = doc("contract start date")
    renewal_date: date | None = doc("next renewal date")


@dataclass(frozen=True)
class Driver:
    """One component of the health score and how it moved."""

    key: str = doc("component name (nps, adoption, support, mrr_trend, milestones)")
    subscore: float = doc("component sub-score 0-100 now (NaN = no data)")
    contribution: float = doc("points it contributes to the score now")
    change: float = doc("change of its contribution since the previous quarter, in score points")
    data: str = doc(
        "'' when the component had data at both ends; 'no_data_now' / 'no_data_before' when it had "
        "none at one end (its weight was spread over the others, so its change is the weight moving)"
    )


@dataclass(frozen=True)
class GoalRow:
    """One objective of the client (Goals sheet) with its progress."""

    objective: str = doc("the objective")
    kpi: str = doc("its indicator")
    unit: str = doc("unit of baseline/target/actual")
    baseline: float = doc("value before")
    target: float = doc("target value")
    actual: float = doc("latest value")
    progress: float = doc("share of the way from baseline to target (can exceed 1)")
    status: str = doc("achieved / on_track / at_risk")


@dataclass(frozen=True)
class MilestoneRow:
    """A 30/60/90-day milestone of the success plan."""

    milestone: str = doc("what")
    phase: str = doc("30/60/90 days or a custom phase")
    due_date: date | None = doc("planned date")
    done_date: date | None = doc("completion date, if done")
    owner_side: str = doc("client or vendor")
    owner: str = doc("person responsible")
    status: str = doc("done / in_progress / late / planned")


@dataclass(frozen=True)
class Compare:
    """A KPI this quarter next to the previous quarter."""

    now: float = doc("value this quarter (NaN = no data)")
    before: float = doc("value in the previous quarter (NaN = no data, or a client first paid in the quarter)")
    change: float = doc("now - before (NaN if either is missing)")


@dataclass(frozen=True)
class RiskItem:
    """A risk worded for the report (see reports.content.risks)."""

    key: str = doc("rule key (reports.content.risks.RULES)")
    severity: str = doc("high / medium")
    title: str = doc("short title in the report's language")
    evidence: str = doc("the numbers behind it, or the client wording in the client edition")


@dataclass(frozen=True)
class HealthSection:
    """Internal: the Health Score and its components."""

    score: float = doc("Health Score 0-100 at the quarter's end (metrics.health_scores)")
    band: str = doc("red / yellow / green / no_score")
    change: float = doc("change since the previous quarter's end")
    drivers: tuple[Driver, ...] = doc("components, largest change first (metrics.health_drivers)")


@dataclass(frozen=True)
class RisksSection:
    """Internal: every risk found, with its evidence."""

    risks: tuple[RiskItem, ...] = doc("risks, high severity first (reports.content.risks.assess_risks)")


@dataclass(frozen=True)
class Forecast:
    """Internal: the renewal forecast, one value object from one function (reports.content.sections.renewal_forecast)."""

    probability: float = doc("probability of renewing at the renewal date (NaN = no forecast)")
    band: str = doc("likely / uncertain / unlikely / unknown (settings.forecast_*_rate)")
    basis: str = doc("how it was computed, in the report's language")
    renewal_date: date | None = doc("next renewal date")
    days_to_renewal: int | None = doc("days from the report's date to the renewal (negative: already past)")
    shown: str = doc("the probability as printed, never 0% or 100% ('< 3%', '> 97%')")
    interval: str = doc("approximate 90% interval as printed ('' when unknown)")
    drivers: tuple[str, ...] = doc("the two or three largest reasons for the probability, in words")


@dataclass(frozen=True)
class SuccessMapContext:
    """Everything the success-map template shows."""

    client: ClientInfo = doc("the client")
    as_of: pd.Timestamp = doc("month the map describes")
    generated_on: date = doc("date the report was produced")
    goals: tuple[GoalRow, ...] = doc("the client's objectives")
    phases: tuple[tuple[str, tuple[MilestoneRow, ...]], ...] = doc("milestones grouped by phase, in order")
    done: int = doc("milestones done")
    total: int = doc("milestones in the plan")
    on_time_rate: float = doc("share of due milestones done on time (within 3 days)")
    value_delivered: tuple[GoalRow, ...] = doc("objectives that improved on their baseline")
    client_next: tuple[MilestoneRow, ...] = doc("open milestones owned by the client")
    vendor_next: tuple[MilestoneRow, ...] = doc("open milestones owned by the vendor")
    audience: str = doc("client / internal")
    health: HealthSection | None = doc("internal: Health Score and drivers")
    risks: RisksSection | None = doc("internal: risks with evidence")


@dataclass(frozen=True)
class BreakdownRow:
    """Portfolio numbers of one group (touch model or CSM)."""

    group: str = doc("group name")
    customers: int = doc("paying customers")
    mrr: float = doc("MRR of the group")
    share: float = doc("share of total MRR")
    arpa: float = doc("ARPA of the group")
    nrr: float = doc("NRR of the group over the policy window")


@dataclass(frozen=True)
class RenewalRow:
    """A renewal due in the finance report's window (``FinanceContext.renewals_days``), with its forecast."""

    client_id: str = doc("client id")
    name: str = doc("client name")
    due_date: date = doc("renewal date")
    mrr: float = doc("current MRR")
    health_score: float = doc("health score now")
    probability: float = doc(
        "forecast probability of renewing (reports.content.forecast, learned from the Renewals sheet)"
    )
    band: str = doc("probability band: likely (>= 80%) / uncertain (60-80%) / unlikely (< 60%) / unknown")
    expected_mrr: float = doc("probability x MRR: the MRR expected to renew")
    flags: tuple[str, ...] = doc(
        "risk flags from the forecast's signals: health_low, health_falling, contraction, first_renewal"
    )


@dataclass(frozen=True)
class RenewalBandRow:
    """Totals of the upcoming renewals in one probability band."""

    band: str = doc("likely / uncertain / unlikely / unknown, or total")
    renewals: int = doc("renewals in the band")
    mrr: float = doc("their current MRR")
    expected_mrr: float = doc("sum of probability x MRR")


@dataclass(frozen=True)
class MoverRow:
    """One client behind a movement of the month's MRR."""

    movement: str = doc("new / expansion / contraction / churn / reactivation")
    client_id: str = doc("client id")
    name: str = doc("client name")
    amount: float = doc("MRR moved, positive, in currency units (contraction and churn are shown negative)")


@dataclass(frozen=True)
class FinanceContext:
    """Everything the monthly finance report shows."""

    month: pd.Timestamp = doc("the report's month")
    generated_on: date = doc("date the report was produced")
    summary: PortfolioSummary = doc("the month's headline numbers (cs_reports.data.summary.portfolio_summary)")
    previous: PortfolioSummary | None = doc("the previous month's numbers: month-on-month change of each card")
    policies: Policies = doc("policies used (printed on the report)")
    spreading: str = doc(
        "how invoices were spread over their service months: 'months' (equal) or 'days' (service days)"
    )
    bridge: tuple[dict[str, Any], ...] = doc("MRR movements of the last 12 months (metrics.mrr_movements)")
    movers: tuple[MoverRow, ...] = doc("largest clients behind each movement of the month (metrics.customer_movements)")
    cohorts: tuple[tuple[pd.Timestamp, int, tuple[float, ...]], ...] = doc(
        "cohort, size, logo retention by age (metrics.cohort_retention)"
    )
    cohort_ages: int = doc("ages shown in the cohort table")
    top_clients: tuple[tuple[str, float, float], ...] = doc("top 10 clients: name, MRR, share of MRR")
    by_touch: tuple[BreakdownRow, ...] = doc("breakdown by touch model")
    by_csm: tuple[BreakdownRow, ...] = doc("breakdown by CSM")
    renewals: tuple[RenewalRow, ...] = doc("renewals due in the next renewals_days days, largest MRR first")
    renewal_bands: tuple[RenewalBandRow, ...] = doc("renewals by probability band, then the total")
    forecast: RenewalModel = doc(
        "the renewal model (reports.content.forecast.renewal_forecast_model): method, history, backtest and reliability"
    )
    assumptions: tuple[str, ...] = doc(
        "the book's assumptions that can change the report's figures (book.assumptions.touching), one line each"
    )
    bridge_chart: Chart = doc("waterfall of the month's MRR movements")
    mrr_chart: Chart = doc("MRR over the last 12 months")
    renewals_days: int = doc("the renewal window in days after the month (setting finance_renewals_days)")

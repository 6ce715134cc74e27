"""The documented contexts of the reports: what a template may use, and where it comes from.

Every number a report shows is a field here, filled by :mod:`cs_reports.reports.build`
from :mod:`cs_reports.metrics`. Each field carries a help text (``metadata["help"]``);
``docs/reports.md`` lists them and a test fails when a template uses an undocumented name.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports.data.summary import Policies, PortfolioSummary
from cs_reports.reports.charts import Chart

if TYPE_CHECKING:
    from cs_reports.reports.forecast import RenewalModel

__all__ = [
    "BreakdownRow",
    "ClientInfo",
    "Driver",
    "FinanceContext",
    "GoalRow",
    "MilestoneRow",
    "MoverRow",
    "OpportunityRow",
    "QBRContext",
    "RenewalBandRow",
    "RenewalRow",
    "SuccessMapContext",
    "UsageRow",
    "describe",
]


def doc(text: str) -> Any:
    """A dataclass field with its help text."""
    return field(metadata={"help": text})


@dataclass(frozen=True)
class ClientInfo:
    """Who the report is about."""

    client_id: str = doc("the client's id (Clients.client_id)")
    name: str = doc("the client's name")
    segment: str = doc("segment (Clients.segment), may be empty")
    csm: str = doc("the responsible CSM")
    plan: str = doc("plan name")
    touch_model: str = doc("tech/low/mid/high, given or derived from ARR")
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
class UsageRow:
    """Adoption in one month."""

    month: pd.Timestamp = doc("month")
    active: int = doc("active users")
    licensed: int = doc("licensed users")
    rate: float = doc("adoption rate active / licensed")


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
class OpportunityRow:
    """An upsell / cross-sell opportunity."""

    kind: str = doc("upsell or cross-sell")
    opened: date | None = doc("opened on")
    mrr_delta: float = doc("additional MRR if won")
    status: str = doc("open / won / lost")


@dataclass(frozen=True)
class QBRContext:
    """Everything the QBR template shows."""

    client: ClientInfo = doc("the client")
    year: int = doc("quarter's year")
    quarter: int = doc("quarter number 1-4")
    period_start: pd.Timestamp = doc("first month of the quarter")
    period_end: pd.Timestamp = doc("last month of the quarter")
    generated_on: date = doc("date the report was produced")
    health_score: float = doc("health score 0-100 at the end of the quarter (metrics.health_scores)")
    health_band: str = doc("red / yellow / green")
    health_change: float = doc("change of the health score since the end of the previous quarter")
    drivers: tuple[Driver, ...] = doc("health components, largest change first")
    nps: float = doc("client NPS over the last 12 months (metrics.net_promoter_score)")
    nps_low: float = doc("lower bound of its 95% adjusted-Wald interval")
    nps_high: float = doc("upper bound of the interval")
    nps_answers: int = doc("answers behind the NPS")
    mrr: float = doc("MRR in the last month of the quarter")
    arr: float = doc("ARR = 12 x MRR")
    mrr_change: float = doc("MRR change over the quarter (relative; NaN if no MRR before)")
    renewal_probability: float = doc("projected probability of renewing (sBG conditional survival to the renewal date)")
    days_to_renewal: int | None = doc("days from the end of the quarter to the renewal date")
    goals: tuple[GoalRow, ...] = doc("objectives vs results")
    usage: tuple[UsageRow, ...] = doc("last 6 months of adoption")
    adoption: float = doc("adoption rate in the last month of the quarter (metrics.adoption_rate)")
    tickets: int = doc("tickets opened in the quarter")
    open_tickets: int = doc("tickets of the quarter not resolved yet")
    tmr_first_response_hours: float = doc("mean hours to first response (metrics.response_times)")
    tmr_first_response_median_hours: float = doc("median hours to first response")
    tmr_resolution_hours: float = doc("mean hours to resolution")
    csat: float = doc("share of satisfied CSAT answers in the quarter (metrics.csat_rate)")
    ces: float = doc("mean CES answer 1-7 in the quarter (metrics.customer_effort_score)")
    milestones_done: tuple[MilestoneRow, ...] = doc("milestones completed")
    milestones_next: tuple[MilestoneRow, ...] = doc("open milestones, earliest first")
    risks: tuple[str, ...] = doc("risk keys with parameters, rendered through i18n (see build.risk_texts)")
    opportunities: tuple[OpportunityRow, ...] = doc("upsell / cross-sell opportunities")
    next_steps: tuple[MilestoneRow, ...] = doc("agreed next steps: the next open milestones of each side")
    mrr_chart: Chart = doc("MRR over the last 12 months")
    usage_chart: Chart = doc("active and licensed users over the last 6 months")
    nps_chart: Chart = doc("NPS answers by quarter")


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
    """A renewal due in the next 90 days, with its forecast."""

    client_id: str = doc("client id")
    name: str = doc("client name")
    due_date: date = doc("renewal date")
    mrr: float = doc("current MRR")
    health_score: float = doc("health score now")
    probability: float = doc("forecast probability of renewing (reports.forecast, learned from the Renewals sheet)")
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
    bridge: tuple[dict[str, Any], ...] = doc("MRR movements of the last 12 months (metrics.mrr_movements)")
    movers: tuple[MoverRow, ...] = doc("largest clients behind each movement of the month (metrics.customer_movements)")
    cohorts: tuple[tuple[pd.Timestamp, int, tuple[float, ...]], ...] = doc(
        "cohort, size, logo retention by age (metrics.cohort_retention)"
    )
    cohort_ages: int = doc("ages shown in the cohort table")
    top_clients: tuple[tuple[str, float, float], ...] = doc("top 10 clients: name, MRR, share of MRR")
    by_touch: tuple[BreakdownRow, ...] = doc("breakdown by touch model")
    by_csm: tuple[BreakdownRow, ...] = doc("breakdown by CSM")
    renewals: tuple[RenewalRow, ...] = doc("renewals due in the next 90 days, largest MRR first")
    renewal_bands: tuple[RenewalBandRow, ...] = doc("renewals by probability band, then the total")
    forecast: RenewalModel = doc(
        "the renewal model (reports.forecast.renewal_forecast_model): method, history, backtest and reliability"
    )
    bridge_chart: Chart = doc("waterfall of the month's MRR movements")
    mrr_chart: Chart = doc("MRR over the last 12 months")


def describe(cls: type) -> dict[str, str]:
    """Field name -> help text of a context dataclass (nested dataclasses as ``a.b``)."""
    out: dict[str, str] = {}
    for f in fields(cls):
        out[f.name] = f.metadata.get("help", "")
        ftype = f.type if isinstance(f.type, type) else None
        if ftype is not None and is_dataclass(ftype):
            for sub, text in describe(ftype).items():
                out[f"{f.name}.{sub}"] = text
    return out

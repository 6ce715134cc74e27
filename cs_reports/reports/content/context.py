"""The documented contexts of the reports: what a template may use, and where it comes from.

Every number a report shows is a field here, filled by :mod:`cs_reports.reports.build`
from :mod:`cs_reports.metrics`. Each field carries a help text (``metadata["help"]``);
``docs/reports.md`` lists them and a test fails when a template uses an undocumented name.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, get_args, get_type_hints

import pandas as pd

from cs_reports.data.summary import Policies, PortfolioSummary
from cs_reports.reports.content.charts import Chart

if TYPE_CHECKING:
    from cs_reports.reports.content.forecast import RenewalModel

__all__ = [
    "AdoptionSection",
    "AttentionSection",
    "BreakdownRow",
    "ClientInfo",
    "CommercialSection",
    "Compare",
    "Driver",
    "FinanceContext",
    "Forecast",
    "GoalRow",
    "GoalsSection",
    "HealthSection",
    "MilestoneRow",
    "MilestonesSection",
    "MoverRow",
    "NextStep",
    "NextStepsSection",
    "NpsQuarter",
    "OpportunityRow",
    "QBRContext",
    "RenewalBandRow",
    "RenewalRow",
    "RiskItem",
    "RisksSection",
    "SuccessMapContext",
    "SummarySection",
    "SupportSection",
    "TalkingPointsSection",
    "UsageRow",
    "Verbatim",
    "VerbatimsSection",
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
class Compare:
    """A KPI this quarter next to the previous quarter."""

    now: float = doc("value this quarter (NaN = no data)")
    before: float = doc("value in the previous quarter (NaN = no data, or a client first paid in the quarter)")
    change: float = doc("now - before (NaN if either is missing)")


@dataclass(frozen=True)
class NpsQuarter:
    """NPS of one quarter."""

    label: str = doc("quarter, e.g. 3T26 / Q3 26")
    score: float = doc("NPS of the quarter's answers (NaN = no answer)")
    answers: int = doc("answers in the quarter")


@dataclass(frozen=True)
class NextStep:
    """An open milestone due before the end of the next quarter."""

    step: MilestoneRow = doc("the milestone")
    overdue_days: int = doc("days past its due date at the quarter's end (0 = not overdue)")


@dataclass(frozen=True)
class RiskItem:
    """A risk worded for the report (see reports.content.risks)."""

    key: str = doc("rule key (reports.content.risks.RULES)")
    severity: str = doc("high / medium")
    title: str = doc("short title in the report's language")
    evidence: str = doc("the numbers behind it, or the client wording in the client edition")


@dataclass(frozen=True)
class Verbatim:
    """One NPS comment."""

    date: date = doc("answer date")
    score: int = doc("0-10 answer")
    comment: str = doc("the comment as written")


@dataclass(frozen=True)
class SummarySection:
    """Headline KPIs, each next to the previous quarter."""

    adoption: Compare = doc("adoption rate at the quarter's end (metrics.adoption_rate)")
    active_users: Compare = doc("active users at the quarter's end")
    goals_achieved: int = doc("objectives that reached their target")
    goals_total: int = doc("objectives in the plan")
    nps: Compare = doc("NPS of the quarter's answers (metrics.net_promoter_score)")
    nps_answers: Compare = doc("NPS answers in the quarter")
    tickets: Compare = doc("tickets opened in the quarter")
    csat: Compare = doc("share of satisfied CSAT answers in the quarter (metrics.csat_rate)")
    milestones_done: Compare = doc("milestones completed in the quarter")


@dataclass(frozen=True)
class GoalsSection:
    """The client's objectives against their results."""

    goals: tuple[GoalRow, ...] = doc("objectives vs results")


@dataclass(frozen=True)
class AdoptionSection:
    """Adoption over the last 6 months."""

    usage: tuple[UsageRow, ...] = doc("last 6 months of adoption")
    adoption: Compare = doc("adoption rate at the quarter's end vs the previous quarter's end")
    licensed: Compare = doc("licenses at the quarter's end vs the previous quarter's end")
    usage_chart: Chart = doc("adoption rate over the last 6 months")


@dataclass(frozen=True)
class SupportSection:
    """Support and satisfaction in the quarter, each KPI next to the previous quarter."""

    tickets: Compare = doc("tickets opened in the quarter")
    open_tickets: int = doc("tickets of the quarter not resolved yet")
    first_response_hours: Compare = doc("mean hours to first response (metrics.response_times)")
    first_response_median_hours: float = doc("median hours to first response this quarter")
    resolution_hours: Compare = doc("mean hours to resolution")
    csat: Compare = doc("share of satisfied CSAT answers (metrics.csat_rate)")
    ces: Compare = doc("mean CES answer 1-7 (metrics.customer_effort_score)")
    nps_quarters: tuple[NpsQuarter, ...] = doc("NPS of the last 6 quarters with their answer counts")
    nps_chart: Chart = doc("NPS by quarter, answer count on each bar")


@dataclass(frozen=True)
class MilestonesSection:
    """The success plan's milestones."""

    done: tuple[MilestoneRow, ...] = doc("milestones completed up to the quarter's end, latest first (at most 8)")
    done_count: int = doc("milestones completed up to the quarter's end")


@dataclass(frozen=True)
class NextStepsSection:
    """Open milestones due by the end of the next quarter, overdue ones flagged."""

    steps: tuple[NextStep, ...] = doc("open milestones due by ``until``, earliest first")
    until: date = doc("end of the window (settings.next_steps_days after the quarter)")


@dataclass(frozen=True)
class AttentionSection:
    """Client edition: the points the client can act on, worded for the client."""

    points: tuple[RiskItem, ...] = doc("client-actionable risks (reports.content.risks.CLIENT_ACTIONABLE)")


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


@dataclass(frozen=True)
class VerbatimsSection:
    """Internal: NPS comments of the last two quarters."""

    comments: tuple[Verbatim, ...] = doc("comments, lowest score first (at most 8)")


@dataclass(frozen=True)
class TalkingPointsSection:
    """Internal: what to say in the meeting, from the wins and the risks."""

    points: tuple[str, ...] = doc("talking points in the report's language")
    assumptions: tuple[str, ...] = doc(
        "the book's assumptions that can change this client's figures (book.assumptions.touching), one line each"
    )


@dataclass(frozen=True)
class QBRContext:
    """Everything the QBR template shows; a section is None when the edition leaves it out."""

    client: ClientInfo = doc("the client")
    audience: str = doc("client / internal")
    year: int = doc("quarter's year")
    quarter: int = doc("quarter number 1-4")
    period_start: pd.Timestamp = doc("first month of the quarter")
    period_end: pd.Timestamp = doc("last month of the quarter")
    generated_on: date = doc("date the report was produced")
    sections: tuple[str, ...] = doc("the edition's sections, in order (reports.content.sections.EDITIONS)")
    summary: SummarySection | None = doc("headline KPIs vs the previous quarter")
    goals: GoalsSection | None = doc("objectives vs results")
    adoption: AdoptionSection | None = doc("adoption")
    support: SupportSection | None = doc("support and satisfaction")
    milestones: MilestonesSection | None = doc("success-plan milestones")
    next_steps: NextStepsSection | None = doc("next steps of both sides")
    attention: AttentionSection | None = doc("client edition: points the client can act on")
    health: HealthSection | None = doc("internal: Health Score and drivers")
    risks: RisksSection | None = doc("internal: risks with evidence")
    forecast: Forecast | None = doc("internal: renewal forecast")
    commercial: CommercialSection | None = doc("internal: MRR, LTV, CAC, margin, opportunities")
    verbatims: VerbatimsSection | None = doc("internal: NPS comments")
    talking_points: TalkingPointsSection | None = doc("internal: talking points")


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


def describe(cls: type) -> dict[str, str]:
    """Field name -> help text of a context dataclass (nested dataclasses as ``a.b``, items of tuples too).

    >>> "summary.adoption.now" in describe(QBRContext), "goals.goals.progress" in describe(QBRContext)
    (True, True)
    """
    out: dict[str, str] = {}
    hints = get_type_hints(cls, localns=_late_names())
    for f in fields(cls):
        out[f.name] = f.metadata.get("help", "")
        for inner in _dataclasses_in(hints[f.name]):
            for sub, text in describe(inner).items():
                out[f"{f.name}.{sub}"] = text
    return out


def _late_names() -> dict[str, Any]:
    """Names only imported for type checking here (their modules import this one)."""
    from cs_reports.reports.content.forecast import RenewalModel

    return {"RenewalModel": RenewalModel}


def _dataclasses_in(tp: Any) -> list[type]:
    """Dataclasses named by a type hint (``X``, ``X | None``, ``tuple[X, ...]``)."""
    if isinstance(tp, type) and is_dataclass(tp):
        return [tp]
    return [d for arg in get_args(tp) for d in _dataclasses_in(arg)]

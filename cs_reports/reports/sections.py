"""QBR sections: each a small function ``(book, client, period, settings) -> section context``.

An edition is the ordered tuple of sections it includes (:data:`EDITIONS`). Every section reads
only its client's rows (``Book.rows_of``); portfolio-level figures (health scores of every
client, the renewal model, the portfolio summary) come from ``common.per_book``, computed once
per book and month. Figures several sections share (adoption, the risk signals) are memoised on
the :class:`Subject`, so a report computes them once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from cs_reports import metrics as m
from cs_reports.data.book import SHEET_FIELDS, Book
from cs_reports.data.summary import portfolio_summary
from cs_reports.errors import InvalidInputError
from cs_reports.reports import charts, risks
from cs_reports.reports.common import (
    as_date,
    client_goals,
    client_milestones,
    health_at,
    per_book,
    quiet,
    renewal_model,
    renewal_probability,
    rows,
    text,
)
from cs_reports.reports.context import (
    AdoptionSection,
    AttentionSection,
    ClientInfo,
    CommercialSection,
    Compare,
    Driver,
    Forecast,
    GoalRow,
    GoalsSection,
    HealthSection,
    MilestoneRow,
    MilestonesSection,
    NextStep,
    NextStepsSection,
    NpsQuarter,
    OpportunityRow,
    RiskItem,
    RisksSection,
    SummarySection,
    SupportSection,
    TalkingPointsSection,
    UsageRow,
    Verbatim,
    VerbatimsSection,
)
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.render import strings
from cs_reports.reports.settings import ReportSettings

__all__ = ["EDITIONS", "SECTIONS", "Period", "Subject", "edition", "renewal_forecast", "signals"]


@dataclass(frozen=True)
class Period:
    """Three months ending at ``end`` (a calendar quarter for the QBR)."""

    end: pd.Timestamp

    @property
    def start(self) -> pd.Timestamp:
        """First month."""
        return self.end - pd.DateOffset(months=2)

    @property
    def prev_end(self) -> pd.Timestamp:
        """Last month of the previous three months."""
        return self.end - pd.DateOffset(months=3)

    @property
    def year(self) -> int:
        """Year of the last month."""
        return int(self.end.year)

    @property
    def quarter(self) -> int:
        """Quarter of the last month."""
        return (int(self.end.month) - 1) // 3 + 1

    @property
    def last_day(self) -> pd.Timestamp:
        """Last day of the last month."""
        return self.end + pd.offsets.MonthEnd(0)


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


def _compare(now: float, before: float) -> Compare:
    return Compare(now, before, now - before)


def _in(frame: pd.DataFrame, col: str, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Rows of ``frame`` whose ``col`` falls in the months ``first`` .. ``last``."""
    return frame[(frame[col] >= first) & (frame[col] < last + pd.offsets.MonthBegin(1))]


def _own(book: Book, sheet: str, client: Subject) -> pd.DataFrame | None:
    return book.rows_of(sheet, client.client_id) if getattr(book, SHEET_FIELDS[sheet]) is not None else None


# --- shared per-client figures -------------------------------------------------------------


def _usage_at(book: Book, client: Subject, month: pd.Timestamp) -> tuple[float, float, float]:
    """(adoption rate, active users, licenses) in ``month``."""
    u = _own(book, "Usage", client)
    if u is None:
        return math.nan, math.nan, math.nan
    last = u[u["month"] == month]
    if not len(last):
        return math.nan, math.nan, math.nan
    active, licensed = float(last["active_users"].sum()), float(last["licensed_users"].sum())
    return quiet(m.adoption_rate, last["active_users"], last["licensed_users"]), active, licensed


def _mrr_at(book: Book, client: Subject, month: pd.Timestamp) -> float:
    own = book.rows_of("MRR", client.client_id)
    return float(own.loc[own["month"] == month, "mrr"].sum()) if len(own) else 0.0


def _support(book: Book, client: Subject, first: pd.Timestamp, last: pd.Timestamp) -> dict[str, float]:
    """Support KPIs of the tickets opened from ``first`` to ``last`` (memoised per report)."""
    return client.once(f"support {first:%Y-%m} {last:%Y-%m}", lambda: _support_of(book, client, first, last))  # type: ignore[no-any-return]


def _support_of(book: Book, client: Subject, first: pd.Timestamp, last: pd.Timestamp) -> dict[str, float]:
    tk = _own(book, "Tickets", client)
    out = dict.fromkeys(("tickets", "open", "first", "first_median", "resolution", "csat", "ces"), math.nan)
    if tk is None:
        return out
    q = _in(tk, "opened_at", first, last)
    out["tickets"], out["open"] = float(len(q)), float(q["resolved_at"].isna().sum())
    if len(q):
        fr = quiet(m.response_times, q["opened_at"], q["first_response_at"])
        out["first"], out["first_median"] = fr.mean_hours, fr.median_hours
        out["resolution"] = quiet(m.response_times, q["opened_at"], q["resolved_at"]).mean_hours
        out["csat"] = quiet(m.csat_rate, q["csat"])
        out["ces"] = quiet(m.customer_effort_score, q["ces"])
    return out


def _milestones_of(book: Book, client: Subject) -> list[MilestoneRow]:
    return client.once("milestones", lambda: client_milestones(book, client.client_id))  # type: ignore[no-any-return]


def _goals_of(book: Book, client: Subject, settings: ReportSettings) -> tuple[GoalRow, ...]:
    return client.once(  # type: ignore[no-any-return]
        "goals", lambda: client_goals(book, client.client_id, on_track=settings.goal_on_track_rate)
    )


def _nps_of(answers: pd.Series) -> float:
    return float(quiet(lambda: m.net_promoter_score(answers).score)) if len(answers) else math.nan


def _health(book: Book, client: Subject, period: Period) -> tuple[Any, Any]:
    now, before = health_at(book, period.end), health_at(book, period.prev_end)
    return (
        now.loc[now["client_id"] == client.client_id].iloc[0],
        before.loc[before["client_id"] == client.client_id].iloc[0],
    )


def signals(book: Book, client: Subject, period: Period, settings: ReportSettings) -> risks.ClientSignals:
    """The numbers the risk rules look at, from the client's own rows (memoised per report)."""

    def compute() -> risks.ClientSignals:
        adoption, active, licensed = _usage_at(book, client, period.end)
        before, _, _ = _usage_at(book, client, period.prev_end)
        h, hp = _health(book, client, period)
        overdue = [
            (x, (period.last_day.date() - x.due_date).days)
            for x in _milestones_of(book, client)
            if x.status != "done" and x.due_date is not None
        ]
        overdue = [(x, d) for x, d in overdue if d > settings.overdue_days]
        nps = _own(book, "NPS", client)
        year_ago = period.end - pd.DateOffset(months=11)
        recent = _in(nps, "date", year_ago, period.end) if nps is not None else None
        answered = nps.loc[nps["date"] <= period.last_day, "date"] if nps is not None else None
        last_answer = answered.max() if answered is not None and len(answered) else None
        months_since = (
            math.nan
            if last_answer is None
            else float((period.end.year - last_answer.year) * 12 + period.end.month - last_answer.month)
        )
        tk = _own(book, "Tickets", client)
        cutoff = period.last_day - pd.Timedelta(days=settings.old_ticket_days)
        old = (
            tk[(tk["opened_at"] <= cutoff) & (tk["resolved_at"].isna() | (tk["resolved_at"] > period.last_day))]
            if tk is not None
            else None
        )
        forecast = renewal_forecast(book, client, period, settings)
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
            nps_answers=0 if recent is None else len(recent),
            nps_detractors=0 if recent is None else int((recent["score"] <= 6).sum()),
            months_since_nps=months_since,
            old_open_tickets=0 if old is None else len(old),
            oldest_open_days=0.0
            if old is None or not len(old)
            else float((period.last_day - old["opened_at"].min()).days),
            mrr_now=_mrr_at(book, client, period.end),
            mrr_before=_mrr_at(book, client, period.prev_end),
            days_to_renewal=math.nan if forecast.days_to_renewal is None else float(forecast.days_to_renewal),
            renewal_probability=forecast.probability,
            end_month=int(period.end.month),
        )

    return client.once("signals", compute)  # type: ignore[no-any-return]


def _risk_items(
    book: Book, client: Subject, period: Period, settings: ReportSettings, audience: str
) -> tuple[RiskItem, ...]:
    s = signals(book, client, period, settings)
    found = risks.assess_risks(s, settings)
    words = risks.risk_texts(found, s, client.t, client.fmt, audience=audience, currency=client.info.currency)
    return tuple(RiskItem(w.key, w.severity, w.title, w.evidence) for w in words)


def renewal_forecast(book: Book, client: Subject, period: Period, settings: ReportSettings) -> Forecast:
    """The client's renewal forecast: one value object, so another model can replace this function.

    Today: the portfolio's shifted-beta-geometric fit (``common.renewal_model``, once per book and
    month) conditioned on the client's tenure (``common.renewal_probability``).
    """

    def compute() -> Forecast:
        renewal = client.info.renewal_date
        days = (pd.Timestamp(renewal) - period.last_day).days if renewal else None
        try:
            fit = renewal_model(book, period.end)
            p = renewal_probability(fit, book, client.client_id, period.end, renewal)
            basis = client.t["forecast_basis_sbg"]
        except InvalidInputError as exc:
            p, basis = math.nan, client.t["forecast_basis_none"].format(reason=str(exc))
        band = (
            "unknown"
            if math.isnan(p)
            else "likely"
            if p >= settings.forecast_likely_rate
            else "unlikely"
            if p < settings.forecast_unlikely_rate
            else "uncertain"
        )
        return Forecast(p, band, basis, renewal, days)

    return client.once("forecast", compute)  # type: ignore[no-any-return]


# --- the sections ----------------------------------------------------------------------------


def summary(book: Book, client: Subject, period: Period, settings: ReportSettings) -> SummarySection:
    """Headline KPIs, each next to the previous quarter."""
    a_now, act_now, _ = _usage_at(book, client, period.end)
    a_before, act_before, _ = _usage_at(book, client, period.prev_end)
    goals = _goals_of(book, client, settings)
    now = _support(book, client, period.start, period.end)
    before = _support(book, client, period.start - pd.DateOffset(months=3), period.prev_end)
    nps = _own(book, "NPS", client)
    q_now = _in(nps, "date", period.start, period.end)["score"] if nps is not None else pd.Series(dtype=float)
    prev_start = period.start - pd.DateOffset(months=3)
    q_before = _in(nps, "date", prev_start, period.prev_end)["score"] if nps is not None else pd.Series(dtype=float)
    done = [x.done_date for x in _milestones_of(book, client) if x.done_date is not None]

    def done_in(first: pd.Timestamp, last: pd.Timestamp) -> float:
        return float(sum(first.date() <= d <= (last + pd.offsets.MonthEnd(0)).date() for d in done))

    return SummarySection(
        adoption=_compare(a_now, a_before),
        active_users=_compare(act_now, act_before),
        goals_achieved=sum(g.status == "achieved" for g in goals),
        goals_total=len(goals),
        nps=_compare(_nps_of(q_now), _nps_of(q_before)),
        nps_answers=_compare(float(len(q_now)), float(len(q_before))),
        tickets=_compare(now["tickets"], before["tickets"]),
        csat=_compare(now["csat"], before["csat"]),
        milestones_done=_compare(done_in(period.start, period.end), done_in(prev_start, period.prev_end)),
    )


def goals(book: Book, client: Subject, period: Period, settings: ReportSettings) -> GoalsSection:
    """The client's objectives against their results."""
    return GoalsSection(_goals_of(book, client, settings))


def adoption(book: Book, client: Subject, period: Period, settings: ReportSettings) -> AdoptionSection:
    """Adoption over the last 6 months, at the quarter's end vs the previous quarter's end."""
    u = _own(book, "Usage", client)
    usage: tuple[UsageRow, ...] = ()
    if u is not None:
        u = u[(u["month"] > period.end - pd.DateOffset(months=6)) & (u["month"] <= period.end)].sort_values("month")
        usage = tuple(
            UsageRow(
                r.month,
                int(r.active_users),
                int(r.licensed_users),
                quiet(m.adoption_rate, [r.active_users], [r.licensed_users]),
            )
            for r in rows(u)
        )
    a_now, _, lic_now = _usage_at(book, client, period.end)
    a_before, _, lic_before = _usage_at(book, client, period.prev_end)
    t, fmt = client.t, client.fmt
    chart = charts.bar_chart(
        [(fmt.month(r.month, short=True), r.rate) for r in usage] or [("-", 0.0)],
        lang=client.lang,
        percent=True,
        alt=t["alt_usage"].format(name=client.info.name),
        labels=[fmt.percent(r.rate, 0) for r in usage] or None,
        width=460,
        height=140,
    )
    return AdoptionSection(usage, _compare(a_now, a_before), _compare(lic_now, lic_before), chart)


def support(book: Book, client: Subject, period: Period, settings: ReportSettings) -> SupportSection:
    """Support KPIs of the quarter vs the previous one, and NPS by quarter with answer counts."""
    now = _support(book, client, period.start, period.end)
    before = _support(book, client, period.start - pd.DateOffset(months=3), period.prev_end)
    fmt, t = client.fmt, client.t
    quarters = []
    nps = _own(book, "NPS", client)
    for back in range(5, -1, -1):
        end = period.end - pd.DateOffset(months=3 * back)
        answers = (
            _in(nps, "date", end - pd.DateOffset(months=2), end)["score"] if nps is not None else pd.Series(dtype=float)
        )
        quarters.append(
            NpsQuarter(fmt.quarter(end.year, (end.month - 1) // 3 + 1, short=True), _nps_of(answers), len(answers))
        )
    chart = charts.bar_chart(
        [(q.label, 0.0 if math.isnan(q.score) else q.score) for q in quarters],
        lang=client.lang,
        alt=t["alt_nps"].format(name=client.info.name),
        colors=[
            "#9aa3b2"
            if math.isnan(q.score)
            else "#2E8B57"
            if q.score >= settings.nps_good_score
            else "#E0A100"
            if q.score >= settings.nps_ok_score
            else "#C0392B"
            for q in quarters
        ],
        labels=[
            t["nps_bar_label"].format(score=fmt.number(q.score, 0), n=q.answers) if q.answers else t["nps_bar_none"]
            for q in quarters
        ],
        width=460,
        height=150,
    )
    return SupportSection(
        tickets=_compare(now["tickets"], before["tickets"]),
        open_tickets=int(0 if math.isnan(now["open"]) else now["open"]),
        first_response_hours=_compare(now["first"], before["first"]),
        first_response_median_hours=now["first_median"],
        resolution_hours=_compare(now["resolution"], before["resolution"]),
        csat=_compare(now["csat"], before["csat"]),
        ces=_compare(now["ces"], before["ces"]),
        nps_quarters=tuple(quarters),
        nps_chart=chart,
    )


def milestones(book: Book, client: Subject, period: Period, settings: ReportSettings) -> MilestonesSection:
    """Milestones done up to the quarter's end (latest first) and the open ones."""
    last = period.last_day.date()
    plan = _milestones_of(book, client)
    done = sorted(
        (x for x in plan if x.done_date is not None and x.done_date <= last),
        key=lambda x: x.done_date or last,
        reverse=True,
    )
    return MilestonesSection(tuple(done[:8]), len(done))


def next_steps(book: Book, client: Subject, period: Period, settings: ReportSettings) -> NextStepsSection:
    """Open milestones due by the end of the next quarter; overdue ones flagged with their delay."""
    last = period.last_day.date()
    until = (period.last_day + pd.Timedelta(days=settings.next_steps_days)).date()
    steps = [
        NextStep(x, max(0, (last - x.due_date).days))
        for x in _milestones_of(book, client)
        if x.status != "done" and x.due_date is not None and x.due_date <= until
    ]
    return NextStepsSection(tuple(steps), until)


def attention(book: Book, client: Subject, period: Period, settings: ReportSettings) -> AttentionSection:
    """Client edition: the risks the client can act on, worded for the client."""
    return AttentionSection(_risk_items(book, client, period, settings, "client"))


def _drivers_at(book: Book, period: Period) -> dict[str, pd.DataFrame]:
    """Health drivers of every client, by client (computed once per book and quarter)."""

    def compute() -> dict[str, pd.DataFrame]:
        frame = m.health_drivers(health_at(book, period.end), health_at(book, period.prev_end))
        return {str(k): g for k, g in frame.groupby("client_id", sort=False)}

    return per_book(book, "health_drivers", period.end, compute)  # type: ignore[no-any-return]


def health(book: Book, client: Subject, period: Period, settings: ReportSettings) -> HealthSection:
    """Internal: the Health Score, its band, its change and its drivers."""
    h, hp = _health(book, client, period)
    own = _drivers_at(book, period).get(client.client_id)
    drivers = tuple(
        Driver(r.component, float(h[f"{r.component}_subscore"]), float(r.current), float(np.nan_to_num(r.change)))
        for r in (rows(own) if own is not None else iter(()))
    )
    return HealthSection(float(h["score"]), str(h["band"]) or "no_score", float(h["score"] - hp["score"]), drivers)


def risks_section(book: Book, client: Subject, period: Period, settings: ReportSettings) -> RisksSection:
    """Internal: every risk with its evidence."""
    return RisksSection(_risk_items(book, client, period, settings, "internal"))


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
    mrr_now, mrr_before = _mrr_at(book, client, period.end), _mrr_at(book, client, period.prev_end)
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
    op = _own(book, "Opportunities", client)
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
        mrr=_compare(mrr_now, mrr_before),
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
    nps = _own(book, "NPS", client)
    if nps is None or "comment" not in nps.columns:
        return VerbatimsSection(())
    recent = _in(nps, "date", period.start - pd.DateOffset(months=3), period.end)
    recent = recent[recent["comment"].notna() & (recent["comment"].astype(str).str.strip() != "")]
    recent = recent.sort_values(["score", "date"], kind="stable")
    return VerbatimsSection(tuple(Verbatim(r.date.date(), int(r.score), str(r.comment)) for r in rows(recent.head(8))))


def talking_points(book: Book, client: Subject, period: Period, settings: ReportSettings) -> TalkingPointsSection:
    """Internal: open with the wins, then the risks to raise, then the renewal."""
    t, fmt = client.t, client.fmt
    points = []
    wins = [g for g in _goals_of(book, client, settings) if g.status == "achieved"]
    if wins:
        points.append(t["tp_wins"].format(goals="; ".join(g.objective for g in wins[:3])))
    for r in _risk_items(book, client, period, settings, "internal")[:3]:
        points.append(
            t[f"tp_{r.key}"] if f"tp_{r.key}" in t else t["tp_risk"].format(title=r.title, evidence=r.evidence)
        )
    f = renewal_forecast(book, client, period, settings)
    if f.days_to_renewal is not None and 0 <= f.days_to_renewal <= settings.renewal_window_days:
        points.append(t["tp_renewal"].format(date=fmt.date(f.renewal_date), days=f.days_to_renewal))
    return TalkingPointsSection(tuple(points) or (t["tp_none"],))


Section = Callable[[Book, Subject, Period, ReportSettings], Any]

#: Section name (the context field and the template block) -> its function.
SECTIONS: dict[str, Section] = {
    "summary": summary,
    "goals": goals,
    "adoption": adoption,
    "support": support,
    "milestones": milestones,
    "next_steps": next_steps,
    "attention": attention,
    "health": health,
    "risks": risks_section,
    "forecast": forecast,
    "commercial": commercial,
    "verbatims": verbatims,
    "talking_points": talking_points,
}

#: Audience -> the QBR's sections in order.
EDITIONS: dict[str, tuple[str, ...]] = {
    "client": ("summary", "goals", "adoption", "support", "milestones", "next_steps", "attention"),
    "internal": (
        "health",
        "risks",
        "forecast",
        "talking_points",
        "commercial",
        "verbatims",
        "summary",
        "goals",
        "adoption",
        "support",
        "milestones",
        "next_steps",
    ),
}


def edition(audience: str) -> tuple[str, ...]:
    """The sections of the ``audience`` edition; a clear error for an unknown audience."""
    if audience not in EDITIONS:
        raise InvalidInputError(f"--audience must be one of {list(EDITIONS)}, got {audience!r}.")
    return EDITIONS[audience]


def today() -> date:
    """The report date (one place, so tests can fix it)."""
    return date.today()

"""The summary section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content import attachments as tables
from cs_reports.reports.content.client_figures import (
    Period,
    Subject,
    compare,
    goals_of,
    has_previous_quarter,
    in_months,
    milestones_of,
    nps_of,
    own_rows,
    support_figures,
    usage_at,
)
from cs_reports.reports.content.context import Compare, doc
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import Kpi, SlideSpec, Value
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["SummarySection", "build", "slides", "table"]


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


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> SummarySection:
    """Headline KPIs, each next to the previous quarter."""
    prev = has_previous_quarter(book, client, period)
    a_now, act_now, _ = usage_at(book, client, period.end)
    a_before, act_before, _ = usage_at(book, client, period.prev_end)
    goals = goals_of(book, client, settings)
    now = support_figures(book, client, period.start, period.end)
    before = support_figures(book, client, period.start - pd.DateOffset(months=3), period.prev_end)
    nps = own_rows(book, "NPS", client)
    q_now = in_months(nps, "date", period.start, period.end)["score"] if nps is not None else pd.Series(dtype=float)
    prev_start = period.start - pd.DateOffset(months=3)
    q_before = (
        in_months(nps, "date", prev_start, period.prev_end)["score"] if nps is not None else pd.Series(dtype=float)
    )
    done = [x.done_date for x in milestones_of(book, client) if x.done_date is not None]

    def done_in(first: pd.Timestamp, last: pd.Timestamp) -> float:
        return float(sum(first.date() <= d <= (last + pd.offsets.MonthEnd(0)).date() for d in done))

    return SummarySection(
        adoption=compare(a_now, a_before, prev),
        active_users=compare(act_now, act_before, prev),
        goals_achieved=sum(g.status == "achieved" for g in goals),
        goals_total=len(goals),
        nps=compare(nps_of(q_now), nps_of(q_before), prev),
        nps_answers=compare(float(len(q_now)), float(len(q_before)), prev),
        tickets=compare(now["tickets"], before["tickets"], prev),
        csat=compare(now["csat"], before["csat"], prev),
        milestones_done=compare(done_in(period.start, period.end), done_in(prev_start, period.prev_end), prev),
    )


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The summary KPIs next to the previous quarter."""
    table = tables.compare_rows(
        s, ("adoption", "active_users", "nps", "nps_answers", "tickets", "csat", "milestones_done")
    )
    goals = pd.DataFrame([{"kpi": "goals_achieved", "this_quarter": s.goals_achieved, "previous_quarter": None}])
    return {"Summary": pd.concat([table, goals], ignore_index=True)}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The KPI cards of the summary section."""
    return _summary(ctx, kit.t, kit.fmt, kit.compare)


def _summary(ctx: QBRContext, t: dict[str, str], fmt: Formatter, compare: Callable[..., Kpi]) -> list[SlideSpec]:
    s = ctx.summary
    if s is None:
        return []
    kpis: dict[str, Value] = {
        "adoption": compare(t["label_license_adoption"], s.adoption, "pct"),
        "active_users": compare(t["active_users"], s.active_users, "num"),
        "goals": Kpi(fmt.number(s.goals_achieved), t["goals_achieved"], t["goals_of"].format(n=s.goals_total)),
        "nps": Kpi(
            fmt.number(s.nps.now, 0),
            t["nps_quarter"],
            t["nps_answers_note"].format(n=fmt.number(s.nps_answers.now), v=fmt.versus(s.nps, "num", t)),
        ),
        "tickets": compare(t["tickets"], s.tickets, "num"),
        "csat": compare(t["csat"], s.csat, "pct"),
    }
    notes = t["notes_summary"].format(
        **{k: v.value for k, v in kpis.items() if isinstance(v, Kpi)},
        milestones=fmt.number(s.milestones_done.now),
    )
    return [SlideSpec("KPIs", {"title": t["summary"], **kpis}, notes=notes)]

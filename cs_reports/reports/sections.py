"""QBR sections: each one :class:`Section` with its three faces, registered in :data:`SECTIONS`.

A section's data is a small function ``(book, client, period, settings) -> section context``
(the client sections here, the internal ones in :mod:`~cs_reports.reports.internal`); its
attachment table is in :mod:`~cs_reports.reports.attachments` and its slides in
:mod:`~cs_reports.reports.deck_sections` / :mod:`~cs_reports.reports.deck_internal`. An
edition is the ordered tuple of sections it includes (:data:`EDITIONS`). Every section reads
only its client's rows (``Book.rows_of``); portfolio-level figures (health scores of every
client, the renewal model, the portfolio summary) come from ``common.per_book``, computed once
per book and month. Figures several sections share (adoption, the risk signals) are memoised on
the :class:`Subject`, so a report computes them once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from cs_reports import metrics as m
from cs_reports.data.book import Book
from cs_reports.reports import attachments as tables
from cs_reports.reports import charts
from cs_reports.reports import deck_sections as slides
from cs_reports.reports.client_figures import (
    Period,
    Subject,
    compare,
    goals_of,
    in_months,
    milestones_of,
    nps_of,
    own_rows,
    renewal_forecast,
    risk_items,
    signals,
    support_figures,
    usage_at,
)
from cs_reports.reports.common import (
    quiet,
    rows,
)
from cs_reports.reports.context import (
    AdoptionSection,
    AttentionSection,
    GoalsSection,
    MilestonesSection,
    NextStep,
    NextStepsSection,
    NpsQuarter,
    QBRContext,
    SummarySection,
    SupportSection,
    UsageRow,
)
from cs_reports.reports.deck_internal import internal_slides
from cs_reports.reports.deck_sections import DeckKit
from cs_reports.reports.deck_spec import SlideSpec
from cs_reports.reports.internal import commercial, forecast, health, risks_section, talking_points, verbatims
from cs_reports.reports.settings import ReportSettings
from cs_reports.reports.vocabulary import one_of

__all__ = [
    "EDITIONS",
    "SECTIONS",
    "Period",
    "Section",
    "Subject",
    "edition",
    "health",
    "renewal_forecast",
    "risks_section",
    "signals",
]


# --- the sections ----------------------------------------------------------------------------


def summary(book: Book, client: Subject, period: Period, settings: ReportSettings) -> SummarySection:
    """Headline KPIs, each next to the previous quarter."""
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
        adoption=compare(a_now, a_before),
        active_users=compare(act_now, act_before),
        goals_achieved=sum(g.status == "achieved" for g in goals),
        goals_total=len(goals),
        nps=compare(nps_of(q_now), nps_of(q_before)),
        nps_answers=compare(float(len(q_now)), float(len(q_before))),
        tickets=compare(now["tickets"], before["tickets"]),
        csat=compare(now["csat"], before["csat"]),
        milestones_done=compare(done_in(period.start, period.end), done_in(prev_start, period.prev_end)),
    )


def goals(book: Book, client: Subject, period: Period, settings: ReportSettings) -> GoalsSection:
    """The client's objectives against their results."""
    return GoalsSection(goals_of(book, client, settings))


def adoption(book: Book, client: Subject, period: Period, settings: ReportSettings) -> AdoptionSection:
    """Adoption over the last 6 months, at the quarter's end vs the previous quarter's end."""
    u = own_rows(book, "Usage", client)
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
    a_now, _, lic_now = usage_at(book, client, period.end)
    a_before, _, lic_before = usage_at(book, client, period.prev_end)
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
    return AdoptionSection(usage, compare(a_now, a_before), compare(lic_now, lic_before), chart)


def support(book: Book, client: Subject, period: Period, settings: ReportSettings) -> SupportSection:
    """Support KPIs of the quarter vs the previous one, and NPS by quarter with answer counts."""
    now = support_figures(book, client, period.start, period.end)
    before = support_figures(book, client, period.start - pd.DateOffset(months=3), period.prev_end)
    fmt, t = client.fmt, client.t
    quarters = []
    nps = own_rows(book, "NPS", client)
    for back in range(5, -1, -1):
        end = period.end - pd.DateOffset(months=3 * back)
        answers = (
            in_months(nps, "date", end - pd.DateOffset(months=2), end)["score"]
            if nps is not None
            else pd.Series(dtype=float)
        )
        quarters.append(
            NpsQuarter(fmt.quarter(end.year, (end.month - 1) // 3 + 1, short=True), nps_of(answers), len(answers))
        )
    chart = charts.bar_chart(
        [(q.label, q.score) for q in quarters],  # a quarter without answers: drawn at 0, a gap in the data
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
        tickets=compare(now["tickets"], before["tickets"]),
        open_tickets=int(0 if math.isnan(now["open"]) else now["open"]),
        first_response_hours=compare(now["first"], before["first"]),
        first_response_median_hours=now["first_median"],
        resolution_hours=compare(now["resolution"], before["resolution"]),
        csat=compare(now["csat"], before["csat"]),
        ces=compare(now["ces"], before["ces"]),
        nps_quarters=tuple(quarters),
        nps_chart=chart,
    )


def milestones(book: Book, client: Subject, period: Period, settings: ReportSettings) -> MilestonesSection:
    """Milestones done up to the quarter's end (latest first) and the open ones."""
    last = period.last_day.date()
    plan = milestones_of(book, client)
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
        for x in milestones_of(book, client)
        if x.status != "done" and x.due_date is not None and x.due_date <= until
    ]
    return NextStepsSection(tuple(steps), until)


def attention(book: Book, client: Subject, period: Period, settings: ReportSettings) -> AttentionSection:
    """Client edition: the risks the client can act on, worded for the client."""
    return AttentionSection(risk_items(book, client, period, settings, "client"))


#: ``(book, client, period, settings) -> section context``: a section's data.
SectionBuilder = Callable[[Book, Subject, Period, ReportSettings], Any]
#: ``section context -> {sheet name: table}``: what the section adds to the report's attachment.
SectionTable = Callable[[Any], dict[str, pd.DataFrame]]
#: ``(QBR context, deck kit) -> slides``: the section's slides in the deck.
SectionSlides = Callable[[QBRContext, DeckKit], list[SlideSpec]]


@dataclass(frozen=True)
class Section:
    """One QBR section and its three faces, all required (``slides=None`` declares a section without slides).

    Attributes
    ----------
    build : SectionBuilder
        Its data (the context field of the same name as the section).
    table : SectionTable
        Its tables in the attachment (``attachments``).
    slides : SectionSlides or None
        Its deck slides (``deck_sections``, ``deck_internal``); ``None``: the deck has none, said here.
    """

    build: SectionBuilder
    table: SectionTable
    slides: SectionSlides | None


def _internal_slides(name: str) -> SectionSlides:
    """The slides face of an internal section (:mod:`cs_reports.reports.deck_internal`)."""

    def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
        return internal_slides(ctx, kit.lang, kit.t, kit.fmt, kit.compare)[name]()

    return slides


#: Section name (the context field and the template block) -> its three faces. The context
#: builder, the attachment writer and the deck loop over this; ``tests/reports/test_sections.py``
#: checks every section has its faces and a template block.
SECTIONS: dict[str, Section] = {
    "summary": Section(summary, tables.summary, slides.summary),
    "goals": Section(goals, tables.goals, slides.goals),
    "adoption": Section(adoption, tables.adoption, slides.adoption),
    "support": Section(support, tables.support, slides.support),
    # the deck shows what comes next (next_steps); the list of milestones done stays in the PDF
    "milestones": Section(milestones, tables.milestones, None),
    "next_steps": Section(next_steps, tables.next_steps, slides.next_steps),
    "attention": Section(attention, tables.attention, slides.attention),
    "health": Section(health, tables.health, _internal_slides("health")),
    "risks": Section(risks_section, tables.risks, _internal_slides("risks")),
    "forecast": Section(forecast, tables.forecast, _internal_slides("forecast")),
    "commercial": Section(commercial, tables.commercial, _internal_slides("commercial")),
    "verbatims": Section(verbatims, tables.verbatims, _internal_slides("verbatims")),
    "talking_points": Section(talking_points, tables.talking_points, _internal_slides("talking_points")),
}

#: Audience -> the QBR's sections in order.
EDITIONS: dict[str, tuple[str, ...]] = {
    "client": ("summary", "attention", "goals", "adoption", "support", "milestones", "next_steps"),
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
    return EDITIONS[one_of(audience, EDITIONS, name="--audience")]


def today() -> date:
    """The report date (one place, so tests can fix it)."""
    return date.today()

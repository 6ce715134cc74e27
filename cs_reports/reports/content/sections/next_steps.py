"""The next_steps section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content import attachments as tables
from cs_reports.reports.content.client_figures import (
    Period,
    Subject,
    milestones_of,
)
from cs_reports.reports.content.context import MilestoneRow, doc
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import Bullets, SlideSpec, TableSpec
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["NextStep", "NextStepsSection", "build", "slides", "table"]


@dataclass(frozen=True)
class NextStep:
    """An open milestone due before the end of the next quarter."""

    step: MilestoneRow = doc("the milestone")
    overdue_days: int = doc("days past its due date at the quarter's end (0 = not overdue)")


@dataclass(frozen=True)
class NextStepsSection:
    """Open milestones due by the end of the next quarter, overdue ones flagged."""

    steps: tuple[NextStep, ...] = doc("open milestones due by ``until``, earliest first")
    until: date = doc("end of the window (settings.next_steps_days after the quarter)")


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> NextStepsSection:
    """Open milestones due by the end of the next quarter; overdue ones flagged with their delay."""
    last = period.last_day.date()
    until = (period.last_day + pd.Timedelta(days=settings.next_steps_days)).date()
    steps = [
        NextStep(x, max(0, (last - x.due_date).days))
        for x in milestones_of(book, client)
        if x.status != "done" and x.due_date is not None and x.due_date <= until
    ]
    return NextStepsSection(tuple(steps), until)


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The next steps with their delay."""
    rows = [{**tables.milestone_cols(n.step), "status": n.step.status, "overdue_days": n.overdue_days} for n in s.steps]
    return {"Next steps": tables.frame(rows, (*tables.MILESTONE, "status", "overdue_days"))}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The next steps table, overdue first."""
    return _next_steps(ctx, kit.t, kit.fmt)


def _next_steps(ctx: QBRContext, t: dict[str, str], fmt: Formatter) -> list[SlideSpec]:
    n = ctx.next_steps
    if n is None:
        return []
    if not n.steps:
        text = t["no_next_steps"].format(date=fmt.date(n.until))
        return [SlideSpec("Bullets", {"title": t["next_steps"], "body": Bullets((text,))}, notes=t["notes_next"])]
    steps = sorted(n.steps, key=lambda x: x.overdue_days, reverse=True)  # as the PDF: overdue first
    table = TableSpec(
        (t["action"], t["side"], t["owner"], t["due"], t["status"]),
        tuple(
            (
                x.step.milestone,
                t[x.step.owner_side],
                x.step.owner,
                fmt.date(x.step.due_date, "short"),
                t["overdue_days"].format(n=x.overdue_days) if x.overdue_days else t[x.step.status],
            )
            for x in steps
        ),
        numeric=(3,),
    )
    caption = t["next_steps_note"].format(date=fmt.date(n.until))
    return [SlideSpec("Table", {"title": t["next_steps"], "table": table}, notes=f"{caption} {t['notes_next']}")]

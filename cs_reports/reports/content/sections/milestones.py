"""The milestones section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``); it has no slide, said here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content import attachments as tables
from cs_reports.reports.content.client_figures import (
    Period,
    Subject,
    milestones_of,
)
from cs_reports.reports.content.context import MilestoneRow, doc
from cs_reports.reports.settings import ReportSettings

__all__ = ["MilestonesSection", "build", "slides", "table"]


@dataclass(frozen=True)
class MilestonesSection:
    """The success plan's milestones."""

    done: tuple[MilestoneRow, ...] = doc("milestones completed up to the quarter's end, latest first (at most 8)")
    done_count: int = doc("milestones completed up to the quarter's end")


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> MilestonesSection:
    """Milestones done up to the quarter's end (latest first) and the open ones."""
    last = period.last_day.date()
    plan = milestones_of(book, client)
    done = sorted(
        (x for x in plan if x.done_date is not None and x.done_date <= last),
        key=lambda x: x.done_date or last,
        reverse=True,
    )
    return MilestonesSection(tuple(done[:8]), len(done))


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The milestones done."""
    rows = [{**tables.milestone_cols(x), "done_date": x.done_date} for x in s.done]
    return {"Milestones done": tables.frame(rows, (*tables.MILESTONE, "done_date"))}


#: The deck shows what comes next (``next_steps``); the list of milestones done stays in the PDF.
slides = None

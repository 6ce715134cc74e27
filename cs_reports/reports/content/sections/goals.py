"""The goals section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content import attachments as tables
from cs_reports.reports.content import slide_kit as deck
from cs_reports.reports.content.client_figures import (
    Period,
    Subject,
    goals_of,
)
from cs_reports.reports.content.context import GoalRow, doc
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import SlideSpec, TableSpec
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["GoalsSection", "build", "slides", "table"]


@dataclass(frozen=True)
class GoalsSection:
    """The client's objectives against their results."""

    goals: tuple[GoalRow, ...] = doc("objectives vs results")


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> GoalsSection:
    """The client's objectives against their results."""
    return GoalsSection(goals_of(book, client, settings))


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The goals with progress and status."""
    cols = ("objective", "kpi", "unit", "baseline", "target", "actual", "progress", "status")
    return {"Goals": tables.frame([{c: getattr(g, c) for c in cols} for g in s.goals], cols)}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The goals table."""
    return _goals(ctx, kit.fmt, kit.t)


def _goals(ctx: QBRContext, fmt: Formatter, t: dict[str, str]) -> list[SlideSpec]:
    if ctx.goals is None:
        return []
    goals = ctx.goals.goals
    if not goals:
        return [deck.nothing(t["goals"], t)]
    table = TableSpec(
        (t["objective"], t["kpi"], t["baseline"], t["target"], t["actual"], t["label_goal_progress"], t["status"]),
        tuple(
            (
                g.objective,
                g.kpi,
                deck.with_unit(g.baseline, g.unit, fmt),
                deck.with_unit(g.target, g.unit, fmt),
                deck.with_unit(g.actual, g.unit, fmt),
                fmt.percent(g.progress, 0),
                t[g.status],
            )
            for g in goals
        ),
        numeric=(2, 3, 4, 5),
    )
    counts = {s: sum(1 for g in goals if g.status == s) for s in ("achieved", "on_track", "at_risk")}
    return [
        SlideSpec("Table", {"title": t["goals"], "table": table}, notes=t["notes_goals"].format(n=len(goals), **counts))
    ]

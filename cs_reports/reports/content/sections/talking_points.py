"""The talking_points section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module (the slide bodies are in ``internal_slides``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content.client_figures import (
    Period,
    Subject,
    goals_of,
    renewal_forecast,
    risk_items,
)
from cs_reports.reports.content.context import doc
from cs_reports.reports.content.internal_slides import internal_slides
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import SlideSpec
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["TalkingPointsSection", "build", "slides", "table"]


@dataclass(frozen=True)
class TalkingPointsSection:
    """Internal: what to say in the meeting, from the wins and the risks."""

    points: tuple[str, ...] = doc("talking points in the report's language")
    assumptions: tuple[str, ...] = doc(
        "the book's assumptions that can change this client's figures (book.assumptions.touching), one line each"
    )


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> TalkingPointsSection:
    """Internal: open with the wins, then the risks to raise, then the renewal."""
    t, fmt = client.t, client.fmt
    points = []
    wins = [g for g in goals_of(book, client, settings) if g.status == "achieved"]
    if wins:
        points.append(t["tp_wins"].format(goals="; ".join(g.objective for g in wins[:3])))
    for r in risk_items(book, client, period, settings, "internal")[:3]:
        points.append(
            t[f"tp_{r.key}"] if f"tp_{r.key}" in t else t["tp_risk"].format(title=r.title, evidence=r.evidence)
        )
    f = renewal_forecast(book, client, period, settings)
    if f.days_to_renewal is not None and 0 <= f.days_to_renewal <= settings.renewal_window_days:
        points.append(t["tp_renewal"].format(date=fmt.date(f.renewal_date), days=f.days_to_renewal))
    shown = ("mrr", "churn", "nrr", "ltv", "ltv_cac", "nps", "support_times", "csat", "ces", "adoption")
    return TalkingPointsSection(
        tuple(points) or (t["tp_none"],),
        tuple(a.line(client.lang) for a in book.assumptions.touching(*shown, "renewal_rate", "clients")),
    )


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The talking points."""
    return {"Talking points": pd.DataFrame({"point": list(s.points)})}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The talking points slides (:mod:`cs_reports.reports.content.internal_slides`)."""
    return internal_slides(ctx, kit.lang, kit.t, kit.fmt, kit.compare)["talking_points"]()

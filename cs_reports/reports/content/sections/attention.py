"""The attention section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content import attachments as tables
from cs_reports.reports.content.client_figures import (
    Period,
    Subject,
    risk_items,
)
from cs_reports.reports.content.context import RiskItem, doc
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import Bullets, SlideSpec
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["AttentionSection", "build", "slides", "table"]


@dataclass(frozen=True)
class AttentionSection:
    """Client edition: the points the client can act on, worded for the client."""

    points: tuple[RiskItem, ...] = doc("client-actionable risks (reports.content.risks.CLIENT_ACTIONABLE)")


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> AttentionSection:
    """Client edition: the risks the client can act on, worded for the client."""
    return AttentionSection(risk_items(book, client, period, settings, "client"))


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The points of attention."""
    return {"Points of attention": tables.risk_rows(s.points)}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The points of attention, one bullet each."""
    return _attention(ctx, kit.t)


def _attention(ctx: QBRContext, t: dict[str, str]) -> list[SlideSpec]:
    if ctx.attention is None:
        return []
    points = tuple(f"{r.title}: {r.evidence}" for r in ctx.attention.points) or (t["no_attention"],)
    return [SlideSpec("Bullets", {"title": t["attention"], "body": Bullets(points)}, notes=t["notes_attention"])]

"""The risks section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module (the slide bodies are in ``internal_slides``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content import attachments as tables
from cs_reports.reports.content.client_figures import (
    Period,
    Subject,
    risk_items,
)
from cs_reports.reports.content.context import RisksSection
from cs_reports.reports.content.internal_slides import internal_slides
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import SlideSpec
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["build", "slides", "table"]


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> RisksSection:
    """Internal: every risk with its evidence."""
    return RisksSection(risk_items(book, client, period, settings, "internal"))


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The risks with their evidence."""
    return {"Risks": tables.risk_rows(s.risks)}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The risks slides (:mod:`cs_reports.reports.content.internal_slides`)."""
    return internal_slides(ctx, kit.lang, kit.t, kit.fmt, kit.compare)["risks"]()

"""The risks section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module (the slide bodies are in ``deck_internal``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports import attachments as tables
from cs_reports.reports.client_figures import (
    Period,
    Subject,
    risk_items,
)
from cs_reports.reports.context import QBRContext, RisksSection
from cs_reports.reports.deck_internal import internal_slides
from cs_reports.reports.deck_sections import DeckKit
from cs_reports.reports.deck_spec import SlideSpec
from cs_reports.reports.settings import ReportSettings

__all__ = ["build", "slides", "table"]


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> RisksSection:
    """Internal: every risk with its evidence."""
    return RisksSection(risk_items(book, client, period, settings, "internal"))


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The risks with their evidence."""
    return {"Risks": tables.risk_rows(s.risks)}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The risks slides (:mod:`cs_reports.reports.deck_internal`)."""
    return internal_slides(ctx, kit.lang, kit.t, kit.fmt, kit.compare)["risks"]()

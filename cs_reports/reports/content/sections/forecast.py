"""The forecast section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module (the slide bodies are in ``internal_slides``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content.client_figures import (
    Period,
    Subject,
    renewal_forecast,
)
from cs_reports.reports.content.context import Forecast
from cs_reports.reports.content.internal_slides import internal_slides
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import SlideSpec
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["build", "slides", "table"]


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> Forecast:
    """Internal: the renewal forecast."""
    return renewal_forecast(book, client, period, settings)


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The renewal forecast."""
    return {
        "Forecast": pd.DataFrame(
            [{"probability": s.probability, "band": s.band, "renewal_date": s.renewal_date, "basis": s.basis}]
        )
    }


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The forecast slides (:mod:`cs_reports.reports.content.internal_slides`)."""
    return internal_slides(ctx, kit.lang, kit.t, kit.fmt, kit.compare)["forecast"]()

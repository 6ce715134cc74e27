"""The health section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module (the slide bodies are in ``internal_slides``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content import attachments as tables
from cs_reports.reports.content.client_figures import (
    Period,
    Subject,
    has_previous_quarter,
    health_rows,
)
from cs_reports.reports.content.common import rows
from cs_reports.reports.content.context import Driver, HealthSection
from cs_reports.reports.content.internal_slides import internal_slides
from cs_reports.reports.content.portfolio import figures_of
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import SlideSpec
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["build", "data_status", "slides", "table"]


def _drivers_at(book: Book, period: Period) -> dict[str, pd.DataFrame]:
    """Health drivers of every client, by client (computed once per book and quarter)."""
    return figures_of(book).drivers(period.end, period.prev_end)


def data_status(now: float, before: float) -> str:
    """Whether a component had data at both ends of the comparison (see :class:`Driver`).

    A component without data (no tickets, no survey answer in the window) drops out of the
    score and its weight is spread over the others (``metrics.health_score``), so its
    contribution goes to 0 without the client doing worse: the report says so.

    Examples
    --------
    >>> data_status(80.0, 70.0), data_status(float("nan"), 70.0), data_status(60.0, float("nan"))
    ('', 'no_data_now', 'no_data_before')
    """
    if math.isnan(now):
        return "no_data_now"
    return "no_data_before" if math.isnan(before) else ""


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> HealthSection:
    """Internal: the Health Score, its band, its change and its drivers."""
    h, hp = health_rows(book, client, period)
    prev = has_previous_quarter(book, client, period)  # a new client's components did not rise from zero
    own = _drivers_at(book, period).get(client.client_id)
    drivers = tuple(
        Driver(
            r.component,
            float(h[f"{r.component}_subscore"]),
            float(r.current),
            float(np.nan_to_num(r.change)) if prev else math.nan,
            data_status(h[f"{r.component}_subscore"], hp[f"{r.component}_subscore"] if prev else 0.0),
        )
        for r in (rows(own) if own is not None else iter(()))
    )
    change = float(h["score"] - hp["score"]) if prev else math.nan
    return HealthSection(float(h["score"]), str(h["band"]) or "no_score", change, drivers)


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The Health Score and its drivers."""
    drivers = tables.frame(
        [
            {"component": d.key, "subscore": d.subscore, "points": d.contribution, "change": d.change, "data": d.data}
            for d in s.drivers
        ],
        ("component", "subscore", "points", "change", "data"),
    )
    total = pd.DataFrame(
        [{"component": "health_score", "subscore": s.score, "points": s.score, "change": s.change, "data": ""}]
    )
    return {"Health": pd.concat([total, drivers], ignore_index=True)}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The health slides (:mod:`cs_reports.reports.content.internal_slides`)."""
    return internal_slides(ctx, kit.lang, kit.t, kit.fmt, kit.compare)["health"]()

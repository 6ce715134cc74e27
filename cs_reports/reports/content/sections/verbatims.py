"""The verbatims section of the QBR: its data (``build``), its attachment table (``table``) and its slides (``slides``), in one module (the slide bodies are in ``internal_slides``)."""

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
    in_months,
    own_rows,
)
from cs_reports.reports.content.common import rows
from cs_reports.reports.content.context import doc
from cs_reports.reports.content.internal_slides import internal_slides
from cs_reports.reports.content.slide_kit import DeckKit
from cs_reports.reports.content.slide_spec import SlideSpec
from cs_reports.reports.settings import ReportSettings

if TYPE_CHECKING:
    from cs_reports.reports.content.sections import QBRContext

__all__ = ["Verbatim", "VerbatimsSection", "build", "slides", "table"]


@dataclass(frozen=True)
class Verbatim:
    """One NPS comment."""

    date: date = doc("answer date")
    score: int = doc("0-10 answer")
    comment: str = doc("the comment as written")


@dataclass(frozen=True)
class VerbatimsSection:
    """Internal: NPS comments of the last two quarters."""

    comments: tuple[Verbatim, ...] = doc("comments, lowest score first (at most 8)")


def build(book: Book, client: Subject, period: Period, settings: ReportSettings) -> VerbatimsSection:
    """Internal: NPS comments of the last two quarters, lowest score first."""
    nps = own_rows(book, "NPS", client)
    if nps is None or "comment" not in nps.columns:
        return VerbatimsSection(())
    recent = in_months(nps, "date", period.start - pd.DateOffset(months=3), period.end)
    recent = recent[recent["comment"].notna() & (recent["comment"].astype(str).str.strip() != "")]
    recent = recent.sort_values(["score", "date"], kind="stable")
    return VerbatimsSection(tuple(Verbatim(r.date.date(), int(r.score), str(r.comment)) for r in rows(recent.head(8))))


def table(s: Any) -> dict[str, pd.DataFrame]:
    """The survey comments."""
    rows = [{"date": v.date, "score": v.score, "comment": v.comment} for v in s.comments]
    return {"Survey comments": tables.frame(rows, ("date", "score", "comment"))}


def slides(ctx: QBRContext, kit: DeckKit) -> list[SlideSpec]:
    """The verbatims slides (:mod:`cs_reports.reports.content.internal_slides`)."""
    return internal_slides(ctx, kit.lang, kit.t, kit.fmt, kit.compare)["verbatims"]()

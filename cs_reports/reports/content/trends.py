"""Every client's quarter-on-quarter support and survey trends: one computation for forecast and risks.

For the three months ending at ``month`` ("now") and the three before ("before"): tickets
opened, their median resolution time, CSAT (share of 4-5 answers on the 1-5 scale,
:func:`cs_reports.metrics.csat_rate`'s definition) and its answers; over the twelve months
ending at ``month``: NPS answers and detractors (0-6). The forecast reads the derived
``ticket_growth``, ``csat_change`` and ``detractor_share``; the risk rules
(:mod:`cs_reports.reports.content.risks`) read the counts, so both tell the same story from the same numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content.common import per_book
from cs_reports.reports.settings import DEFAULT_SETTINGS

__all__ = ["TREND_COLUMNS", "trends_at"]

#: Columns of :func:`trends_at` (index ``client_id``; NaN = no data).
TREND_COLUMNS = (
    "tickets_now",
    "tickets_before",
    "ticket_growth",
    "resolution_now",
    "resolution_before",
    "resolved_now",
    "resolved_before",
    "csat_now",
    "csat_before",
    "csat_answers_now",
    "csat_answers_before",
    "csat_change",
    "nps_answers",
    "nps_detractors",
    "detractor_share",
)


def _window(frame: pd.DataFrame, column: str, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Rows of ``frame`` whose ``column`` falls in the months ``first`` .. ``last`` (inclusive)."""
    when = frame[column]
    return frame[(when >= first) & (when < last + pd.offsets.MonthBegin(1))]


def trends_at(book: Book, month: pd.Timestamp) -> pd.DataFrame:
    r"""Every client's trends at ``month`` (see the module docstring), computed once per book and month.

    ``ticket_growth`` is :math:`\log_2((n_{now} + 1) / (n_{before} + 1))` (0 = as many
    tickets as the quarter before, 1 = about twice as many); ``csat_change`` is
    ``csat_now - csat_before`` when both quarters have at least ``min_csat_answers`` (default
    setting) answers, else NaN; ``detractor_share`` is detractors / answers (NaN without answers).
    """
    month = pd.Timestamp(month)

    def compute() -> pd.DataFrame:
        ids = pd.Index(book.clients["client_id"], name="client_id")
        out = pd.DataFrame(index=ids, columns=list(TREND_COLUMNS), dtype=float)
        now_first, before_first = month - pd.DateOffset(months=2), month - pd.DateOffset(months=5)
        before_last = month - pd.DateOffset(months=3)
        if book.tickets is not None:
            tk = book.tickets
            for label, first, last in (("now", now_first, month), ("before", before_first, before_last)):
                w = _window(tk, "opened_at", first, last)
                out[f"tickets_{label}"] = w.groupby("client_id").size().reindex(ids).fillna(0).astype(float)
                hours = (w["resolved_at"] - w["opened_at"]).dt.total_seconds() / 3600
                by = hours.groupby(w["client_id"])
                out[f"resolution_{label}"] = by.median().reindex(ids).astype(float)
                out[f"resolved_{label}"] = by.count().reindex(ids).fillna(0).astype(float)
                answered = w[w["csat"].notna()]
                good = (answered["csat"] >= 4).groupby(answered["client_id"])
                out[f"csat_{label}"] = good.mean().reindex(ids).astype(float)
                out[f"csat_answers_{label}"] = good.size().reindex(ids).fillna(0).astype(float)
            out["ticket_growth"] = np.log2((out["tickets_now"] + 1) / (out["tickets_before"] + 1))
            enough = (out["csat_answers_now"] >= DEFAULT_SETTINGS.min_csat_answers) & (
                out["csat_answers_before"] >= DEFAULT_SETTINGS.min_csat_answers
            )
            out["csat_change"] = (out["csat_now"] - out["csat_before"]).where(enough)
        if book.nps is not None:
            recent = _window(book.nps, "date", month - pd.DateOffset(months=11), month)
            out["nps_answers"] = recent.groupby("client_id").size().reindex(ids).fillna(0).astype(float)
            bad = (recent["score"] <= 6).groupby(recent["client_id"]).sum()
            out["nps_detractors"] = bad.reindex(ids).fillna(0).astype(float)
            out["detractor_share"] = out["nps_detractors"] / out["nps_answers"].where(out["nps_answers"] > 0)
        return out.astype(float)

    frame: pd.DataFrame = per_book(book, "client_trends", month, compute)
    return frame


def client_trends(book: Book, client_id: str, month: pd.Timestamp) -> dict[str, float]:
    """One client's row of :func:`trends_at` (all NaN when the client is not in the book)."""
    frame = trends_at(book, month)
    if client_id not in frame.index:
        return dict.fromkeys(TREND_COLUMNS, math.nan)
    row: dict[str, float] = {str(k): float(v) for k, v in frame.loc[client_id].astype(float).to_dict().items()}
    return row

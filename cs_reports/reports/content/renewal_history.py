"""The renewal model's history: every resolved renewal with its client's signals, in one vectorised pass.

The renewal forecast (:mod:`cs_reports.reports.content.forecast`) learns from each past renewal the
client's signals the month before it was due. Computing every client's signals at each of the
book's renewal months and keeping one row per renewal cost ~50 passes over every table; here
the signals are computed only for the (client, month) pairs that have a renewal, from
clients x months grids built once (:func:`cs_reports.reports.content.portfolio.health_inputs_panel` for
the health inputs; for the trends, the one definition of
:mod:`cs_reports.reports.content.trends`: :func:`~cs_reports.reports.content.trends.trend_counts`
at those cells and :func:`~cs_reports.reports.content.trends.trend_figures` of them, with the
report's ``min_csat_answers``).

The numbers are those of the per-month definition, ``forecast._signals`` at each signal month
(the health scores of ``metrics.health_scores``, the trends of
:func:`cs_reports.reports.content.trends.trends_at`): ``tests/reports/test_renewal_history.py`` compares
both on generated books.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cs_reports import metrics as m
from cs_reports.data.book import Book
from cs_reports.reports.content.portfolio import COMPONENTS, figures_of, health_inputs_panel
from cs_reports.reports.content.trends import trend_counts, trend_figures
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings

__all__ = ["HISTORY_COLUMNS", "SIGNAL_FEATURES", "renewal_history"]

#: The signals of a renewal, in the forecast's feature order (``first_renewal`` is the contract's, added by the caller).
SIGNAL_FEATURES = (
    "health_score",
    "health_change_3m",
    "adoption",
    "detractor_share",
    "mrr_trend_3m",
    "ticket_growth",
    "csat_change",
)
#: Columns of :func:`renewal_history` before ``first_renewal``.
HISTORY_COLUMNS = ("client_id", "due", "renewed", "band", *SIGNAL_FEATURES)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(HISTORY_COLUMNS))


def _health(inputs: dict[str, np.ndarray], row: np.ndarray, col: np.ndarray) -> pd.DataFrame:
    """``metrics.health_scores`` of the panel's cells (``row``, ``col``); a cell with ``col < 0`` has no data."""
    ok = col >= 0
    frame = pd.DataFrame({"client_id": np.arange(len(row))})
    for name in COMPONENTS:
        values = np.full(len(row), np.nan)
        values[ok] = inputs[name][row[ok], col[ok]]
        frame[name] = values
    return m.health_scores(frame)


def renewal_history(book: Book, month: pd.Timestamp, settings: ReportSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Resolved renewals due up to ``month`` with the client's signals the month before the due date.

    Rows in the order of the per-month definition (by signal month, then as in the Renewals
    sheet); columns :data:`HISTORY_COLUMNS`. Renewals whose signal month is before the book's
    first month are left out (no signals). ``csat_change`` uses ``settings.min_csat_answers``,
    as the forecast's current signals (``trends.trends_at``) do.
    """
    if book.renewals is None:
        return _empty()
    r = book.renewals
    end = month + pd.offsets.MonthEnd(0)
    r = r[r["outcome"].isin(["renewed", "churned"]) & (r["due_date"] <= end)]
    signal_month = r["due_date"].dt.to_period("M").dt.to_timestamp() - pd.DateOffset(months=1)
    keep = (signal_month >= book.months[0]).to_numpy(dtype=bool)
    r, signal_month = r[keep], signal_month[keep]
    if not len(r):
        return _empty()
    order = np.argsort(signal_month.to_numpy(), kind="stable")
    r, signal_month = r.iloc[order], signal_month.iloc[order]
    figures = figures_of(book)
    last = max(book.months[-1], signal_month.max())
    months = pd.date_range(book.months[0], last, freq="MS")
    inputs = figures.inputs if len(months) == len(figures.months) else health_inputs_panel(book, months)
    ids = figures.clients
    row = ids.get_indexer(pd.Index(r["client_id"]))
    known = row >= 0
    row = np.where(known, row, 0)
    sm = signal_month.dt
    col = ((sm.year - months[0].year) * 12 + sm.month - months[0].month).to_numpy(dtype=np.int64)
    now = _health(inputs, row, np.where(known, col, -1))
    then = _health(inputs, row, np.where(known & (col >= 3), col - 3, -1))
    score = now["score"].to_numpy(dtype=float)
    mrr_trend = np.full(len(r), np.nan)
    adoption = np.full(len(r), np.nan)
    mrr_trend[known] = np.clip(inputs["mrr_trend"][row[known], col[known]], -1.0, 1.0)
    adoption[known] = inputs["adoption"][row[known], col[known]]
    counts = trend_counts(book, months, np.where(known, row, -1), col, resolution=False)
    trends = trend_figures(counts, min_csat_answers=settings.min_csat_answers)
    out = pd.DataFrame(
        {
            "client_id": r["client_id"].to_numpy(),
            "due": r["due_date"].to_numpy(),
            "renewed": (r["outcome"] == "renewed").to_numpy().astype(float),
            "band": np.where(known, now["band"].to_numpy(dtype=object), np.nan),
            "health_score": np.where(known, score, np.nan),
            "health_change_3m": np.where(known, score - then["score"].to_numpy(dtype=float), np.nan),
            "adoption": adoption,
            "mrr_trend_3m": mrr_trend,
            **trends,
        }
    )
    return out[list(HISTORY_COLUMNS)]

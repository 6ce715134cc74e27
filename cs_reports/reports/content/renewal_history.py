"""The renewal model's history: every resolved renewal with its client's signals, in one vectorised pass.

The renewal forecast (:mod:`cs_reports.reports.content.forecast`) learns from each past renewal the
client's signals the month before it was due. Computing every client's signals at each of the
book's renewal months and keeping one row per renewal cost ~50 passes over every table; here
the signals are computed only for the (client, month) pairs that have a renewal, from
clients x months grids built once (:func:`cs_reports.reports.content.portfolio.health_inputs_panel` for
the health inputs, windowed counts of tickets, CSAT answers and NPS answers for the trends).

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
from cs_reports.reports.content.portfolio import (
    COMPONENTS,
    figures_of,
    health_inputs_panel,
    month_cells,
    month_grid,
    trailing,
)
from cs_reports.reports.settings import DEFAULT_SETTINGS

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


def _trends(
    book: Book, ids: pd.Index, months: pd.DatetimeIndex, row: np.ndarray, col: np.ndarray
) -> dict[str, np.ndarray]:
    """``trends_at``'s ``detractor_share``, ``ticket_growth`` and ``csat_change`` at the cells (``row``, ``col``).

    ``months`` starts 11 months before the first month asked, so every window lies inside it.
    """
    shape = (len(ids), len(months))
    out = {name: np.full(len(row), np.nan) for name in ("detractor_share", "ticket_growth", "csat_change")}
    if book.tickets is not None:
        tk = book.tickets
        cells = month_cells(book.client_rows("Tickets"), months, tk["opened_at"])
        answered = tk["csat"].notna().to_numpy()
        good = (tk["csat"] >= 4).fillna(False).to_numpy(dtype=bool) & answered
        tickets = trailing(month_grid(cells, None, shape), 3)
        answers = trailing(month_grid(np.where(answered, cells, -1), None, shape), 3)
        goods = trailing(month_grid(np.where(answered, cells, -1), good.astype(float), shape), 3)

        def at(grid: np.ndarray, back: int) -> np.ndarray:
            found: np.ndarray = grid[row, col - back]
            return found

        now, before = at(tickets, 0), at(tickets, 3)
        out["ticket_growth"] = np.log2((now + 1) / (before + 1))
        n_now, n_before = at(answers, 0), at(answers, 3)
        with np.errstate(divide="ignore", invalid="ignore"):
            csat_now = np.where(n_now > 0, at(goods, 0) / np.where(n_now > 0, n_now, 1.0), np.nan)
            csat_before = np.where(n_before > 0, at(goods, 3) / np.where(n_before > 0, n_before, 1.0), np.nan)
        enough = (n_now >= DEFAULT_SETTINGS.min_csat_answers) & (n_before >= DEFAULT_SETTINGS.min_csat_answers)
        out["csat_change"] = np.where(enough, csat_now - csat_before, np.nan)
    if book.nps is not None:
        nps = book.nps
        cells = month_cells(book.client_rows("NPS"), months, nps["date"])
        bad = (nps["score"] <= 6).fillna(False).to_numpy(dtype=float)
        answers = trailing(month_grid(cells, None, shape), 12)[row, col]
        detractors = trailing(month_grid(cells, bad, shape), 12)[row, col]
        with np.errstate(divide="ignore", invalid="ignore"):
            out["detractor_share"] = np.where(answers > 0, detractors / np.where(answers > 0, answers, 1.0), np.nan)
    return out


def renewal_history(book: Book, month: pd.Timestamp) -> pd.DataFrame:
    """Resolved renewals due up to ``month`` with the client's signals the month before the due date.

    Rows in the order of the per-month definition (by signal month, then as in the Renewals
    sheet); columns :data:`HISTORY_COLUMNS`. Renewals whose signal month is before the book's
    first month are left out (no signals).
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
    window = pd.date_range(months[0] - pd.DateOffset(months=11), last, freq="MS")
    trends = _trends(book, ids, window, row, col + 11)
    for name in trends:
        trends[name][~known] = np.nan
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

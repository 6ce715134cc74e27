"""Every client's quarter-on-quarter support and survey trends: one definition for forecast, history and risks.

For the three months ending at a month ("now") and the three before ("before"): tickets
opened, their median resolution time and how many were resolved, CSAT (share of 4-5 answers
on the 1-5 scale, :func:`cs_reports.metrics.csat_rate`'s definition) and its answers; over the
twelve months ending at the month: NPS answers and detractors (0-6). These are the windowed
counts, :func:`trend_counts`, computed at any set of (client, month) cells from clients x months
grids (:mod:`cs_reports.reports.content.portfolio`). The derived ``ticket_growth``,
``csat_change`` and ``detractor_share`` are one function of the counts, :func:`trend_figures`.

Every reader evaluates these two functions and nothing else: :func:`trends_at` (every client at
one month: the risk rules' counts and the forecast's signals), the renewal model's history
(:mod:`cs_reports.reports.content.renewal_history`, at each renewal's signal month) and the risk
rules (:func:`cs_reports.reports.content.risks.assess_risks`, the CSAT and detractor rules read
:func:`trend_figures` of the client's counts). ``csat_change`` depends on the report's
``min_csat_answers`` setting (:data:`TREND_SETTINGS`): each figure is computed and cached with
the setting it was given, so a user's setting reaches the risk rules and the forecast alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from cs_reports.data.book import Book
from cs_reports.reports.content.common import per_book
from cs_reports.reports.content.portfolio import month_cells, month_grid, month_offsets, trailing, window_medians
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings

__all__ = [
    "COUNT_COLUMNS",
    "FIGURE_COLUMNS",
    "LOOKBACK",
    "TREND_COLUMNS",
    "TREND_SETTINGS",
    "client_trends",
    "trend_counts",
    "trend_figures",
    "trend_settings",
    "trends_at",
]

#: The windowed counts of :func:`trend_counts` (NaN = the book has no such sheet, or no value).
COUNT_COLUMNS = (
    "tickets_now",
    "tickets_before",
    "resolution_now",
    "resolution_before",
    "resolved_now",
    "resolved_before",
    "csat_now",
    "csat_before",
    "csat_answers_now",
    "csat_answers_before",
    "nps_answers",
    "nps_detractors",
)
#: The numbers derived from the counts by :func:`trend_figures`.
FIGURE_COLUMNS = ("ticket_growth", "csat_change", "detractor_share")
#: Columns of :func:`trends_at` (index ``client_id``; NaN = no data): the counts, then the figures.
TREND_COLUMNS = (*COUNT_COLUMNS, *FIGURE_COLUMNS)
#: The report settings the trends are computed with (part of every cache key of a figure read from them).
TREND_SETTINGS = ("min_csat_answers",)
#: Months before a cell that its windows read: the NPS window is the month and the 11 before.
LOOKBACK = 11
_QUARTER = 3


def trend_settings(settings: ReportSettings) -> dict[str, float]:
    """The values of :data:`TREND_SETTINGS` in ``settings`` (what a cached trend figure is keyed by)."""
    return {name: float(getattr(settings, name)) for name in TREND_SETTINGS}


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``part / whole`` where ``whole > 0``, else NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.where(whole > 0, part / np.where(whole > 0, whole, 1.0), np.nan)
    return out


def trend_counts(
    book: Book, months: pd.DatetimeIndex, row: np.ndarray, col: np.ndarray, *, resolution: bool = True
) -> dict[str, np.ndarray]:
    """The windowed counts (:data:`COUNT_COLUMNS`) of client ``row[i]`` at month ``months[col[i]]``, per cell ``i``.

    Parameters
    ----------
    book : Book
        The book; ``row`` holds positions in ``book.clients`` (``Book.client_rows``' numbering).
    months : DatetimeIndex
        Contiguous first-of-month months; the windows may reach :data:`LOOKBACK` months before the first.
    row, col : ndarray
        The cells, one per output value; a cell with ``row < 0`` or ``col`` outside ``months`` is all NaN.
    resolution : bool
        Whether to compute ``resolution_*`` and ``resolved_*`` (NaN otherwise; the renewal
        history does not read them).

    Returns
    -------
    dict
        Count name -> one float per cell. Tickets, CSAT answers and NPS counts are 0 for a
        client without rows in a window and NaN when the book has no such sheet; ``csat_*`` is
        the share of 4-5 answers (NaN without answers); ``resolution_*`` the median hours from
        opening to resolution of the tickets resolved (NaN without any), a grid median
        (:func:`cs_reports.reports.content.portfolio.window_medians`, pandas' grouped median).
    """
    row, col = np.asarray(row, dtype=np.int64), np.asarray(col, dtype=np.int64)
    out = {name: np.full(len(row), np.nan) for name in COUNT_COLUMNS}
    ok = (row >= 0) & (col >= 0) & (col < len(months))
    if not ok.any():
        return out
    window = pd.date_range(months[0] - pd.DateOffset(months=LOOKBACK), months[-1], freq="MS")
    shape = (len(book.clients), len(window))
    r, c = row[ok], col[ok] + LOOKBACK

    def at(grid: np.ndarray, back: int = 0) -> np.ndarray:
        found: np.ndarray = grid[r, c - back]
        return found

    def put(name: str, values: np.ndarray) -> None:
        out[name][ok] = values

    if book.tickets is not None:
        tk = book.tickets
        rows = book.client_rows("Tickets")
        opened = month_offsets(window, tk["opened_at"])
        cells = month_cells(rows, window, opened)
        answered = tk["csat"].notna().to_numpy(dtype=bool)
        good = (tk["csat"] >= 4).fillna(False).to_numpy(dtype=bool) & answered
        tickets = trailing(month_grid(cells, None, shape), _QUARTER)
        answers = trailing(month_grid(np.where(answered, cells, -1), None, shape), _QUARTER)
        goods = trailing(month_grid(np.where(answered, cells, -1), good.astype(float), shape), _QUARTER)
        if resolution:
            hours = ((tk["resolved_at"] - tk["opened_at"]).dt.total_seconds() / 3600).to_numpy(dtype=float)
            resolved = trailing(month_grid(np.where(np.isnan(hours), -1, cells), None, shape), _QUARTER)
            medians = window_medians(rows, opened, hours, _QUARTER, shape)
        for label, back in (("now", 0), ("before", _QUARTER)):
            put(f"tickets_{label}", at(tickets, back))
            put(f"csat_answers_{label}", at(answers, back))
            put(f"csat_{label}", _share(at(goods, back), at(answers, back)))
            if resolution:
                put(f"resolved_{label}", at(resolved, back))
                put(f"resolution_{label}", at(medians, back))
    if book.nps is not None:
        nps = book.nps
        cells = month_cells(book.client_rows("NPS"), window, nps["date"])
        bad = (nps["score"] <= 6).fillna(False).to_numpy(dtype=float)
        put("nps_answers", at(trailing(month_grid(cells, None, shape), LOOKBACK + 1)))
        put("nps_detractors", at(trailing(month_grid(cells, bad, shape), LOOKBACK + 1)))
    return out


def trend_figures(counts: Mapping[str, Any], *, min_csat_answers: float) -> dict[str, np.ndarray]:
    r"""``ticket_growth``, ``csat_change`` and ``detractor_share`` of windowed counts (arrays or scalars).

    .. math:: \mathrm{ticket\_growth} = \log_2 \frac{n_{now} + 1}{n_{before} + 1}

    (0 = as many tickets as the quarter before, 1 = about twice as many); ``csat_change`` is
    ``csat_now - csat_before`` when both quarters have at least ``min_csat_answers`` answers
    (and at least one), else NaN; ``detractor_share`` is ``nps_detractors / nps_answers`` (NaN without answers).
    ``counts`` needs the ``tickets_*``, ``csat_*``, ``csat_answers_*`` and ``nps_*`` counts of
    :func:`trend_counts` (or a client's :class:`~cs_reports.reports.content.risks.ClientSignals`).

    Examples
    --------
    >>> c = dict(tickets_now=3, tickets_before=1, csat_now=0.5, csat_before=0.75, csat_answers_now=4,
    ...          csat_answers_before=2, nps_answers=4, nps_detractors=1)
    >>> {k: float(v) for k, v in trend_figures(c, min_csat_answers=2).items()}
    {'ticket_growth': 1.0, 'csat_change': -0.25, 'detractor_share': 0.25}
    >>> float(trend_figures(c, min_csat_answers=3)["csat_change"])
    nan
    """

    def get(name: str) -> np.ndarray:
        return np.asarray(counts[name], dtype=float)

    least = max(min_csat_answers, 1.0)  # a CSAT needs an answer, whatever the setting
    enough = (get("csat_answers_now") >= least) & (get("csat_answers_before") >= least)
    return {
        "ticket_growth": np.log2((get("tickets_now") + 1) / (get("tickets_before") + 1)),
        "csat_change": np.where(enough, get("csat_now") - get("csat_before"), np.nan),
        "detractor_share": _share(get("nps_detractors"), get("nps_answers")),
    }


def trends_at(book: Book, month: pd.Timestamp, settings: ReportSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Every client's trends (:data:`TREND_COLUMNS`) at the month of ``month``, once per book, month and setting.

    :func:`trend_counts` at (every client, ``month``) and :func:`trend_figures` of them with
    ``settings.min_csat_answers``; kept beside the book's snapshot keyed by that setting.
    """
    month = pd.Timestamp(month).to_period("M").to_timestamp()

    def compute() -> pd.DataFrame:
        ids = pd.Index(book.clients["client_id"], name="client_id")
        n = len(ids)
        counts = trend_counts(book, pd.DatetimeIndex([month]), np.arange(n), np.zeros(n, dtype=np.int64))
        figures = trend_figures(counts, min_csat_answers=settings.min_csat_answers)
        return pd.DataFrame({**counts, **figures}, index=ids)[list(TREND_COLUMNS)].astype(float)

    frame: pd.DataFrame = per_book(book, "client_trends", month, compute, settings=trend_settings(settings))
    return frame


def client_trends(
    book: Book, client_id: str, month: pd.Timestamp, settings: ReportSettings = DEFAULT_SETTINGS
) -> dict[str, float]:
    """One client's row of :func:`trends_at` (all NaN when the client is not in the book)."""
    frame = trends_at(book, month, settings)
    if client_id not in frame.index:
        return dict.fromkeys(TREND_COLUMNS, math.nan)
    row: dict[str, float] = {str(k): float(v) for k, v in frame.loc[client_id].astype(float).to_dict().items()}
    return row

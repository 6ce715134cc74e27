"""Portfolio figures: every client's health inputs and scores, computed once per book, typed.

A report about one client needs figures of the whole portfolio (its Health Score is read from
every client's scores, its drivers compare two months, the renewal model learns from every
month). :func:`figures_of` computes them once per book and keeps them on one
:class:`PortfolioFigures` value: the raw health inputs of every client at every month of the
book, in one pass over the tables (vectorised over clients and months, not one pass per
month), and, per month asked, the scores, the scores by client, the drivers and the portfolio
summary. The cache is keyed by the book object itself (dropped when the book is), never by a
shared string, so one name has one meaning: :meth:`PortfolioFigures.health_by_client` is the
scores indexed by client id.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cs_reports import metrics as m
from cs_reports._validation import silenced as quiet
from cs_reports.data.book import Book
from cs_reports.data.summary import PortfolioSummary, client_health_inputs, portfolio_summary

__all__ = ["COMPONENTS", "PortfolioFigures", "figures_of", "health_inputs_panel"]

#: The raw health inputs, in the column order of :func:`cs_reports.data.summary.client_health_inputs`.
COMPONENTS = ("nps", "adoption", "support", "mrr_trend", "milestones")


def _cells(ids: pd.Index, months: pd.DatetimeIndex, client: pd.Series, month: pd.Series) -> np.ndarray:
    """Each row's cell ``client * len(months) + month`` in the clients x months grid; -1 outside it."""
    i = ids.get_indexer(pd.Index(client))
    year, number = month.dt.year.to_numpy(dtype=float), month.dt.month.to_numpy(dtype=float)
    j = np.nan_to_num((year - months[0].year) * 12 + (number - months[0].month), nan=-1.0).astype(np.int64)
    keep = (i >= 0) & (j >= 0) & (j < len(months)) & ~np.isnan(year)
    cells: np.ndarray = np.where(keep, i * len(months) + j, -1)
    return cells


def _grid(cells: np.ndarray, values: Any, shape: tuple[int, int]) -> np.ndarray:
    """``values`` (or 1 per row) summed into a clients x months grid at ``cells`` (-1: dropped)."""
    keep = cells >= 0
    weights = None if values is None else np.asarray(values, dtype=float)[keep]
    summed = np.bincount(cells[keep], weights=weights, minlength=shape[0] * shape[1])
    out: np.ndarray = summed.astype(float).reshape(shape)
    return out


def _window(grid: np.ndarray, span: int) -> np.ndarray:
    """Sum of each cell and the ``span - 1`` months before it (a trailing window along the months)."""
    total: np.ndarray = np.cumsum(grid, axis=1)
    shifted = np.zeros_like(total)
    shifted[:, span:] = total[:, :-span]
    out: np.ndarray = total - shifted
    return out


def _month_start(dates: pd.Series) -> pd.Series:
    starts: pd.Series = dates.dt.to_period("M").dt.to_timestamp()
    return starts


def health_inputs_panel(book: Book, months: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Every client's raw health inputs at every month of ``months`` (contiguous), one pass over the tables.

    Component -> a clients x months array (clients in ``book.clients`` order, NaN = no data);
    column ``j`` equals ``client_health_inputs(book, months[j])`` (``tests/reports/test_portfolio.py``
    checks every month of generated books). The windows are the same: NPS of the last 6
    months, adoption in the month, the median first response of the last 3 months, on-time
    milestones due by the month's end, MRR change over 3 months.
    """
    ids = pd.Index(book.clients["client_id"])
    shape = (len(ids), len(months))
    out = {name: np.full(shape, np.nan) for name in COMPONENTS}
    if len(months) == 0:
        return out
    matrix = m.mrr_matrix(book.mrr, start=months[0] - pd.DateOffset(months=3), end=months[-1])
    rows = matrix.clients.get_indexer(ids)
    cols = np.array([(mo.year - matrix.months[0].year) * 12 + mo.month - matrix.months[0].month for mo in months])
    known = rows >= 0
    now = np.zeros(shape)
    then = np.zeros(shape)
    now[known] = matrix.cents[rows[known]][:, cols] / 100.0
    then[known] = matrix.cents[rows[known]][:, cols - 3] / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out["mrr_trend"] = np.where(then > 0, (now - then) / np.where(then > 0, then, 1.0), np.nan)
    if book.nps is not None:
        nps = book.nps[book.nps["score"].notna() & book.nps["date"].notna()]
        cells = _cells(ids, months, nps["client_id"], _month_start(nps["date"]))
        total = _window(_grid(cells, nps["score"], shape), 6)
        count = _window(_grid(cells, None, shape), 6)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["nps"] = np.where(count > 0, total / np.where(count > 0, count, 1.0), np.nan)
    if book.usage is not None:
        u = book.usage[book.usage["month"] == _month_start(book.usage["month"])]  # as ``== month``
        cells = _cells(ids, months, u["client_id"], u["month"])
        active = _grid(cells, u["active_users"], shape)
        licensed = _grid(cells, u["licensed_users"], shape)
        seen = _grid(cells, None, shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["adoption"] = np.where(
                (seen > 0) & (licensed > 0), active / np.where(licensed > 0, licensed, 1.0), np.nan
            )
    if book.tickets is not None:
        t = book.tickets
        hours = (t["first_response_at"] - t["opened_at"]).dt.total_seconds() / 3600
        # a ticket counts in its month and the two after (a 3-month window)
        spread = np.concatenate(
            [_cells(ids, months, t["client_id"], t["opened_at"] + pd.DateOffset(months=k)) for k in range(3)]
        )
        values = np.tile(hours.to_numpy(dtype=float), 3)
        valid = spread >= 0
        medians = pd.Series(values[valid]).groupby(spread[valid]).median()
        found = medians.dropna()
        grid = np.full(shape[0] * shape[1], np.nan)
        grid[found.index.to_numpy()] = found.to_numpy()
        out["support"] = grid.reshape(shape)
    if book.milestones is not None:
        ms = book.milestones[book.milestones["due_date"].notna()]
        due_month = _month_start(ms["due_date"])
        due = due_month.where(due_month >= months[0], months[0])  # due before the first month: due by every month
        on_time = (ms["done_date"].notna() & (ms["done_date"] <= ms["due_date"] + pd.Timedelta(days=3))).astype(float)
        cells = _cells(ids, months, ms["client_id"], due)
        done = np.cumsum(_grid(cells, on_time, shape), axis=1)
        count = np.cumsum(_grid(cells, None, shape), axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["milestones"] = np.where(count > 0, done / np.where(count > 0, count, 1.0), np.nan)
    return out


@dataclass(frozen=True, eq=False)
class PortfolioFigures:
    """Every client's health inputs at every month of one book, and the figures derived per month (memoised).

    Attributes
    ----------
    clients : Index
        Client ids in the book's order.
    months : DatetimeIndex
        The book's months (first-of-month); other months are computed one by one, then kept.
    inputs : dict of str to ndarray
        Component -> clients x months raw values (:func:`health_inputs_panel`).
    """

    book: weakref.ref[Book] = field(repr=False)
    clients: pd.Index
    months: pd.DatetimeIndex
    inputs: dict[str, np.ndarray] = field(repr=False)
    _memo: dict[tuple[str, pd.Timestamp, pd.Timestamp | None], Any] = field(default_factory=dict, repr=False)

    def _once(self, what: str, month: pd.Timestamp, other: pd.Timestamp | None, compute: Any) -> Any:
        key = (what, pd.Timestamp(month), other)
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def _book(self) -> Book:
        book = self.book()
        if book is None:  # pragma: no cover - the figures are dropped with their book
            raise RuntimeError("The book of these portfolio figures is gone.")
        return book

    def health_inputs_at(self, month: pd.Timestamp) -> pd.DataFrame:
        """Every client's raw health inputs at ``month``: ``client_health_inputs(book, month)`` (do not modify)."""
        month = pd.Timestamp(month)

        def compute() -> pd.DataFrame:
            pos = int(self.months.get_indexer(pd.DatetimeIndex([month]))[0])
            if pos < 0:
                return client_health_inputs(self._book(), month)
            frame = pd.DataFrame({"client_id": self.clients.to_numpy()})
            for name in COMPONENTS:
                frame[name] = self.inputs[name][:, pos]
            return frame

        frame: pd.DataFrame = self._once("inputs", month, None, compute)
        return frame

    def health_at(self, month: pd.Timestamp) -> pd.DataFrame:
        """Health scores of every client at ``month`` (``metrics.health_scores``; do not modify)."""
        frame: pd.DataFrame = self._once("health", month, None, lambda: m.health_scores(self.health_inputs_at(month)))
        return frame

    def health_by_client(self, month: pd.Timestamp) -> pd.DataFrame:
        """:meth:`health_at` indexed by client id (the ``client_id`` column kept; do not modify)."""
        frame: pd.DataFrame = self._once(
            "health_by_client", month, None, lambda: self.health_at(month).set_index("client_id", drop=False)
        )
        return frame

    def drivers(self, end: pd.Timestamp, previous: pd.Timestamp) -> dict[str, pd.DataFrame]:
        """What moved each client's Health Score from ``previous`` to ``end``, by client (``metrics.health_drivers``)."""

        def compute() -> dict[str, pd.DataFrame]:
            frame = m.health_drivers(self.health_at(end), self.health_at(previous))
            return {str(k): g for k, g in frame.groupby("client_id", sort=False)}

        found: dict[str, pd.DataFrame] = self._once("drivers", end, pd.Timestamp(previous), compute)
        return found

    def summary(self, month: pd.Timestamp) -> PortfolioSummary:
        """The portfolio's headline numbers at ``month`` (``data.summary.portfolio_summary``)."""
        found: PortfolioSummary = self._once(
            "summary", month, None, lambda: quiet(portfolio_summary, self._book(), month)
        )
        return found


_FIGURES: dict[int, PortfolioFigures] = {}


def figures_of(book: Book) -> PortfolioFigures:
    """The :class:`PortfolioFigures` of ``book``, computed on first use and kept while the book lives."""
    key = id(book)
    found = _FIGURES.get(key)
    if found is None or found.book() is not book:
        found = PortfolioFigures(
            weakref.ref(book), pd.Index(book.clients["client_id"]), book.months, health_inputs_panel(book, book.months)
        )
        _FIGURES[key] = found
        weakref.finalize(book, _FIGURES.pop, key, None)
    return found

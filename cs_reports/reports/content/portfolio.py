"""Portfolio figures: every client's health inputs and scores, computed once per book, typed.

A report about one client needs figures of the whole portfolio (its Health Score is read from
every client's scores, its drivers compare two months, the renewal model learns from every
month). :func:`figures_of` computes them once per book and keeps them on one
:class:`PortfolioFigures` value: the raw health inputs of every client at every month of the
book, in one pass over the tables (vectorised over clients and months, not one pass per
month), and, per month asked, the scores, the scores by client, the drivers and the portfolio
summary. The cache is keyed by the book object itself (dropped when the book is), never by a
shared string, so one name has one meaning: :meth:`PortfolioFigures.health_by_client` is the
scores indexed by client id. A book loaded through its snapshot also keeps the printed figures
(scores, drivers, summary) beside it (:mod:`cs_reports.reports.content.figure_store`): the next command
loads them, and computes the inputs panel only for a month it does not find there.
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
from cs_reports.data.summary import Policies, PortfolioSummary, client_health_inputs, portfolio_summary
from cs_reports.reports.content.figure_store import register

__all__ = [
    "COMPONENTS",
    "ByClient",
    "PortfolioFigures",
    "figures_of",
    "health_inputs_panel",
    "month_cells",
    "month_grid",
    "month_offsets",
    "trailing",
    "window_medians",
]

#: The raw health inputs, in the column order of :func:`cs_reports.data.summary.client_health_inputs`.
COMPONENTS = ("nps", "adoption", "support", "mrr_trend", "milestones")


def month_offsets(months: pd.DatetimeIndex, dates: pd.Series) -> np.ndarray:
    """Each date's month as an offset from ``months[0]`` (0 = that month; a large negative number for a blank)."""
    raw = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    offset: np.ndarray = raw.view(np.int64) - np.datetime64(months[0], "M").view(np.int64)
    return np.where(np.isnat(raw), np.iinfo(np.int64).min // 2, offset)


def month_cells(rows: np.ndarray, months: pd.DatetimeIndex, month: pd.Series | np.ndarray) -> np.ndarray:
    """Each row's cell ``rows * len(months) + month`` in the clients x months grid; -1 outside it.

    ``rows`` is each row's client position (``Book.client_rows``, -1: not a client); ``month``
    any date in the month (a Series), or the month offsets of :func:`month_offsets`.
    """
    j = month_offsets(months, month) if isinstance(month, pd.Series) else month
    keep = (rows >= 0) & (j >= 0) & (j < len(months))
    cells: np.ndarray = np.where(keep, rows * len(months) + j, -1)
    return cells


def window_medians(
    rows: np.ndarray, offsets: np.ndarray, values: np.ndarray, span: int, shape: tuple[int, int]
) -> np.ndarray:
    """Median of ``values`` per client over each month and the ``span - 1`` before it (pandas' grouped median).

    ``rows``/``offsets``: each value's client position and month offset. NaN values are
    skipped; a cell without values is NaN. Each value is ranked once; the (cell, rank) pairs
    of its ``span`` months are then sorted in one integer sort.
    """
    known = ~np.isnan(values)
    rows, offsets, values = rows[known], offsets[known], values[known]
    by_value = np.argsort(values)
    rank = np.empty(len(values), dtype=np.int64)
    rank[by_value] = np.arange(len(values))
    month = offsets[None, :] + np.arange(span)[:, None]  # a value counts in its month and the span - 1 after
    keep = (rows >= 0) & (month >= 0) & (month < shape[1])
    cells = (rows * shape[1] + month)[keep]
    ranks = np.broadcast_to(rank, month.shape)[keep]
    order = np.argsort(cells * max(len(values), 1) + ranks)  # by cell, then by value
    c, v = cells[order], values[by_value[ranks[order]]]
    out = np.full(shape[0] * shape[1], np.nan)
    if len(c):
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        counts = np.diff(np.r_[starts, len(c)])
        out[c[starts]] = (v[starts + counts // 2] + v[starts + (counts - 1) // 2]) / 2
    return out.reshape(shape)


def month_grid(cells: np.ndarray, values: Any, shape: tuple[int, int]) -> np.ndarray:
    """``values`` (or 1 per row) summed into a clients x months grid at ``cells`` (-1: dropped)."""
    keep = cells >= 0
    weights = None if values is None else np.asarray(values, dtype=float)[keep]
    summed = np.bincount(cells[keep], weights=weights, minlength=shape[0] * shape[1])
    out: np.ndarray = summed.astype(float).reshape(shape)
    return out


def trailing(grid: np.ndarray, span: int) -> np.ndarray:
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
        valid = (book.nps["score"].notna() & book.nps["date"].notna()).to_numpy(dtype=bool)
        nps = book.nps[valid]
        cells = month_cells(book.client_rows("NPS")[valid], months, nps["date"])
        total = trailing(month_grid(cells, nps["score"], shape), 6)
        count = trailing(month_grid(cells, None, shape), 6)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["nps"] = np.where(count > 0, total / np.where(count > 0, count, 1.0), np.nan)
    if book.usage is not None:
        first = (book.usage["month"] == _month_start(book.usage["month"])).to_numpy(dtype=bool)  # as ``== month``
        u = book.usage[first]
        cells = month_cells(book.client_rows("Usage")[first], months, u["month"])
        active = month_grid(cells, u["active_users"], shape)
        licensed = month_grid(cells, u["licensed_users"], shape)
        seen = month_grid(cells, None, shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["adoption"] = np.where(
                (seen > 0) & (licensed > 0), active / np.where(licensed > 0, licensed, 1.0), np.nan
            )
    if book.tickets is not None:
        t = book.tickets
        hours = (t["first_response_at"] - t["opened_at"]).dt.total_seconds() / 3600
        # a ticket counts in its month and the two after (a 3-month window)
        opened = month_offsets(months, t["opened_at"])
        out["support"] = window_medians(book.client_rows("Tickets"), opened, hours.to_numpy(dtype=float), 3, shape)
    if book.milestones is not None:
        dated = book.milestones["due_date"].notna().to_numpy(dtype=bool)
        ms = book.milestones[dated]
        due_month = _month_start(ms["due_date"])
        due = due_month.where(due_month >= months[0], months[0])  # due before the first month: due by every month
        on_time = (ms["done_date"].notna() & (ms["done_date"] <= ms["due_date"] + pd.Timedelta(days=3))).astype(float)
        cells = month_cells(book.client_rows("Milestones")[dated], months, due)
        done = np.cumsum(month_grid(cells, on_time, shape), axis=1)
        count = np.cumsum(month_grid(cells, None, shape), axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["milestones"] = np.where(count > 0, done / np.where(count > 0, count, 1.0), np.nan)
    return out


class ByClient(dict[str, pd.DataFrame]):
    """The rows of a frame by ``client_id``, each client's rows cut when first asked for.

    A ``dict`` so callers index it as one (``[client]``, ``.get(client)``); cutting every
    client's rows up front costs seconds at 100,000 clients, a QBR needs one. Only the clients
    already asked for are in ``len``, iteration and ``in``; :attr:`frame` holds them all.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        super().__init__()
        self.frame = frame
        codes, values = pd.factorize(frame["client_id"])
        self._order = np.argsort(codes, kind="stable")
        self._starts = np.searchsorted(np.asarray(codes)[self._order], np.arange(len(values) + 1))
        self._number = {str(v): k for k, v in enumerate(values.tolist())}

    def __missing__(self, client_id: str) -> pd.DataFrame:
        k = self._number[client_id]  # KeyError for a client without rows, as a dict
        rows = self.frame.iloc[self._order[self._starts[k] : self._starts[k + 1]]]
        self[client_id] = rows
        return rows

    def get(self, client_id: str, default: Any = None) -> Any:  # type: ignore[override]
        """The client's rows, or ``default`` when it has none."""
        try:
            return self[client_id]
        except KeyError:
            return default


@dataclass(frozen=True, eq=False)
class PortfolioFigures:
    """Every client's health inputs at every month of one book, and the figures derived per month (memoised).

    The figures a report prints (health scores, drivers, the summary) are also kept beside the
    book's snapshot when it has one (:func:`cs_reports.reports.content.figure_store.stored`), so the
    next command loads them instead of computing them; the inputs panel is computed only when
    a month's scores are not stored.

    Attributes
    ----------
    clients : Index
        Client ids in the book's order.
    months : DatetimeIndex
        The book's months (first-of-month); other months are computed one by one, then kept.
    """

    book: weakref.ref[Book] = field(repr=False)
    clients: pd.Index
    months: pd.DatetimeIndex
    _memo: dict[tuple[str, pd.Timestamp, pd.Timestamp | None], Any] = field(default_factory=dict, repr=False)

    @property
    def inputs(self) -> dict[str, np.ndarray]:
        """Component -> clients x months raw values (:func:`health_inputs_panel`), computed on first use."""
        found: dict[str, np.ndarray] = self._once(
            "panel", self.months[0], None, lambda: health_inputs_panel(self._book(), self.months)
        )
        return found

    def _once(self, what: str, month: pd.Timestamp, other: pd.Timestamp | None, compute: Any) -> Any:
        key = (what, pd.Timestamp(month), other)
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def _kept(self, what: str, month: pd.Timestamp, other: pd.Timestamp | None, compute: Any) -> Any:
        """:meth:`_once`, the value also kept beside the book's snapshot (``figure_store.stored``)."""
        from cs_reports.reports.content.figure_store import stored

        period = (pd.Timestamp(month), other)
        return self._once(what, month, other, lambda: stored(self._book(), f"portfolio.{what}", period, compute))

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
        frame: pd.DataFrame = self._kept("health", month, None, lambda: m.health_scores(self.health_inputs_at(month)))
        return frame

    def health_by_client(self, month: pd.Timestamp) -> pd.DataFrame:
        """:meth:`health_at` indexed by client id (the ``client_id`` column kept; do not modify)."""
        frame: pd.DataFrame = self._once(
            "health_by_client", month, None, lambda: self.health_at(month).set_index("client_id", drop=False)
        )
        return frame

    def drivers(self, end: pd.Timestamp, previous: pd.Timestamp) -> dict[str, pd.DataFrame]:
        """What moved each client's Health Score from ``previous`` to ``end``, by client (``metrics.health_drivers``)."""
        frame = self._kept(
            "drivers",
            end,
            pd.Timestamp(previous),
            lambda: m.health_drivers(self.health_at(end), self.health_at(previous)),
        )
        found: ByClient = self._once("drivers_by_client", end, pd.Timestamp(previous), lambda: ByClient(frame))
        return found

    def summary(self, month: pd.Timestamp) -> PortfolioSummary:
        """The portfolio's headline numbers at ``month`` (``data.summary.portfolio_summary``)."""
        found: PortfolioSummary = self._kept(
            "summary", month, None, lambda: quiet(portfolio_summary, self._book(), month)
        )
        return found


_FIGURES: dict[int, PortfolioFigures] = {}


def figures_of(book: Book) -> PortfolioFigures:
    """The :class:`PortfolioFigures` of ``book``, made on first use and kept while the book lives."""
    key = id(book)
    found = _FIGURES.get(key)
    if found is None or found.book() is not book:
        found = PortfolioFigures(weakref.ref(book), pd.Index(book.clients["client_id"]), book.months)
        _FIGURES[key] = found
        weakref.finalize(book, _FIGURES.pop, key, None)
    return found


register(PortfolioSummary, Policies)

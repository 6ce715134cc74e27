"""Shared pieces of the report builders: quarters, client rows, portfolio figures cached per book."""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

import pandas as pd

from cs_reports._validation import silenced as quiet  # one warning-silencing call for every module
from cs_reports.data.book import Book
from cs_reports.data.summary import segment_touch_models
from cs_reports.errors import InvalidInputError
from cs_reports.metrics.registry import goal_progress
from cs_reports.reports.content.context import ClientInfo, GoalRow, MilestoneRow
from cs_reports.reports.content.figure_store import stored
from cs_reports.reports.content.portfolio import figures_of
from cs_reports.reports.vocabulary import parse_quarter

__all__ = [
    "as_date",
    "client_goals",
    "client_info",
    "client_milestones",
    "health_at",
    "health_inputs_at",
    "parse_quarter",
    "per_book",
    "quiet",
    "rows",
    "text",
]


def rows(frame: pd.DataFrame) -> Iterator[Any]:
    """Rows as namedtuples, typed as Any (pandas-stubs types each field as a union of all scalars)."""
    return iter(frame.itertuples())


def as_date(value: Any) -> date | None:
    """A cell value as a ``date``; ``None`` for blanks."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return pd.Timestamp(value).date()


def text(value: Any) -> str:
    """A cell value as text; ``""`` for blanks."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def client_info(book: Book, client_id: str, month: pd.Timestamp) -> ClientInfo:
    """The ``ClientInfo`` of one client (touch model: :func:`~cs_reports.data.summary.segment_touch_models`)."""
    row = book.client(client_id)
    touch = str(segment_touch_models(book, month, client_id=client_id).loc[client_id, "touch_model"])
    return ClientInfo(
        client_id=client_id,
        name=text(row["name"]),
        segment=text(row["segment"]),
        csm=text(row["csm"]),
        plan=text(row["plan"]),
        touch_model=touch,
        currency=text(row["currency"]) or "BRL",
        contract_start=as_date(row["contract_start"]),
        renewal_date=as_date(row["renewal_date"]),
    )


def client_goals(book: Book, client_id: str, *, on_track: float = 0.5) -> tuple[GoalRow, ...]:
    """The client's Goals rows with progress and status (on track from ``on_track`` of the way to the target)."""
    if book.goals is None:
        return ()
    out = []
    for g in rows(book.rows_of("Goals", client_id)):
        baseline, target, actual = (
            float(x) if x is not None and not pd.isna(x) else math.nan for x in (g.baseline, g.target, g.actual)
        )
        progress = goal_progress(baseline, actual, target)
        status = "achieved" if progress >= 1 else "on_track" if progress >= on_track else "at_risk"
        out.append(GoalRow(text(g.objective), text(g.kpi), text(g.unit), baseline, target, actual, progress, status))
    return tuple(out)


def client_milestones(book: Book, client_id: str) -> list[MilestoneRow]:
    """The client's Milestones rows by due date."""
    if book.milestones is None:
        return []
    ms = book.rows_of("Milestones", client_id).sort_values("due_date", kind="stable")
    return [
        MilestoneRow(
            text(r.milestone),
            text(r.phase),
            as_date(r.due_date),
            as_date(r.done_date),
            text(r.owner_side),
            text(r.owner),
            text(r.status) or ("done" if as_date(r.done_date) else "planned"),
        )
        for r in rows(ms)
    ]


_PORTFOLIO_CACHE: dict[tuple[int, str, pd.Timestamp, tuple[tuple[str, float], ...]], tuple[weakref.ref[Book], Any]] = {}


def per_book(
    book: Book,
    what: str,
    month: pd.Timestamp,
    compute: Callable[[], Any],
    *,
    keep: bool = True,
    settings: Mapping[str, float] | None = None,
) -> Any:
    """``compute()`` once per book, quantity, month and ``settings`` (errors remembered and raised again).

    ``settings`` are the report settings ``compute`` reads (name -> value; e.g. the trends'
    ``min_csat_answers``): another value is another figure. With ``keep`` (the default) the
    figure is also kept beside the book's snapshot, so the next command on the same book loads
    it (``reports.figure_store.stored``: keyed by ``what``, the month, the settings and the
    code's version). Used by the renewal forecast (``reports.forecast``) and the trends
    (``reports.trends``); every other portfolio figure is a typed method of
    ``reports.portfolio.PortfolioFigures``.
    """
    own = tuple(sorted((settings or {}).items()))
    key = (id(book), what, pd.Timestamp(month), own)
    hit = _PORTFOLIO_CACHE.get(key)
    if hit is None or hit[0]() is not book:
        try:
            result = stored(book, what, (pd.Timestamp(month),), compute, settings=dict(own)) if keep else compute()
        except InvalidInputError as exc:
            result = exc
        if len(_PORTFOLIO_CACHE) >= 32:
            _PORTFOLIO_CACHE.clear()
        _PORTFOLIO_CACHE[key] = hit = (weakref.ref(book), result)
    if isinstance(hit[1], InvalidInputError):
        raise InvalidInputError(str(hit[1]))
    return hit[1]


def health_inputs_at(book: Book, month: pd.Timestamp) -> pd.DataFrame:
    """Every client's health inputs at ``month`` (``portfolio.figures_of(book)``; do not modify)."""
    return figures_of(book).health_inputs_at(month)


def health_at(book: Book, month: pd.Timestamp) -> pd.DataFrame:
    """Health scores of every client at ``month`` (``portfolio.figures_of(book)``; do not modify)."""
    return figures_of(book).health_at(month)

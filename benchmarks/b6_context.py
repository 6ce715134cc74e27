"""B6: the cost of one QBR's context does not grow with the book.

Target: building one QBR context (``build_qbr_context``) in a book of 100,000 clients costs
at most 1.5x its cost in a book of 1,000 clients, both measured in the same run, after the
portfolio-level figures (health of every client, renewal model) are computed once per book
and month. A second row is the one-off portfolio cost per book and month at 100,000 clients;
a third estimates a whole 100,000-client QBR batch: one-off cost + 100,000 x (context +
render) measured at 100,000 clients, on 2 workers (B2: 1.99x with 2 workers).

The books are the sample portfolio (``make_sample_tables``) put into a ``Book`` in memory:
reading a 100,000-client CSV folder is B3's business and would dominate the run. The
in-memory book is checked against ``load_book`` of the same tables at 1,000 clients (same
QBR contexts) before anything is timed.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Result, best_of

QUICK = {"small": 200, "large": 2_000, "reports": 5}
QUARTER = "2026Q2"
WORKERS_SPEEDUP = 1.99  # B2, 2 workers vs 1 on this machine


def book_from_tables(tables: dict[str, pd.DataFrame], source: str) -> Any:
    """A ``Book`` of the sample's tables without reading files (the tables are valid by construction)."""
    from cs_reports.data.book import SHEET_FIELDS, Book, _defaults
    from cs_reports.data.invoices import invoices_to_mrr

    frames = {name: frame.assign(_row=np.arange(len(frame)) + 2) for name, frame in tables.items()}
    mrr = pd.concat(
        [frames["MRR"].assign(source="mrr"), invoices_to_mrr(frames["Invoices"]).assign(source="invoice")],
        ignore_index=True,
    )
    valid = {f.name for f in dataclasses.fields(Book)}
    optional = {
        SHEET_FIELDS[n]: f for n, f in frames.items() if n not in ("Clients", "MRR") and SHEET_FIELDS[n] in valid
    }
    last = frames["MRR"]["month"].max()  # as load_book: invoiced months after it are scheduled, not MRR
    if "scheduled_mrr" in valid:
        optional["scheduled_mrr"] = mrr[mrr["month"] > last].reset_index(drop=True)
    actual = mrr[mrr["month"] <= last].reset_index(drop=True)
    return Book(source=source, clients=_defaults(frames["Clients"]), mrr=actual, **optional)


def _paying(book: Any, count: int) -> list[str]:
    from cs_reports import metrics as m

    start, end = pd.Timestamp("2026-04-01"), pd.Timestamp("2026-06-01")
    matrix = m.mrr_matrix(book.mrr, start=start, end=end)
    in_quarter = (matrix.months >= start) & (matrix.months <= end)
    paying = set(matrix.clients[(matrix.cents[:, in_quarter] > 0).all(axis=1)])
    ids = [c for c in book.clients["client_id"] if c in paying]
    if len(ids) < count:
        raise SystemExit(f"B6: only {len(ids)} clients paid through {QUARTER}; need {count}")
    step = max(1, len(ids) // count)
    return ids[::step][:count]  # spread over the book, not its first rows


def _plain(value: Any) -> str:
    """``repr`` without numpy scalar wrappers (the reader types columns as nullable Int64, the sample as int64)."""
    return re.sub(r"np\.(?:float|int)64\(([^()]*)\)", r"\1", repr(value))


def _same_as_loaded(tables: dict[str, pd.DataFrame], book: Any) -> None:
    """The in-memory book gives the QBR contexts ``load_book`` gives for the same data."""
    from cs_reports.data import load_book
    from cs_reports.data.writer import write_tables
    from cs_reports.reports.content.qbr import build_qbr_context

    with tempfile.TemporaryDirectory() as tmp:
        loaded = load_book(write_tables(tables, Path(tmp) / "b6.xlsx"))
    for cid in _paying(book, 3):
        a = dataclasses.replace(build_qbr_context(book, QUARTER, cid, "en"), generated_on=None)
        b = dataclasses.replace(build_qbr_context(loaded, QUARTER, cid, "en"), generated_on=None)
        if _plain(a) != _plain(b):
            raise SystemExit(f"B6: the in-memory book differs from load_book for {cid}; fix book_from_tables")


def _per_report(book: Any, ids: list[str]) -> tuple[float, float]:
    """(one-off seconds of the first context, best-of-3 mean seconds per context of ``ids``)."""
    from cs_reports.reports.content.qbr import build_qbr_context

    t0 = time.perf_counter()
    build_qbr_context(book, QUARTER, ids[0], "en")  # pays the per-book, per-month figures
    first = time.perf_counter() - t0

    def batch() -> None:
        for cid in ids:
            build_qbr_context(book, QUARTER, cid, "en")

    seconds, _ = best_of(batch, repeat=3)
    return first, seconds / len(ids)


def _render(book: Any, ids: list[str]) -> float:
    """Mean seconds of the whole report (context, charts, HTML, PDF) per client."""
    from cs_reports.reports import kinds
    from cs_reports.reports.render import Templates, load_branding

    templates, branding = Templates(None), load_branding(None)
    kinds.produce(book, "qbr", QUARTER, ids[0], "en", templates=templates, branding=branding)
    t0 = time.perf_counter()
    for cid in ids:
        kinds.produce(book, "qbr", QUARTER, cid, "en", templates=templates, branding=branding)
    return (time.perf_counter() - t0) / len(ids)


def run(small: int = 1_000, large: int = 100_000, reports: int = 20) -> list[Result]:
    """Measure B6 (see the module docstring)."""
    from cs_reports.data.sample import make_sample_tables

    tables = make_sample_tables(2026, clients=small)
    small_book = book_from_tables(tables, f"sample-{small}")
    _same_as_loaded(tables, small_book)
    _, small_cost = _per_report(small_book, _paying(small_book, reports))
    del tables, small_book

    t0 = time.perf_counter()
    large_book = book_from_tables(make_sample_tables(2026, clients=large), f"sample-{large}")
    build_s = time.perf_counter() - t0
    ids = _paying(large_book, reports)
    one_off, large_cost = _per_report(large_book, ids)
    render = _render(large_book, ids[: max(3, reports // 4)])
    batch = one_off + large * render / WORKERS_SPEEDUP
    print(f"B6: sample of {large:,} clients built in {build_s:.1f} s; whole report {render * 1000:.0f} ms")
    return [
        Result(
            "B6",
            f"QBR context per report, {large:,} clients",
            large_cost,
            f"same at {small:,} clients",
            small_cost,
            "<= 1.5x",
            large_cost <= 1.5 * small_cost,
        ),
        Result(
            "B6",
            f"portfolio figures once per book and month, {large:,} clients",
            one_off,
            "one QBR context",
            large_cost,
            "informative",
            True,
        ),
        Result(
            "B6",
            f"whole batch of {large:,} QBRs, 2 workers (estimate)",
            batch,
            "one whole report",
            render,
            "informative",
            True,
        ),
    ]

"""The whole-column typing path gives what the per-cell path gives: frames, problems, notes, assumptions.

``validate.VECTORISED`` switches between the two: each distinct text typed once, plain shapes
with array operations (:mod:`cs_reports.data.cells`, :mod:`cs_reports.data.columns`), or every
cell through :func:`cs_reports.data.cells.cell_outcome` one at a time. Hypothesis draws columns
of mixed cells (every shape ``coerce`` reads, the spellings of the transformation harness, and
what they refuse: bad days, far years, other digits, stray spaces, Excel errors, free text),
and whole books rewritten by the harness (accepted and broken) are read both ways.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cs_reports.data import load_book, validate
from cs_reports.data.contract import SHEETS
from cs_reports.data.reader import RawTable, SheetReport
from cs_reports.errors import DataContractError
from tests.intake.conftest import TODAY
from tests.intake.test_transformations import CLEAN, NO_SHRINK, REFUSED, apply, compatible
from tests.intake.transform import SAME, Incompatible, _ampm, _brl, _en, _pt_decimals, _utc, spec_of, write

SPECS = {s.name: s for s in SHEETS}
SPACES = ["", " ", "\u00a0", "\t", "\u3000", "\x1c"]


def _dates(moment: datetime) -> list[str]:
    """Every spelling of ``moment`` the reader takes (and some it refuses)."""
    return [
        moment.strftime("%Y-%m-%d"),
        moment.strftime("%Y-%m-%d %H:%M"),
        moment.strftime("%Y-%m-%dT%H:%M:%S"),
        moment.strftime("%Y-%m-%d %H:%M:%S.%f"),
        moment.strftime("%d/%m/%Y"),
        moment.strftime("%m/%d/%Y"),
        moment.strftime("%d.%m.%Y"),
        moment.strftime("%d-%m-%Y %H:%M"),
        moment.strftime("%d/%m/%Y %H:%M:%S"),
        moment.strftime("%d/%m/%y"),
        moment.strftime("%-d/%-m/%Y"),
        moment.strftime("%Y-%m"),
        moment.strftime("%m/%Y"),
        moment.strftime("%Y%m"),
        moment.strftime("%b/%Y").lower(),
        moment.strftime("%Y-%m-%dT00:00:00.000Z"),
        _utc(moment),
        moment.strftime("%Y-%m-%d %H:%M:%S -0300"),
        moment.strftime("%Y-%m-%d %H:%M:%S UTC"),
        _ampm(moment),
        str((moment - datetime(1899, 12, 30)).days),
    ]


ODD_DATES = [
    "2026-02-30",
    "2026-02-29",
    "2024-02-29",
    "31/04/2026",
    "2026-13-01",
    "13/13/2026",
    "0099-01-01",
    "1899-12-31",
    "2201-01-01",
    "9999-12-31 23:59",
    "2026-01-01 24:00",
    "2026-01-01 23:60",
    "2026-01-01 23:59:60",
    "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661",
    "2026-01-01\n",
    "2026-1-5",
    "05/04/2026 13:55 PM",
    "ontem",
    "2026-00",
    "#N/A",
    "#DIV/0!",
    " #REF! ",
    "#hashtag",
]


def _numbers(x: float) -> list[str]:
    return [
        repr(x),
        f"{x:.2f}",
        f"{x:g}",
        str(round(x)),
        _en(x),
        _pt_decimals(x),
        _brl(x),
        f"US$ {_en(abs(x))}",
        f"{x:.1f}%".replace(".", ","),
        f"({_pt_decimals(abs(x))})",
        f"{x:,.0f}".replace(",", "."),
        f"{x:,.0f}",
    ]


ODD_NUMBERS = [
    "1.234",
    "1,234",
    "-1.234",
    "1.234,567",
    "1,234,567",
    "007",
    "-0",
    "0.0",
    "1e5",
    "inf",
    "nan",
    "9" * 16,
    "9" * 15 + "." + "9" * 15,
    " R$ -   ",
    "12,5%",
    "R$ (1.000,00)",
    "-R$ 1.000,00",
    "1200 EUR",
    "\u0661\u0662",
    "10 - Muito provável",
    "N/A",
    "-",
    "9.5",
    "11",
    "1.0",
    "abc",
    "#DIV/0!",
]
IDS = ["C0001", "C1", "1", "1.0", "12.00", '="C0001"', "C0001\u200b", "\u00a0C0001 ", "C 1", "'C1", "x-1/2", "#N/A"]
TEXTS = ["Ana Ribeiro", "Farmácia Vale Verde Ltda.", " padded ", "'=1+1", "'quoted", "#REF!", "#tag", "a\nb", "x\u3000"]
CHOICES = ["high", "HIGH", "Alto", "tech", "talvez", "pt-BR", "en", "klingon", "renewed", "churned", "done", "late"]
BOOLS = ["True", "False", "sim", "Não", "1", "0", "x", "ganho", "talvez", "2"]


@st.composite
def pools(draw: st.DrawFn, kind: str) -> list[str]:
    """The distinct cells one column draws from (few, so that rows repeat them, as a big book does)."""
    out = draw(st.lists(st.sampled_from(SPACES), max_size=2))
    if kind in ("date", "datetime", "month"):
        for _ in range(draw(st.integers(1, 4))):
            moment = draw(st.datetimes(min_value=datetime(1890, 1, 1), max_value=datetime(2210, 12, 31)))
            spellings = _dates(moment.replace(microsecond=0) + timedelta(microseconds=draw(st.sampled_from([0, 5]))))
            out += draw(st.lists(st.sampled_from(spellings), min_size=1, max_size=4))
        out += draw(st.lists(st.sampled_from(ODD_DATES), max_size=3))
    elif kind in ("money", "number", "int", "rate"):
        for _ in range(draw(st.integers(1, 4))):
            x = draw(st.one_of(st.floats(-1e7, 1e7, allow_nan=False), st.integers(0, 10).map(float)))
            out += draw(st.lists(st.sampled_from(_numbers(x)), min_size=1, max_size=4))
        out += draw(st.lists(st.sampled_from(ODD_NUMBERS), max_size=3))
    elif kind == "id":
        out += draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=5))
    elif kind == "enum":
        out += draw(st.lists(st.sampled_from(CHOICES), min_size=1, max_size=4))
    elif kind == "bool":
        out += draw(st.lists(st.sampled_from(BOOLS), min_size=1, max_size=4))
    else:
        out += draw(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=4))
    out += draw(st.lists(st.text(max_size=12), max_size=2))
    spaced = draw(st.lists(st.sampled_from(out), max_size=2))
    return out + [f" {v}" for v in spaced] + [f"{v}\u00a0" for v in spaced]


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, list[str], list[list[str]], str | None]:
    """A contract sheet, its header, its rows of mixed cells and the file's separator."""
    name = draw(st.sampled_from(["Clients", "MRR", "Invoices", "NPS", "Tickets", "Opportunities", "Goals", "Usage"]))
    spec = SPECS[name]
    columns = [c for c in spec.columns if c.required or draw(st.booleans())]
    n = draw(st.integers(1, 30))
    cells = []
    for col in columns:
        pool = draw(pools(col.kind))
        cells.append([pool[draw(st.integers(0, len(pool) - 1))] for _ in range(n)])
    rows = [list(r) for r in zip(*cells, strict=True)]
    return name, [c.name for c in columns], rows, draw(st.sampled_from([",", ";", None]))


def _raw(name: str, header: list[str], rows: list[list[str]], separator: str | None, columnar: bool) -> RawTable:
    numbers = np.arange(2, len(rows) + 2) if columnar else list(range(2, len(rows) + 2))
    columns = [pa.array([r[j] for r in rows], type=pa.string()) for j in range(len(header))] if columnar else None
    where, unit = ("File", "line") if separator else ("Sheet", "row")
    report = SheetReport(name, name)
    return RawTable(
        name, name, header, [] if columnar else rows, numbers, 1, (), where, unit, separator, report, False, columns
    )


def _typed(raw_args: tuple[Any, ...], vectorised: bool, columnar: bool) -> tuple[Any, ...]:
    name, header, rows, separator = raw_args
    raw = _raw(name, header, [list(r) for r in rows], separator, columnar)
    problems: list[Any] = []
    before = validate.VECTORISED
    validate.VECTORISED = vectorised
    try:
        style = validate.book_number_style([raw], SPECS)
        frame = validate.type_table(raw, SPECS[name], problems, book_style=style, unsaved={})
    finally:
        validate.VECTORISED = before
    assert raw.report is not None
    return frame, problems, list(raw.report.notes), list(raw.report.assumptions)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), columnar=st.booleans())
def test_columns_typed_by_distinct_values_equal_the_cell_by_cell_path(table, columnar):
    """Every frame (dtypes included), problem (sheet, row, column, text), note and assumption is the same."""
    fast = _typed(table, True, columnar)
    slow = _typed(table, False, columnar)
    if slow[0] is None:
        assert fast[0] is None
    else:
        pd.testing.assert_frame_equal(fast[0], slow[0], check_dtype=True, check_exact=True)
    assert fast[1:] == slow[1:]


def test_the_distinct_path_is_taken_for_text_columns():
    """Not vacuous: a CSV table's text columns go through the distinct values (the reference never does)."""
    table = ("MRR", ["client_id", "month", "mrr"], [["C1", "2026-01-01", "10.5"], ["C1", "2026-02-01", "10.5"]], ",")
    raw = _raw(*table, columnar=True)
    problems: list[Any] = []
    validate.type_table(raw, SPECS["MRR"], problems, unsaved={})
    assert problems == []
    assert validate._distinct(_raw(*table, columnar=True), 2) is not None


def _load(path: Path, vectorised: bool) -> tuple[Any, ...]:
    before = validate.VECTORISED
    validate.VECTORISED = vectorised
    try:
        book = load_book(path, today=TODAY)
    except DataContractError as exc:
        return None, [str(p) for p in exc.problems]
    finally:
        validate.VECTORISED = before
    return book, book.notes, [repr(a) for a in book.assumptions], [repr(r) for r in book.intake]


def _same_books(path: Path) -> None:
    fast, slow = _load(path, True), _load(path, False)
    assert fast[1:] == slow[1:]
    if slow[0] is not None:
        for name, frame in slow[0].sheets().items():
            pd.testing.assert_frame_equal(fast[0].sheets()[name], frame, check_dtype=True, obj=name)
        pd.testing.assert_frame_equal(fast[0].scheduled_mrr, slow[0].scheduled_mrr, check_dtype=True)


@settings(
    max_examples=12,
    deadline=None,
    phases=NO_SHRINK,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    changes=st.lists(st.sampled_from(SAME), min_size=1, max_size=4, unique_by=lambda c: c.group).filter(compatible),
    broken=st.one_of(st.none(), st.sampled_from(sorted(REFUSED))),
    seed=st.integers(0, 2**16),
)
def test_books_rewritten_by_the_harness_read_the_same_both_ways(changes, broken, seed, tmp_path_factory):
    """The transformation harness's books, accepted or broken, give the same book (or problems) both ways."""
    spec = apply(changes, seed)
    try:
        if broken is not None:
            REFUSED[broken](spec)
        path = write(spec, tmp_path_factory.mktemp("case"))
    except Incompatible:
        assume(False)
        raise
    _same_books(path)


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_a_csv_folder_with_odd_lines_reads_the_same_both_ways(sep, tmp_path):
    """Quoted separators, blank lines, a totals line, an error value: the columnar read and the per-cell typing agree."""
    spec = spec_of(CLEAN)
    mrr = spec.rows("MRR")
    mrr.insert(3, [None] * len(mrr[0]))
    mrr[5][2] = f"1{sep}5"
    mrr.append(["Total", None, 123.0])
    nps = spec.rows("NPS")
    nps[2][-1] = 'disse "ótimo", voltou'
    nps[4][1] = "#N/A"
    spec.fmt, spec.sep = "csv", sep
    _same_books(write(spec, tmp_path))

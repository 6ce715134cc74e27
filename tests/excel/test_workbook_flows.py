"""Workbook edit flows through recalc: every dashboard cell equals ``cs-reports metrics``.

Each flow takes a small book (``cs-reports sample --clients 12``) and its workbook
(``excel new-workbook --data``), edits it the way the flow's user does, and compares the
recalculated dashboard key by key (:func:`tests.excel.flows.compare_dashboard`) with
``cs-reports metrics`` run on the edited workbook for the same month. Every flow's workbook
is recalculated in one batch (:func:`cs_reports.excel.recalc.recalc_many`, one LibreOffice
launch per pass: what ``cs-reports recalc`` runs for one workbook; a workbook listing error
cells is what the CLI prints and exits 3 for, see tests/excel/test_recalc.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from cs_reports.cli import main
from cs_reports.excel import dynamic
from cs_reports.excel.dashboard import address
from cs_reports.excel.recalc import RecalcResult, recalc_many, spilled_formulas
from tests.conftest import assert_unchanged
from tests.excel.flows import SheetValues, compare_dashboard

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"),
]


def _run(*argv: str) -> int:
    return main(list(argv))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, small_book_path: Path) -> tuple[Path, Path]:
    """A 12-client sample book (``cs-reports sample --clients 12``, shared by the run) and the workbook made from it."""
    book = tmp_path_factory.mktemp("flows") / "book.xlsx"
    assert _run("excel", "new-workbook", str(book), "--data", str(small_book_path)) == 0
    return small_book_path, book


#: Each flow's workbook: the edit that makes it, from the small book's workbook, into a folder.
EDITS: dict[str, Callable[[Path, Path], Path]] = {}


def edit(name: str) -> Callable[[Callable[[Path, Path], Path]], Callable[[Path, Path], Path]]:
    def register(make: Callable[[Path, Path], Path]) -> Callable[[Path, Path], Path]:
        EDITS[name] = make
        return make

    return register


@pytest.fixture(scope="module")
def recalculated(small, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, RecalcResult]]:
    """Every flow's edited workbook and its recalculation, all in one :func:`recalc_many` batch."""
    _, book = small
    folder = tmp_path_factory.mktemp("edited")
    edited = {name: make(book, folder) for name, make in EDITS.items()}
    outputs = {name: folder / f"{name}_recalculated.xlsx" for name in edited}
    with assert_unchanged(*edited.values()):
        results = recalc_many(
            [(edited[name], outputs[name]) for name in edited], values=[name == "values" for name in edited]
        )
    return {name: (edited[name], result) for name, result in zip(edited, results, strict=True)}


def _append_month_by_script(book: Path, edited: Path) -> str:
    """A script's month: openpyxl appends the next month to tMRR (one client churns) and a new client."""
    wb = load_workbook(book)
    mrr, clients = wb["MRR"], wb["Clients"]
    rows = list(mrr.iter_rows(min_row=2, values_only=True))
    last = max(r[1] for r in rows)
    new_month = (pd.Timestamp(last) + pd.DateOffset(months=1)).to_pydatetime()
    paying = sorted({r[0] for r in rows if r[1] == last and r[2]})
    for i, client in enumerate(paying[1:]):  # the first paying client churns
        value = next(r[2] for r in rows if r[0] == client and r[1] == last)
        mrr.append([client, new_month, round(value * (1.1 if i % 3 == 0 else 1.0), 2)])
        mrr.cell(mrr.max_row, 2).number_format = "yyyy-mm"
    template = [c.value for c in clients[2]]
    clients.append(["C9001", "Nova Cliente Ltda", *template[2:]])
    mrr.append(["C9001", new_month, 1234.5])
    mrr.cell(mrr.max_row, 2).number_format = "yyyy-mm"
    mrr.tables["tMRR"].ref = f"A1:C{mrr.max_row}"
    clients.tables["tClients"].ref = f"A1:{clients.tables['tClients'].ref.split(':')[1][0]}{clients.max_row}"
    wb["Dashboard"][address("month")].value = new_month
    wb.save(edited)
    return f"{new_month:%Y-%m}"


def test_openpyxl_drops_the_markers_and_recalc_still_knows_every_spill(small, tmp_path):
    _, book = small
    edited = tmp_path / "edited.xlsx"
    load_workbook(book).save(edited)
    before, after = dynamic.read_parts(book), dynamic.read_parts(edited)
    assert dynamic.find_spills(before)
    assert not dynamic.find_spills(after)  # openpyxl dropped the markers
    assert {(s.sheet, s.cell) for s in spilled_formulas(after)} == {
        (s.sheet, s.cell) for s in dynamic.find_spills(before)
    }


@edit("script")
def _script(book: Path, folder: Path) -> Path:
    _append_month_by_script(book, folder / "script.xlsx")
    return folder / "script.xlsx"


def _dashboard_month(book: Path) -> str:
    return f"{pd.Timestamp(SheetValues(book, 'Dashboard')[address('month')]):%Y-%m}"


@pytest.mark.slow
def test_rows_appended_by_a_script_give_the_librarys_numbers(small, recalculated):
    _, book = small
    edited, result = recalculated["script"]
    out = result.output
    month = _dashboard_month(edited)
    assert month == f"{pd.Timestamp(_dashboard_month(book)) + pd.DateOffset(months=1):%Y-%m}"
    assert compare_dashboard(out, edited, month) == []
    # the output spills again for Excel 365 (the markers are back, at the new sizes)
    spills = {(s.sheet, s.cell): s for s in dynamic.find_spills(dynamic.read_parts(out))}
    assert spills[("MRR bridge", "A1")].rows == spills_before(book)[("MRR bridge", "A1")].rows + 1
    assert spills[("Accounts", "A5")].rows == spills_before(book)[("Accounts", "A5")].rows + 1


def spills_before(book: Path) -> dict[tuple[str, str], dynamic.Spill]:
    return {(s.sheet, s.cell): s for s in dynamic.find_spills(dynamic.read_parts(book))}


def _set_month(book: Path, edited: Path, month: str) -> None:
    wb = load_workbook(book)
    wb["Dashboard"][address("month")].value = pd.Timestamp(month).to_pydatetime()
    wb.save(edited)


@edit("grown")
def _grown(book: Path, folder: Path) -> Path:
    """The docs' route: append data, then ``excel new-workbook grown.xlsx --data this.xlsx``."""
    this, grown = folder / "this.xlsx", folder / "grown.xlsx"
    _append_month_by_script(book, this)
    assert _run("excel", "new-workbook", str(grown), "--data", str(this)) == 0
    return grown


@edit("grown_earlier")
def _grown_earlier(book: Path, folder: Path) -> Path:
    """The regenerated workbook with its dashboard moved two months back."""
    grown = folder / "grown.xlsx"
    if not grown.exists():
        _grown(book, folder)
    moved = folder / "grown_earlier.xlsx"
    _set_month(grown, moved, f"{pd.Timestamp(_dashboard_month(grown)) - pd.DateOffset(months=2):%Y-%m}")
    return moved


@pytest.mark.slow
def test_regenerating_from_a_grown_workbook_gives_the_librarys_numbers_at_any_month(small, recalculated):
    """The docs' route: append data, then ``excel new-workbook grown.xlsx --data this.xlsx``; any month chosen."""
    _, book = small
    grown, result = recalculated["grown"]
    new_month = _dashboard_month(grown)
    assert new_month == f"{pd.Timestamp(_dashboard_month(book)) + pd.DateOffset(months=1):%Y-%m}"
    assert compare_dashboard(result.output, grown, new_month) == []
    moved, result = recalculated["grown_earlier"]
    earlier = _dashboard_month(moved)
    assert earlier == f"{pd.Timestamp(new_month) - pd.DateOffset(months=2):%Y-%m}"
    assert compare_dashboard(result.output, moved, earlier) == []


def _plain_libreoffice_errors(workbook: Path, tmp_path: Path) -> tuple[str, ...]:
    """Open ``workbook`` in plain LibreOffice (a fresh profile: no cs-reports Basic library) and save it again."""
    from cs_reports.excel.libreoffice import soffice_environment
    from cs_reports.excel.recalc import error_cells

    profile, outdir = tmp_path / "plain-profile", tmp_path / "plain"
    done = subprocess.run(
        [
            shutil.which("soffice") or "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(outdir),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        env=soffice_environment(),
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return error_cells(outdir / workbook.name)


@edit("formulas")
def _formulas(book: Path, folder: Path) -> Path:
    return book  # recalculated as it is


@edit("values")
def _values(book: Path, folder: Path) -> Path:
    return book  # recalculated as it is, into a values copy (``recalc --values``)


@pytest.mark.slow
def test_a_values_copy_opens_in_plain_libreoffice_with_the_librarys_numbers(small, recalculated, tmp_path):
    """``recalc --values``: no formula left, so plain LibreOffice shows the values (the formulas copy shows #NAME?)."""
    _, book = small
    formulas, values = recalculated["formulas"][1].output, recalculated["values"][1].output
    assert compare_dashboard(values, book) == []
    parts = dynamic.read_parts(values)
    assert not [n for n, data in parts.items() if n.startswith("xl/worksheets/") and re.search(rb"<f[ >/]", data)]
    assert any("#NAME?" in line for line in _plain_libreoffice_errors(formulas, tmp_path / "f"))
    seen = _plain_libreoffice_errors(values, tmp_path / "v")
    assert not [line for line in seen if "#NAME?" in line]
    assert set(seen) == set(error_cells_of(values))  # only the errors the values copy lists itself


def error_cells_of(path: Path) -> tuple[str, ...]:
    from cs_reports.excel.recalc import error_cells

    return error_cells(path)


def _edit(book: Path, edited: Path, sheet: str, column: str, row_of: str, value: Any, months: int = 3) -> int:
    """Set ``column`` of the first row of ``sheet`` whose ``row_of`` date is in the dashboard's last ``months``.

    ``value`` is the new value, or a function of the row's old ``row_of`` date. Returns the row.
    """
    wb = load_workbook(book)
    ws = wb[sheet]
    heads = [c.value for c in ws[1]]
    month = pd.Timestamp(wb["Dashboard"][address("month")].value)
    date_col = heads.index(row_of) + 1
    for r in range(2, ws.max_row + 1):
        when = ws.cell(r, date_col).value
        start, end = month - pd.DateOffset(months=months - 1), month + pd.DateOffset(months=1)
        if when is not None and start <= pd.Timestamp(when) < end:
            ws.cell(r, heads.index(column) + 1).value = value(pd.Timestamp(when)) if callable(value) else value
            wb.save(edited)
            return r
    raise AssertionError(f"no {sheet} row in the period")


@edit("mid_month")
def _mid_month(book: Path, folder: Path) -> Path:
    _set_month(book, folder / "mid_month.xlsx", f"{_dashboard_month(book)}-15")
    return folder / "mid_month.xlsx"


@pytest.mark.slow
def test_a_month_that_is_not_the_first_counts_as_its_month(small, recalculated):
    _, book = small
    edited, result = recalculated["mid_month"]
    assert SheetValues(edited, "Dashboard")[address("month")].day == 15
    assert compare_dashboard(result.output, edited, _dashboard_month(book)) == []


@edit("na_answer")
def _na_answer(book: Path, folder: Path) -> Path:
    _edit(book, folder / "na_answer.xlsx", "NPS", "score", "date", "=NA()")
    return folder / "na_answer.xlsx"


@pytest.mark.slow
def test_an_error_among_the_answers_is_a_listed_error(small, recalculated):
    """An =NA() among the NPS answers: the NPS row shows #N/A (never counted as a blank) and recalc lists it."""
    _, book = small
    _, result = recalculated["na_answer"]
    assert f"Dashboard!{address('nps')}: #N/A" in result.errors
    # the reader refuses an unsaved =NA() cell: the other figures are those of the book before the edit
    errors = {"nps": "#N/A", "nps_margin": "#N/A"}
    assert compare_dashboard(result.output, book, _dashboard_month(book), errors=errors) == []


#: Every per-period date column (template._PERIOD_COLUMNS' dates): the dashboard rows it feeds.
TEXT_DATES = {
    ("NPS", "date"): ("%d/%m/%Y", 3, ("nps", "nps_margin")),
    ("Tickets", "opened_at"): ("%d/%m/%Y %H:%M", 3, ("csat", "tmr_first_response", "tmr_resolution")),
    ("Renewals", "due_date"): ("%d/%m/%Y", 3, ("renewal_rate",)),
    ("Usage", "month"): ("%d/%m/%Y", 1, ("adoption",)),
}


def test_every_per_period_date_column_is_covered():
    from cs_reports.excel.template import _PERIOD_COLUMNS

    assert {(table, date) for table, _, _, date, _ in _PERIOD_COLUMNS} == set(TEXT_DATES)


def _text_date(sheet: str, column: str) -> Callable[[Path, Path], Path]:
    def make(book: Path, folder: Path) -> Path:
        fmt, months, _ = TEXT_DATES[sheet, column]
        edited = folder / f"text_date_{sheet}_{column}.xlsx"
        _edit(book, edited, sheet, column, column, lambda when: f"{when:{fmt}}", months)
        return edited

    return make


for _sheet, _column in sorted(TEXT_DATES):
    edit(f"text_date_{_sheet}_{_column}")(_text_date(_sheet, _column))


@pytest.mark.slow
@pytest.mark.parametrize(("sheet", "column"), sorted(TEXT_DATES))
def test_a_date_pasted_as_text_is_a_listed_error(small, recalculated, sheet, column):
    """A dd/mm/yyyy text date: the rows it feeds show #VALUE! and recalc lists its cell; the rest equals the library.

    The reader (``validate``, ``metrics``) reads the text date, the workbook cannot without
    guessing the locale: a listed error there, never a dropped row.
    """
    _, book = small
    *_, keys = TEXT_DATES[sheet, column]
    edited, result = recalculated[f"text_date_{sheet}_{column}"]
    values = SheetValues(edited, sheet)
    at = values.row(1).index(column) + 1
    texts = [r for r in range(2, values.last_row + 1) if isinstance(values.cell(r, at), str)]
    assert len(texts) == 1, texts  # the edit: one row's date is text
    (row,) = texts
    assert _run("validate", str(edited)) == 0
    listed = result.errors
    assert [
        line for line in listed if re.fullmatch(rf"{sheet}![A-Z]+{row}: #VALUE!", line)
    ]  # the row whose date is text
    for key in keys:
        assert f"Dashboard!{address(key)}: #VALUE!" in listed
    assert compare_dashboard(result.output, edited, _dashboard_month(book), errors=dict.fromkeys(keys, "#VALUE!")) == []


@edit("minimal")
def _minimal(book: Path, folder: Path) -> Path:
    """Only Clients and MRR, a few rows, and the workbook made from it (the small book is not used)."""
    from openpyxl import Workbook

    data, made = folder / "minimal.xlsx", folder / "made.xlsx"
    wb = Workbook()
    clients = wb.active
    clients.title = "Clients"
    clients.append(["client_id", "name", "csm", "cac", "gross_margin"])
    for i in range(1, 5):
        clients.append([f"C{i}", f"Client {i}", "Ana", 1000.0 * i, 0.8])
    mrr = wb.create_sheet("MRR")
    mrr.append(["client_id", "month", "mrr"])
    for i in range(1, 5):
        for k in range(1, 7 if i < 4 else 4):  # C4 leaves after March
            mrr.append([f"C{i}", pd.Timestamp(2026, k, 1).to_pydatetime(), 100.0 * i + k])
    wb.save(data)
    assert _run("excel", "new-workbook", str(made), "--data", str(data)) == 0
    return made


@pytest.mark.slow
def test_a_minimal_book_gives_the_librarys_numbers_or_explained_errors(recalculated):
    """Only Clients and MRR, a few rows: every cell equals the library or is a listed CS_ error the library leaves undefined."""
    made, result = recalculated["minimal"]
    data = made.with_name("minimal.xlsx")
    assert _run("validate", str(data)) == 0
    listed = result.errors
    assert listed
    assert all(" CS_" in line for line in listed), listed  # every error explained by its CS_ function
    assert compare_dashboard(result.output, data) == []

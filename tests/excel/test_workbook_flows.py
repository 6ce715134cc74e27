"""Workbook edit flows through ``cs-reports recalc``: every dashboard cell equals ``cs-reports metrics``.

Each test makes a small book (``cs-reports sample --clients 12``), builds its workbook
(``excel new-workbook --data``), edits it the way the flow's user does, recalculates it
with the CLI and compares the dashboard key by key (:func:`tests.excel.flows.compare_dashboard`)
with ``cs-reports metrics`` run on the edited workbook for the same month.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from cs_reports.cli import main
from cs_reports.excel import dynamic
from cs_reports.excel.dashboard import address
from cs_reports.excel.recalc import spilled_formulas
from tests.excel.flows import compare_dashboard

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


def _recalc(source: Path, out: Path) -> int:
    return _run("recalc", str(source), str(out))


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


@pytest.mark.slow
def test_rows_appended_by_a_script_give_the_librarys_numbers(small, tmp_path):
    _, book = small
    edited, out = tmp_path / "edited.xlsx", tmp_path / "recalculated.xlsx"
    month = _append_month_by_script(book, edited)
    code = _recalc(edited, out)
    assert code in (0, 3)
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


@pytest.mark.slow
def test_regenerating_from_a_grown_workbook_gives_the_librarys_numbers_at_any_month(small, tmp_path):
    """The docs' route: append data, then ``excel new-workbook grown.xlsx --data this.xlsx``; any month chosen."""
    _, book = small
    this, grown = tmp_path / "this.xlsx", tmp_path / "grown.xlsx"
    new_month = _append_month_by_script(book, this)
    assert _run("excel", "new-workbook", str(grown), "--data", str(this)) == 0
    out = tmp_path / "grown_recalculated.xlsx"
    assert _recalc(grown, out) in (0, 3)
    assert compare_dashboard(out, grown, new_month) == []
    earlier = f"{pd.Timestamp(new_month) - pd.DateOffset(months=2):%Y-%m}"
    moved, out2 = tmp_path / "grown_earlier.xlsx", tmp_path / "grown_earlier_recalculated.xlsx"
    _set_month(grown, moved, earlier)
    assert _recalc(moved, out2) in (0, 3)
    assert compare_dashboard(out2, moved, earlier) == []


def _plain_libreoffice_errors(workbook: Path, tmp_path: Path) -> tuple[str, ...]:
    """Open ``workbook`` in plain LibreOffice (a fresh profile: no cs-reports Basic library) and save it again."""
    from cs_reports.excel.recalc import error_cells, soffice_environment

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


@pytest.mark.slow
def test_a_values_copy_opens_in_plain_libreoffice_with_the_librarys_numbers(small, tmp_path):
    """``recalc --values``: no formula left, so plain LibreOffice shows the values (the formulas copy shows #NAME?)."""
    _, book = small
    formulas, values = tmp_path / "formulas.xlsx", tmp_path / "values.xlsx"
    assert _recalc(book, formulas) in (0, 3)
    assert _run("recalc", str(book), str(values), "--values") in (0, 3)
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


@pytest.mark.slow
def test_a_month_that_is_not_the_first_counts_as_its_month(small, tmp_path):
    _, book = small
    month = pd.Timestamp(load_workbook(book)["Dashboard"][address("month")].value)
    edited, out = tmp_path / "mid_month.xlsx", tmp_path / "mid_month_recalculated.xlsx"
    _set_month(book, edited, f"{month:%Y-%m}-15")
    assert _recalc(edited, out) in (0, 3)
    assert compare_dashboard(out, edited, f"{month:%Y-%m}") == []


@pytest.mark.slow
def test_an_error_among_the_answers_is_a_listed_error(small, tmp_path, capsys):
    """An =NA() among the NPS answers: the NPS row shows #N/A (never counted as a blank) and recalc lists it."""
    _, book = small
    edited, out = tmp_path / "edited.xlsx", tmp_path / "recalculated.xlsx"
    month = pd.Timestamp(load_workbook(book)["Dashboard"][address("month")].value)
    _edit(book, edited, "NPS", "score", "date", "=NA()")
    capsys.readouterr()
    assert _recalc(edited, out) == 3
    assert f"Dashboard!{address('nps')}: #N/A" in capsys.readouterr().out
    # the reader refuses an unsaved =NA() cell: the other figures are those of the book before the edit
    assert compare_dashboard(out, book, f"{month:%Y-%m}", errors={"nps": "#N/A", "nps_margin": "#N/A"}) == []


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


@pytest.mark.slow
@pytest.mark.parametrize(("sheet", "column"), sorted(TEXT_DATES))
def test_a_date_pasted_as_text_is_a_listed_error(small, tmp_path, capsys, sheet, column):
    """A dd/mm/yyyy text date: the rows it feeds show #VALUE! and recalc lists its cell; the rest equals the library.

    The reader (``validate``, ``metrics``) reads the text date, the workbook cannot without
    guessing the locale: a listed error there, never a dropped row.
    """
    _, book = small
    fmt, months, keys = TEXT_DATES[sheet, column]
    edited, out = tmp_path / "edited.xlsx", tmp_path / "recalculated.xlsx"
    month = pd.Timestamp(load_workbook(book)["Dashboard"][address("month")].value)
    row = _edit(book, edited, sheet, column, column, lambda when: f"{when:{fmt}}", months)
    assert _run("validate", str(edited)) == 0
    capsys.readouterr()
    assert _recalc(edited, out) == 3
    listed = capsys.readouterr().out
    assert re.search(rf"^  {sheet}![A-Z]+{row}: #VALUE!$", listed, flags=re.M)  # the row whose date is text
    for key in keys:
        assert f"Dashboard!{address(key)}: #VALUE!" in listed
    assert compare_dashboard(out, edited, f"{month:%Y-%m}", errors=dict.fromkeys(keys, "#VALUE!")) == []


@pytest.mark.slow
def test_a_minimal_book_gives_the_librarys_numbers_or_explained_errors(tmp_path, capsys):
    """Only Clients and MRR, a few rows: every cell equals the library or is a listed CS_ error the library leaves undefined."""
    from openpyxl import Workbook

    data, made, out = tmp_path / "minimal.xlsx", tmp_path / "made.xlsx", tmp_path / "recalculated.xlsx"
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
    assert _run("validate", str(data)) == 0
    assert _run("excel", "new-workbook", str(made), "--data", str(data)) == 0
    capsys.readouterr()
    assert _recalc(made, out) == 3
    listed = [line.strip() for line in capsys.readouterr().out.splitlines()[2:]]
    assert listed
    assert all(" CS_" in line for line in listed), listed  # every error explained by its CS_ function
    assert compare_dashboard(out, data) == []

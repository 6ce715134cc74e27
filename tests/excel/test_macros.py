"""The Excel buttons through xlwings' own objects (``Book.caller()``, ``App``, ``Sheet``, ``Range``).

There is no Excel here: the workbook, app, sheets and ranges xlwings wraps are stand-ins for
the COM-backed implementations of ``xlwings._xlwindows`` (the same attributes: ``fullname``,
``app``, ``sheets``, ``selection``, ``status_bar``, ``alert``, ``range``, ``raw_value``, and
``api.SaveCopyAs``). The macros are called as ``RunPython`` calls them, and find their book
with ``xw.Book.caller()``; the reports are really rendered.
"""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook

from cs_reports.cli import main
from cs_reports.excel.reports_sheet import COLUMNS, FIRST_COL, HEADER_ROW, SHEET
from cs_reports.excel.template import ACCOUNTS_FIRST_ROW

xw = pytest.importorskip("xlwings")
pytest.importorskip("pptx")
macros = pytest.importorskip("cs_reports.excel.macros")


class RangeImpl:
    def __init__(self, sheet, row, column):
        self.sheet, self.row, self.column, self.options = sheet, row, column, None

    def __len__(self):  # one cell (xlwings tests a selection's truth by its cell count)
        return 1

    @property
    def raw_value(self):
        return self.sheet.cells.get((self.row, self.column))

    @raw_value.setter
    def raw_value(self, value):
        self.sheet.cells[(self.row, self.column)] = value


class SheetImpl:
    def __init__(self, name, cells):
        self.name, self.cells = name, cells

    def range(self, cell1, cell2=None):
        assert cell2 is None
        return RangeImpl(self, *cell1)


class SheetsImpl:
    def __init__(self, sheets):
        self.sheets = {s.name: s for s in sheets}

    def __call__(self, key):
        return self.sheets[key]

    def __contains__(self, key):
        return key in self.sheets

    def __len__(self):
        return len(self.sheets)


class AppImpl:
    pid = 4242  # xlwings' App reads it when wrapping

    def __init__(self):
        self.bars, self.alerts, self.selection = [], [], None

    @property
    def status_bar(self):
        return self.bars[-1] if self.bars else False

    @status_bar.setter
    def status_bar(self, value):
        self.bars.append(value)

    def alert(self, prompt, title, buttons, mode, callback):
        self.alerts.append((prompt, title, mode))
        return "ok"


class Api:
    """``Workbook.SaveCopyAs``: the open state (here: ``current``) saved to another file."""

    def __init__(self, current):
        self.current = current

    def SaveCopyAs(self, path):  # the COM method's name
        shutil.copyfile(self.current, path)


class BookImpl:
    def __init__(self, fullname, current, sheets):
        self.fullname, self.app, self.api = str(fullname), AppImpl(), Api(current)
        self.sheets = SheetsImpl(sheets)


def _cells(path, sheet):
    ws = load_workbook(path, read_only=True)[sheet]
    return {
        (r, c): v
        for r, row in enumerate(ws.iter_rows(values_only=True), 1)
        for c, v in enumerate(row, 1)
        if v is not None
    }


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory, small_book_path):
    """(the saved workbook, the state Excel holds: two requests typed but not saved), made once."""
    tmp = tmp_path_factory.mktemp("macros")
    saved = tmp / "saved.xlsx"
    assert main(["excel", "new-workbook", str(saved), "--data", str(small_book_path), "--month", "2026-09"]) == 0
    current = tmp / "open-in-excel.xlsx"
    wb = load_workbook(saved)
    ws = wb[SHEET]
    for r in range(HEADER_ROW + 1, HEADER_ROW + 5):
        for c in range(FIRST_COL, FIRST_COL + len(COLUMNS)):
            ws.cell(r, c).value = None
    for i, row in enumerate([["C0003", "qbr", "2026Q3", "client", "en", "pptx"], ["C9999", "qbr"]], HEADER_ROW + 1):
        for j, value in enumerate(row):
            ws.cell(i, FIRST_COL + j).value = value
    ws.tables["tReports"].ref = f"B{HEADER_ROW}:I{HEADER_ROW + 2}"
    wb.save(current)
    return saved, current, {name: _cells(current, name) for name in ("Accounts", SHEET)}


@pytest.fixture
def excel(tmp_path, workbooks, monkeypatch):
    """The workbook saved in a folder with accents and spaces, its unsaved state elsewhere, opened 'in Excel'."""
    source, current, cells = workbooks
    folder = tmp_path / "Área de Trabalho" / "Relatórios do João"
    folder.mkdir(parents=True)
    saved = folder / "cs métricas.xlsx"
    shutil.copyfile(source, saved)
    sheets = [SheetImpl(name, dict(values)) for name, values in cells.items()]
    book = xw.Book(impl=BookImpl(saved, current, sheets))
    opened = []
    monkeypatch.setattr(macros, "open_with_viewer", opened.append)
    monkeypatch.setattr(xw.Book, "_mock_caller", book, raising=False)  # what RunPython's --wb= resolves to
    before = saved.read_bytes()
    yield book.impl, folder, opened
    assert saved.read_bytes() == before, "the user's workbook was modified"


def test_run_the_reports_sheet(excel):
    impl, folder, opened = excel
    macros.run_reports_sheet()
    reports = impl.sheets("Reports").cells
    status = FIRST_COL + COLUMNS.index("status")
    row = HEADER_ROW + 1
    assert reports[(row, status)] == "written"
    deck = reports[(row, status + 1)]
    assert deck.endswith(".pptx")
    assert (folder / "reports" / deck.rsplit("/", 1)[-1]).is_file()  # the output folder beside the real workbook
    assert reports[(row + 1, status)] == "failed"
    sentence = reports[(row + 1, status + 1)]
    assert (
        sentence
        == f"Sheet 'Reports', row {row + 1}, column 'client': expected a client id of the Clients sheet; got 'C9999'."
    )
    ((prompt, title, mode),) = impl.app.alerts
    assert prompt.startswith(f"1 of 2 reports failed; the first: {sentence}")
    assert (title, mode) == ("cs-reports", "critical")
    assert opened == [folder / "reports"]
    assert impl.app.bars[0] == "cs-reports: 0/1 reports done; now C0003 qbr"
    assert impl.app.bars[-2] == "cs-reports: 1/1 reports done"
    assert impl.app.bars[-1] is False  # Excel has its status bar back
    log = (folder / "reports" / "run-log.txt").read_text(encoding="utf-8").splitlines()
    assert len(log) == 2


def test_qbr_for_the_selected_client(excel):
    impl, folder, opened = excel
    row = ACCOUNTS_FIRST_ROW + 1
    impl.sheets("Accounts").cells[(row, 1)] = "C0003"  # what Excel shows there after calculation
    impl.app.selection = RangeImpl(impl.sheets("Accounts"), row, 3)
    macros.qbr_for_selected_client()
    assert impl.app.alerts == []
    (pdf,) = opened
    assert pdf.endswith("_2026q3_qbr-client_pt-br.pdf")
    assert pdf.startswith(str(folder / "reports"))
    assert impl.app.bars[-1] is False


@pytest.mark.parametrize(
    ("sheet", "row", "expected"),
    [
        (
            "Reports",
            12,
            "error: Select a client's row on the 'Accounts' sheet (row 5 and below); the selection is Reports!row 12.",
        ),
        (
            "Accounts",
            2,
            "error: Select a client's row on the 'Accounts' sheet (row 5 and below); the selection is Accounts!row 2.",
        ),
        (
            "Accounts",
            900,
            "error: Sheet 'Accounts', row 900, column 'account': expected a client id; got a blank cell.",
        ),
    ],
)
def test_a_wrong_selection_is_one_message_box_with_the_clis_sentence(excel, sheet, row, expected):
    impl, _, opened = excel
    impl.app.selection = RangeImpl(impl.sheets(sheet), row, 1)
    macros.qbr_for_selected_client()
    assert impl.app.alerts == [(expected, "cs-reports", "critical")]
    assert opened == []


def test_a_bug_is_one_line_too(excel, monkeypatch):
    impl, _, _ = excel

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(macros, "run_requests", broken)
    macros.run_reports_sheet()
    ((prompt, _, _),) = impl.app.alerts
    assert prompt.startswith("internal error: KeyError: 'boom' (this is a bug")
    assert "\n" not in prompt
    assert impl.app.bars[-1] is False


def test_the_vba_module_calls_the_two_macros():
    assert (
        'RunPython "from cs_reports.excel.macros import qbr_for_selected_client; qbr_for_selected_client()"'
        in macros.VBA
    )
    assert 'RunPython "from cs_reports.excel.macros import run_reports_sheet; run_reports_sheet()"' in macros.VBA

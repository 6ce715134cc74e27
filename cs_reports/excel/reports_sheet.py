"""The ``Reports`` sheet of the cs_metrics workbook: report requests, written and read in one place.

A Table ``tReports`` holds one request per row: ``client`` (from the clients list; blank for
the finance report), ``report`` (a kind of :data:`cs_reports.reports.kinds.KINDS`), ``period``
(``2026Q3`` for a QBR, ``2026-10`` for the others; blank: the dashboard's month, for a QBR the
last quarter complete at it), ``audience``,
``language`` and ``formats``, then ``status`` and ``file``, which the Excel buttons fill in.
Above it, the output folder and the branding file, as the names ``cs_reports_out`` and
``cs_reports_branding``. Every column is guarded by data validation built from the same
vocabularies the CLI checks, and :func:`read_requests` checks them again (a workbook edited
elsewhere has no validation): each bad cell is one sentence naming row, column, expected and got.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.styles import Font
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from cs_reports.errors import InvalidInputError

__all__ = ["COLUMNS", "SHEET", "ReportRequest", "Requests", "read_requests", "write_reports_sheet"]

SHEET = "Reports"
TABLE = "tReports"
#: The Table's columns, in order (``status`` and ``file`` are written by the Excel buttons).
COLUMNS = ("client", "report", "period", "audience", "language", "formats", "status", "file")
STATUSES = ("written", "up to date", "failed")
HEADER_ROW = 8  #: the Table's header row; the settings sit above it
FIRST_COL = 2  #: column B, as the dashboard
_SETTINGS = {"cs_reports_out": (4, "Output folder"), "cs_reports_branding": (5, "Branding file (JSON, optional)")}
_MONTH_ROW = 6
VALIDATED_ROWS = 500  #: rows of requests the validation covers


def _vocabulary() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(report kinds, audiences, languages, format choices): the ones the CLI checks."""
    from cs_reports.reports.kinds import KINDS
    from cs_reports.reports.vocabulary import AUDIENCES, FORMATS, LANGUAGES

    return tuple(KINDS), AUDIENCES, tuple(LANGUAGES), (*FORMATS, "+".join(FORMATS))


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


def _validate(ws: Any, column: str, message: str, **rule: Any) -> None:
    col = _letter(FIRST_COL + COLUMNS.index(column))
    dv = DataValidation(allow_blank=True, showErrorMessage=True, showInputMessage=True, **rule)
    dv.error, dv.errorTitle, dv.prompt, dv.promptTitle = message, f"Reports.{column}", message, column
    dv.add(f"{col}{HEADER_ROW + 1}:{col}{HEADER_ROW + VALIDATED_ROWS}")
    ws.add_data_validation(dv)


def write_reports_sheet(wb: Workbook, examples: Sequence[str], *, out_folder: str = "reports") -> None:
    """Add the ``Reports`` sheet: settings, the ``tReports`` Table (QBRs of ``examples``, the finance report).

    Reads the dashboard's month through the name ``cs_month`` and the clients through
    ``cs_accounts_ids`` (both declared by :mod:`cs_reports.excel.template`).
    """
    from openpyxl.workbook.defined_name import DefinedName

    from cs_reports.excel.dashboard import _INPUT_FILL
    from cs_reports.excel.template import _HEAD_FILL, _HEAD_FONT, _MONTH, _SECTION_FONT

    kinds, audiences, languages, formats = _vocabulary()
    ws = wb.create_sheet(SHEET, 4)  # after the dashboard and its views, before the data Tables
    ws["B1"] = "cs-reports: report requests"
    ws["B1"].font = Font(bold=True, size=16, color="1F4E79")
    ws["B2"] = (
        "One report per row. Blank period: the dashboard's month (a QBR: the last quarter complete at it); "
        "blank language: the client's; blank audience: client. Render with the 'Run the Reports sheet' button "
        "or 'cs-reports run'."
    )
    ws["B2"].font = Font(italic=True, color="808080")
    for name, (row, label) in _SETTINGS.items():
        ws.cell(row, 2, label)
        cell = ws.cell(row, 3, out_folder if name == "cs_reports_out" else None)
        cell.fill = _INPUT_FILL
        wb.defined_names[name] = DefinedName(name, attr_text=f"{SHEET}!$C${row}")
    ws.cell(_MONTH_ROW, 2, "Dashboard month (the default period)")
    ws.cell(_MONTH_ROW, 3, "=cs_month").number_format = _MONTH
    ws.cell(HEADER_ROW - 1, 2, "Requests").font = _SECTION_FONT
    for j, column in enumerate(COLUMNS):
        cell = ws.cell(HEADER_ROW, FIRST_COL + j, column)
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
    rows: list[list[Any]] = [[cid, "qbr", None, "client", None, "pdf+pptx", None, None] for cid in examples]
    rows.append([None, "finance", None, None, None, "pdf", None, None])
    for i, values in enumerate(rows, start=HEADER_ROW + 1):
        for j, value in enumerate(values):
            ws.cell(i, FIRST_COL + j, value)
    period_col = _letter(FIRST_COL + COLUMNS.index("period"))
    for r in range(HEADER_ROW + 1, HEADER_ROW + VALIDATED_ROWS + 1):  # typed 2026-10 stays text, not a date
        ws[f"{period_col}{r}"].number_format = "@"
    last = f"{_letter(FIRST_COL + len(COLUMNS) - 1)}{HEADER_ROW + max(len(rows), 1)}"
    table = Table(displayName=TABLE, ref=f"{_letter(FIRST_COL)}{HEADER_ROW}:{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)

    first = f"{period_col}{HEADER_ROW + 1}"
    quarter = f'AND(LEN({first})=6,MID({first},5,1)="Q",ISNUMBER(--LEFT({first},4)),--RIGHT({first},1)>=1,--RIGHT({first},1)<=4)'
    month = f'AND(LEN({first})=7,MID({first},5,1)="-",ISNUMBER(--LEFT({first},4)),--RIGHT({first},2)>=1,--RIGHT({first},2)<=12)'
    _validate(
        ws,
        "client",
        "A client id of the Clients sheet (blank for the finance report).",
        type="list",
        formula1="=cs_accounts_ids",
    )
    _validate(ws, "report", f"One of {', '.join(kinds)}.", type="list", formula1=f'"{",".join(kinds)}"')
    _validate(
        ws,
        "period",
        "A quarter like 2026Q3 (QBR) or a month like 2026-10; blank: the dashboard's.",
        type="custom",
        formula1=f'=OR({first}="",{quarter},{month})',
    )
    _validate(
        ws,
        "audience",
        f"{' or '.join(audiences)} (blank: client; finance: blank).",
        type="list",
        formula1=f'"{",".join(audiences)}"',
    )
    _validate(
        ws,
        "language",
        f"One of {', '.join(languages)} (blank: the client's).",
        type="list",
        formula1=f'"{",".join(languages)}"',
    )
    _validate(
        ws,
        "formats",
        f"{', '.join(formats)} (pptx: QBR only; blank: pdf).",
        type="list",
        formula1=f'"{",".join(formats)}"',
    )
    _validate(ws, "status", "Written by cs-reports.", type="list", formula1=f'"{",".join(STATUSES)}"')
    _validate(
        ws,
        "file",
        "Written by cs-reports: the first file of the request.",
        type="textLength",
        operator="lessThanOrEqual",
        formula1="400",
    )
    out_cell = f"C{_SETTINGS['cs_reports_out'][0]}"
    brand_cell = f"C{_SETTINGS['cs_reports_branding'][0]}"
    for cell, message, rule in (
        (
            out_cell,
            "A folder; relative to this workbook's folder.",
            {"type": "textLength", "operator": "between", "formula1": "1", "formula2": "240"},
        ),
        (
            brand_cell,
            "A .json file (company, primary, accent, logo); blank: the built-in look.",
            {"type": "custom", "formula1": f'=OR({brand_cell}="",RIGHT(LOWER({brand_cell}),5)=".json")'},
        ),
    ):
        dv = DataValidation(allow_blank=True, showErrorMessage=True, showInputMessage=True, **rule)
        dv.error, dv.prompt, dv.errorTitle = message, message, "cs-reports"
        dv.add(cell)
        ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = 2
    ws.column_dimensions["B"].width = 36
    for col, width in zip("CDEFGHI", (14, 10, 11, 10, 10, 12, 60), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_area = f"A1:I{HEADER_ROW + max(len(rows), 20)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def example_clients(book: Any, month: Any, n: int = 2) -> list[str]:
    """The first ``n`` clients of the Clients sheet paying in ``month`` (the sheet's example requests)."""
    mrr = book.mrr
    paying = set(mrr.loc[(mrr["month"] == month) & (mrr["mrr"] > 0), "client_id"])
    return [str(c) for c in book.clients["client_id"] if c in paying][:n]


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class ReportRequest:
    """One row of ``tReports`` as typed (blank cells are ``''``); ``row`` is its Excel row number."""

    row: int
    client: str
    report: str
    period: str
    audience: str
    language: str
    formats: tuple[str, ...]
    problems: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How the run log and the messages name this request."""
        who = self.client or "portfolio"
        where = f"row {self.row}: " if self.row else ""
        return f"{where}{who} {self.report or '?'} {self.period or '(default period)'}"


@dataclass(frozen=True)
class Requests:
    """The sheet read: its requests, output folder, branding file and the dashboard's month."""

    requests: tuple[ReportRequest, ...]
    out_dir: Path
    branding: Path | None
    month: date | None
    notes: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _period(value: Any) -> str:
    """A period cell as text: a date (Excel turned 2026-10 into one) becomes its month."""
    if isinstance(value, (datetime, date)):
        return f"{value:%Y-%m}"
    return _text(value)


def _where(row: int, column: str) -> str:
    return f"Sheet '{SHEET}', row {row}, column '{column}'"


def _check(row: int, values: dict[str, Any], vocab: tuple[tuple[str, ...], ...]) -> ReportRequest:
    kinds, audiences, languages, _ = vocab
    from cs_reports.reports.vocabulary import FORMATS

    problems = []
    report = _text(values.get("report")).lower()
    audience = _text(values.get("audience")).lower()
    language = _text(values.get("language"))
    chosen = {
        f.strip().lower()
        for f in _text(values.get("formats")).replace("+", ",").replace(";", ",").split(",")
        if f.strip()
    }
    if report not in kinds:
        problems.append(f"{_where(row, 'report')}: expected {', '.join(kinds)}; got {report or 'a blank cell'!r}.")
    if audience and audience not in audiences:
        problems.append(f"{_where(row, 'audience')}: expected {' or '.join(audiences)} or blank; got {audience!r}.")
    if language and language not in languages:
        problems.append(f"{_where(row, 'language')}: expected {', '.join(languages)} or blank; got {language!r}.")
    if chosen - set(FORMATS):
        got = _text(values.get("formats"))
        problems.append(f"{_where(row, 'formats')}: expected pdf, pptx or pdf+pptx; got {got!r}.")
    formats = tuple(f for f in FORMATS if f in chosen) or ("pdf",)
    return ReportRequest(
        row,
        _text(values.get("client")),
        report,
        _period(values.get("period")),
        audience,
        language,
        formats,
        tuple(problems),
    )


def _defined_names(path: Path) -> dict[str, str]:
    """Workbook-level defined names -> their reference text (``Dashboard!$C$4``)."""
    from defusedxml import ElementTree

    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("xl/workbook.xml"))
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    return {
        str(el.get("name")): (el.text or "") for el in root.iter(f"{ns}definedName") if el.get("localSheetId") is None
    }


def _cell(rows: dict[str, list[list[Any]]], reference: str) -> Any:
    """The value at ``Sheet!$C$4`` (``None`` when the name points elsewhere)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    sheet, _, address = reference.rpartition("!")
    sheet = sheet.strip("'").replace("''", "'")
    if sheet not in rows or ":" in address:
        return None
    letters, number = coordinate_from_string(address.replace("$", ""))
    grid = rows[sheet]
    r, c = number - 1, column_index_from_string(letters) - 1
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else None


def read_requests(path: str | Path, *, relative_to: str | Path | None = None) -> Requests:
    """Read the ``Reports`` sheet of the workbook at ``path`` (never modified).

    Relative folders in the sheet are relative to ``relative_to`` (default: the workbook's
    folder; the Excel buttons read a snapshot of the open workbook and pass its real folder).

    Raises
    ------
    InvalidInputError
        The workbook has no ``Reports`` sheet, or its header is not the Table's.
    """
    from python_calamine import CalamineWorkbook

    book = Path(path)
    workbook = CalamineWorkbook.from_path(str(book))
    if SHEET not in workbook.sheet_names:
        raise InvalidInputError(
            f"'{book.name}' has no '{SHEET}' sheet; make the workbook with 'cs-reports excel new-workbook' "
            "or copy the Reports sheet of workbook_templates/cs_metrics.xlsx into it."
        )
    names = _defined_names(book)
    sheets = {SHEET: workbook.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)}
    month_ref = names.get("cs_month", "")
    month_sheet = month_ref.rpartition("!")[0].strip("'")
    if month_sheet in workbook.sheet_names and month_sheet != SHEET:
        sheets[month_sheet] = workbook.get_sheet_by_name(month_sheet).to_python(skip_empty_area=False)
    grid = sheets[SHEET]
    header = [_text(v).lower() for v in (grid[HEADER_ROW - 1] if len(grid) >= HEADER_ROW else [])]
    found = header[FIRST_COL - 1 : FIRST_COL - 1 + len(COLUMNS)]
    if tuple(found) != COLUMNS:
        raise InvalidInputError(
            f"Sheet '{SHEET}', row {HEADER_ROW}: expected the header {', '.join(COLUMNS)} from column B; "
            f"got {', '.join(found) or 'nothing'}. Copy the Reports sheet of a new workbook."
        )
    vocab = _vocabulary()
    requests = []
    for i in range(HEADER_ROW, len(grid)):
        cells = grid[i][FIRST_COL - 1 : FIRST_COL - 1 + len(COLUMNS)]
        values = dict(zip(COLUMNS, cells, strict=False))
        if all(_text(values.get(c)) == "" for c in COLUMNS[:6]):
            continue
        requests.append(_check(i + 1, values, vocab))
    out_text = _text(_cell(sheets, names.get("cs_reports_out", f"{SHEET}!$C$4"))) or "reports"
    brand_text = _text(_cell(sheets, names.get("cs_reports_branding", f"{SHEET}!$C$5")))
    month = _cell(sheets, month_ref) if month_ref else None
    base = Path(relative_to) if relative_to is not None else book.resolve().parent
    return Requests(
        tuple(requests),
        _beside(base, out_text),
        _beside(base, brand_text) if brand_text else None,
        month.date() if isinstance(month, datetime) else month if isinstance(month, date) else None,
    )


def _beside(base: Path, text: str) -> Path:
    """A path from a cell: relative ones are relative to ``base`` (the workbook's folder; ``~``: the user's home)."""
    given = Path(text).expanduser()
    return given if given.is_absolute() else base / given

"""Read a workbook (.xlsx) or a folder of CSVs into raw tables (no typing yet).

The file type is decided by its bytes, not its name, so a renamed .xls/.ods/text file
gets a clear error. Each sheet or file becomes a source of cells (a workbook's in
:mod:`cs_reports.data.xlsx_sheets`, a CSV folder's in :mod:`cs_reports.data.csv_files`);
here each source is matched to a contract table by its name or header, and the rows under
the header kept (the rules for subtotal, totals and misshapen rows are in
:mod:`cs_reports.data.rows`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cs_reports._validation import is_blank
from cs_reports._zip import check_zip_limits
from cs_reports.data.assumptions import Assumption
from cs_reports.data.contract import (
    SHEETS,
    Sheet,
    find_sheet,
    is_notes_sheet,
    match_header,
)
from cs_reports.data.messages import Text
from cs_reports.data.rows import SUBTOTAL_ENDS, field_count_problem, is_subtotal, is_total, only_empty_extras
from cs_reports.errors import InvalidInputError, Problem

__all__ = ["MAX_UNCOMPRESSED_BYTES", "Intake", "RawTable", "SheetReport", "read_book", "read_tables"]

#: Refuse workbooks that would unpack to more than this (zip bombs).
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class SheetReport:
    """What happened to one sheet or file: the table it feeds (or why not), rows, columns, notes.

    ``cs-reports validate`` prints these as its closing table (and ``--format json``).
    """

    source: str  # name in the workbook, or the file name
    table: str | None  # contract table it feeds, or None when ignored
    reason: str = ""  # why it is ignored, or how it was recognised
    header_row: int | None = None
    rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # original header -> field
    ignored: list[str] = field(default_factory=list)  # headers not used
    notes: list[str] = field(default_factory=list)
    #: The inferences made on this sheet (each also one of ``notes``); the book gathers them.
    assumptions: list[Assumption] = field(default_factory=list)
    #: note (or reason) -> the same sentence as a catalogue entry, printed in a report's language.
    said: dict[str, Text] = field(default_factory=dict)


@dataclass(frozen=True)
class RawTable:
    """One sheet as read: its name in the file, header cells, data rows and row numbers."""

    sheet: str  # contract name
    source_name: str  # name in the workbook or CSV file name
    header: list[Any]
    rows: list[list[Any]]  # empty when the table is held as ``columns``
    row_numbers: Sequence[int] | np.ndarray  # spreadsheet row number of each data row (header row is header_row)
    header_row: int
    notes: tuple[str, ...] = ()
    #: 'Sheet' in a workbook, 'File' in a CSV folder (the word used in messages), and 'row'/'line'.
    where: str = "Sheet"
    unit: str = "row"
    #: The CSV separator (decides thousand dots when a column gives no evidence), or None.
    separator: str | None = None
    report: SheetReport | None = None
    #: The workbook counts serial dates from 1904 (Excel for Mac's old date system).
    date1904: bool = False
    #: A CSV table read column by column: the text of each column (pyarrow arrays), ``rows`` empty;
    #: emptied by :meth:`release` once the table is typed.
    columns: list[Any] | None = None
    #: What is computed once per column (its distinct values: :mod:`cs_reports.data.columns`).
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def height(self) -> int:
        """The number of data rows."""
        return len(self.row_numbers)

    def column(self, j: int) -> list[Any]:
        """The cells of column ``j`` as Python values, one per data row (``None`` past a short row)."""
        if self.columns is not None:
            from cs_reports.data.csv_columns import python_cells

            if self.height and not self.columns:
                raise RuntimeError(f"the columns of {self.source_name} were released once typed")
            return python_cells(self.columns[j]) if j < len(self.columns) else [None] * self.height
        return [row[j] if j < len(row) else None for row in self.rows]

    def release(self) -> None:
        """Free the text of a columnar table and what was computed from it (the typed frame holds the values)."""
        self.cache.clear()
        if self.columns is not None:
            self.columns.clear()


@dataclass
class Intake:
    """Everything read from a book: the tables, one report per sheet/file, file-level problems."""

    tables: list[RawTable]
    reports: list[SheetReport]
    problems: list[Problem]


def _sniff(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                if "mimetype" in names and b"opendocument" in z.read("mimetype"):
                    return "ods"
                if "xl/workbook.xml" in names:
                    check_zip_limits(z, f"Workbook '{path}'", max_unpacked=MAX_UNCOMPRESSED_BYTES)
                    return "xlsx"
        except zipfile.BadZipFile:
            return "corrupt"
        return "zip"
    if head == _OLE_MAGIC:
        with path.open("rb") as fh:
            blob = fh.read(1 << 20)
        if "EncryptedPackage".encode("utf-16-le") in blob:
            return "encrypted"
        return "xls"
    return "other"


#: Rows searched for the header (title and blank rows above it are skipped).
HEADER_SCAN_ROWS = 30
#: Files of a CSV folder read as text tables (any other name is read only with a UTF-16 BOM).
TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv", ".tab"})


@dataclass
class _Source:
    """A sheet or file as cells, before it is matched to a contract table."""

    name: str
    cells: list[list[Any]]
    key: str = ""  # the name matched against the contract (a CSV file's stem)
    where: str = "Sheet"
    unit: str = "row"
    first_row: int = 1
    separator: str | None = None
    notes: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # note -> its assumption kind
    said: dict[str, Text] = field(default_factory=dict)  # note -> its catalogue sentence
    subtotal_rows: set[int] = field(default_factory=set)
    formula_rows: set[int] = field(default_factory=set)  # rows holding a formula (1-based)
    spans: list[int] | None = None  # CSV: physical lines of each record
    line_numbers: list[int] | None = None  # CSV: first line of each record
    date1904: bool = False
    #: CSV read column by column: the file's lines (``cells`` holds the rows down to the header
    #: candidates; :func:`cs_reports.data.csv_columns.read_columns` reads the rest).
    lines: Any = None


def say(notes: list[str], kinds: dict[str, str], said: dict[str, Text], kind: str, text: Text) -> str:
    """Add ``text`` to a sheet's notes (in English) as an assumption of ``kind`` (printed in each report's language)."""
    line = text.render("en")
    notes.append(line)
    kinds[line] = kind
    said[line] = text
    return line


def noted(kind: str, note: str, said: dict[str, Text], *, sheet: str, touches: tuple[str, ...] = ()) -> Assumption:
    """A sheet's note as an assumption: its catalogue sentence when :func:`say` wrote it, else the English note."""
    if note in said:
        return Assumption.said(kind, said[note], sheet=sheet, touches=touches)
    return Assumption(kind, note, sheet=sheet, touches=touches)


def reason(report_said: dict[str, Text], text: Text) -> str:
    """Why a sheet is ignored, in English, remembered as its catalogue sentence."""
    line = text.render("en")
    report_said[line] = text
    return line


def read_tables(path: str | Path) -> list[RawTable]:
    """The contract tables of a workbook or CSV folder (see :func:`read_book`)."""
    return read_book(path).tables


def read_book(path: str | Path) -> Intake:
    """Read every sheet of a workbook (or file of a CSV folder) and match it to the contract.

    Sheets are recognised by name (English or pt-BR) or, failing that, by a header that holds
    every required column of exactly one table. Every sheet ends up in a :class:`SheetReport`:
    used, or ignored with the reason. Problems of structure (two sheets for one table, a CSV
    line with the wrong number of fields, an unbalanced quote, NUL bytes) are collected.

    Raises
    ------
    FileNotFoundError
        The path does not exist.
    InvalidInputError
        Not a readable .xlsx or CSV folder (with what it is instead, when known).
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(2, "No such file or directory", str(p))
    problems: list[Problem] = []
    reports: list[SheetReport] = []
    if p.is_dir():
        from cs_reports.data.csv_files import csv_sources  # it builds this module's _Source

        sources = csv_sources(p, problems, reports)
        if not sources and not problems:
            raise InvalidInputError(
                f"{p} holds no CSV named after a sheet of the data contract (Clients.csv, MRR.csv, ...)."
            )
    else:
        if p.suffix.lower() in TEXT_SUFFIXES:
            raise InvalidInputError(
                f"{p}: a single CSV is not a book; put the CSVs (Clients.csv, MRR.csv, ...) in a folder."
            )
        kind = _sniff(p)
        messages = {
            "xls": "is an old Excel 97-2003 (.xls) file; open it in Excel and save it as .xlsx",
            "encrypted": "is password-protected; remove the password (File > Info > Protect Workbook) and try again",
            "ods": "is an OpenDocument spreadsheet (.ods); save it as .xlsx",
            "corrupt": "is damaged (not a valid zip/xlsx container)",
            "zip": "is a zip archive, not an Excel workbook",
            "other": "is not an Excel workbook (.xlsx)",
        }
        if kind != "xlsx":
            raise InvalidInputError(f"{p} {messages[kind]}.")
        from cs_reports.data.xlsx_sheets import xlsx_sources  # it builds this module's _Source

        sources = xlsx_sources(p)
    tables = _classify(sources, problems, reports)
    return Intake(tables, reports, problems)


# --- classification ---------------------------------------------------------------------------


_blank = is_blank  # an Excel error value ('#DIV/0!') is text, so never blank


def _trim(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and _blank(row[end - 1]):
        end -= 1
    return row[:end]


def _header_candidates(src: _Source) -> list[int]:
    out = []
    for i, row in enumerate(src.cells):
        if any(not _blank(v) for v in row):
            out.append(i)
            if len(out) >= HEADER_SCAN_ROWS:
                break
    return out


def _best_header(src: _Source, spec: Sheet, candidates: list[int]) -> tuple[int | None, bool, int]:
    """(index of the best header row, whether it is complete, its score) for ``spec``."""
    best: tuple[int | None, bool, int] = (None, False, 0)
    for i in candidates:
        m = match_header(src.cells[i], spec)
        complete = m.complete(spec)
        if (complete, m.score) > (best[1], best[2]):
            best = (i, complete, m.score)
    return best


def _refuse_second(
    src: _Source, table: str, held_by: str, got: str, problems: list[Problem], reports: list[SheetReport]
) -> None:
    """A second source of ``table`` (one per book): a problem naming the source that holds it, and the mapping row."""
    problems.append(
        Problem(
            src.name, None, None, f"one '{table}' table per book ({held_by} holds it already)", got, where=src.where
        )
    )
    reports.append(SheetReport(src.name, None, f"a second '{table}' table (refused)"))


def _classify(sources: list[_Source], problems: list[Problem], reports: list[SheetReport]) -> list[RawTable]:
    named: dict[str, str] = {}
    planned: list[tuple[_Source, Sheet, int | None, Text]] = []
    pending: list[_Source] = []
    for src in sources:
        spec = find_sheet(src.key or src.name)
        if spec is None:
            pending.append(src)
            continue
        if spec.name in named:
            held_by, got = (
                f"{src.where.lower()} '{named[spec.name]}'",
                f"a second one; keep one of '{named[spec.name]}' and '{src.name}'",
            )
            _refuse_second(src, spec.name, held_by, got, problems, reports)
            continue
        named[spec.name] = src.name
        idx, _, score = _best_header(src, spec, _header_candidates(src))
        planned.append((src, spec, idx if score else None, Text.of("by_its_name")))
    guesses: list[tuple[_Source, Sheet, int]] = []
    for src in pending:
        candidates = _header_candidates(src)
        if not candidates:
            said: dict[str, Text] = {}
            why = Text.of("reason_notes_sheet" if is_notes_sheet(src.key or src.name) else "reason_empty_unnamed")
            reports.append(SheetReport(src.name, None, reason(said, why), said=said))
            continue
        complete = []
        for spec in SHEETS:
            idx, ok, score = _best_header(src, spec, candidates)
            if ok and idx is not None:
                complete.append((score, spec, idx))
        complete.sort(key=lambda t: -t[0])
        if not complete:
            said = {}
            why = Text.of("reason_notes_sheet" if is_notes_sheet(src.key or src.name) else "reason_no_match")
            reports.append(SheetReport(src.name, None, reason(said, why), said=said))
            continue
        if len(complete) > 1 and complete[0][0] == complete[1][0]:
            a, b = complete[0][1].name, complete[1][1].name
            problems.append(
                Problem(
                    src.name,
                    None,
                    None,
                    f"a header that fits one table (rename the {src.where.lower()} to '{a}' or '{b}')",
                    f"a header that fits both '{a}' and '{b}'",
                    where=src.where,
                )
            )
            reports.append(SheetReport(src.name, None, f"ambiguous: fits '{a}' and '{b}' (refused)"))
            continue
        guesses.append((src, complete[0][1], complete[0][2]))
    guessed = {spec.name for _, spec, _ in guesses} | set(named)
    for src, spec, idx in guesses:
        if spec.name in named and _computed(src, idx):
            reports.append(
                SheetReport(
                    src.name,
                    None,
                    f"a computed view of the '{spec.name}' table (its rows are formulas), not data",
                )
            )
            continue
        if spec.name in named:
            got = f"a second '{spec.name}' table (its header matches); delete or rename one of the two"
            _refuse_second(src, spec.name, repr(named[spec.name]), got, problems, reports)
            continue
        how = Text.of("by_its_header", table=spec.name)
        if spec.name in ("MRR", "Invoices") and {"MRR", "Invoices"} - {spec.name} <= guessed:
            other = "Invoices" if spec.name == "MRR" else "MRR"
            where = Text.of(src.where.lower())
            text = Text.of("mrr_two_sources", where=where, name=src.name, table=spec.name, other=other)
            say(src.notes, src.kinds, src.said, "table", text)
        named[spec.name] = src.name
        planned.append((src, spec, idx, how))
    tables = []
    for src, spec, idx, how in planned:
        table = _table(src, spec, idx, problems)
        assert table.report is not None
        table.report.reason = f"recognised {how.render('en')}"
        if how.key == "by_its_header":
            by = Text.of("read_by_header", where=Text.of(src.where), name=src.name, table=spec.name, how=how)
            table.report.notes.insert(0, by.render("en"))
            table.report.said[by.render("en")] = by
            override = Text.of("name_the_source", where=Text.of(src.where.lower()), table=spec.name)
            table.report.assumptions.insert(0, Assumption.said("table", by, sheet=src.name, override=override))
        reports.append(table.report)
        tables.append(table)
    return tables


def _computed(src: _Source, header_idx: int) -> bool:
    """Whether most data rows under the header hold formulas (a dashboard's per-client view)."""
    data = [i for i in range(header_idx + 1, len(src.cells)) if any(not _blank(v) for v in src.cells[i])]
    if not data:
        return False
    return sum((src.first_row + i) in src.formula_rows for i in data) * 2 >= len(data)


def _table(src: _Source, spec: Sheet, header_idx: int | None, problems: list[Problem]) -> RawTable:
    cells = src.cells
    numbers = src.line_numbers or [src.first_row + i for i in range(len(cells))]
    notes = list(src.notes)
    if header_idx is None:
        header_idx = next((i for i, row in enumerate(cells) if any(not _blank(v) for v in row)), None)
    report = SheetReport(src.name, spec.name, notes=notes, said=dict(src.said))
    if header_idx is None:
        return RawTable(spec.name, src.name, [], [], [], src.first_row, (), src.where, src.unit, src.separator, report)
    above = [numbers[i] for i in range(header_idx) if any(not _blank(v) for v in cells[i])]
    kinds = dict(src.kinds)
    if above:
        span = f"{above[0]}" if len(above) == 1 else f"{above[0]}-{above[-1]}"
        units = Text.of(src.unit if len(above) == 1 else f"{src.unit}s")
        text = Text.of("title_rows", unit=Text.of(src.unit), n=numbers[header_idx], units=units, span=span)
        say(notes, kinds, report.said, "skipped_rows", text)
    header = _trim(list(cells[header_idx]))
    width = len(cells[header_idx])
    if src.lines is not None:
        from cs_reports.data.csv_files import all_rows, columnar_table  # it imports this module

        table = columnar_table(src, spec, header_idx, header, notes, kinds, report)
        if table is not None:
            return table
        cells = src.cells = all_rows(src)  # read row by row: the same messages as ever
        numbers = src.line_numbers = [i + 1 + src.lines.offset for i in range(len(cells))]
        src.spans, src.lines = [1] * len(cells), None
    rows: list[list[Any]] = []
    row_numbers: list[int] = []
    spans = src.spans
    subtotals: list[int] = []
    for i in range(header_idx + 1, len(cells)):
        row = cells[i]
        first = row[0] if row else None
        if (first is None or isinstance(first, str)) and all(_blank(v) for v in row):
            continue  # blank rows in the middle are skipped (row numbers stay true)
        if spans is not None and len(row) != width and not only_empty_extras(row, width):
            field_count_problem(src, numbers[i], spans[i], len(row), width, numbers[header_idx], problems)
            continue
        rows.append(row)
        row_numbers.append(numbers[i])
    labels = {r[0] for r in rows if r and type(r[0]) is str and r[0][-1:] in SUBTOTAL_ENDS}
    if any(is_subtotal(label, None) for label in labels):  # Excel's Data > Subtotal: 'C0001 Total' rows
        kept = [0] + [k for k in range(1, len(rows)) if not is_subtotal(rows[k][0], rows[k - 1])]
        subtotals = sorted(set(row_numbers) - {row_numbers[k] for k in kept})
        rows, row_numbers = [rows[k] for k in kept], [row_numbers[k] for k in kept]
    skipped = []
    while rows and is_total(rows[-1], row_numbers[-1], src.subtotal_rows):
        skipped.append(row_numbers.pop())
        rows.pop()
    if subtotals:
        shown = ", ".join(map(str, subtotals[:10])) + (", ..." if len(subtotals) > 10 else "")
        text = Text.of("subtotal_rows", n=len(subtotals), unit=Text.of(src.unit), shown=shown)
        say(notes, kinds, report.said, "skipped_rows", text)
    if skipped:
        text = Text.of("totals_rows", unit=Text.of(src.unit), rows=", ".join(map(str, sorted(skipped))))
        say(notes, kinds, report.said, "skipped_rows", text)
    assume(src, spec, report, notes, kinds)
    report.header_row = numbers[header_idx]
    return RawTable(
        spec.name,
        src.name,
        header,
        rows,
        row_numbers,
        numbers[header_idx],
        tuple(notes),
        src.where,
        src.unit,
        src.separator,
        report,
        src.date1904,
    )


def assume(src: _Source, spec: Sheet, report: SheetReport, notes: list[str], kinds: dict[str, str]) -> None:
    from cs_reports.data.declare import figures  # declare imports this module

    touches = figures(spec.name)
    report.assumptions = [noted(kinds.get(n, "other"), n, report.said, sheet=src.name, touches=touches) for n in notes]

"""The sheets of a workbook (.xlsx) as sources for :mod:`cs_reports.data.reader`: cells, flags, merges.

python-calamine (Rust; several times faster than openpyxl's read-only mode) reads each sheet's
values. It reads error cells (``#DIV/0!``) and formulas without a saved value as blanks, so
sheets that may hold them are also scanned in their XML (regular expressions over the part,
streamed first for a marker): error cells become :class:`~cs_reports.data.coerce.ExcelError`,
unsaved formulas :data:`~cs_reports.data.coerce.NO_VALUE`, and the rows holding formulas or
``SUBTOTAL(`` are remembered. Merged ranges are filled down with their top-left value (a note
says which), and the workbook's 1904 date system is read from ``xl/workbook.xml``.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from pathlib import Path
from typing import Any

from cs_reports._a1 import column_index, column_letter
from cs_reports.data.coerce import NO_VALUE, ExcelError
from cs_reports.data.contract import find_sheet
from cs_reports.data.messages import Text
from cs_reports.data.reader import _Source, say
from cs_reports.errors import InvalidInputError

__all__ = ["xlsx_sources"]


def xlsx_sources(path: Path) -> list[_Source]:
    """Every sheet of the workbook at ``path`` as cells: error cells, unsaved formulas and merged ranges settled.

    Raises
    ------
    InvalidInputError
        The workbook or one of its sheets cannot be read (password-protected, damaged).
    """
    import python_calamine

    unreadable = (python_calamine.CalamineError, python_calamine.ZipError, python_calamine.XmlError, ValueError)
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise InvalidInputError(f"{path} is password-protected; remove the password and try again.") from None
    except unreadable as exc:
        raise InvalidInputError(f"{path} could not be read as .xlsx: {exc}.") from None
    sources = []
    date1904 = _date1904(path)
    for name in wb.sheet_names:
        try:
            sheet = wb.get_sheet_by_name(name)
            # skip_empty_area=False: the cells start at A1, so row i is spreadsheet row i + 1.
            cells: list[list[Any]] = [list(r) for r in sheet.to_python(skip_empty_area=False)]
            merged = sheet.merged_cell_ranges or []
        except unreadable as exc:
            raise InvalidInputError(f"{path}: sheet '{name}' could not be read: {exc}.") from None
        src = _Source(name, cells, date1904=date1904)
        # Error cells and formulas without a value read as '': only sheets with '' cells (and
        # sheets not named after a table, which may be computed views) are scanned.
        flags = None
        if find_sheet(name) is None or "" in itertools.chain.from_iterable(cells):
            flags = _cell_flags(path, name)
        errors, missing, subtotals, formula_rows = flags or ({}, set(), set(), set())
        src.formula_rows = {r + 1 for r in formula_rows}
        for (r, c), text in errors.items():
            if r < len(cells) and c < len(cells[r]):
                cells[r][c] = ExcelError(text)
        for r, c in missing:
            if r < len(cells) and c < len(cells[r]):
                cells[r][c] = NO_VALUE
        src.subtotal_rows = {r + 1 for r in subtotals}
        _fill_merged(src, merged)
        sources.append(src)
    return sources


def _date1904(path: Path) -> bool:
    """Whether the workbook uses the 1904 date system (its serial numbers count from 1904-01-01)."""
    try:
        with zipfile.ZipFile(path) as z:
            head = z.read("xl/workbook.xml")[:4096]
    except (KeyError, zipfile.BadZipFile, OSError):
        return False
    return re.search(rb'date1904="(?:1|true)"', head) is not None


def _fill_merged(src: _Source, merged: list[Any]) -> None:
    filled = []
    for (r0, c0), (r1, c1) in merged:
        if r1 <= r0 or r0 >= len(src.cells):
            continue  # a title merged across columns: nothing to fill down
        value = src.cells[r0][c0] if c0 < len(src.cells[r0]) else None
        for r in range(r0 + 1, min(r1 + 1, len(src.cells))):
            for c in range(c0, min(c1 + 1, len(src.cells[r]))):
                src.cells[r][c] = value
        filled.append(f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}")
    if filled:
        more: Text | str = Text.of("and_more", n=len(filled) - 3) if len(filled) > 3 else ""
        text = Text.of("merged_cells", cells=", ".join(filled[:3]), more=more)
        say(src.notes, src.kinds, src.said, "other", text)


_SHEET_TAG = re.compile(r'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', re.S)
_REL_TAG = re.compile(r'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"', re.S)
_REL_TAG2 = re.compile(r'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"', re.S)
_MARKER = re.compile(rb'<f[ >/]|t="e"')
_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_FORMULA = re.compile(r"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_VALUE = re.compile(r"<v>(.*?)</v>", re.S)

FlagSet = tuple[dict[tuple[int, int], str], set[tuple[int, int]], set[int], set[int]]


def _cell_flags(path: Path, sheet: str) -> FlagSet | None:
    """Excel error cells, formula cells without a saved value, SUBTOTAL rows, formula rows of a sheet.

    python-calamine reads error cells and unsaved formulas as blanks; a streamed scan of the
    sheet's XML finds them (the full parse only runs when the sheet holds formulas or errors).
    """
    import html

    try:
        with zipfile.ZipFile(path) as z:
            workbook = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels_text = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            rels = dict(_REL_TAG.findall(rels_text)) | {i: t for t, i in _REL_TAG2.findall(rels_text)}
            names = set(z.namelist())
            for name, rid in _SHEET_TAG.findall(workbook):
                if html.unescape(name) != sheet:
                    continue
                target = rels.get(rid, "")
                part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                if part not in names or not _has_marker(z, part):
                    return None
                return _scan_cells(z.read(part).decode("utf-8", "replace"))
    except (KeyError, zipfile.BadZipFile, OSError):
        return None
    return None


def _has_marker(z: zipfile.ZipFile, part: str) -> bool:
    tail = b""
    with z.open(part) as fh:
        while chunk := fh.read(1 << 22):
            if _MARKER.search(tail + chunk):
                return True
            tail = chunk[-8:]
    return False


def _scan_cells(xml: str) -> FlagSet:
    import html

    errors: dict[tuple[int, int], str] = {}
    missing: set[tuple[int, int]] = set()
    subtotals: set[int] = set()
    formula_rows: set[int] = set()
    for m in _CELL.finditer(xml):
        attrs, body = m.group(3), m.group(4) or ""
        is_error = 't="e"' in attrs
        formula = _FORMULA.search(body)
        if not is_error and formula is None:
            continue
        key = (int(m.group(2)) - 1, column_index(m.group(1)))
        value = _VALUE.search(body)
        if is_error and value is not None:
            errors[key] = html.unescape(value.group(1)).strip()
        elif formula is not None and (value is None or not value.group(1)) and 't="str"' not in attrs:
            missing.add(key)
        if formula is not None:
            formula_rows.add(key[0])
            if "SUBTOTAL(" in (formula.group(1) or "").upper():
                subtotals.add(key[0])
    return errors, missing, subtotals, formula_rows

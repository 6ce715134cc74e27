"""Read a workbook (.xlsx) or a folder of CSVs into raw tables (no typing yet).

The file type is decided by its bytes, not its name, so a renamed .xls/.ods/text file
gets a clear error. Reading .xlsx uses python-calamine (Rust; several times faster than
openpyxl's read-only mode).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cs_reports.data.contract import find_sheet
from cs_reports.errors import InvalidInputError

__all__ = ["MAX_UNCOMPRESSED_BYTES", "RawTable", "read_tables"]

#: Refuse workbooks that would unpack to more than this (zip bombs).
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class RawTable:
    """One sheet as read: its name in the file, header cells, data rows and row numbers."""

    sheet: str  # contract name
    source_name: str  # name in the workbook or CSV file name
    header: list[Any]
    rows: list[list[Any]]
    row_numbers: list[int]  # spreadsheet row number of each data row (header row is header_row)
    header_row: int
    notes: tuple[str, ...] = ()


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
                    total = sum(i.file_size for i in z.infolist())
                    if total > MAX_UNCOMPRESSED_BYTES:
                        raise InvalidInputError(
                            f"{path}: the workbook would unpack to {total / 1024**3:.1f} GiB "
                            f"(limit {MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} GiB); refusing to read it."
                        )
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


def read_tables(path: str | Path) -> list[RawTable]:
    """Read every contract sheet of a workbook or CSV folder (unknown sheets are ignored).

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
    if p.is_dir():
        return _read_csv_folder(p)
    if p.suffix.lower() == ".csv":
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
    return _read_xlsx(p)


def _trim(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and _blank(row[end - 1]):
        end -= 1
    return row[:end]


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _table(sheet: str, source: str, cells: list[list[Any]], first_row: int, notes: tuple[str, ...] = ()) -> RawTable:
    header_idx = next((i for i, row in enumerate(cells) if any(not _blank(v) for v in row)), None)
    if header_idx is None:
        return RawTable(sheet, source, [], [], [], first_row, notes)
    header = _trim(list(cells[header_idx]))
    rows, numbers = [], []
    for i in range(header_idx + 1, len(cells)):
        row = list(cells[i])
        if all(_blank(v) for v in row):
            continue  # blank rows in the middle are skipped (row numbers stay true)
        rows.append(row)
        numbers.append(first_row + i)
    return RawTable(sheet, source, header, rows, numbers, first_row + header_idx, notes)


def _read_xlsx(path: Path) -> list[RawTable]:
    import python_calamine

    unreadable = (python_calamine.CalamineError, python_calamine.ZipError, python_calamine.XmlError, ValueError)
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise InvalidInputError(f"{path} is password-protected; remove the password and try again.") from None
    except unreadable as exc:
        raise InvalidInputError(f"{path} could not be read as .xlsx: {exc}.") from None
    tables: list[RawTable] = []
    seen: dict[str, str] = {}
    for name in wb.sheet_names:
        spec = find_sheet(name)
        if spec is None:
            continue
        if spec.name in seen:
            raise InvalidInputError(
                f"{path}: sheets '{seen[spec.name]}' and '{name}' both hold the '{spec.name}' table; keep one."
            )
        seen[spec.name] = name
        try:
            sheet = wb.get_sheet_by_name(name)
            cells = sheet.to_python(skip_empty_area=False)
        except unreadable as exc:
            raise InvalidInputError(f"{path}: sheet '{name}' could not be read: {exc}.") from None
        start_row = (sheet.start[0] + 1) if sheet.start else 1
        tables.append(_table(spec.name, name, [list(r) for r in cells], start_row))
    return tables


def _decode(raw: bytes, name: str) -> tuple[str, tuple[str, ...]]:
    try:
        return raw.decode("utf-8-sig"), ()
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), (f"{name} is not UTF-8; read it as Windows-1252 (Latin-1).",)


def _read_csv_folder(folder: Path) -> list[RawTable]:
    tables: list[RawTable] = []
    seen: dict[str, str] = {}
    for file in sorted(folder.iterdir()):
        if file.suffix.lower() != ".csv" or not file.is_file():
            continue
        spec = find_sheet(file.stem)
        if spec is None:
            continue
        if spec.name in seen:
            raise InvalidInputError(f"{folder}: files '{seen[spec.name]}' and '{file.name}' both hold '{spec.name}'.")
        seen[spec.name] = file.name
        text, notes = _decode(file.read_bytes(), file.name)
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
        tables.append(_table(spec.name, file.name, rows, 1, notes))
    if not tables:
        raise InvalidInputError(
            f"{folder} holds no CSV named after a sheet of the data contract (Clients.csv, MRR.csv, ...)."
        )
    return tables

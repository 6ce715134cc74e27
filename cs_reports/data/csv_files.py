"""The files of a CSV folder as sources for :mod:`cs_reports.data.reader`: encodings, separators, lines.

Each file is decoded (UTF-8, UTF-16 with a BOM, or line by line UTF-8 / Windows-1252, declared),
its separator found (``sep=`` line, or the most frequent of ``;`` ``,`` tab ``|``) and parsed
strictly, each record keeping its first line number for messages.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from cs_reports.data.coerce import EXCEL_ERRORS, ExcelError
from cs_reports.data.contract import Sheet
from cs_reports.data.csv_columns import head_rows, plan, python_cells, python_row, read_columns
from cs_reports.data.messages import Text
from cs_reports.data.reader import (
    HEADER_SCAN_ROWS,
    TEXT_SUFFIXES,
    RawTable,
    SheetReport,
    _Source,
    assume,
    reason,
    say,
)
from cs_reports.data.rows import SUBTOTAL_ENDS, is_subtotal, is_total
from cs_reports.errors import Problem

__all__ = ["all_rows", "columnar_table", "csv_sources"]


def _decode(raw: bytes, name: str) -> tuple[str, list[Text], int | None]:
    """The text of a CSV file, the notes on its encoding, and the first line that is neither UTF-8 nor Windows-1252.

    A file that is not UTF-8 as a whole is decoded line by line: UTF-8 where a line is UTF-8,
    Windows-1252 where it is not (an older export appended to a newer one); the lines read
    as Windows-1252 are named in the note.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), [Text.of("utf16", file=name)], None
    try:
        return raw.decode("utf-8-sig"), [], None
    except UnicodeDecodeError:
        pass
    lines = raw.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    out: list[str] = []
    legacy: list[int] = []
    utf8 = 0
    for number, line in enumerate(lines, 1):
        try:
            out.append(line.decode("utf-8"))
            utf8 += not line.isascii()
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
            legacy.append(number)
    bad = next((n for n in legacy if "\ufffd" in out[n - 1]), None)
    if not utf8:
        return "\n".join(out), [Text.of("not_utf8", file=name)], bad
    shown = ", ".join(map(str, legacy[:10])) + (", ..." if len(legacy) > 10 else "")
    note = Text.of("mixed_encodings", file=name, n=len(legacy), shown=shown, utf8=utf8)
    return "\n".join(out), [note], bad


def csv_sources(folder: Path, problems: list[Problem], reports: list[SheetReport]) -> list[_Source]:
    """Every text file of a CSV folder as a source (files that are no text are reported as ignored)."""
    sources = []
    for file in sorted(folder.iterdir()):
        if not file.is_file() or file.name.startswith((".", "~$")):
            continue
        with file.open("rb") as fh:
            head = fh.read(2)
        if file.suffix.lower() not in TEXT_SUFFIXES and head not in (b"\xff\xfe", b"\xfe\xff"):
            said: dict[str, Text] = {}
            reports.append(SheetReport(file.name, None, reason(said, Text.of("reason_not_text")), said=said))
            continue
        raw = file.read_bytes()
        text, notes, bad = _decode(raw, file.name)
        if bad is not None:
            problems.append(
                Problem(
                    file.name,
                    bad,
                    None,
                    "text in UTF-8 or Windows-1252",
                    "bytes that are neither (save the file as UTF-8)",
                    "File",
                    "line",
                )
            )
            reports.append(SheetReport(file.name, None, "an unknown text encoding (refused)"))
            continue
        nul = text.find("\x00")
        if nul >= 0:
            line = text.count("\n", 0, nul) + 1
            problems.append(
                Problem(
                    file.name, line, None, "text (a CSV file)", "a NUL byte (a binary or damaged file)", "File", "line"
                )
            )
            reports.append(SheetReport(file.name, None, "holds NUL bytes (refused)"))
            continue
        utf8 = raw.removeprefix(b"\xef\xbb\xbf") if not notes and bad is None else None
        src = _parse_csv(file, text, problems, utf8)
        del raw, text, utf8  # a columnar source keeps only its lines' bytes
        lines: list[str] = []
        for note in notes:
            say(lines, src.kinds, src.said, "encoding", note)
        src.notes[:0] = lines
        sources.append(src)
    return sources


def _parse_csv(file: Path, text: str, problems: list[Problem], utf8: bytes | None = None) -> _Source:
    """The records of a CSV file: its lines measured for a columnar read when it allows one, else every row.

    ``utf8`` is the file's bytes when they are ``text`` in UTF-8 (else ``text`` is encoded).
    """
    offset = 0
    notes: list[str] = []
    newline = text.find("\n")
    first = text if newline < 0 else text[:newline]
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter = first.strip()[4]
        text, offset = text[len(first) + 1 :], 1
        kinds: dict[str, str] = {}
        said: dict[str, Text] = {}
        say(notes, kinds, said, "separator", Text.of("sep_line", file=file.name, sep=delimiter))
    else:
        end = -1
        for _ in range(HEADER_SCAN_ROWS):  # the first lines only: the rest of a big file is not copied
            end = text.find("\n", end + 1)
            if end < 0:
                break
        head = text if end < 0 else text[:end]
        lines = [ln for ln in head.split("\n")[:HEADER_SCAN_ROWS] if ln.strip()]
        counts = {d: max((ln.count(d) for ln in lines), default=0) for d in ("\t", ",", ";", "|")}
        delimiter = max(counts, key=lambda d: (counts[d], d == ";", d == ","))
        kinds, said = {}, {}
        if delimiter in "|\t":
            name = Text.of("a_pipe" if delimiter == "|" else "a_tab")
            say(notes, kinds, said, "separator", Text.of("sep_frequent", file=file.name, name=name, sep=delimiter))
    data = text.encode("utf-8") if utf8 is None else utf8.partition(b"\n")[2] if offset else utf8
    measured = plan(data, delimiter, offset)
    if measured is not None:
        src = _Source(
            file.name, [], file.stem, "File", "line", separator=delimiter, notes=notes, kinds=kinds, said=said
        )
        src.cells = head_rows(measured, HEADER_SCAN_ROWS)
        src.line_numbers = [i + 1 + offset for i in range(len(src.cells))]
        src.spans, src.lines = [1] * len(src.cells), measured
        return src
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[Any]] = []
    starts: list[int] = []
    spans: list[int] = []
    previous = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            problems.append(
                Problem(
                    file.name,
                    previous + 1 + offset,
                    None,
                    "well-formed CSV (every quote closed)",
                    "an unbalanced quote: a value opened with '\"' runs on into the following lines",
                    "File",
                    "line",
                )
            )
            break
        for j, v in enumerate(record):
            if v[:1] == "#" and v.strip() in EXCEL_ERRORS:
                record[j] = ExcelError(v.strip())
        rows.append(record)
        starts.append(previous + 1 + offset)
        spans.append(reader.line_num - previous)
        previous = reader.line_num
    src = _Source(file.name, rows, file.stem, "File", "line", separator=delimiter, notes=notes, kinds=kinds, said=said)
    src.spans, src.line_numbers = spans, starts
    return src


def all_rows(src: _Source) -> list[list[Any]]:
    """Every record of a CSV source held as lines, parsed by the csv module (one record per line)."""
    lines = src.lines
    text = io.StringIO(lines.data.decode("utf-8"), newline="")
    return [python_row(r) for r in csv.reader(text, delimiter=lines.delimiter, strict=True)]


def columnar_table(
    src: _Source,
    spec: Sheet,
    header_idx: int,
    header: list[Any],
    notes: list[str],
    kinds: dict[str, str],
    report: SheetReport,
) -> RawTable | None:
    """The table under the header read column by column, or ``None`` when it must be read row by row."""
    lines = src.lines
    header_line = header_idx + 1 + lines.offset
    read = read_columns(lines, header_idx, len(src.cells[header_idx]))
    if read is None:
        return None
    columns, numbers = read
    if len(numbers) and columns:
        first = columns[0].dictionary_encode().dictionary.to_pylist()
        if any(label[-1:] in SUBTOTAL_ENDS and is_subtotal(label, None) for label in first):
            return None  # Excel's Data > Subtotal rows: the row-by-row rules decide
    end = len(numbers)
    skipped = []
    while end and is_total([python_cells(c.slice(end - 1, 1))[0] for c in columns], int(numbers[end - 1]), set()):
        end -= 1
        skipped.append(int(numbers[end]))
    if skipped:
        text = Text.of("totals_rows", unit=Text.of(src.unit), rows=", ".join(map(str, sorted(skipped))))
        say(notes, kinds, report.said, "skipped_rows", text)
        columns, numbers = [c.slice(0, end) for c in columns], numbers[:end]
    assume(src, spec, report, notes, kinds)
    report.header_row = header_line
    src.lines = None  # the bytes are no longer needed
    return RawTable(
        spec.name,
        src.name,
        header,
        [],
        numbers,
        header_line,
        tuple(notes),
        src.where,
        src.unit,
        src.separator,
        report,
        src.date1904,
        list(columns),
    )

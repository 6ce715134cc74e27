"""A CSV file's data lines read column by column with pyarrow, when that is exactly what the csv module reads.

:mod:`cs_reports.data.csv_files` decodes a file and finds its separator; when the file is one
record per line (every quote closes on its own line, no lone carriage return, no field longer
than the csv module's limit), :func:`plan` measures every line with whole-buffer numpy
operations (its start, its number of fields) and the rows above the header are parsed by the
csv module as before. :func:`read_columns` then reads the lines under the header with
pyarrow's CSV reader, every column as text, and returns them with their line numbers: no
Python object per cell. Anything else (a line with another number of fields than the header,
Data > Subtotal rows, a file pyarrow cannot be trusted with) returns ``None`` and the caller
parses the file row by row as before, with the same messages.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from cs_reports.data.coerce import EXCEL_ERRORS, ExcelError

__all__ = ["PYTHON_SPACE", "LinePlan", "blank_text", "head_rows", "plan", "python_cells", "read_columns"]

#: Every character ``str.strip()`` removes (``str.isspace()``), for regexes that must agree with Python.
PYTHON_SPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
#: The csv module refuses a field longer than this (``csv.field_size_limit()``): such files keep that path.
_FIELD_LIMIT = 131_072


def _re2_class(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


#: A text holding nothing but Python whitespace (RE2 syntax, for ``pyarrow.compute``).
_SPACE_ONLY = f"^[{_re2_class(PYTHON_SPACE)}]+$"


@dataclass
class LinePlan:
    """The lines of a CSV file's text (UTF-8, after a ``sep=`` line): where each starts, how many fields it has."""

    data: bytes
    starts: np.ndarray  # byte offset of each line
    widths: np.ndarray  # fields of each line (0 for an empty line)
    delimiter: str
    offset: int  # lines before ``data`` (a 'sep=' line)


def plan(data: bytes, delimiter: str, offset: int) -> LinePlan | None:
    """The :class:`LinePlan` of ``data``, or ``None`` when the csv module must read it (see the module)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow comes with the excel extra
        return None
    if len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n':
        return None
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None  # a lone carriage return ends a record for the csv module, not for a line count
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = _positions(buf, 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(buf)]))
    if (len(data) and data.endswith(b"\n")) or not len(data):
        starts, ends = starts[:-1], ends[:-1]  # the text after the last newline is no line
    if len(ends) and int(np.max(ends - starts)) > _FIELD_LIMIT:
        return None
    cr = np.zeros(len(ends), dtype=bool)
    nonempty = ends > starts
    cr[nonempty] = buf[ends[nonempty] - 1] == 13
    ends = ends - cr
    widths = _per_line(buf, ord(delimiter), starts) + 1
    widths[ends == starts] = 0
    quoted = np.flatnonzero(_per_line(buf, 34, starts)) if b'"' in data else np.zeros(0, dtype=np.int64)
    if len(quoted):
        d = re.escape(delimiter.encode())
        field = rb'(?:"(?:[^"\n]|"")*"|[^"\n' + d + rb"]*)"
        line = re.compile(field + rb"(?:" + d + field + rb")*")
        for k in quoted.tolist():
            text = data[starts[k] : ends[k]]
            if line.fullmatch(text) is None:
                return None  # a quote inside a field, or a value running over lines: the csv module decides
            widths[k] = len(next(csv.reader([text.decode("utf-8")], delimiter=delimiter, strict=True)))
    return LinePlan(data, starts, widths, delimiter, offset)


#: Bytes scanned at a time (the masks of a 200 MB file are never held whole).
_CHUNK = 1 << 24


def _positions(buf: np.ndarray, byte: int) -> np.ndarray:
    """Where ``byte`` occurs in ``buf``, scanned in chunks."""
    found = [np.flatnonzero(buf[lo : lo + _CHUNK] == byte) + lo for lo in range(0, len(buf), _CHUNK)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _per_line(buf: np.ndarray, byte: int, starts: np.ndarray) -> np.ndarray:
    """How many times ``byte`` occurs in each line (the lines begin at ``starts``)."""
    counts = np.zeros(len(starts), dtype=np.int64)
    for lo in range(0, len(buf), _CHUNK):
        at = np.flatnonzero(buf[lo : lo + _CHUNK] == byte) + lo
        if len(at):
            counts += np.bincount(np.searchsorted(starts, at, side="right") - 1, minlength=len(starts))
    return counts


def head_rows(lines: LinePlan, scan: int) -> list[list[Any]]:
    """The first lines parsed by the csv module, up to ``scan`` + 1 rows that are not blank (or every line)."""
    count = 64
    while True:
        stop = len(lines.data) if count >= len(lines.starts) else int(lines.starts[count])
        text = lines.data[:stop].decode("utf-8")
        rows = [
            python_row(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=lines.delimiter, strict=True)
        ]
        filled = sum(any(not (isinstance(v, str) and not v.strip()) for v in r) for r in rows)
        if filled > scan or count >= len(lines.starts):
            return rows
        count *= 4


def python_row(record: list[str]) -> list[Any]:
    """A csv record's cells as the reader gives them: Excel error values (``'#N/A'``) as :class:`ExcelError`."""
    for j, v in enumerate(record):
        if v[:1] == "#" and v.strip() in EXCEL_ERRORS:
            record[j] = ExcelError(v.strip())
    return record


def python_cells(column: Any) -> list[Any]:
    """The cells of a text column (a pyarrow array) as Python values, as :func:`python_row` makes them."""
    return python_row(column.to_pylist())


def blank_text(column: Any) -> np.ndarray:
    """Whether each cell of a text column is blank (empty or only whitespace, as ``str.strip`` sees it)."""
    import pyarrow.compute as pc

    empty = pc.equal(pc.binary_length(column), 0)
    space = pc.match_substring_regex(column, _SPACE_ONLY)
    return np.asarray(pc.or_(empty, space).to_numpy(zero_copy_only=False), dtype=bool)


def read_columns(lines: LinePlan, header_idx: int, width: int) -> tuple[list[Any], np.ndarray] | None:
    """The text columns of the lines after line ``header_idx`` (``width`` fields each) and each row's line number.

    Rows whose cells are all blank are left out (their line numbers too), as the row-by-row reader
    skips them. ``None`` when a line under the header has another number of fields (the row-by-row
    reader names it) or pyarrow does not read exactly those lines.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    first = header_idx + 1
    widths = lines.widths[first:]
    if width < 1 or not bool(np.all((widths == width) | (widths == 0))):
        return None
    filled = np.flatnonzero(widths == width) + first
    names = [f"c{j}" for j in range(width)]
    if len(filled):
        start = int(lines.starts[first])
        try:
            table = pcsv.read_csv(
                pa.BufferReader(pa.py_buffer(lines.data)[start:]),
                read_options=pcsv.ReadOptions(column_names=names, block_size=1 << 22),
                parse_options=pcsv.ParseOptions(
                    delimiter=lines.delimiter,
                    quote_char='"',
                    double_quote=True,
                    escape_char=False,
                    newlines_in_values=False,
                    ignore_empty_lines=True,
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    null_values=[],
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # pragma: no cover - the plan said it reads
            return None
        if table.num_rows != len(filled):  # pragma: no cover - a safety net: never guess line numbers
            return None
        columns = [table.column(j).combine_chunks() for j in range(width)]
    else:
        columns = [pa.array([], type=pa.string()) for _ in range(width)]
    blank = blank_text(columns[0])  # a row is blank when its first cell is, and then every other
    maybe = np.flatnonzero(blank)
    for column in columns[1:]:
        if not len(maybe):
            break
        blank[maybe] = blank_text(column.take(pa.array(maybe)))
        maybe = np.flatnonzero(blank)
    if blank.any():
        keep = pa.array(~blank)
        columns = [c.filter(keep) for c in columns]
        filled = filled[~blank]
    return columns, filled + 1 + lines.offset

"""Type every raw table against the contract, collecting all problems of a file."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from cs_reports._validation import is_blank
from cs_reports.data import columns as shapes
from cs_reports.data.cells import (
    MAX_PROBLEMS,
    cells_of,
    declare_column,
    distinct_marks,
    rows_of,
    typed_distinct,
)
from cs_reports.data.checks import currency_marks as _currency_marks
from cs_reports.data.checks import lonely_times as _lonely_times
from cs_reports.data.checks import problem as _problem
from cs_reports.data.checks import show as _show
from cs_reports.data.checks import with_time as _with_time
from cs_reports.data.coerce import ExcelError, NoValue, number_evidence, style_of
from cs_reports.data.columns import Distinct
from cs_reports.data.contract import Column, HeaderMatch, Sheet, match_header, normalise_header
from cs_reports.data.declare import declare, figures
from cs_reports.data.infer import ID_JUNK, time_column
from cs_reports.data.messages import Text
from cs_reports.data.reader import RawTable
from cs_reports.errors import Problem

__all__ = ["MAX_PROBLEMS", "check_references", "check_unique", "type_table"]


_blank = is_blank  # an Excel error value ('#DIV/0!') is text, so never blank
#: Type text columns through their distinct values (:mod:`cs_reports.data.cells`); ``False``
#: types every cell one at a time (the reference the tests compare it with).
VECTORISED = True


def _match_columns(raw: RawTable, spec: Sheet, problems: list[Problem]) -> HeaderMatch | None:
    """Map contract columns to positions in the header; report missing and ambiguous ones."""
    match = match_header(raw.header, spec)
    ok = True
    for name, where in match.ambiguous.items():
        headers = " and ".join(repr(str(raw.header[i])) for i in where)
        problems.append(
            _problem(
                raw,
                raw.header_row,
                name,
                f"one column for '{name}' (rename or delete one of them)",
                f"{len(where)} columns: {headers}",
            )
        )
        ok = False
    missing = [c.name for c in spec.columns if c.required and c.name not in match.positions]
    missing = [m for m in missing if m not in match.ambiguous]
    if missing:
        present = [str(h) for h in raw.header if not _blank(h)]
        needed = [c.name for c in spec.columns if c.required]
        problems.append(_problem(raw, None, None, f"columns {needed} (missing {missing})", f"columns {present}"))
        ok = False
    if not ok:
        return None
    report = raw.report
    if report is not None:
        report.columns = {str(raw.header[i]): name for name, i in match.positions.items()}
        used = set(match.positions.values())
        report.ignored = [str(h) for i, h in enumerate(raw.header) if i not in used and not _blank(h)]
        for i in match.as_name:
            if "name" in match.positions and match.positions["name"] == i:
                declare(report, "header", Text.of("name_column", header=str(raw.header[i])), touches=())
            elif i not in used:
                declare(report, "header", Text.of("name_column_ignored", header=str(raw.header[i])), touches=())
        _declare_headers(raw, spec, match)
    return match


def _declare_headers(raw: RawTable, spec: Sheet, match: HeaderMatch) -> None:
    """One 'header' assumption for the headers read under another name, one 'unit' per unit stripped."""
    renamed = {
        name: str(raw.header[i])
        for name, i in match.positions.items()
        if normalise_header(raw.header[i]) != normalise_header(name)
    }
    if renamed:
        touched = tuple(dict.fromkeys(f for name in renamed for f in figures(spec.name, name)))
        mapped = ", ".join(f"'{h}' -> {name}" for name, h in renamed.items())
        declare(
            raw.report,
            "header",
            Text.of("headers_mapped", mapped=mapped),
            touches=touched,
            override=Text.of("rename_header"),
        )
    for name, i in match.positions.items():
        unit = match.units.get(i)
        if unit is None:
            continue
        check = Text.of("unit_check_percent" if unit == "%" else "unit_check_currency")
        declare(
            raw.report,
            "unit",
            Text.of("header_unit", header=str(raw.header[i]), field=name, unit=unit, check=check),
            column=str(raw.header[i]),
            field=name,
            rows=raw.height,
        )


def _fast_column(col: Column, cells: list[Any]) -> Any:
    """The typed column when every cell already has the plain expected type, else ``None``.

    A million-row sheet is mostly such columns (numbers stored as numbers, dates as
    dates, ids as text); they are checked with whole-column operations. Anything else
    (blanks, text numbers, text dates, out-of-range values) takes the cell-by-cell path,
    which also names every bad cell; the results are the same either way.
    """
    kinds = set(map(type, cells))
    if col.kind in ("money", "number", "int", "rate") and kinds <= {float, int}:
        x = np.asarray(cells, dtype=np.float64)
        ok = np.isfinite(x)
        if col.low is not None:
            ok &= x >= col.low
        if col.high is not None:
            ok &= x <= col.high
        if col.kind == "int":
            ok &= np.floor(x) == x
        if not ok.all():
            return None
        return x.astype(np.int64).tolist() if col.kind == "int" else x
    if col.kind in ("date", "datetime", "month") and kinds and kinds <= {datetime, date}:
        try:
            ts = pd.DatetimeIndex(pd.to_datetime(cells))
        except (ValueError, OverflowError, TypeError):  # out of range, mixed time zones: name the cells
            return None
        if ts.tz is not None:
            return None
        if col.kind == "month":
            return ts.to_period("M").to_timestamp()
        return ts if col.kind == "datetime" else ts.normalize()
    if col.kind in ("id", "text") and kinds == {str}:
        stripped = [v.strip() for v in cells]
        if col.kind == "id" and _needs_normalising(stripped, cells):
            return None  # ids to normalise (a '="C1"' wrapper, spaces, zero-width characters): counted and declared
        if any(not v or v[0] == "'" or v[0] == "#" for v in stripped):
            return None  # blanks, neutralised formulas, error-like text: the careful path
        if col.kind == "id" and any(v.endswith(".0") for v in stripped):
            return None  # '1.0' ids: the careful path makes them '1'
        return stripped
    return None


def _needs_normalising(stripped: list[str], cells: list[str]) -> bool:
    """Whether any id needs :func:`normalise_id` (whole-column checks: a million ids cost milliseconds)."""
    if stripped != cells:
        return True
    joined = "\n".join(stripped)
    return '="' in joined or (not joined.isascii() and ID_JUNK.search(joined) is not None)


def _distinct(raw: RawTable, j: int, cells: list[Any] | None = None) -> Distinct | None:
    """The distinct values of column ``j`` (computed once per table), or ``None`` for the per-cell path."""
    if not VECTORISED:
        return None
    key = ("distinct", j)
    if key not in raw.cache:
        if raw.columns is not None:
            raw.cache[key] = Distinct.of(raw.columns[j]) if j < len(raw.columns) else None
        else:
            raw.cache[key] = Distinct.of(raw.column(j) if cells is None else cells)
    found: Distinct | None = raw.cache[key]
    return found


def type_table(
    raw: RawTable,
    spec: Sheet,
    problems: list[Problem],
    *,
    required: bool | None = None,
    tz: str = "America/Sao_Paulo",
    book_style: str | None = None,
    unsaved: dict[str, int] | None = None,
) -> pd.DataFrame | None:
    """Build the typed DataFrame of one sheet; append every problem found to ``problems``.

    Returns ``None`` when the sheet cannot be used (missing or ambiguous columns) or holds
    no rows; an empty optional sheet is a note, an empty required one (``required``,
    default ``spec.required``) a problem. Formula cells without a saved value in the
    contract's columns are counted in ``unsaved`` (sheet -> count) for one file-level problem.
    """
    required = spec.required if required is None else required
    report = raw.report
    notes: list[str] = report.notes if report is not None else []
    if not raw.header:
        if required:
            problems.append(_problem(raw, None, None, "a header row and at least one data row", "an empty sheet"))
        else:
            text = Text.of("sheet_empty", where=Text.of(raw.where), name=raw.source_name, table=spec.name)
            declare(report, "table", text, touches=figures(spec.name))
        return None
    match = _match_columns(raw, spec, problems)
    if match is None:
        return None
    positions = match.positions
    if not raw.height:
        if required:
            problems.append(_problem(raw, None, None, "at least one data row", "only a header"))
        else:
            text = Text.of("sheet_header_only", where=Text.of(raw.where), name=raw.source_name, table=spec.name)
            declare(report, "table", text, touches=figures(spec.name))
        return None
    data: dict[str, Any] = {}
    drop: set[int] = set()
    table_style = _table_number_style(raw, spec, positions) or book_style
    used = set(positions.values())
    timed: set[str] = set()
    for col in spec.columns:
        if col.name not in positions:
            continue
        j = positions[col.name]
        header = str(raw.header[j])
        unit = match.units.get(j)
        t = time_column(raw.header, j, used) if col.kind == "datetime" else None
        if t is not None:
            used.add(t)
            timed.add(col.name)
        cells: list[Any] | None = None
        distinct = None
        if raw.columns is None or t is not None or unit == "%":
            cells = raw.column(j)
            if t is not None:
                cells = _with_time(raw, col, j, t, cells, problems)
            if col.kind == "money":
                _currency_marks(raw, col, unit, cells, data)
            fast = _fast_column(col, cells) if not (unit == "%" and col.kind == "rate") else None
            if fast is not None:
                data[col.name] = fast
                continue
            if t is None and unit != "%":
                distinct = _distinct(raw, j, cells)
        else:
            distinct = _distinct(raw, j)
            if distinct is not None and col.kind == "money":
                distinct_marks(raw, col, unit, distinct, data)
        typed = None
        if distinct is not None:
            typed = typed_distinct(
                col, distinct, separator=raw.separator, table_style=table_style, tz=tz, date1904=raw.date1904
            )
        if typed is not None:
            declare_column(raw, col, header, typed.order, typed.facts, [], typed.fixed_ids, typed.thousands, tz)
            values = rows_of(raw, col, typed, problems, drop, notes, header)
            if values is None:
                return None
            # an object column as it is (pandas would make its text an Arrow string column, which
            # _finalise_dtypes turns back into one Python string per cell)
            data[col.name] = pd.Series(values, dtype=object, copy=False) if values.dtype == object else values
            continue
        if cells is None:
            cells = raw.column(j)
            if col.kind == "money":
                _currency_marks(raw, col, unit, cells, data)
        out = cells_of(raw, col, header, unit, cells, table_style, tz, problems, drop, notes, unsaved)
        if out is None:
            return None
        data[col.name] = out
    frame = pd.DataFrame(data)
    _lonely_times(raw, spec, positions, used, timed, frame, problems)
    # Extra columns (e.g. feature usage) are kept as they are, under their own header.
    known = used
    for j, header in enumerate(raw.header):
        if j not in known and not _blank(header) and str(header) not in frame.columns:
            kept = _distinct(raw, j) if raw.columns is not None else None
            if kept is not None:  # each distinct text once; the error values named row by row
                texts = np.empty(len(kept), dtype=object)
                texts[:] = kept.values(np.arange(len(kept)))
                errors = np.array([isinstance(v, ExcelError) for v in texts])
                for r in np.flatnonzero(errors[kept.codes]).tolist():
                    value = texts[kept.codes[r]]
                    problems.append(
                        _problem(raw, raw.row_numbers[r], str(header), "a value", f"{value} (an Excel error value)")
                    )
                frame[str(header)] = texts[kept.codes].tolist()
            else:
                cells = raw.column(j)
                formulas = sum(isinstance(v, NoValue) for v in cells)
                if formulas:
                    cells = [None if isinstance(v, NoValue) else v for v in cells]
                    text = Text.of("formulas_blank", header=str(header), n=formulas)
                    declare(report, "default", text, column=str(header), rows=formulas, touches=())
                for value, number in zip(cells, raw.row_numbers, strict=True):
                    if isinstance(value, ExcelError):
                        problems.append(
                            _problem(raw, number, str(header), "a value", f"{value} (an Excel error value)")
                        )
                frame[str(header)] = cells
            if report is not None:
                report.columns[str(header)] = f"{header} (extra column, kept)"
                report.ignored = [h for h in report.ignored if h != str(header)]
    frame.insert(0, "_row", raw.row_numbers)
    raw.release()
    if drop:
        frame = frame.drop(index=sorted(drop)).reset_index(drop=True)
    if report is not None:
        report.rows = len(frame)
    return _finalise_dtypes(frame, spec)


def book_number_style(tables: list[RawTable], specs: dict[str, Sheet]) -> str | None:
    """The number style of every CSV file's text amounts together (the last resort of a column).

    A CSV folder is one export: when its other files write ``1.234,56`` and none ``1,234.56``,
    a file of whole amounts (``8.400``) is pt-BR too.
    """
    pt = en = filled = False
    for raw in tables:
        if raw.separator is None or raw.sheet not in specs:
            continue
        spec = specs[raw.sheet]
        for a, b, c in _amount_evidence(raw, spec, match_header(raw.header, spec).positions):
            pt, en, filled = pt or a, en or b, filled or c
    return style_of(pt, en) if filled else None


def _amount_evidence(raw: RawTable, spec: Sheet, positions: dict[str, int]) -> list[tuple[bool, bool, bool]]:
    """For each amount column: its pt-BR and English evidence, and whether it has cells."""
    return [
        _evidence(raw, positions[col.name])
        for col in spec.columns
        if col.kind in ("money", "number", "rate") and col.name in positions
    ]


def _evidence(raw: RawTable, j: int) -> tuple[bool, bool, bool]:
    """The number evidence of column ``j`` (:func:`~cs_reports.data.coerce.number_evidence`), computed once."""
    key = ("evidence", j)
    if key not in raw.cache:
        distinct = _distinct(raw, j) if raw.columns is not None else None
        if distinct is not None:
            plain, _ = shapes.number_shapes(distinct.text)
            pt, en = number_evidence(distinct.values(np.flatnonzero(~plain)))
            fast_pt, fast_en = shapes.number_evidence(distinct.text, plain)
            raw.cache[key] = (pt or fast_pt, en or fast_en, raw.height > 0)
        else:
            cells = raw.column(j) if raw.columns is not None else [row[j] for row in raw.rows if j < len(row)]
            raw.cache[key] = (*number_evidence(cells), bool(cells))
    found: tuple[bool, bool, bool] = raw.cache[key]
    return found


def _table_number_style(raw: RawTable, spec: Sheet, positions: dict[str, int]) -> str | None:
    """The number style of the whole table's text amounts (used for a column without evidence)."""
    if raw.separator is None:
        return None  # workbooks: numbers are cells; text amounts decide per column only
    evidence = _amount_evidence(raw, spec, positions)
    return style_of(any(e[0] for e in evidence), any(e[1] for e in evidence), separator=raw.separator)


_THOUSANDS = re.compile(r"^-?\d{1,3}(?:\.\d{3})+$")


def _finalise_dtypes(frame: pd.DataFrame, spec: Sheet) -> pd.DataFrame:
    for col in spec.columns:
        if col.name not in frame.columns:
            continue
        if col.kind in ("money", "number", "rate"):
            frame[col.name] = pd.to_numeric(frame[col.name], errors="coerce").astype("float64")
        elif col.kind == "int":
            frame[col.name] = pd.to_numeric(frame[col.name], errors="coerce").astype("Int64")
        elif col.kind in ("date", "datetime", "month"):
            frame[col.name] = pd.to_datetime(frame[col.name]).astype(
                "datetime64[us]"
            )  # one resolution whatever the source
        elif col.kind == "bool":
            frame[col.name] = frame[col.name].astype("boolean")
        else:
            values = frame[col.name].astype("object")
            frame[col.name] = values.where(values.notna(), None)
    return frame


def check_unique(frame: pd.DataFrame, spec: Sheet, problems: list[Problem], raw: RawTable | None = None) -> None:
    """Report rows that repeat the sheet's unique key (after the first)."""
    key = [c for c in spec.unique if c in frame.columns]
    if not key:
        return
    subset = frame[key]
    dup = subset.duplicated(keep="first") & subset.notna().all(axis=1)
    for _, row in frame[dup].head(MAX_PROBLEMS).iterrows():
        what = ", ".join(f"{k}={row[k]}" for k in key)
        expected, got = f"a unique {'/'.join(key)}", f"a repeat of {what}"
        row_number = int(row["_row"])
        problems.append(
            _problem(raw, row_number, key[-1], expected, got)
            if raw is not None
            else Problem(spec.name, row_number, key[-1], expected, got)
        )


def check_references(
    frame: pd.DataFrame, sheet: str, known: set[str], problems: list[Problem], raw: RawTable | None = None
) -> None:
    """Report client ids that are not in the Clients sheet."""
    unknown = ~frame["client_id"].isin(known) & frame["client_id"].notna()
    for _, row in frame[unknown].head(MAX_PROBLEMS).iterrows():
        expected, got = "a client_id listed in the Clients sheet", _show(row["client_id"])
        number = int(row["_row"])
        problems.append(
            _problem(raw, number, "client_id", expected, got)
            if raw is not None
            else Problem(sheet, number, "client_id", expected, got)
        )

"""Type every raw table against the contract, collecting all problems of a file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from cs_reports._io import restore_cell
from cs_reports.data.coerce import parse_bool, parse_date, parse_number, split_date_order
from cs_reports.data.contract import Column, Sheet, normalise_header
from cs_reports.data.reader import RawTable
from cs_reports.errors import Problem

__all__ = ["MAX_PROBLEMS", "check_references", "check_unique", "type_table"]

#: Stop collecting after this many problems in one file (the count is still reported).
MAX_PROBLEMS = 1000


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())


def _match_columns(raw: RawTable, spec: Sheet, problems: list[Problem]) -> dict[str, int] | None:
    """Map contract columns to positions in the header; report missing required ones."""
    wanted: dict[str, str] = {}
    for col in spec.columns:
        for alias in (col.name, *col.aliases):
            wanted.setdefault(normalise_header(alias), col.name)
    found: dict[str, int] = {}
    for i, cell in enumerate(raw.header):
        if _blank(cell):
            continue
        name = wanted.get(normalise_header(cell))
        if name is not None and name not in found:
            found[name] = i
    missing = [c.name for c in spec.columns if c.required and c.name not in found]
    if missing:
        present = [str(h) for h in raw.header if not _blank(h)]
        needed = [c.name for c in spec.columns if c.required]
        problems.append(Problem(spec.name, None, None, f"columns {needed} (missing {missing})", f"columns {present}"))
        return None
    return found


def _convert(col: Column, value: Any, order: str) -> Any:
    kind = col.kind
    if kind in ("id", "text"):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, str):
            # cs-reports writes text that starts like a formula with a leading apostrophe
            # (formula injection); reading it back gives the original text.
            return restore_cell(value.strip())
        if isinstance(value, (bool, int, float)):
            return str(value).strip()
        return str(value)
    if kind in ("money", "number", "int", "rate"):
        x = parse_number(value)
        if kind == "int" and not float(x).is_integer():
            raise ValueError("not a whole number")
        if (col.low is not None and x < col.low) or (col.high is not None and x > col.high):
            raise ValueError("out of range")
        return int(x) if kind == "int" else x
    if kind in ("date", "datetime", "month"):
        return parse_date(value, order=order, with_time=kind == "datetime", month=kind == "month")
    if kind == "enum":
        key = normalise_header(value) if isinstance(value, str) else None
        if key is None or key not in col.choices:
            raise ValueError("not a listed value")
        return col.choices[key]
    if kind == "bool":
        return parse_bool(value)
    raise AssertionError(kind)  # pragma: no cover


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
        if any(not v or v[0] == "'" for v in stripped):
            return None  # blanks and neutralised formulas: the careful path
        return stripped
    return None


def type_table(raw: RawTable, spec: Sheet, problems: list[Problem]) -> pd.DataFrame | None:
    """Build the typed DataFrame of one sheet; append every problem found to ``problems``.

    Returns ``None`` when the sheet cannot be used at all (missing columns, empty).
    """
    if not raw.header:
        problems.append(Problem(spec.name, None, None, "a header row and at least one data row", "an empty sheet"))
        return None
    positions = _match_columns(raw, spec, problems)
    if positions is None:
        return None
    if not raw.rows:
        problems.append(Problem(spec.name, None, None, "at least one data row", "only a header"))
        return None
    data: dict[str, list[Any]] = {}
    for col in spec.columns:
        if col.name not in positions:
            continue
        j = positions[col.name]
        cells = [row[j] if j < len(row) else None for row in raw.rows]
        fast = _fast_column(col, cells)
        if fast is not None:
            data[col.name] = fast
            continue
        order = split_date_order(cells) if col.kind in ("date", "datetime", "month") else "dmy"
        out: list[Any] = []
        for value, number in zip(cells, raw.row_numbers, strict=True):
            if _blank(value):
                if col.required:
                    problems.append(Problem(spec.name, number, col.name, col.expected, "a blank cell"))
                out.append(None)
                continue
            try:
                out.append(_convert(col, value, order))
            except ValueError as exc:
                reason = str(exc)
                got = (
                    _show(value)
                    if reason in ("out of range", "not a listed value", "not a number")
                    else (f"{_show(value)} ({reason})")
                )
                problems.append(Problem(spec.name, number, col.name, col.expected, got))
                out.append(None)
            if len(problems) >= MAX_PROBLEMS:
                return None
        data[col.name] = out
    frame = pd.DataFrame(data)
    # Extra columns (e.g. feature usage) are kept as they are, under their own header.
    known = set(positions.values())
    for j, header in enumerate(raw.header):
        if j not in known and not _blank(header) and str(header) not in frame.columns:
            frame[str(header)] = [row[j] if j < len(row) else None for row in raw.rows]
    frame.insert(0, "_row", raw.row_numbers)
    return _finalise_dtypes(frame, spec)


def _finalise_dtypes(frame: pd.DataFrame, spec: Sheet) -> pd.DataFrame:
    for col in spec.columns:
        if col.name not in frame.columns:
            continue
        if col.kind in ("money", "number", "rate"):
            frame[col.name] = pd.to_numeric(frame[col.name], errors="coerce").astype("float64")
        elif col.kind == "int":
            frame[col.name] = pd.to_numeric(frame[col.name], errors="coerce").astype("Int64")
        elif col.kind in ("date", "datetime", "month"):
            frame[col.name] = pd.to_datetime(frame[col.name])
        elif col.kind == "bool":
            frame[col.name] = frame[col.name].astype("boolean")
        else:
            values = frame[col.name].astype("object")
            frame[col.name] = values.where(values.notna(), None)
    return frame


def check_unique(frame: pd.DataFrame, spec: Sheet, problems: list[Problem]) -> None:
    """Report rows that repeat the sheet's unique key (after the first)."""
    key = [c for c in spec.unique if c in frame.columns]
    if not key:
        return
    subset = frame[key]
    dup = subset.duplicated(keep="first") & subset.notna().all(axis=1)
    for _, row in frame[dup].head(MAX_PROBLEMS).iterrows():
        what = ", ".join(f"{k}={row[k]}" for k in key)
        problems.append(
            Problem(spec.name, int(row["_row"]), key[-1], f"a unique {'/'.join(key)}", f"a repeat of {what}")
        )


def check_references(frame: pd.DataFrame, sheet: str, known: set[str], problems: list[Problem]) -> None:
    """Report client ids that are not in the Clients sheet."""
    unknown = ~frame["client_id"].isin(known) & frame["client_id"].notna()
    for _, row in frame[unknown].head(MAX_PROBLEMS).iterrows():
        problems.append(
            Problem(
                sheet, int(row["_row"]), "client_id", "a client_id listed in the Clients sheet", _show(row["client_id"])
            )
        )

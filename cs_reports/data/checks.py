"""Whole-column inferences of the validator, each declared or refused (never silent).

Date + time column pairs, time zones of text timestamps, the date order, ``%`` columns in
points or shares, and the currency marks of amounts. :mod:`cs_reports.data.validate` calls
them while typing a table; each one either declares what it assumed (an assumption of the
book) or appends a problem naming the sheet, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from cs_reports._validation import is_blank
from cs_reports.data.coerce import _DMY, ExcelError, currency_mark, parse_date, parse_number, split_date_order, zone_of
from cs_reports.data.contract import CURRENCIES, Column, Sheet, normalise_header
from cs_reports.data.declare import declare
from cs_reports.data.infer import parse_time, time_like
from cs_reports.data.messages import Text
from cs_reports.data.reader import RawTable
from cs_reports.errors import Problem

__all__ = [
    "DateFacts",
    "currency_marks",
    "date_facts",
    "declare_dates",
    "lonely_times",
    "percent_scale",
    "problem",
    "show",
    "with_time",
]


def show(value: Any) -> str:
    """A cell value as shown in an error message (whole floats as integers, long text cut)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def problem(raw: RawTable, row: int | None, column: str | None, expected: str, got: str) -> Problem:
    """A problem located in ``raw`` (its sheet or file, and row or line)."""
    number = None if row is None else int(row)  # a numpy row number of a columnar table is shown as an int
    return Problem(raw.source_name, number, column, expected, got, raw.where, raw.unit if row is not None else "row")


def with_time(raw: RawTable, col: Column, j: int, t: int, cells: list[Any], problems: list[Problem]) -> list[Any]:
    """The cells of a date column at ``j`` combined with the time column at ``t`` (declared)."""
    date_header, time_header = str(raw.header[j]), str(raw.header[t])
    order = split_date_order(cells)
    out: list[Any] = []
    for clock, value, number in zip(raw.column(t), cells, raw.row_numbers, strict=True):
        if is_blank(value) or isinstance(value, ExcelError):
            out.append(value)
            continue
        if is_blank(clock):
            if col.required:
                problems.append(problem(raw, number, col.name, f"a time in '{time_header}'", "a blank cell"))
            out.append(None)
            continue
        try:
            out.append(parse_date(value, order=order) + pd.Timedelta(parse_time(clock)))
        except ValueError as exc:
            bad, where = (clock, time_header) if _is_date(value, order) else (value, date_header)
            problems.append(problem(raw, number, col.name, f"a date and a time ('{where}')", f"{show(bad)} ({exc})"))
            out.append(None)
    declare(
        raw.report,
        "datetime",
        Text.of("datetime_combined", date=date_header, time=time_header, field=col.name),
        column=date_header,
        field=col.name,
        rows=len(cells),
    )
    return out


def _is_date(value: Any, order: str) -> bool:
    try:
        parse_date(value, order=order)
    except ValueError:
        return False
    return True


def lonely_times(
    raw: RawTable,
    spec: Sheet,
    positions: dict[str, int],
    used: set[int],
    timed: set[str],
    frame: pd.DataFrame,
    problems: list[Problem],
) -> None:
    """Refuse a date-only timestamp column beside a time column that could not be paired with it."""
    loose = [str(h) for k, h in enumerate(raw.header) if k not in used and not is_blank(h) and time_like(h)]
    if not loose:
        return
    for col in spec.columns:
        if col.kind != "datetime" or col.name not in positions or col.name in timed or col.name not in frame:
            continue
        values = pd.to_datetime(frame[col.name], errors="coerce").dropna()
        if len(values) and (values == values.dt.normalize()).all():
            header = str(raw.header[positions[col.name]])
            problems.append(
                problem(
                    raw,
                    raw.header_row,
                    col.name,
                    f"a time of day for '{header}' (date and time in one column, or a time column named "
                    f"'Hora {header}')",
                    f"dates without a time and a separate column '{loose[0]}' (a duration would start at midnight)",
                )
            )


@dataclass(frozen=True)
class DateFacts:
    """What :func:`declare_dates` declares about a text date column, counted over its cells.

    ``clock``: a ``nn/nn/yyyy`` value writes a 12-hour clock; ``dmy``: values of that shape;
    ``unproven``: those whose two first parts are both <= 12 and differ; ``midnight`` and
    ``instants``: values with a time zone (:func:`~cs_reports.data.coerce.zone_of`). Facts of
    parts of a column add up (``+``).
    """

    clock: bool = False
    dmy: int = 0
    unproven: int = 0
    midnight: int = 0
    instants: int = 0

    def __add__(self, other: DateFacts) -> DateFacts:
        return DateFacts(
            self.clock or other.clock,
            self.dmy + other.dmy,
            self.unproven + other.unproven,
            self.midnight + other.midnight,
            self.instants + other.instants,
        )


def date_facts(cells: Any, counts: Any = None) -> DateFacts:
    """The :class:`DateFacts` of ``cells``, each counted ``counts[k]`` times (once without ``counts``)."""
    clock = False
    dmy = unproven = midnight = instants = 0
    for k, v in enumerate(cells):
        if not isinstance(v, str):
            continue
        n = 1 if counts is None else int(counts[k])
        m = _DMY.match(v.strip())
        if m is not None:
            dmy += n
            clock |= m.group(7) is not None
            if int(m.group(1)) <= 12 and int(m.group(2)) <= 12 and m.group(1) != m.group(2):
                unproven += n
        zone = zone_of(v)
        midnight += n * (zone == "midnight")
        instants += n * (zone == "instant")
    return DateFacts(clock, dmy, unproven, midnight, instants)


def declare_dates(raw: RawTable, col: Column, header: str, facts: DateFacts, order: str, tz: str) -> None:
    """Declare the date order and the time-zone handling of a text date column (its :func:`date_facts`)."""
    report = raw.report
    if order == "mdy":
        why = Text.of("why_12_hour_clock" if facts.clock else "why_second_part_over_12")
        declare(
            report,
            "date_order",
            Text.of("date_month_first", header=header, why=why),
            column=header,
            field=col.name,
            override=Text.of("write_iso_dates"),
        )
    elif order == "dmy":
        unproven = facts.unproven
        if unproven and unproven == facts.dmy:
            declare(
                report,
                "date_order",
                Text.of("date_day_first", header=header),
                column=header,
                field=col.name,
                rows=unproven,
                override=Text.of("write_iso_dates"),
            )
    midnight, instants = facts.midnight, facts.instants
    zones = midnight + instants
    if not zones:
        return
    if col.kind == "datetime":
        text = Text.of("tz_converted", header=header, n=zones, tz=tz)
    elif instants:
        also = Text.of("tz_and_midnights", n=midnight) if midnight else ""
        text = Text.of("tz_instants_dated", header=header, n=instants, tz=tz, midnight=also)
    else:
        text = Text.of("tz_midnights", header=header, n=midnight)
    declare(report, "timezone", text, column=header, field=col.name, rows=zones, override="--timezone")


def percent_scale(
    raw: RawTable, col: Column, header: str, unit: str | None, cells: list[Any], problems: list[Problem]
) -> float:
    """1/100 when a ``%`` column is written in points (82), 1 when as shares (0.82); mixtures refused."""
    values = []
    for v in cells:
        if is_blank(v) or (isinstance(v, str) and v.strip().endswith("%")):
            continue
        try:
            values.append(abs(parse_number(v)))
        except ValueError:
            continue
    if not values or max(values) <= 1:
        if values:
            declare(
                raw.report,
                "unit",
                Text.of("percent_as_shares", header=header, unit=str(unit)),
                column=header,
                field=col.name,
                rows=len(values),
            )
        return 1.0
    for v, number in zip(cells, raw.row_numbers, strict=True):
        try:
            x = abs(parse_number(v))
        except ValueError:
            continue
        if 0 < x < 1:
            problems.append(
                problem(raw, number, col.name, "percentage points like the rest of the column (82 = 82%)", show(v))
            )
    declare(
        raw.report,
        "unit",
        Text.of("percent_as_points", header=header, unit=str(unit)),
        column=header,
        field=col.name,
        rows=len(values),
    )
    return 0.01


def currency_marks(raw: RawTable, col: Column, unit: str | None, cells: list[Any], data: dict[str, Any]) -> None:
    """The currency marks of a money column's cells (``_cur_<column>``) and its header's unit (``_unit_<column>``).

    Each is added only when present; the book compares them with each client's currency
    (:func:`cs_reports.data.billing.convert_currencies`) and removes them.
    """
    code = CURRENCIES.get(normalise_header(unit)) if unit and unit != "%" else None
    if code is not None:
        data[f"_unit_{col.name}"] = [code] * len(cells)
    if str not in set(map(type, cells)):
        return
    marks = [currency_mark(v) for v in cells]
    if any(marks):
        data[f"_cur_{col.name}"] = marks

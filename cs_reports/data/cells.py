"""Typing the cells of one contract column: one cell at a time, or each distinct text once.

:func:`cell_outcome` is what one cell becomes (a value, a blank, a non-answer, a problem); the
validator's per-cell path applies it to every cell. :func:`typed_distinct` gives the same column
from its distinct texts (:class:`~cs_reports.data.columns.Distinct`): the plain shapes typed at
once with arrays, every other distinct value through :func:`cell_outcome`, then each row takes
its value's outcome, and the problems are named row by row in the same order (and cut at the
same point) as the per-cell path names them.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from cs_reports._io import restore_cell
from cs_reports._validation import is_blank
from cs_reports.data import columns as shapes
from cs_reports.data.checks import DateFacts, date_facts
from cs_reports.data.checks import declare_dates as _declare_dates
from cs_reports.data.checks import percent_scale as _percent_scale
from cs_reports.data.checks import problem as _problem
from cs_reports.data.checks import show as _show
from cs_reports.data.coerce import (
    ExcelError,
    NoValue,
    currency_mark,
    date_order,
    date_order_evidence,
    number_evidence,
    number_style,
    parse_bool,
    parse_date,
    parse_number,
    parse_survey_score,
    split_date_order,
)
from cs_reports.data.contract import CURRENCIES, Column, normalise_header
from cs_reports.data.declare import declare
from cs_reports.data.infer import normalise_id
from cs_reports.data.messages import Text
from cs_reports.data.reader import RawTable
from cs_reports.errors import Problem

__all__ = [
    "BLANK",
    "ERROR",
    "FAILED",
    "MAX_PROBLEMS",
    "NON_ANSWER",
    "UNSAVED",
    "VALUE",
    "Typed",
    "cell_outcome",
    "cells_of",
    "convert",
    "declare_column",
    "distinct_marks",
    "rows_of",
    "typed_distinct",
]

#: Stop collecting after this many problems in one file (the count is still reported).
MAX_PROBLEMS = 1000

#: What a cell becomes (:func:`cell_outcome`): a value; a blank (None); a survey non-answer; a
#: formula without a saved value; a problem without converting (an Excel error value, a blank in
#: a required column); a conversion that failed (a problem).
VALUE, BLANK, NON_ANSWER, UNSAVED, ERROR, FAILED = range(6)
_WHOLE_TEXT = re.compile(r"^-?\d+\.0+$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:\.\d{3})+$")
NUMBER_KINDS = ("money", "number", "int", "rate")
DATE_KINDS = ("date", "datetime", "month")


def convert(
    col: Column,
    value: Any,
    order: str,
    style: str | None = None,
    tz: str = "America/Sao_Paulo",
    scale: float = 1.0,
    date1904: bool = False,
) -> Any:
    """The typed value of a non-blank cell of ``col``; ``ValueError`` with a short reason."""
    kind = col.kind
    if kind in ("id", "text"):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if kind == "id" and isinstance(value, str):
            value = normalise_id(value)
            if not value:
                raise ValueError("only invisible characters")
            if _WHOLE_TEXT.match(value):
                return value.split(".")[0]  # '1.0' is the id 1, as the number 1.0 is
        if isinstance(value, str):
            # cs-reports writes text that starts like a formula with a leading apostrophe
            # (formula injection); reading it back gives the original text.
            return restore_cell(value.strip())
        if isinstance(value, (bool, int, float)):
            return str(value).strip()
        return str(value)
    if kind in NUMBER_KINDS:
        x = parse_number(value, style=style)
        if scale != 1.0 and not (isinstance(value, str) and value.strip().endswith("%")):
            x = x * scale
        if kind == "int" and not float(x).is_integer():
            raise ValueError("not a whole number")
        if (col.low is not None and x < col.low) or (col.high is not None and x > col.high):
            raise ValueError("out of range")
        return int(x) if kind == "int" else x
    if kind in DATE_KINDS:
        return parse_date(
            value, order=order, with_time=kind == "datetime", month=kind == "month", tz=tz, date1904=date1904
        )
    if kind == "enum":
        key = normalise_header(value) if isinstance(value, str) else None
        if key is None or key not in col.choices:
            raise ValueError("not a listed value")
        return col.choices[key]
    if kind == "bool":
        return parse_bool(value)
    raise AssertionError(kind)  # pragma: no cover


def cell_outcome(
    col: Column,
    value: Any,
    order: str,
    style: str | None = None,
    tz: str = "America/Sao_Paulo",
    scale: float = 1.0,
    date1904: bool = False,
) -> tuple[int, Any]:
    """What one cell of ``col`` becomes: ``(VALUE, value)``, ``(ERROR or FAILED, what was got)``, ``(other, None)``."""
    if col.survey and not isinstance(value, ExcelError) and (col.required or not is_blank(value)):
        value = parse_survey_score(value)
        if value is None:
            return NON_ANSWER, None
    if isinstance(value, NoValue):
        return UNSAVED, None
    if isinstance(value, ExcelError):
        return ERROR, f"{value} (an Excel error value)"
    if is_blank(value):
        return (ERROR, "a blank cell") if col.required else (BLANK, None)
    try:
        return VALUE, convert(col, value, order, style, tz, scale, date1904)
    except ValueError as exc:
        reason = str(exc)
        got = (
            _show(value)
            if reason in ("out of range", "not a listed value", "not a number")
            else (f"{_show(value)} ({reason})")
        )
        return FAILED, got


class Typed:
    """The outcome of every distinct value of a column, and what the validator declares about it."""

    def __init__(self, distinct: shapes.Distinct, kind: str) -> None:
        n = len(distinct)
        self.distinct = distinct
        self.category = np.full(n, VALUE, dtype=np.int8)
        self.got = np.empty(n, dtype=object)  # what a problem says it got, per entry
        self.out: np.ndarray
        if kind in NUMBER_KINDS:
            self.out = np.full(n, np.nan)
        elif kind in DATE_KINDS:
            self.out = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
        else:
            self.out = np.empty(n, dtype=object)
        self.order = "dmy"
        self.style: str | None = None
        self.facts = DateFacts()
        self.thousands = False
        self.fixed_ids = 0


def typed_distinct(
    col: Column,
    distinct: shapes.Distinct,
    *,
    separator: str | None,
    table_style: str | None,
    tz: str,
    date1904: bool,
) -> Typed | None:
    """Every distinct value of a text column typed (see the module); ``None`` when the per-cell path must run.

    The whole-column decisions are made as the per-cell path makes them, from the same cells:
    the date order and its facts, the number style (the column's evidence, else ``table_style``),
    pt-BR thousand dots, ids that need normalising.
    """
    kind = col.kind
    typed = Typed(distinct, kind)
    text = distinct.text
    plain = np.zeros(len(distinct), dtype=bool)
    if kind in NUMBER_KINDS:
        plain, x = shapes.number_shapes(text)
        cells, _, _ = distinct.grouped(np.flatnonzero(~plain))
        if kind != "int":
            pt, en = number_evidence(cells)
            fast_pt, fast_en = shapes.number_evidence(text, plain)
            style = _style(pt or fast_pt, en or fast_en, separator) or table_style
            typed.style = style
            typed.thousands = style == "pt" and any(isinstance(v, str) and _THOUSANDS.match(v.strip()) for v in cells)
        good = plain.copy()
        if col.low is not None:
            good &= x >= col.low
        if col.high is not None:
            good &= x <= col.high
        if kind == "int":
            good &= np.floor(x) == x
        typed.out[good] = x[good]
        plain = good
    elif kind in DATE_KINDS:
        iso = shapes.iso_dates(text)
        dmy, first, second = shapes.dmy_parts(text)
        cells, weights, _ = distinct.grouped(np.flatnonzero(~iso & ~dmy))
        day_first, month_first, clock12 = date_order_evidence(cells)
        day_first |= bool((first[dmy] > 12).any())
        month_first |= bool((second[dmy] > 12).any())
        typed.order = date_order(day_first, month_first, clock12)
        counts = distinct.counts
        unproven = dmy & (first <= 12) & (second <= 12) & (first != second)
        typed.facts = date_facts(cells, weights) + DateFacts(False, int(counts[dmy].sum()), int(counts[unproven].sum()))
        plain, stamps = shapes.date_shapes(text, kind, typed.order, iso, dmy)
        typed.out[plain] = stamps[plain]
    elif kind == "id":
        plain = shapes.id_shapes(text)
        cells, weights, _ = distinct.grouped(np.flatnonzero(~plain))
        typed.fixed_ids = sum(
            int(n) for v, n in zip(cells, weights, strict=True) if isinstance(v, str) and normalise_id(v) != v
        )
    elif kind == "text":
        plain = shapes.text_shapes(text)
    if kind in ("id", "text"):
        which = np.flatnonzero(plain)
        typed.out[which] = distinct.take(which).to_pylist()
    rest = np.flatnonzero(~plain)
    values, _, inverse = distinct.grouped(rest)
    order = np.argsort(inverse, kind="stable")
    entries = np.split(rest[order], np.cumsum(np.bincount(inverse, minlength=len(values)))[:-1]) if values else []
    for value, which in zip(values, entries, strict=True):
        category, out = cell_outcome(col, value, typed.order, typed.style, tz, 1.0, date1904)
        typed.category[which] = category
        if category == VALUE:
            if kind == "int" and abs(out) > 2**53:
                return None  # beyond a float's whole numbers: the per-cell path keeps Python ints
            typed.out[which] = _stored(out, kind)
        elif category in (ERROR, FAILED):
            typed.got[which] = out
    return typed


def _style(pt: bool, en: bool, separator: str | None) -> str | None:
    from cs_reports.data.coerce import style_of

    return style_of(pt, en, separator=separator)


def _stored(value: Any, kind: str) -> Any:
    """A value of :func:`cell_outcome` as the column's array holds it."""
    if kind in DATE_KINDS:
        return np.datetime64(value.as_unit("us").asm8, "us")
    return value


def declare_column(
    raw: RawTable,
    col: Column,
    header: str,
    order: str,
    facts: DateFacts,
    cells: list[Any],
    fixed: int,
    thousands: bool,
    tz: str,
) -> None:
    """Declare what typing the column assumed: date order and zones, 1904 serials, ids respelled, thousand dots."""
    report = raw.report
    if col.kind in DATE_KINDS:
        _declare_dates(raw, col, header, facts, order, tz)
        if raw.date1904 and any(type(v) in (int, float) for v in cells):
            declare(
                report,
                "date_system",
                Text.of("date_1904", header=header),
                column=header,
                field=col.name,
                override=Text.of("excel_1904_option"),
            )
    if col.kind == "id" and fixed:
        declare(
            report,
            "id",
            Text.of("ids_respelled", header=header, n=fixed),
            column=header,
            field=col.name,
            rows=fixed,
            touches=("clients",),
        )
    if thousands:
        declare(
            report,
            "number_format",
            Text.of("thousand_dots", header=header),
            column=header,
            field=col.name,
            override=Text.of("write_decimals"),
        )


def cells_of(
    raw: RawTable,
    col: Column,
    header: str,
    unit: str | None,
    cells: list[Any],
    table_style: str | None,
    tz: str,
    problems: list[Problem],
    drop: set[int],
    notes: list[str],
    unsaved: dict[str, int] | None,
) -> list[Any] | None:
    """The typed cells of a column, one cell at a time (``None`` once :data:`MAX_PROBLEMS` are found)."""
    order = split_date_order(cells) if col.kind in DATE_KINDS else "dmy"
    style = None
    if col.kind in ("money", "number", "rate"):
        style = number_style(cells, separator=raw.separator) or table_style
    fixed = sum(isinstance(v, str) and normalise_id(v) != v for v in cells) if col.kind == "id" else 0
    thousands = style == "pt" and any(isinstance(v, str) and _THOUSANDS.match(v.strip()) for v in cells)
    facts = date_facts(cells) if col.kind in DATE_KINDS else DateFacts()
    declare_column(raw, col, header, order, facts, cells, fixed, thousands, tz)
    scale = _percent_scale(raw, col, header, unit, cells, problems) if unit == "%" else 1.0
    out: list[Any] = []
    non_answers = 0
    for k, (value, number) in enumerate(zip(cells, raw.row_numbers, strict=True)):
        category, got = cell_outcome(col, value, order, style, tz, scale, raw.date1904)
        out.append(got if category == VALUE else None)
        if category == NON_ANSWER:
            non_answers += 1
            if col.required:
                drop.add(k)
        elif category == UNSAVED and unsaved is not None:  # one file-level problem counts them all
            unsaved[raw.source_name] = unsaved.get(raw.source_name, 0) + 1
        elif category in (ERROR, FAILED):
            problems.append(_problem(raw, number, col.name, col.expected, got))
        if category in (VALUE, FAILED) and len(problems) >= MAX_PROBLEMS:
            return None
    non_answers_note(raw, col, header, non_answers, notes)
    return out


def non_answers_note(raw: RawTable, col: Column, header: str, count: int, notes: list[str]) -> None:
    if count:
        what = Text.of("rows_skipped" if col.required else "left_blank")
        text = Text.of(
            "non_answers", header=header, n=count, blank=Text.of("and_blank") if col.required else "", what=what
        )
        if raw.report is None:
            notes.append(text.render("en"))
        else:
            kind = "skipped_rows" if col.required else "default"
            declare(raw.report, kind, text, column=header, field=col.name, rows=count)


def rows_of(
    raw: RawTable, col: Column, typed: Typed, problems: list[Problem], drop: set[int], notes: list[str], header: str
) -> np.ndarray | None:
    """Each row's value from its distinct value's outcome; the problems named row by row as the per-cell path does.

    The per-cell path stops after a converted cell once :data:`MAX_PROBLEMS` are found; so does this.
    """
    codes = typed.distinct.codes
    category = typed.category
    bad = np.flatnonzero(((category == ERROR) | (category == FAILED))[codes])
    converted = ((category == VALUE) | (category == FAILED))[codes]
    before = np.concatenate(([0], np.cumsum(converted)))
    position = 0
    for r in bad.tolist():
        if len(problems) >= MAX_PROBLEMS and before[r] > before[position]:
            return None
        problems.append(_problem(raw, raw.row_numbers[r], col.name, col.expected, typed.got[int(codes[r])]))
        if converted[r] and len(problems) >= MAX_PROBLEMS:
            return None
        position = r + 1
    if len(problems) >= MAX_PROBLEMS and before[-1] > before[position]:
        return None
    skipped = category == NON_ANSWER
    if skipped.any():
        rows = np.flatnonzero(skipped[codes])
        if col.required:
            drop.update(rows.tolist())
        non_answers_note(raw, col, header, len(rows), notes)
    out: np.ndarray = typed.out[codes]
    return out


def distinct_marks(
    raw: RawTable, col: Column, unit: str | None, distinct: shapes.Distinct, data: dict[str, Any]
) -> None:
    """:func:`~cs_reports.data.checks.currency_marks` of a text column, each distinct text once."""
    code = CURRENCIES.get(normalise_header(unit)) if unit and unit != "%" else None
    if code is not None:
        data[f"_unit_{col.name}"] = [code] * raw.height
    candidates = np.flatnonzero(shapes.mark_candidates(distinct.text))
    marks = np.full(len(distinct), None, dtype=object)
    for k, value in zip(candidates.tolist(), distinct.values(candidates), strict=True):
        marks[k] = currency_mark(value)
    if any(m is not None for m in marks[candidates]):
        data[f"_cur_{col.name}"] = marks[distinct.codes].tolist()

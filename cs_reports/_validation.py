"""The one place where metric inputs are checked and normalised.

Every public metric starts by passing its arguments through these helpers, so that
all metrics accept the same input shapes (list, tuple, ndarray, Series, and the
list-of-lists that Excel passes for a 2-D range) and fail with the same message
shape::

    The 'answers' parameter of net_promoter_score must be whole numbers 0-10. Got 11 at position 4 instead.

Blanks (``None``, ``NaN``, empty or whitespace-only strings) are *skipped*, never
counted as zero. Text, even text that looks like a number, is an error: a number
stored as text in a spreadsheet is a data problem the user must see.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from cs_reports.errors import InvalidInputError, UndefinedMetricWarning

__all__ = [
    "ZeroDivision",
    "as_datetimes",
    "as_month",
    "as_months",
    "as_values",
    "check_choice",
    "check_number",
    "flatten",
    "is_blank",
    "param_error",
    "quiet",
    "require_columns",
    "safe_divide",
    "silenced",
    "undefined",
]

FloatArray = npt.NDArray[np.float64]
ZeroDivision = Literal["warn", "nan"] | float

#: Excel's day zero for serial dates (1900 date system, with the 1900 leap-year bug).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def param_error(func: str, name: str, expected: str, got: str) -> InvalidInputError:
    """Build the standard one-line error for a bad argument.

    >>> str(param_error("f", "x", "a number", "'a'"))
    "The 'x' parameter of f must be a number. Got 'a' instead."
    """
    error = InvalidInputError(f"The '{name}' parameter of {func} must be {expected}. Got {got} instead.")
    error.argument, error.expected, error.got = name, expected, got
    return error


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def is_blank(value: Any) -> bool:
    """Whether a cell is blank: ``None``, NaN, ``NaT``, ``NA`` or whitespace-only text.

    The one blank test of the package (metrics, the data reader and the Excel layer use it).

    >>> [is_blank(v) for v in (None, float("nan"), "  ", 0, "x")]
    [True, True, True, False, False]
    """
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return value is pd.NaT or value is pd.NA


def _last_filled_row(rows: Sequence[Any]) -> int:
    """Number of rows up to the last one with a value (whole-column ranges end in ~1M blank rows)."""
    width = len(rows[0]) if isinstance(rows[0], (list, tuple)) else 1
    blank_list, blank_tuple = [None] * width, (None,) * width
    end = len(rows)
    while end:
        row = rows[end - 1]
        if row != blank_list and row != blank_tuple and row is not None:
            break
        end -= 1
    return end


_NUMERIC_TYPES = frozenset({float, int, type(None), np.float64, np.float32, np.int64, np.int32})


def flatten(values: Any, *, trim: bool = True) -> npt.NDArray[Any]:
    """Flatten any supported container to a 1-D numpy array (object or numeric dtype).

    With ``trim``, trailing ``None`` are dropped (whole-column references are mostly blank).
    """
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy()
    if isinstance(values, pd.DataFrame):
        return values.to_numpy().ravel()
    if isinstance(values, np.ndarray):
        return values.ravel()
    if values is None or isinstance(values, (str, bytes, numbers.Number, date)):
        return np.array([values], dtype=object)
    if not isinstance(values, Iterable):
        return np.array([values], dtype=object)
    items = values if isinstance(values, Sequence) else list(values)
    if items and isinstance(items[0], (list, tuple)):
        # Excel 2-D range: a list of rows. Drop trailing all-blank rows before flattening.
        if trim:
            items = items[: _last_filled_row(items)]
        try:  # map() runs at C speed: this matters for 1,000,000-row columns
            single_column = set(map(len, items)) == {1}
        except TypeError:  # a scalar among the rows
            single_column = False
        if single_column:
            items = list(map(itemgetter(0), items))
        else:
            items = [v for row in items for v in (row if isinstance(row, (list, tuple)) else [row])]
    # Trim trailing blanks first: whole-column references (A:A) are mostly blank.
    if trim:
        end = len(items)
        while end and items[end - 1] is None:
            end -= 1
        items = items[:end]
    # Plain numbers and blanks (None -> NaN) convert directly; anything else (text, which
    # np.array would turn into numbers silently, booleans, dates) keeps its type for the caller.
    if set(map(type, items)) <= _NUMERIC_TYPES:
        return np.array(items, dtype=np.float64)
    try:
        arr = np.array(items, dtype=np.float64)
    except (TypeError, ValueError):
        return np.array(items, dtype=object)
    if any(isinstance(v, (str, bytes, bool, np.bool_)) for v in items):
        return np.array(items, dtype=object)
    return arr


def as_values(
    values: Any,
    *,
    name: str,
    func: str,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    expected: str | None = None,
    keep_blanks: bool = False,
) -> FloatArray:
    """Validate numeric values and return them as a 1-D float array with blanks removed.

    Parameters
    ----------
    values
        Scalar, list, tuple, ndarray, Series, or Excel's list of rows.
    name, func
        Argument and function names used in the error message.
    low, high
        Inclusive bounds, if any.
    integer
        Require whole numbers (e.g. NPS answers).
    expected
        Wording of the expectation for the error message; built from the bounds if omitted.
    keep_blanks
        Keep blanks as NaN (and trailing blanks too), so that several columns stay aligned.

    Returns
    -------
    numpy.ndarray
        Float values in input order, blanks skipped (or NaN with ``keep_blanks``).

    Raises
    ------
    InvalidInputError
        On text, booleans, dates, infinities, non-whole or out-of-range values; the
        message gives the 1-based position in the (flattened) input.

    Examples
    --------
    >>> as_values([[10], [None], [7.0]], name="answers", func="f", low=0, high=10).tolist()
    [10.0, 7.0]
    >>> as_values([1, "2"], name="x", func="f")
    Traceback (most recent call last):
    ...
    cs_reports.errors.InvalidInputError: The 'x' parameter of f must be numbers. Got text '2' at position 2 instead.
    """
    if expected is None:
        kind = "whole numbers" if integer else "numbers"
        if low is not None and high is not None:
            expected = f"{kind} {low:g}-{high:g}"
        elif low is not None:
            expected = f"{kind} >= {low:g}"
        elif high is not None:
            expected = f"{kind} <= {high:g}"
        else:
            expected = kind
    arr = flatten(values, trim=not keep_blanks)
    if arr.dtype == object or arr.dtype.kind in "bmMSUO":
        out = np.empty(len(arr), dtype=np.float64)
        for i, v in enumerate(arr):
            if is_blank(v):
                out[i] = np.nan
            elif isinstance(v, (bool, np.bool_)):
                raise param_error(func, name, expected, f"a boolean {v!r} at position {i + 1}")
            elif isinstance(v, numbers.Real):
                out[i] = float(v)
            elif isinstance(v, (str, bytes)):
                raise param_error(func, name, expected, f"text {_describe(v)} at position {i + 1}")
            else:
                raise param_error(func, name, expected, f"{type(v).__name__} {_describe(v)} at position {i + 1}")
        arr = out
    else:
        arr = arr.astype(np.float64, copy=False)
    keep = ~np.isnan(arr)
    vals = arr[keep] if not keep.all() else arr
    bad = ~np.isfinite(vals)
    if integer:
        bad |= vals != np.floor(vals)
    if low is not None:
        bad |= vals < low
    if high is not None:
        bad |= vals > high
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        position = int(np.flatnonzero(keep)[j]) + 1
        got = vals[j]
        shown = f"{got:g}" if np.isfinite(got) else str(got)
        raise param_error(func, name, expected, f"{shown} at position {position}")
    return arr if keep_blanks else vals


def check_number(
    value: Any,
    *,
    name: str,
    func: str,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> float:
    """Validate one number (an option or a scalar input) and return it as float.

    Examples
    --------
    >>> check_number(0.95, name="confidence", func="f", low=0, high=1, low_open=True, high_open=True)
    0.95
    >>> check_number(1.5, name="confidence", func="f", low=0, high=1)
    Traceback (most recent call last):
    ...
    cs_reports.errors.InvalidInputError: The 'confidence' parameter of f must be a number in [0, 1]. Got 1.5 instead.
    """
    if integer:
        kind = "a whole number"
    else:
        kind = "a number"
    if low is not None and high is not None:
        kind += f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    elif low is not None:
        kind += f" {'>' if low_open else '>='} {low:g}"
    elif high is not None:
        kind += f" {'<' if high_open else '<='} {high:g}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise param_error(func, name, kind, _describe(value))
    x = float(value)
    ok = math.isfinite(x)
    ok = ok and (not integer or x == math.floor(x))
    if low is not None:
        ok = ok and (x > low if low_open else x >= low)
    if high is not None:
        ok = ok and (x < high if high_open else x <= high)
    if not ok:
        raise param_error(func, name, kind, f"{x:g}")
    return x


def check_choice(value: Any, choices: Sequence[str], *, name: str, func: str) -> str:
    """Validate a string option against its allowed values.

    >>> check_choice("gross", ("gross", "net"), name="kind", func="f")
    'gross'
    """
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise param_error(func, name, f"one of {options}", _describe(value))
    return value


def require_columns(frame: Any, columns: Sequence[str], *, name: str, func: str) -> pd.DataFrame:
    """Check that ``frame`` is a DataFrame holding ``columns``.

    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], name="frame", func="f")
    Traceback (most recent call last):
    ...
    cs_reports.errors.InvalidInputError: The 'frame' parameter of f must be a DataFrame with columns ['a', 'b']. ...
    """
    if not isinstance(frame, pd.DataFrame):
        raise param_error(func, name, f"a DataFrame with columns {list(columns)}", type(frame).__name__)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise param_error(
            func, name, f"a DataFrame with columns {list(columns)}", f"columns {[str(c) for c in frame.columns]}"
        )
    return frame


def as_month(value: Any, *, name: str, func: str) -> pd.Timestamp:
    """Normalise one month-like value to the first day of its month.

    Accepts ``Timestamp``/``datetime``/``date``, ``Period``, ``'YYYY-MM'`` or
    ``'YYYY-MM-DD'`` strings, and Excel serial dates (numbers).

    >>> as_month("2026-03-17", name="month", func="f")
    Timestamp('2026-03-01 00:00:00')
    >>> as_month(46082.0, name="month", func="f")
    Timestamp('2026-03-01 00:00:00')
    """
    months = as_months([value], name=name, func=func)
    if len(months) != 1:  # an empty or multi-cell range where one month belongs
        raise param_error(func, name, "one month", f"{len(months)} values")
    return months[0]


def as_months(values: Any, *, name: str, func: str) -> pd.DatetimeIndex:
    """Normalise month-like values (see :func:`as_month`) to a first-of-month DatetimeIndex."""
    if isinstance(values, pd.PeriodIndex) or (
        isinstance(values, pd.Series) and isinstance(values.dtype, pd.PeriodDtype)
    ):
        return pd.DatetimeIndex(pd.PeriodIndex(values).to_timestamp())
    if isinstance(values, (pd.Series, pd.Index)) and pd.api.types.is_datetime64_any_dtype(values.dtype):
        index = pd.DatetimeIndex(values)
        if index.tz is not None:
            index = index.tz_localize(None)
        if index.isna().any():
            pos = int(np.flatnonzero(index.isna())[0]) + 1
            raise param_error(func, name, "dates or months", f"a blank at position {pos}")
        return index.to_period("M").to_timestamp()
    arr = flatten(values, trim=False)
    out: list[pd.Timestamp] = []
    ts: pd.Timestamp
    for i, v in enumerate(arr):
        try:
            if isinstance(v, (bool, np.bool_)) or is_blank(v):
                raise ValueError
            if isinstance(v, pd.Period):
                ts = v.to_timestamp()
            elif isinstance(v, numbers.Real):
                x = float(v)
                if not (1 <= x < 2958466):  # Excel's valid serial range (1900-01-01..9999-12-31)
                    raise ValueError
                ts = EXCEL_EPOCH + pd.Timedelta(days=math.floor(x))
            elif isinstance(v, (datetime, date, np.datetime64)):
                ts = pd.Timestamp(v)
            elif isinstance(v, str):
                s = v.strip()
                if len(s) == 7 and s[4] == "-":
                    s += "-01"
                ts = pd.Timestamp(s) if len(s) == 10 and s[4] == "-" and s[7] == "-" else pd.Timestamp("invalid")
            else:
                raise ValueError
        except (ValueError, TypeError, OverflowError):
            raise param_error(
                func,
                name,
                "dates or months (YYYY-MM, a date, or an Excel serial date)",
                f"{_describe(v)} at position {i + 1}",
            ) from None
        out.append(ts.to_period("M").to_timestamp())
    return pd.DatetimeIndex(out)


def as_datetimes(values: Any, *, name: str, func: str, allow_blank: bool = True) -> pd.DatetimeIndex:
    """Normalise date/time values to a DatetimeIndex (blanks become NaT if allowed).

    Accepts ``datetime``/``Timestamp``, ISO strings (``2026-03-01`` or ``2026-03-01 14:30``),
    and Excel serial date-times (fractions are times of day).

    >>> as_datetimes(["2026-03-01 10:00", 46082.5, None], name="t", func="f").tolist()
    [Timestamp('2026-03-01 10:00:00'), Timestamp('2026-03-01 12:00:00'), NaT]
    """
    if isinstance(values, (pd.Series, pd.Index)) and pd.api.types.is_datetime64_any_dtype(values.dtype):
        index = pd.DatetimeIndex(values)
        if index.tz is not None:
            index = index.tz_localize(None)
        if not allow_blank and index.isna().any():
            pos = int(np.flatnonzero(index.isna())[0]) + 1
            raise param_error(func, name, "dates", f"a blank at position {pos}")
        return index
    arr = flatten(values, trim=False)
    out: list[Any] = []
    expected = "dates (ISO text, a date, or an Excel serial date)"
    for i, v in enumerate(arr):
        if is_blank(v):
            if not allow_blank:
                raise param_error(func, name, expected, f"a blank at position {i + 1}")
            out.append(pd.NaT)
            continue
        try:
            if isinstance(v, (bool, np.bool_)):
                raise ValueError
            if isinstance(v, numbers.Real):
                x = float(v)
                if not (1 <= x < 2958466):
                    raise ValueError
                out.append(EXCEL_EPOCH + pd.Timedelta(days=x).round("s"))
            elif isinstance(v, (datetime, date, np.datetime64)):
                out.append(pd.Timestamp(v).tz_localize(None) if pd.Timestamp(v).tz else pd.Timestamp(v))
            elif isinstance(v, str) and len(v.strip()) >= 10 and v.strip()[4] == "-" and v.strip()[7] == "-":
                out.append(pd.Timestamp(v.strip()))
            else:
                raise ValueError
        except (ValueError, TypeError, OverflowError):
            raise param_error(func, name, expected, f"{_describe(v)} at position {i + 1}") from None
    return pd.DatetimeIndex(out)


def silenced(call: Any, /, *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)`` with undefined-metric warnings silenced; the result as it comes.

    For results that are not one number (``response_times`` gives a ``TMRResult``).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return call(*args, **kwargs)


def quiet(metric: Any, /, *args: Any, **kwargs: Any) -> float:
    """Call a metric; an undefined result is NaN without a warning (reports show a dash).

    >>> import math
    >>> math.isnan(quiet(safe_divide, 1, 0, func="f", reason="no data"))
    True
    """
    return float(silenced(metric, *args, **kwargs))


def undefined(func: str, reason: str, zero_division: ZeroDivision = "warn") -> float:
    """Return the value of an undefined metric: NaN with a warning, NaN, or a chosen number."""
    if zero_division == "warn":
        warnings.warn(UndefinedMetricWarning(func, reason), stacklevel=3)
        return math.nan
    if zero_division == "nan":
        return math.nan
    return float(zero_division)


def safe_divide(
    numerator: float, denominator: float, *, func: str, reason: str, zero_division: ZeroDivision = "warn"
) -> float:
    """``numerator / denominator``, or :func:`undefined` when the denominator is zero.

    >>> safe_divide(1, 4, func="f", reason="no data")
    0.25
    >>> safe_divide(1, 0, func="f", reason="no data", zero_division=0.0)
    0.0
    """
    if denominator == 0:
        return undefined(func, reason, zero_division)
    return float(numerator) / float(denominator)

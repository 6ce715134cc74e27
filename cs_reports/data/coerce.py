"""Cell-level parsing of spreadsheet values: numbers (incl. pt-BR text), dates, booleans.

Each parser returns the parsed value or raises ``ValueError`` with a short reason; the
validator turns that into a :class:`~cs_reports.errors.Problem` with sheet/row/column.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from typing import Any

import pandas as pd

__all__ = ["parse_bool", "parse_date", "parse_number", "split_date_order"]

_EXCEL_EPOCH = datetime(1899, 12, 30)
_CURRENCY = re.compile(r"^(?:R\$|US\$|\$|€|BRL|USD|EUR)\s*|\s*(?:BRL|USD|EUR)$", re.IGNORECASE)
_PT = re.compile(r"^-?\d{1,3}(?:\.\d{3})*(?:,\d+)?$|^-?\d+,\d+$")  # 1.234,56 / 1234,56
_EN = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")  # 1,234.56
_PLAIN = re.compile(r"^-?\d+(?:\.\d+)?$")  # 1234.56 / 1234
_AMBIGUOUS = re.compile(r"^-?\d{1,3}(?:[.,]\d{3})+$")  # 1.234 or 1,234 (thousands or decimals?)
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$|^(\d{1,2})/(\d{4})$")
_TRUE = {"true", "verdadeiro", "sim", "s", "yes", "y", "1", "ganho", "ganha", "won", "x"}
_FALSE = {"false", "falso", "nao", "não", "n", "no", "0", "perdido", "perdida", "lost"}


def parse_number(value: Any) -> float:
    """Parse a numeric cell; text like ``'R$ 1.234,56'`` or ``'12,5%'`` is parsed when unambiguous.

    ``'1.234'`` and ``'1,234'`` are ambiguous (thousands or decimals) and rejected.

    >>> parse_number("R$ 1.234,56"), parse_number("1,234.5"), parse_number("12,5%"), parse_number(3)
    (1234.56, 1234.5, 0.125, 3.0)
    """
    if isinstance(value, bool):
        raise ValueError("a boolean")
    if isinstance(value, (int, float)):
        x = float(value)
        if not math.isfinite(x):
            raise ValueError("not a finite number")
        return x
    if not isinstance(value, str):
        raise ValueError(f"a {type(value).__name__}")
    s = value.strip().replace("\u00a0", " ")
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    s = _CURRENCY.sub("", s).strip().replace(" ", "")
    if s.startswith("(") and s.endswith(")"):
        s = "-" + s[1:-1]  # accounting negative
    if _AMBIGUOUS.match(s) and not percent:
        raise ValueError("ambiguous (write 1234 or 1.234,00)")
    if _PLAIN.match(s):
        x = float(s)
    elif _PT.match(s):
        x = float(s.replace(".", "").replace(",", "."))
    elif _EN.match(s):
        x = float(s.replace(",", ""))
    else:
        raise ValueError("not a number")
    return x / 100 if percent else x


def parse_bool(value: Any) -> bool:
    """Parse yes/no cells (TRUE/FALSE, sim/não, 1/0, ganho/perdido).

    >>> parse_bool("Sim"), parse_bool(0.0), parse_bool(True)
    (True, False, True)
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        s = value.strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    raise ValueError("not yes/no")


def split_date_order(values: list[Any]) -> str:
    """Decide ``'dmy'`` or ``'mdy'`` for a column's ``nn/nn/yyyy`` texts.

    A first part > 12 proves day-first, a second part > 12 proves month-first; with no
    proof the pt-BR convention (day-first) applies. Both proofs: ``'mixed'``.
    """
    day_first = month_first = False
    for v in values:
        if isinstance(v, str):
            m = _DMY.match(v.strip())
            if m:
                a, b = int(m.group(1)), int(m.group(2))
                day_first |= a > 12
                month_first |= b > 12
    if day_first and month_first:
        return "mixed"
    return "mdy" if month_first else "dmy"


def parse_date(value: Any, *, order: str = "dmy", with_time: bool = False, month: bool = False) -> pd.Timestamp:
    """Parse a date cell: date/datetime, Excel serial, ISO text, or dd/mm/yyyy (``order``).

    With ``month``, also ``YYYY-MM`` and ``MM/YYYY``; the result is the first of the month.

    >>> parse_date("05/10/2025"), parse_date(45935), parse_date("2026-10", month=True)
    (Timestamp('2025-10-05 00:00:00'), Timestamp('2025-10-05 00:00:00'), Timestamp('2026-10-01 00:00:00'))
    """
    ts: pd.Timestamp
    if isinstance(value, bool):
        raise ValueError("a boolean")
    if isinstance(value, datetime):
        ts = pd.Timestamp(value)
    elif isinstance(value, date):
        ts = pd.Timestamp(value)
    elif isinstance(value, time):
        raise ValueError("a time without a date")
    elif isinstance(value, (int, float)):
        x = float(value)
        if not (1 <= x < 2958466):
            raise ValueError("outside Excel's date range")
        ts = pd.Timestamp(_EXCEL_EPOCH) + pd.Timedelta(days=x)
        ts = ts.round("s")
    elif isinstance(value, str):
        s = value.strip()
        ts = _parse_text_date(s, order, month)
    else:
        raise ValueError(f"a {type(value).__name__}")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    if month:
        return pd.Timestamp(year=ts.year, month=ts.month, day=1)
    if not with_time:
        return ts.normalize()
    return ts


def _parse_text_date(s: str, order: str, month: bool) -> pd.Timestamp:
    m = _ISO.match(s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        hh, mm, ss = (int(g) if g else 0 for g in m.group(4, 5, 6))
        return pd.Timestamp(datetime(y, mo, d, hh, mm, ss))
    m = _DMY.match(s)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if order == "mixed":
            raise ValueError("day/month order is mixed in this column")
        d, mo = (a, b) if order == "dmy" else (b, a)
        hh, mm, ss = (int(g) if g else 0 for g in m.group(4, 5, 6))
        return pd.Timestamp(datetime(y, mo, d, hh, mm, ss))
    if month:
        m = _MONTH.match(s)
        if m:
            if m.group(1):
                return pd.Timestamp(datetime(int(m.group(1)), int(m.group(2)), 1))
            return pd.Timestamp(datetime(int(m.group(4)), int(m.group(3)), 1))
    raise ValueError("not a date")

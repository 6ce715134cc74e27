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

__all__ = [
    "EXCEL_ERRORS",
    "NON_ANSWERS",
    "ExcelError",
    "currency_mark",
    "date_order",
    "date_order_evidence",
    "number_evidence",
    "number_style",
    "parse_bool",
    "parse_date",
    "parse_number",
    "parse_survey_score",
    "split_date_order",
    "style_of",
    "zone_of",
]

#: Excel's error values; a cell holding one is an error, never a blank.
EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)
#: Survey answers that mean "no answer" (skipped and counted in a note, never a score).
NON_ANSWERS = frozenset({"n/a", "na", "-", "--", "–", "—", "nao respondeu", "nao se aplica", "sem resposta"})


class ExcelError(str):
    """An Excel error value read from a cell (``'#DIV/0!'``...), kept apart from text."""

    __slots__ = ()


class NoValue:
    """A formula cell without a saved value (a file written by a program, never recalculated)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "a formula without a saved value"


NO_VALUE = NoValue()

_EXCEL_EPOCH = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)
_CURRENCY = re.compile(r"^(?:R\$|US\$|U\$|\$|€|BRL|USD|EUR)\s*|\s*(?:BRL|USD|EUR)$", re.IGNORECASE)
#: Currency marks of a text amount -> ISO code (``$`` alone is the US dollar).
_MARKS = {"r$": "BRL", "brl": "BRL", "us$": "USD", "u$": "USD", "$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR"}
_MARK = re.compile(r"^-?\s*(R\$|US\$|U\$|\$|€|BRL|USD|EUR)|(BRL|USD|EUR)$", re.IGNORECASE)
_ACCOUNTING_ZERO = re.compile(r"^-+$")
_PT = re.compile(r"^-?\d{1,3}(?:\.\d{3})*(?:,\d+)?$|^-?\d+,\d+$")  # 1.234,56 / 1234,56
_EN = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")  # 1,234.56
_PLAIN = re.compile(r"^-?\d+(?:\.\d+)?$")  # 1234.56 / 1234
_AMBIGUOUS = re.compile(r"^-?\d{1,3}(?:[.,]\d{3})+$")  # 1.234 or 1,234 (thousands or decimals?)
_ZONE = r"\s*(Z|UTC|GMT|(?:UTC|GMT)?\s*[+-]\d{2}:?\d{2})?"
_DMY = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:,?[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]\.?M\.?)?)?"
    + _ZONE
    + "$",
    re.IGNORECASE,
)
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?" + _ZONE + "$",
    re.IGNORECASE,
)
_CLOCK12 = re.compile(r"\d\s*[AP]\.?M\.?\b", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$|^(\d{1,2})[/-](\d{4})$")
_YYYYMM = re.compile(r"^(\d{4})(\d{2})$")
_NAMED_MONTH = re.compile(r"^([a-zç]{3,9})\.?(?:\s*[/\-. ]\s*|\s+de\s+)(\d{4}|\d{2})$", re.IGNORECASE)
_MONTH_NAMES = {
    **dict.fromkeys(("jan", "janeiro", "january"), 1),
    **dict.fromkeys(("fev", "fevereiro", "feb", "february"), 2),
    **dict.fromkeys(("mar", "marco", "março", "march"), 3),
    **dict.fromkeys(("abr", "abril", "apr", "april"), 4),
    **dict.fromkeys(("mai", "maio", "may"), 5),
    **dict.fromkeys(("jun", "junho", "june"), 6),
    **dict.fromkeys(("jul", "julho", "july"), 7),
    **dict.fromkeys(("ago", "agosto", "aug", "august"), 8),
    **dict.fromkeys(("set", "setembro", "sep", "sept", "september"), 9),
    **dict.fromkeys(("out", "outubro", "oct", "october"), 10),
    **dict.fromkeys(("nov", "novembro", "november"), 11),
    **dict.fromkeys(("dez", "dezembro", "dec", "december"), 12),
}
_SURVEY = re.compile(r"^(\d{1,2})(?:\s*[-–—:]\s*\D.*|\s+\D.*)$")
_DEFAULT_TZ = "America/Sao_Paulo"


def full_year(year: int) -> int:
    """Four-digit year from a two-digit one with Excel's pivot: 00-29 -> 20xx, 30-99 -> 19xx.

    >>> full_year(24), full_year(29), full_year(30), full_year(2026)
    (2024, 2029, 1930, 2026)
    """
    if year >= 100:
        return year
    return 2000 + year if year < 30 else 1900 + year


_TRUE = {"true", "verdadeiro", "sim", "s", "yes", "y", "1", "ganho", "ganha", "won", "x"}
_FALSE = {"false", "falso", "nao", "não", "n", "no", "0", "perdido", "perdida", "lost"}


def parse_number(value: Any, *, style: str | None = None) -> float:
    """Parse a numeric cell; text like ``'R$ 1.234,56'`` or ``'12,5%'`` is parsed when unambiguous.

    ``'1.234'`` and ``'1,234'`` are ambiguous (thousands or decimals) and rejected unless
    ``style`` (decided per column by :func:`number_style`) says which: ``'pt'`` (the dot
    groups thousands, the comma is decimal) or ``'en'`` (the reverse).

    >>> parse_number("R$ 1.234,56"), parse_number("1,234.5"), parse_number("12,5%"), parse_number(3)
    (1234.56, 1234.5, 0.125, 3.0)
    >>> parse_number("33.490", style="pt"), parse_number("(1.000,00)"), parse_number("1,234", style="en")
    (33490.0, -1000.0, 1234.0)
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
    negative = s.startswith("(") and s.endswith(")")  # accounting negative: '(R$ 1.000,00)'
    if negative:
        s = s[1:-1].strip()
    if s.startswith("-") and _CURRENCY.match(s[1:].lstrip()) is not None:  # '-R$ 1.000,00'
        s, negative = s[1:].lstrip(), not negative
    s = _CURRENCY.sub("", s).strip().replace(" ", "")
    if s.startswith("(") and s.endswith(")"):
        s, negative = s[1:-1], not negative  # 'R$ (1.000,00)'
    if negative:
        s = s[1:] if s.startswith("-") else "-" + s
    if _ACCOUNTING_ZERO.match(s) and value.strip() != s:
        return 0.0  # the accounting format's zero: ' R$ -   '
    if _AMBIGUOUS.match(s) and not percent:
        if style == "pt":
            return float(s.replace(".", "").replace(",", "."))
        if style == "en":
            return float(s.replace(",", ""))
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


def currency_mark(value: Any) -> str | None:
    """The ISO code of a text amount's currency mark (``'US$ 1.200,00'`` -> ``'USD'``), or ``None``.

    >>> currency_mark("US$ 1.200,00"), currency_mark("-R$ 10,00"), currency_mark("1200 EUR"), currency_mark(12.5)
    ('USD', 'BRL', 'EUR', None)
    """
    if not isinstance(value, str):
        return None
    m = _MARK.search(value.strip().replace("\u00a0", " "))
    if m is None:
        return None
    return _MARKS[(m.group(1) or m.group(2)).lower()]


def number_style(values: list[Any], *, separator: str | None = None) -> str | None:
    """Decide how a column writes its text numbers: ``'pt'``, ``'en'`` or ``None`` (no evidence).

    A decimal comma (``12,5``, ``1.234,56``) is pt-BR evidence; a decimal point that is not a
    group of three (``12.5``, ``1,234.56``) is English evidence. With no evidence in the column, a
    ``;``-separated CSV (Excel's pt-BR export) means pt-BR. Evidence both ways gives ``None``
    (the ambiguous cells are then errors).

    >>> number_style(["33.490", "1.234,50"]), number_style(["33.490"], separator=";"), number_style(["1,234", "9.5"])
    ('pt', 'pt', 'en')
    """
    return style_of(*number_evidence(values), separator=separator)


def number_evidence(values: Any) -> tuple[bool, bool]:
    """Whether any of ``values`` proves pt-BR numbers, and whether any proves English ones.

    The evidence of :func:`number_style`, one value at a time; evidence of several columns
    (or of the distinct values of one) combines with ``or``.
    """
    pt = en = False
    for v in values:
        if not isinstance(v, str) or not v:
            continue
        s = _CURRENCY.sub("", v.strip().replace("\u00a0", "").rstrip("%")).strip().replace(" ", "").strip("()-")
        if _PT_EVIDENCE.match(s):
            pt = True
        elif _EN_EVIDENCE.match(s):
            en = True
        if pt and en:
            break
    return pt, en


def style_of(pt: bool, en: bool, *, separator: str | None = None) -> str | None:
    """The number style that the evidence of :func:`number_evidence` decides (see :func:`number_style`)."""
    if pt and en:
        return None
    if pt:
        return "pt"
    if en:
        return "en"
    return "pt" if separator == ";" else None


_PT_EVIDENCE = re.compile(r"^\d{1,3}(?:\.\d{3})+,\d+$|^\d+,(?:\d{1,2}|\d{4,})$")
_EN_EVIDENCE = re.compile(r"^\d{1,3}(?:,\d{3})+\.\d+$|^\d+\.(?:\d{1,2}|\d{4,})$")


def parse_survey_score(value: Any) -> Any:
    """The score of a survey answer: ``'10 - Muito provável'`` -> 10; ``None`` for a non-answer.

    Non-answers are blank, ``N/A``, ``-`` and the like (:data:`NON_ANSWERS`); anything else is
    returned unchanged for the number parser.

    >>> parse_survey_score("10 - Muito provável"), parse_survey_score("N/A"), parse_survey_score(7.0)
    (10, None, 7.0)
    """
    if value is None:
        return None
    if isinstance(value, str):
        s = value.strip()
        if not s or _fold(s) in NON_ANSWERS:
            return None
        m = _SURVEY.match(s)
        if m:
            return int(m.group(1))
    return value


def _fold(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower().strip()


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

    A first part > 12 proves day-first, a second part > 12 proves month-first; a 12-hour clock
    (``10:55 PM``) is en-US evidence for month-first when nothing proves day-first; with no
    proof the pt-BR convention (day-first) applies. Both proofs: ``'mixed'``.

    >>> split_date_order(["05/04/2026 10:55 PM"]), split_date_order(["05/04/2026"]), split_date_order(["13/04/2026"])
    ('mdy', 'dmy', 'dmy')
    """
    return date_order(*date_order_evidence(values))


def date_order_evidence(values: Any) -> tuple[bool, bool, bool]:
    """Whether any of ``values`` proves day-first, proves month-first, or writes a 12-hour clock.

    The evidence of :func:`split_date_order`, one value at a time (it combines with ``or``).
    """
    day_first = month_first = clock12 = False
    for v in values:
        if isinstance(v, str):
            m = _DMY.match(v.strip())
            if m:
                a, b = int(m.group(1)), int(m.group(2))
                day_first |= a > 12
                month_first |= b > 12
                clock12 |= m.group(7) is not None
    return day_first, month_first, clock12


def date_order(day_first: bool, month_first: bool, clock12: bool) -> str:
    """The order that the evidence of :func:`date_order_evidence` decides (see :func:`split_date_order`)."""
    if day_first and month_first:
        return "mixed"
    return "mdy" if month_first or (clock12 and not day_first) else "dmy"


def zone_of(value: Any) -> str | None:
    """How a text timestamp names its zone: ``'midnight'``, ``'instant'`` or ``None``.

    ``'midnight'`` is a date written as a midnight instant (``2026-03-01T00:00:00Z``),
    ``'instant'`` a time of day with a zone, ``None`` a value without a zone.

    >>> zone_of("2026-03-01T00:00:00.000Z"), zone_of("2026-03-01 10:55 -0300"), zone_of("01/03/2026")
    ('midnight', 'instant', None)
    """
    if not isinstance(value, str):
        return None
    s = value.strip()
    m = _ISO.match(s)
    if m is not None:
        clock, zone = m.group(4, 5, 6, 7), m.group(8)
    else:
        m = _DMY.match(s)
        if m is None:
            return None
        clock, zone = m.group(4, 5, 6), m.group(8)
    if not zone:
        return None
    return "midnight" if all(not g or not int(g) for g in clock) else "instant"


def parse_date(
    value: Any,
    *,
    order: str = "dmy",
    with_time: bool = False,
    month: bool = False,
    tz: str = _DEFAULT_TZ,
    date1904: bool = False,
) -> pd.Timestamp:
    """Parse a date cell: date/datetime, Excel serial, ISO text, or dd/mm/yyyy (``order``).

    With ``month``, also ``YYYY-MM``, ``MM/YYYY``, pt-BR/English month names (``out/2026``,
    ``jan/24``, ``outubro de 2026``, ``Out-26``) and yyyymm numbers (``202610``); the result is
    the first of the month. Serial numbers count from 1899-12-30, or from 1904-01-01 in a
    workbook of the 1904 date system (``date1904``). Two-digit years follow Excel's pivot (:func:`full_year`). A
    timestamp with a zone (``Z``, ``-03:00``, `` UTC``, `` -0300``) is converted to ``tz`` (the
    book's time zone), except a midnight instant in a date or month column (``with_time`` false),
    which is the date as written; the result is always naive.

    >>> parse_date("05/10/2025"), parse_date(45935), parse_date("2026-10", month=True)
    (Timestamp('2025-10-05 00:00:00'), Timestamp('2025-10-05 00:00:00'), Timestamp('2026-10-01 00:00:00'))
    >>> parse_date("out/2026", month=True), parse_date(202610, month=True)
    (Timestamp('2026-10-01 00:00:00'), Timestamp('2026-10-01 00:00:00'))
    >>> parse_date("2024-01-05T09:54:00.000Z", with_time=True)
    Timestamp('2024-01-05 06:54:00')
    >>> parse_date("2026-03-01T00:00:00.000Z", month=True), parse_date("05/04/2026 10:55 PM -0300", order="mdy", with_time=True)
    (Timestamp('2026-03-01 00:00:00'), Timestamp('2026-05-04 22:55:00'))
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
    elif month and isinstance(value, (int, float)) and _is_yyyymm(float(value)):
        return pd.Timestamp(year=int(value) // 100, month=int(value) % 100, day=1)
    elif isinstance(value, (int, float)):
        x = float(value)
        if not (1 <= x < 2958466):
            raise ValueError("outside Excel's date range")
        ts = pd.Timestamp(_EPOCH_1904 if date1904 else _EXCEL_EPOCH) + pd.Timedelta(days=x)
        ts = ts.round("s")
    elif isinstance(value, str):
        s = value.strip()
        ts = _parse_text_date(s, order, month)
    else:
        raise ValueError(f"a {type(value).__name__}")
    if ts.tzinfo is not None:
        if not with_time and ts == ts.normalize():
            ts = ts.tz_localize(None)  # a calendar date written as a midnight instant: the date as written
        else:
            ts = ts.tz_convert(tz).tz_localize(None)
    if month:
        return pd.Timestamp(year=ts.year, month=ts.month, day=1)
    if not with_time:
        return ts.normalize()
    return ts


def _is_yyyymm(x: float) -> bool:
    """A yyyymm number from a BI export (190001..299912 with a month 01-12), not an Excel serial."""
    return x.is_integer() and 190001 <= x <= 299912 and 1 <= int(x) % 100 <= 12


def _parse_text_date(s: str, order: str, month: bool) -> pd.Timestamp:
    m = _ISO.match(s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        hh, mm, ss = (int(g) if g else 0 for g in m.group(4, 5, 6))
        micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
        return _zoned(pd.Timestamp(datetime(y, mo, d, hh, mm, ss, micro)), m.group(8))
    m = _DMY.match(s)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), full_year(int(m.group(3)))
        if order == "mixed":
            raise ValueError("day/month order is mixed in this column")
        d, mo = (a, b) if order == "dmy" else (b, a)
        hh, mm, ss = (int(g) if g else 0 for g in m.group(4, 5, 6))
        if m.group(7):
            if not 1 <= hh <= 12:
                raise ValueError("an hour outside 1-12 with AM/PM")
            hh = hh % 12 + (12 if m.group(7)[0].upper() == "P" else 0)
        return _zoned(pd.Timestamp(datetime(y, mo, d, hh, mm, ss)), m.group(8))
    if month:
        m = _MONTH.match(s)
        if m:
            if m.group(1):
                return pd.Timestamp(datetime(int(m.group(1)), int(m.group(2)), 1))
            return pd.Timestamp(datetime(int(m.group(4)), int(m.group(3)), 1))
        m = _YYYYMM.match(s)
        if m and _is_yyyymm(float(s)):
            return pd.Timestamp(datetime(int(m.group(1)), int(m.group(2)), 1))
        m = _NAMED_MONTH.match(s)
        if m and _fold(m.group(1)) in _MONTH_NAMES:
            return pd.Timestamp(datetime(full_year(int(m.group(2))), _MONTH_NAMES[_fold(m.group(1))], 1))
    raise ValueError("not a date")


def _zoned(ts: pd.Timestamp, zone: str | None) -> pd.Timestamp:
    if not zone:
        return ts
    z = zone.upper().replace(" ", "")
    if z in ("Z", "UTC", "GMT"):
        return ts.tz_localize("UTC")
    return ts.tz_localize(_offset(z.removeprefix("UTC").removeprefix("GMT")))


def _offset(zone: str) -> Any:
    from datetime import timedelta, timezone

    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))

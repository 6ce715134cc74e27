"""Column-level inferences of the validator, each declared: ids, time columns, percentage points.

Each function here decides one thing about a whole column (never cell by cell in silence):
how client ids are spelled, which column holds the time of a date column, whether a ``%``
column is written in points (82) or as a share (0.82).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

import pandas as pd

from cs_reports.data.contract import normalise_header

__all__ = ["ID_JUNK", "TIME_WORDS", "normalise_id", "parse_time", "time_column", "time_like"]

#: Characters an id never holds: zero-width spaces and joiners, the BOM, soft hyphens.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
#: Anything that makes an id need normalising (invisible characters, NBSP, a formula wrapper).
ID_JUNK = re.compile(f'[{_INVISIBLE}\u00a0\u202f]|^\\s*=\\s*"|^[ \t]|[ \t]$', re.M)
_WRAPPER = re.compile(r'^=\s*"(.*)"$', re.S)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")


def normalise_id(text: str) -> str:
    r"""One spelling of an id, the same in every sheet.

    Excel's keep-as-text wrapper ``="C0001"``, zero-width characters pasted from a web page,
    non-breaking spaces and surrounding spaces are removed.

    >>> normalise_id('="C0001"'), normalise_id("C0001\u200b"), normalise_id("\u00a0C0001 "), normalise_id("C 1")
    ('C0001', 'C0001', 'C0001', 'C 1')
    """
    s = _INVISIBLE_RE.sub("", text).replace("\u00a0", " ").replace("\u202f", " ").strip()
    m = _WRAPPER.match(s)
    if m is not None:
        s = m.group(1).strip()
    return s


#: Words that make a header the time half of a date + time pair.
TIME_WORDS = ("horario", "hora", "time", "hour")
_DATE_WORDS = ("data", "date", "dia", "day")


def _stem(key: str) -> str:
    for w in _DATE_WORDS:
        if key.startswith(w) and len(key) > len(w):
            return key[len(w) :]
        if key.endswith(w) and len(key) > len(w):
            return key[: -len(w)]
    return key


def time_column(header: list[Any], date_position: int, used: set[int]) -> int | None:
    """The position of the column holding the time of the date column at ``date_position``.

    ``Data de abertura`` pairs with ``Hora de abertura``, ``Opened Date`` with ``Opened Time``.

    >>> time_column(["Cliente", "Data de Abertura", "Hora de Abertura"], 1, {0, 1})
    2
    >>> time_column(["Opened Date", "Opened Time"], 0, {0}), time_column(["Data", "Nota"], 0, {0})
    (1, None)
    """
    stem = _stem(normalise_header(header[date_position]))
    wanted = {f"{w}{stem}" for w in TIME_WORDS} | {f"{stem}{w}" for w in TIME_WORDS}
    for j, cell in enumerate(header):
        if j not in used and cell is not None and normalise_header(cell) in wanted:
            return j
    return None


def time_like(cell: Any) -> bool:
    """Whether a header names a time of day (``Hora``, ``Horário de abertura``, ``Time``)."""
    key = normalise_header(cell) if cell is not None else ""
    return bool(key) and any(key.startswith(w) or key.endswith(w) for w in TIME_WORDS)


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AP]\.?M\.?)?$", re.IGNORECASE)


def parse_time(value: Any) -> timedelta:
    """The time of day of a cell: a time, a fraction of a day, ``'22:55'`` or ``'10:55 PM'``.

    >>> parse_time("10:55 PM"), parse_time(0.5), parse_time(time(8, 30))
    (datetime.timedelta(seconds=82500), datetime.timedelta(seconds=43200), datetime.timedelta(seconds=30600))
    """
    if isinstance(value, bool):
        raise ValueError("a boolean")
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
    elif isinstance(value, datetime):
        if value.date() > datetime(1900, 1, 1).date():
            raise ValueError("a date, not a time of day")
        seconds = value.hour * 3600 + value.minute * 60 + value.second
    elif isinstance(value, (int, float)):
        seconds = round(float(value) * 86400)
    elif isinstance(value, str):
        m = _CLOCK.match(value.strip())
        if m is None:
            raise ValueError("not a time of day")
        hh, mm, ss = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if m.group(4):
            if not 1 <= hh <= 12:
                raise ValueError("an hour outside 1-12 with AM/PM")
            hh = hh % 12 + (12 if m.group(4)[0].upper() == "P" else 0)
        if mm > 59 or ss > 59:
            raise ValueError("not a time of day")
        seconds = hh * 3600 + mm * 60 + ss
    else:
        raise ValueError(f"a {type(value).__name__}")
    if not 0 <= seconds < 86400:
        raise ValueError("not a time of day (0:00-23:59)")
    return pd.Timedelta(seconds=seconds).to_pytimedelta()

"""Locale-aware formatting of numbers, money, percentages and dates (Babel / CLDR)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from babel import dates as bdates
from babel import numbers as bnumbers

from cs_reports.reports.vocabulary import language

__all__ = ["DASH", "Formatter"]

#: Shown for missing or undefined values.
DASH = "\u2014"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:  # pragma: no cover
        return False


class Formatter:
    r"""Format values for one report language (one of :data:`cs_reports.reports.vocabulary.LANGUAGES`).

    Money is rounded half-up to cents before Babel formats it (Babel rounds half-even,
    finance expects half-up). Missing values (None, NaN) become an em dash.

    Examples
    --------
    >>> from datetime import date
    >>> pt, en = Formatter("pt-BR"), Formatter("en")
    >>> pt.money(1234.565), en.money(1234.565, "USD")
    ('R$\xa01.234,57', '$1,234.57')
    >>> pt.percent(0.1234), en.percent(0.1234)
    ('12,3%', '12.3%')
    >>> pt.date(date(2025, 10, 5)), en.date(date(2025, 10, 5))
    ('5 de outubro de 2025', 'October 5, 2025')
    >>> pt.quarter(2025, 4), en.quarter(2025, 4)
    ('4º trimestre de 2025', 'Q4 2025')
    >>> Formatter("en-GB").date(date(2025, 10, 5)), Formatter("en-GB").date(date(2025, 10, 5), "short")
    ('5 October 2025', '05/10/2025')
    >>> Formatter("en-US").date(date(2025, 10, 5), "short")
    '10/05/2025'
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.locale = language(lang, name="Report language").locale

    def money(self, value: Any, currency: str = "BRL", *, cents: bool = True) -> str:
        """Amount with currency symbol, e.g. ``R$ 1.234,56``."""
        if _missing(value):
            return DASH
        quant = Decimal("0.01") if cents else Decimal("1")
        amount = Decimal(str(value)).quantize(quant, rounding=ROUND_HALF_UP)
        fmt = None if cents else "¤#,##0" if self.lang.startswith("en") else "¤\u00a0#,##0"
        return str(bnumbers.format_currency(amount, currency, format=fmt, locale=self.locale, currency_digits=cents))

    def money_short(self, value: Any, currency: str = "BRL") -> str:
        """Compact amount, e.g. ``R$ 1,2 mi`` / ``R$1.2M``."""
        if _missing(value):
            return DASH
        return str(bnumbers.format_compact_currency(float(value), currency, locale=self.locale, fraction_digits=1))

    def percent(self, rate: Any, digits: int = 1, *, signed: bool = False) -> str:
        """A rate in [0, 1] as a percentage, e.g. ``12,3%``."""
        if _missing(rate):
            return DASH
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        if signed:
            pattern = "+" + pattern + ";-" + pattern
        return str(bnumbers.format_percent(float(rate), format=pattern, locale=self.locale))

    def number(self, value: Any, digits: int = 0, *, signed: bool = False) -> str:
        """A number with the locale's separators."""
        if _missing(value):
            return DASH
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        if signed:
            pattern = "+" + pattern + ";-" + pattern
        return str(bnumbers.format_decimal(float(value), format=pattern, locale=self.locale))

    def date(self, value: Any, style: str = "long") -> str:
        """A date, ``'long'`` (5 de outubro de 2025) or ``'short'`` (05/10/2025)."""
        if _missing(value):
            return DASH
        d = value.date() if isinstance(value, (datetime, pd.Timestamp)) else value
        if style == "short":
            return str(
                bdates.format_date(
                    d, format="MM/dd/yyyy" if self.locale == "en_US" else "dd/MM/yyyy", locale=self.locale
                )
            )
        return str(bdates.format_date(d, format="long", locale=self.locale))

    def month(self, value: Any, *, short: bool = False) -> str:
        """A month, e.g. ``outubro de 2026`` / ``October 2026`` (short: ``out/26``, ``Oct 26``)."""
        if _missing(value):
            return DASH
        d = value.date() if isinstance(value, (datetime, pd.Timestamp)) else value
        if short:
            text = str(bdates.format_date(d, format="MMM/yy" if self.lang == "pt-BR" else "MMM yy", locale=self.locale))
            return text.replace(".", "")
        return str(
            bdates.format_date(d, format="MMMM 'de' y" if self.lang == "pt-BR" else "MMMM y", locale=self.locale)
        )

    def quarter(self, year: int, quarter: int, *, short: bool = False) -> str:
        """A quarter, e.g. ``3º trimestre de 2026`` / ``Q3 2026`` (short: ``3T26`` / ``Q3 26``)."""
        if short:
            return f"{quarter}T{year % 100:02d}" if self.lang == "pt-BR" else f"Q{quarter} {year % 100:02d}"
        return f"{quarter}º trimestre de {year}" if self.lang == "pt-BR" else f"Q{quarter} {year}"

    def hours(self, value: Any) -> str:
        """Hours with one decimal, e.g. ``4,5 h``."""
        return DASH if _missing(value) else f"{self.number(value, 1)}\u00a0h"

    def value(self, value: Any, kind: str) -> str:
        r"""One KPI value by ``kind``: ``pct``, ``num``, ``num1``, ``hours``, or a currency code for money.

        The one implementation of a KPI's value: the templates' ``value()`` macro and the deck's
        cards call it.

        >>> f = Formatter("en")
        >>> f.value(0.5, "pct"), f.value(1234, "num"), f.value(2.25, "num1"), f.value(3, "hours"), f.value(9.5, "USD")
        ('50%', '1,234', '2.2', '3.0\xa0h', '$9.50')
        """
        shown = {
            "pct": lambda: self.percent(value, 0),
            "num": lambda: self.number(value),
            "num1": lambda: self.number(value, 1),
            "hours": lambda: self.hours(value),
        }
        return shown.get(kind, lambda: self.money(value, kind))()

    def versus(self, now_and_before: Any, kind: str, strings: Mapping[str, str], note: str = "") -> str:
        """The line under a KPI compared with the previous quarter (``vs_before`` or ``no_before``), then ``note``.

        ``now_and_before`` has ``before`` (a ``context.Compare``); ``strings`` holds the report's
        ``vs_before`` and ``no_before`` texts. The templates' ``kpi_compare()`` macro and the
        deck's KPI cards call it, so both print the same line.

        >>> from types import SimpleNamespace as C
        >>> t = {"vs_before": "vs. {v} before", "no_before": "no previous quarter"}
        >>> Formatter("en").versus(C(before=0.25), "pct", t, "note"), Formatter("en").versus(C(before=float("nan")), "pct", t)
        ('vs. 25% before · note', 'no previous quarter')
        """
        before = now_and_before.before
        line = strings["vs_before"].format(v=self.value(before, kind)) if before == before else strings["no_before"]
        return line + (f" · {note}" if note else "")

    def change(self, change: float, strings: Mapping[str, str], digits: int = 1) -> str:
        """A signed change "vs. previous quarter" (``vs_previous``), or ``no_before`` when there is none.

        The health card of the QBR (PDF and deck) calls it, so a new client's card says the same
        as its other KPIs.

        >>> t = {"vs_previous": "vs. previous quarter", "no_before": "no previous quarter"}
        >>> Formatter("en").change(2.0, t), Formatter("en").change(float("nan"), t)
        ('+2.0 vs. previous quarter', 'no previous quarter')
        """
        if change != change:
            return strings["no_before"]
        return f"{self.number(change, digits, signed=True)} {strings['vs_previous']}"

    def filters(self) -> dict[str, Any]:
        """Jinja filters bound to this locale."""
        return {
            "money": self.money,
            "money_short": self.money_short,
            "pct": self.percent,
            "num": self.number,
            "date": self.date,
            "month": self.month,
            "hours": self.hours,
        }

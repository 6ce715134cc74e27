"""The reports' vocabulary, declared once: languages, audiences, report kinds, formats and periods.

The CLI's choices, the report kinds, the templates' string tables, the PDF's formatter and the
deck's number formats all read these declarations, so a language the CLI accepts is a language
every output can be made in (``tests/reports/test_vocabulary.py`` walks every kind, language
and format), and every refusal is built by :func:`one_of` from the same tuple it checks.

Standard library only at import (the CLI builds its parser from it before any command runs);
pandas is imported when a period is computed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cs_reports.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AUDIENCES",
    "DEFAULT_LANGUAGE",
    "FORMATS",
    "KIND_NAMES",
    "LANGUAGES",
    "Language",
    "Period",
    "language",
    "last_complete_quarter",
    "of_quarter",
    "one_of",
    "parse_quarter",
]


@dataclass(frozen=True, slots=True)
class Language:
    """A report language.

    Attributes
    ----------
    tag : str
        What the user types (``--lang``, the Clients sheet's ``locale``).
    locale : str
        The Babel (CLDR) locale of numbers, money and dates in the PDF and the deck.
    lcid : str
        The Windows locale id (hex) tagging a deck's number formats (``[$R$-416]``).
    strings : str
        The column of the templates' ``i18n.json`` tables holding its words.
    """

    tag: str
    locale: str
    lcid: str
    strings: str


#: Every report language, by tag; the first is the default.
LANGUAGES: dict[str, Language] = {
    lang.tag: lang
    for lang in (
        Language("pt-BR", "pt_BR", "416", "pt-BR"),
        Language("en", "en_US", "409", "en"),
        Language("en-US", "en_US", "409", "en"),
        Language("en-GB", "en_GB", "809", "en"),
    )
}
DEFAULT_LANGUAGE = "pt-BR"

#: Editions of the per-client reports; the first is the default.
AUDIENCES = ("client", "internal")

#: Report kinds, as the CLI names them (``cs_reports.reports.kinds.KINDS`` holds one entry each).
KIND_NAMES = ("qbr", "success-map", "finance")

#: Output formats, in the order they are produced and named (``{name}.pdf``, ``{name}.pptx``).
FORMATS = ("pdf", "pptx")


def one_of(value: object, choices: Iterable[str], *, name: str) -> str:
    """``value`` if it is one of ``choices``; otherwise a one-line error naming ``name`` and the choices.

    Examples
    --------
    >>> one_of("en-GB", LANGUAGES, name="--lang")
    'en-GB'
    >>> one_of("fr", LANGUAGES, name="--lang")
    Traceback (most recent call last):
    ...
    cs_reports.errors.InvalidInputError: --lang must be one of ['pt-BR', 'en', 'en-US', 'en-GB']; got 'fr'.
    """
    allowed = list(choices)
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInputError(f"{name} must be one of {allowed}; got {value!r}.")
    return value


def language(tag: object, *, name: str = "--lang") -> Language:
    """The :class:`Language` of ``tag``; a one-line error listing the languages otherwise.

    >>> language("en-GB").locale, language("pt-BR").lcid
    ('en_GB', '416')
    """
    return LANGUAGES[one_of(tag, LANGUAGES, name=name)]


# --- periods ------------------------------------------------------------------------------------


def parse_quarter(text: str) -> tuple[int, int]:
    """``'2026Q3'`` / ``'2026-Q3'`` / ``'3T2026'`` -> ``(2026, 3)``.

    >>> parse_quarter("2026Q3"), parse_quarter("2026-q4"), parse_quarter("3T2026")
    ((2026, 3), (2026, 4), (2026, 3))
    """
    match = re.fullmatch(r"\s*(\d{4})\s*-?\s*[QqTt]([1-4])\s*", str(text)) or re.fullmatch(
        r"\s*([1-4])[QqTt]\s*(\d{4})\s*", str(text)
    )
    if not match:
        raise InvalidInputError(f"A quarter looks like 2026Q3; got {text!r}.")
    a, b = match.groups()
    return (int(a), int(b)) if len(a) == 4 else (int(b), int(a))


@dataclass(frozen=True)
class Period:
    """Three months ending at ``end`` (a calendar quarter for the QBR; the months are first-of-month)."""

    end: pd.Timestamp

    @property
    def start(self) -> pd.Timestamp:
        """First month."""
        import pandas as pd

        return self.end - pd.DateOffset(months=2)

    @property
    def prev_end(self) -> pd.Timestamp:
        """Last month of the previous three months."""
        import pandas as pd

        return self.end - pd.DateOffset(months=3)

    @property
    def year(self) -> int:
        """Year of the last month."""
        return int(self.end.year)

    @property
    def quarter(self) -> int:
        """Quarter of the last month."""
        return (int(self.end.month) - 1) // 3 + 1

    @property
    def last_day(self) -> pd.Timestamp:
        """Last day of the last month."""
        import pandas as pd

        return self.end + pd.offsets.MonthEnd(0)

    @property
    def label(self) -> str:
        """The quarter as the CLI writes it (``'2026Q3'``)."""
        return f"{self.year}Q{self.quarter}"


def of_quarter(text: str) -> Period:
    """The :class:`Period` of a calendar quarter written as ``'2026Q3'`` (see :func:`parse_quarter`).

    >>> p = of_quarter("2026Q3")
    >>> f"{p.start:%Y-%m}", f"{p.end:%Y-%m}", p.label
    ('2026-07', '2026-09', '2026Q3')
    """
    import pandas as pd

    year, q = parse_quarter(text)
    return Period(pd.Timestamp(year=year, month=3 * q, day=1))


def last_complete_quarter(last_month: pd.Timestamp) -> Period:
    """The last calendar quarter whose three months are all on or before ``last_month``.

    >>> import pandas as pd
    >>> last_complete_quarter(pd.Timestamp("2026-09-01")).label, last_complete_quarter(pd.Timestamp("2026-11-01")).label
    ('2026Q3', '2026Q3')
    >>> last_complete_quarter(pd.Timestamp("2026-02-01")).label
    '2025Q4'
    """
    import pandas as pd

    month = pd.Timestamp(last_month)
    end = month - pd.DateOffset(months=month.month % 3)
    return Period(pd.Timestamp(year=end.year, month=end.month, day=1))

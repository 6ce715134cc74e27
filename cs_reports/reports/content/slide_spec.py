"""The deck specification: what a deck holds, independent of any template or report.

A :class:`DeckSpec` is an ordered tuple of :class:`SlideSpec`; each names a layout and gives
values for placeholders by key: text, :class:`Kpi`, :class:`Bullets`, :class:`TableSpec`,
:class:`ChartSpec` or :class:`Picture`. :mod:`cs_reports.reports.deck.presentation` puts it on a template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from cs_reports.errors import InvalidInputError

__all__ = [
    "Bullets",
    "ChartSpec",
    "DeckSpec",
    "Kpi",
    "Picture",
    "Series",
    "SlideSpec",
    "TableSpec",
    "Value",
    "number_format",
]


@dataclass(frozen=True)
class Kpi:
    """A KPI card: the value (first paragraph), its label and an optional note (smaller)."""

    value: str
    label: str = ""
    note: str = ""


@dataclass(frozen=True)
class Bullets:
    """Paragraphs, one per item (the placeholder's bullet style applies)."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    """A native table: header cells and rows of text; ``numeric`` columns are right-aligned."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for i, row in enumerate(self.rows, 1):
            if len(row) != len(self.header):
                raise InvalidInputError(
                    f"TableSpec row {i} has {len(row)} cells; expected {len(self.header)} (the header's)."
                )


@dataclass(frozen=True)
class Series:
    """One series of a chart; ``None`` is a gap."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class ChartSpec:
    """A native chart: ``line`` or ``column`` over ``categories``.

    ``number_format`` is an Excel number format code in its stored (en-US) syntax, used on the
    value axis and the data labels, e.g. ``'[$R$-416] #,##0'``; see :func:`number_format`.
    """

    kind: Literal["line", "column"]
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    number_format: str = "General"
    data_labels: bool = False
    legend: bool = False
    point_labels: tuple[str, ...] = ()  #: each point's data label text instead of its value (a gap's too)

    def __post_init__(self) -> None:
        if self.kind not in ("line", "column"):
            raise InvalidInputError(f"ChartSpec kind must be 'line' or 'column', got {self.kind!r}.")
        if not self.categories:
            raise InvalidInputError("ChartSpec needs at least one category; show an empty state instead of a chart.")
        if self.point_labels and len(self.point_labels) != len(self.categories):
            raise InvalidInputError(
                f"ChartSpec has {len(self.point_labels)} point labels; expected {len(self.categories)} (one per category)."
            )
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise InvalidInputError(
                    f"ChartSpec series {s.name!r} has {len(s.values)} values; expected {len(self.categories)} "
                    "(one per category)."
                )


@dataclass(frozen=True)
class Picture:
    """An image (PNG, JPEG or GIF bytes) fitted inside its placeholder, keeping its proportions."""

    data: bytes
    description: str = ""


Value = str | Kpi | Bullets | TableSpec | ChartSpec | Picture


@dataclass(frozen=True)
class SlideSpec:
    """One slide: the layout's name, placeholder values by key, and speaker notes."""

    layout: str
    values: Mapping[str, Value] = field(default_factory=dict)
    notes: str = ""


@dataclass(frozen=True)
class DeckSpec:
    """A deck: its slides in order and the document title (file properties)."""

    slides: tuple[SlideSpec, ...]
    title: str = ""


def number_format(lang: str, *, currency: str | None = None, percent: bool = False, digits: int = 0) -> str:
    r"""An Excel/PowerPoint number format code for chart axes and labels in ``lang``.

    Format codes are stored in one syntax whatever the language (``,`` groups thousands,
    ``.`` marks decimals, ECMA-376 Part 1 §18.8.31): PowerPoint and Excel then show the
    separators of the viewer's system, LibreOffice those of the locale tag in the code. So a
    pt-BR deck carries ``#,##0.00`` tagged ``-416`` (pt-BR), never the literal ``#.##0,00``,
    which would be read as a decimal point followed by grouping. The currency symbol and its
    spacing come from CLDR (Babel), as in the PDF.

    Examples
    --------
    >>> number_format("pt-BR", currency="BRL"), number_format("en", currency="USD", digits=2)
    ('[$R$-416] #,##0', '[$$-409]#,##0.00')
    >>> number_format("pt-BR", percent=True, digits=1), number_format("en")
    ('[$-416]0.0%', '[$-409]#,##0')
    >>> number_format("en-GB", currency="GBP")
    '[$£-809]#,##0'
    """
    from babel import Locale
    from babel import numbers as bnumbers

    from cs_reports.reports.vocabulary import language

    tongue = language(lang, name="Deck language")
    body = ("0" if percent else "#,##0") + ("." + "0" * digits if digits else "") + ("%" if percent else "")
    if currency is None:
        return f"[$-{tongue.lcid}]{body}"
    symbol = bnumbers.get_currency_symbol(currency, locale=tongue.locale)
    pattern = Locale.parse(tongue.locale).currency_formats["standard"].pattern  # pt-BR: '¤\xa0#,##0.00'
    gap = pattern.split("#")[0].replace("¤", "").replace("\xa0", " ")  # a plain space is a literal in any reader
    return f"[${symbol}-{tongue.lcid}]{gap}{body}"

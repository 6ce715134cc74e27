"""The assumptions record: every inference the reader made, in one place, carried by the book.

Whatever the reader skips, converts or assumes (a header mapped and its unit stripped, a time
zone, an encoding, an id spelling normalised, a date order, thousand separators, the invoice
spreading, a default, the reporting month and why) is one :class:`Assumption`. The record is
what ``validate`` prints, what ``metrics --format json`` includes, what the finance report's
policies page and the internal QBR's notes print (the entries that touch their figures), and
what the book snapshot stores beside the tables. It is plain data: it serialises to JSON
records and back without loss (:meth:`Assumptions.to_records`, :meth:`Assumptions.from_records`).

Examples
--------
>>> record = Assumptions.of(
...     Assumption("unit", "Header 'CAC (R$)' read as 'cac'; the unit R$ checks the values.",
...                sheet="Clients", column="CAC (R$)", rows=12, touches=("ltv_cac",)),
... )
>>> [a.kind for a in record.touching("ltv_cac")]
['unit']
>>> Assumptions.from_records(record.to_records()) == record
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cs_reports.data.messages import Text

__all__ = ["KINDS", "Assumption", "Assumptions"]

#: The kinds of inference, each with the sentence that introduces it where it is printed.
KINDS: dict[str, str] = {
    "header": "Header mapped to a contract column",
    "unit": "Unit stripped from a header or a value",
    "table": "Sheet or file read as a contract table (or ignored)",
    "encoding": "Text encoding",
    "separator": "CSV separator",
    "number_format": "Number format (decimal comma, thousand separators, accounting)",
    "date_order": "Date order (day-first or month-first)",
    "date_system": "Date system of serial numbers (1900 or 1904)",
    "timezone": "Time zone of timestamps",
    "datetime": "Date and time combined from two columns",
    "id": "Client ids normalised",
    "skipped_rows": "Rows skipped (totals, subtotals, titles, blanks)",
    "currency": "Currency and conversion",
    "spreading": "Invoice spreading over service months",
    "default": "Default used for a missing value",
    "reporting_month": "Reporting month",
    "quarantine": "Clients set aside",
    "other": "Other",
}


@dataclass(frozen=True, slots=True)
class Assumption:
    """One inference of the reader.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    text : str
        One sentence, in English, that a user can act on: what was assumed and why.
    sheet, column : str or None
        Where it applies (the source's sheet or file name and column header), when it is local.
    rows : int
        How many rows it touched (0 when it is not about rows).
    touches : tuple of str
        The figures it can change (metric or figure ids such as ``'mrr'``, ``'ltv'``,
        ``'support_times'``); empty when it changes none.
    override : str
        How to override it (a setting, a column, a fix to the file); empty when there is none.
    message, override_message : Text or None
        The same two sentences as catalogue entries (:mod:`cs_reports.data.messages`), so a
        report prints them in its language; ``text`` and ``override`` are their English renderings.
        Build keyed entries with :meth:`said`.
    """

    kind: str
    text: str
    sheet: str | None = None
    column: str | None = None
    rows: int = 0
    touches: tuple[str, ...] = ()
    override: str = ""
    message: Text | None = None
    override_message: Text | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Assumption kind must be one of {sorted(KINDS)}; got {self.kind!r}.")

    @classmethod
    def said(
        cls,
        kind: str,
        message: Text,
        *,
        sheet: str | None = None,
        column: str | None = None,
        rows: int = 0,
        touches: tuple[str, ...] = (),
        override: str | Text = "",
    ) -> Assumption:
        """An entry whose sentence (and override) are catalogue entries, printable in every report language.

        >>> a = Assumption.said("default", Text.of("default_currency", k=2, n=10), override="--currency")
        >>> a.text
        'Currency missing for 2 of 10 client(s): BRL assumed.'
        >>> a.line("pt-BR")
        'Moeda ausente em 2 de 10 cliente(s): BRL assumido. (para mudar: --currency)'
        """
        how = override.render("en") if isinstance(override, Text) else override
        return cls(
            kind,
            message.render("en"),
            sheet=sheet,
            column=column,
            rows=rows,
            touches=touches,
            override=how,
            message=message,
            override_message=override if isinstance(override, Text) else None,
        )

    def sentence(self, lang: str = "en") -> str:
        """What was assumed, in ``lang`` (the English ``text`` when the entry has no catalogue sentence)."""
        return self.message.render(lang) if self.message is not None else self.text

    def line(self, lang: str = "en") -> str:
        """The assumption as one printed line, in ``lang``: where, what, and how to override it."""
        where = ", ".join(p for p in (f"'{self.sheet}'" if self.sheet else "", self.column and f"'{self.column}'") if p)
        said = self.sentence(lang)
        text = f"{where}: {said}" if where else said
        if not self.override:
            return text
        how = self.override_message.render(lang) if self.override_message is not None else self.override
        return f"{text} ({Text.of('override', how=how).render(lang)})"


@dataclass(frozen=True, slots=True)
class Assumptions:
    """An ordered, duplicate-free record of :class:`Assumption` entries."""

    items: tuple[Assumption, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, *items: Assumption) -> Assumptions:
        """A record of ``items`` in order, duplicates dropped."""
        return cls(tuple(dict.fromkeys(items)))

    def __iter__(self) -> Iterator[Assumption]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __add__(self, other: Iterable[Assumption]) -> Assumptions:
        return Assumptions.of(*self.items, *other)

    def of_kind(self, *kinds: str) -> tuple[Assumption, ...]:
        """The entries of the given kinds, in order."""
        return tuple(a for a in self.items if a.kind in kinds)

    def touching(self, *figures: str) -> tuple[Assumption, ...]:
        """The entries that can change any of ``figures`` (what a report prints next to them)."""
        wanted = set(figures)
        return tuple(a for a in self.items if wanted.intersection(a.touches))

    def lines(self, lang: str = "en") -> list[str]:
        """Every entry as one printed line, in order, in ``lang``."""
        return [a.line(lang) for a in self.items]

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-ready records (what ``metrics --format json`` and the snapshot store)."""
        return [
            {
                **{f: getattr(a, f) for f in _PLAIN},
                "touches": list(a.touches),
                "message": a.message.to_json() if a.message is not None else None,
                "override_message": a.override_message.to_json() if a.override_message is not None else None,
            }
            for a in self.items
        ]

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> Assumptions:
        """The record back from :meth:`to_records`."""

        def text(data: Any) -> Text | None:
            return Text.from_json(data) if data else None

        return cls.of(
            *(
                Assumption(
                    **{f: r[f] for f in _PLAIN if f in r},
                    touches=tuple(r.get("touches", ())),
                    message=text(r.get("message")),
                    override_message=text(r.get("override_message")),
                )
                for r in records
            )
        )


_PLAIN = ("kind", "text", "sheet", "column", "rows", "override")

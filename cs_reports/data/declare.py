"""Declaring an inference: one :class:`~cs_reports.data.assumptions.Assumption` per thing assumed.

Every place of the reader that skips, converts or assumes something calls :func:`declare` with
the sheet's report: the sentence becomes a note of that sheet (what ``validate`` prints under
it) and an entry of the book's assumptions record, with the figures it can change
(:func:`figures`), so a report prints it next to the numbers it touches.
"""

from __future__ import annotations

import pandas as pd

from cs_reports.data.assumptions import Assumption
from cs_reports.data.messages import Text
from cs_reports.data.reader import SheetReport

__all__ = ["MRR_FIGURES", "declare", "declared_defaults", "figures"]

#: The figures that come from monthly recurring revenue (the MRR and Invoices tables).
MRR_FIGURES = ("mrr", "arr", "movements", "churn", "nrr", "grr", "arpa", "quick_ratio", "ltv", "ltv_cac")

_SHEET_FIGURES: dict[str, tuple[str, ...]] = {
    "MRR": MRR_FIGURES,
    "Invoices": MRR_FIGURES,
    "FX": MRR_FIGURES,
    "NPS": ("nps",),
    "Tickets": ("support_times", "csat", "ces"),
    "Renewals": ("renewal_rate",),
    "Usage": ("adoption",),
    "Opportunities": ("opportunities",),
    "Milestones": ("milestones",),
    "Goals": ("goals",),
    "HealthModel": ("health",),
}
_COLUMN_FIGURES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Clients", "client_id"): ("clients",),
    ("Clients", "cac"): ("cac", "ltv_cac", "cac_payback"),
    ("Clients", "gross_margin"): ("gross_margin", "ltv", "ltv_cac", "cac_payback"),
    ("Clients", "currency"): ("mrr",),
    ("Clients", "touch_model"): ("touch_model",),
    ("Clients", "renewal_date"): ("renewal_rate",),
    ("Clients", "contract_start"): ("cohorts",),
    ("Tickets", "csat"): ("csat",),
    ("Tickets", "ces"): ("ces",),
}


def figures(table: str | None, column: str | None = None) -> tuple[str, ...]:
    """The figures a contract table (and column) feeds.

    >>> figures("Clients", "gross_margin")[:2], figures("NPS", "score")
    (('gross_margin', 'ltv'), ('nps',))
    """
    if table is None:
        return ()
    if column is not None and (table, column) in _COLUMN_FIGURES:
        return _COLUMN_FIGURES[(table, column)]
    if table == "Clients":
        return ()
    return _SHEET_FIGURES.get(table, ())


def declare(
    report: SheetReport | None,
    kind: str,
    text: Text,
    *,
    column: str | None = None,
    field: str | None = None,
    rows: int = 0,
    touches: tuple[str, ...] | None = None,
    override: str | Text = "",
) -> Assumption:
    """Record one inference on a sheet: a note under the sheet and an assumption of the book.

    ``column`` is the header as written (where the user looks), ``field`` the contract column
    (which decides the figures touched unless ``touches`` is given). ``text`` is a catalogue
    :class:`~cs_reports.data.messages.Text` (printed in each report's language), so an inference
    cannot be declared in one language only; ``override`` may be a plain CLI flag.
    """
    table = report.table if report is not None else None
    sheet = report.source if report is not None else None
    touched = figures(table, field) if touches is None else touches
    entry = Assumption.said(kind, text, sheet=sheet, column=column, rows=rows, touches=touched, override=override)
    if report is not None:
        report.notes.append(entry.text)
        report.assumptions.append(entry)
    return entry


def declared_defaults(clients: pd.DataFrame, source: str | None) -> list[Assumption]:
    """The defaults the book fills in for missing Clients values, each declared with the figures it changes."""
    n = len(clients)
    out = []

    def missing(col: str) -> int:
        return n if col not in clients.columns else int(clients[col].isna().sum())

    if k := missing("gross_margin"):
        out.append(
            Assumption.said(
                "default",
                Text.of("default_gross_margin", k=k, n=n),
                sheet=source,
                column="gross_margin",
                rows=k,
                touches=("ltv", "ltv_cac", "cac_payback", "gross_margin"),
                override=Text.of("fill_clients_column", column="gross_margin", label="Margem Bruta"),
            )
        )
    if k := missing("currency"):
        out.append(
            Assumption.said(
                "default",
                Text.of("default_currency", k=k, n=n),
                sheet=source,
                column="currency",
                rows=k,
                touches=MRR_FIGURES,
                override=Text.of("fill_clients_column", column="currency", label="Moeda"),
            )
        )
    if k := missing("locale"):
        out.append(
            Assumption.said(
                "default",
                Text.of("default_locale", k=k, n=n),
                sheet=source,
                column="locale",
                rows=k,
                override=Text.of("fill_clients_column", column="locale", label="Idioma"),
            )
        )
    if k := missing("name"):
        out.append(
            Assumption.said(
                "default",
                Text.of("default_name", k=k, n=n),
                sheet=source,
                column="name",
                rows=k,
                override=Text.of("fill_clients_column", column="name", label="Nome"),
            )
        )
    return out

"""Declaring an inference: one :class:`~cs_reports.data.assumptions.Assumption` per thing assumed.

Every place of the reader that skips, converts or assumes something calls :func:`declare` with
the sheet's report: the sentence becomes a note of that sheet (what ``validate`` prints under
it) and an entry of the book's assumptions record, with the figures it can change
(:func:`figures`), so a report prints it next to the numbers it touches.
"""

from __future__ import annotations

import pandas as pd

from cs_reports.data.assumptions import Assumption
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
    text: str,
    *,
    column: str | None = None,
    field: str | None = None,
    rows: int = 0,
    touches: tuple[str, ...] | None = None,
    override: str = "",
) -> Assumption:
    """Record one inference on a sheet: a note under the sheet and an assumption of the book.

    ``column`` is the header as written (where the user looks), ``field`` the contract column
    (which decides the figures touched unless ``touches`` is given).
    """
    table = report.table if report is not None else None
    entry = Assumption(
        kind,
        text,
        sheet=report.source if report is not None else None,
        column=column,
        rows=rows,
        touches=figures(table, field) if touches is None else touches,
        override=override,
    )
    if report is not None:
        report.notes.append(text)
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
            Assumption(
                "default",
                f"Gross margin missing for {k} of {n} client(s): their own LTV uses a 100% margin (a revenue LTV, not "
                "a margin LTV); the portfolio's LTV, LTV:CAC and CAC payback use the mean margin of the paying "
                "clients that have one (100% when none has).",
                sheet=source,
                column="gross_margin",
                rows=k,
                touches=("ltv", "ltv_cac", "cac_payback", "gross_margin"),
                override="fill the Clients column 'gross_margin' (Margem Bruta)",
            )
        )
    if k := missing("currency"):
        out.append(
            Assumption(
                "default",
                f"Currency missing for {k} of {n} client(s): BRL assumed.",
                sheet=source,
                column="currency",
                rows=k,
                touches=MRR_FIGURES,
                override="fill the Clients column 'currency' (Moeda)",
            )
        )
    if k := missing("locale"):
        out.append(
            Assumption(
                "default",
                f"Report language missing for {k} of {n} client(s): pt-BR assumed.",
                sheet=source,
                column="locale",
                rows=k,
                override="fill the Clients column 'locale' (Idioma)",
            )
        )
    if k := missing("name"):
        out.append(
            Assumption(
                "default",
                f"Name missing for {k} of {n} client(s): the client id is shown instead.",
                sheet=source,
                column="name",
                rows=k,
                override="fill the Clients column 'name' (Nome)",
            )
        )
    return out

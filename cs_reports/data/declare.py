"""Declaring an inference: one :class:`~cs_reports.data.assumptions.Assumption` per thing assumed.

Every place of the reader that skips, converts or assumes something calls :func:`declare` with
the sheet's report: the sentence becomes a note of that sheet (what ``validate`` prints under
it) and an entry of the book's assumptions record, with the figures it can change
(:func:`figures`), so a report prints it next to the numbers it touches.
"""

from __future__ import annotations

from cs_reports.data.assumptions import Assumption
from cs_reports.data.reader import SheetReport

__all__ = ["MRR_FIGURES", "declare", "figures"]

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

"""The data attached to a per-client report: exactly the tables its edition prints.

Each section of a context has one table builder here, registered as the section's ``table``
face in ``sections.SECTIONS``; the attachment of a report is the tables of the sections its
edition includes (``ctx.sections``), never the book's rows. So a
client edition cannot carry a field its PDF does not show (``tests/reports/test_editions.py``
lists every attached column per edition against an allow-list).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["MILESTONE", "compare_rows", "edition_tables", "frame", "milestone_cols", "risk_rows"]


def frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """A table with its header even when it has no rows."""
    return pd.DataFrame(rows, columns=list(columns))


def compare_rows(section: Any, names: tuple[str, ...]) -> pd.DataFrame:
    """KPIs next to the previous quarter: one row per name (kpi, this_quarter, previous_quarter)."""
    return pd.DataFrame(
        [
            {"kpi": n, "this_quarter": getattr(section, n).now, "previous_quarter": getattr(section, n).before}
            for n in names
        ]
    )


MILESTONE = ("milestone", "phase", "owner_side", "owner", "due_date")


def milestone_cols(x: Any) -> dict[str, Any]:
    """The columns of a milestone row every milestone table shows."""
    return {c: getattr(x, c) for c in MILESTONE}


def risk_rows(items: Any) -> pd.DataFrame:
    """Risks or points of attention: severity, title, text."""
    return frame(
        [{"severity": r.severity, "title": r.title, "text": r.evidence} for r in items], ("severity", "title", "text")
    )


def edition_tables(context: Any) -> dict[str, pd.DataFrame]:
    """Sheet name -> table, for the sections of ``context``'s edition, in order (each section's ``table`` face)."""
    from cs_reports.reports.content.sections import SECTIONS

    out: dict[str, pd.DataFrame] = {}
    for name in context.sections:
        out.update(SECTIONS[name].table(getattr(context, name)))
    return out

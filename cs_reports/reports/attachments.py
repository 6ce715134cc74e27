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

__all__ = [
    "adoption",
    "attention",
    "commercial",
    "edition_tables",
    "forecast",
    "goals",
    "health",
    "milestones",
    "next_steps",
    "risks",
    "summary",
    "support",
    "talking_points",
    "verbatims",
]


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """A table with its header even when it has no rows."""
    return pd.DataFrame(rows, columns=list(columns))


def _compare_rows(section: Any, names: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"kpi": n, "this_quarter": getattr(section, n).now, "previous_quarter": getattr(section, n).before}
            for n in names
        ]
    )


def goals(s: Any) -> dict[str, pd.DataFrame]:
    """The goals with progress and status."""
    cols = ("objective", "kpi", "unit", "baseline", "target", "actual", "progress", "status")
    return {"Goals": _frame([{c: getattr(g, c) for c in cols} for g in s.goals], cols)}


def summary(s: Any) -> dict[str, pd.DataFrame]:
    """The summary KPIs next to the previous quarter."""
    table = _compare_rows(s, ("adoption", "active_users", "nps", "nps_answers", "tickets", "csat", "milestones_done"))
    goals = pd.DataFrame([{"kpi": "goals_achieved", "this_quarter": s.goals_achieved, "previous_quarter": None}])
    return {"Summary": pd.concat([table, goals], ignore_index=True)}


def adoption(s: Any) -> dict[str, pd.DataFrame]:
    """Adoption by month."""
    cols = ("month", "active", "licensed", "rate")
    return {"Adoption": _frame([{c: getattr(u, c) for c in cols} for u in s.usage], cols)}


def support(s: Any) -> dict[str, pd.DataFrame]:
    """Support KPIs and NPS by quarter."""
    kpis = _compare_rows(s, ("tickets", "first_response_hours", "resolution_hours", "csat", "ces"))
    nps = _frame(
        [{"quarter": q.label, "nps": q.score, "answers": q.answers} for q in s.nps_quarters],
        ("quarter", "nps", "answers"),
    )
    return {"Support": kpis, "NPS by quarter": nps}


_MILESTONE = ("milestone", "phase", "owner_side", "owner", "due_date")


def _milestone_cols(x: Any) -> dict[str, Any]:
    return {c: getattr(x, c) for c in _MILESTONE}


def milestones(s: Any) -> dict[str, pd.DataFrame]:
    """The milestones done."""
    rows = [{**_milestone_cols(x), "done_date": x.done_date} for x in s.done]
    return {"Milestones done": _frame(rows, (*_MILESTONE, "done_date"))}


def next_steps(s: Any) -> dict[str, pd.DataFrame]:
    """The next steps with their delay."""
    rows = [{**_milestone_cols(n.step), "status": n.step.status, "overdue_days": n.overdue_days} for n in s.steps]
    return {"Next steps": _frame(rows, (*_MILESTONE, "status", "overdue_days"))}


def _risk_rows(items: Any) -> pd.DataFrame:
    return _frame(
        [{"severity": r.severity, "title": r.title, "text": r.evidence} for r in items], ("severity", "title", "text")
    )


def health(s: Any) -> dict[str, pd.DataFrame]:
    """The Health Score and its drivers."""
    drivers = _frame(
        [{"component": d.key, "subscore": d.subscore, "points": d.contribution, "change": d.change} for d in s.drivers],
        ("component", "subscore", "points", "change"),
    )
    total = pd.DataFrame([{"component": "health_score", "subscore": s.score, "points": s.score, "change": s.change}])
    return {"Health": pd.concat([total, drivers], ignore_index=True)}


def commercial(s: Any) -> dict[str, pd.DataFrame]:
    """The commercial figures and the opportunities."""
    figures = pd.DataFrame(
        [
            {"figure": "mrr", "value": s.mrr.now, "previous_quarter": s.mrr.before},
            {"figure": "arr", "value": s.arr, "previous_quarter": None},
            {"figure": "ltv", "value": s.ltv, "previous_quarter": None},
            {"figure": "cac", "value": s.cac, "previous_quarter": None},
            {"figure": "gross_margin", "value": s.gross_margin, "previous_quarter": None},
            {"figure": "ltv_cac", "value": s.ltv_cac, "previous_quarter": None},
        ]
    )
    opps = _frame(
        [{"kind": o.kind, "opened": o.opened, "mrr_delta": o.mrr_delta, "status": o.status} for o in s.opportunities],
        ("kind", "opened", "mrr_delta", "status"),
    )
    return {"Commercial": figures, "Opportunities": opps}


def attention(s: Any) -> dict[str, pd.DataFrame]:
    """The points of attention."""
    return {"Points of attention": _risk_rows(s.points)}


def risks(s: Any) -> dict[str, pd.DataFrame]:
    """The risks with their evidence."""
    return {"Risks": _risk_rows(s.risks)}


def forecast(s: Any) -> dict[str, pd.DataFrame]:
    """The renewal forecast."""
    return {
        "Forecast": pd.DataFrame(
            [{"probability": s.probability, "band": s.band, "renewal_date": s.renewal_date, "basis": s.basis}]
        )
    }


def verbatims(s: Any) -> dict[str, pd.DataFrame]:
    """The survey comments."""
    rows = [{"date": v.date, "score": v.score, "comment": v.comment} for v in s.comments]
    return {"Survey comments": _frame(rows, ("date", "score", "comment"))}


def talking_points(s: Any) -> dict[str, pd.DataFrame]:
    """The talking points."""
    return {"Talking points": pd.DataFrame({"point": list(s.points)})}


def edition_tables(context: Any) -> dict[str, pd.DataFrame]:
    """Sheet name -> table, for the sections of ``context``'s edition, in order (each section's ``table`` face)."""
    from cs_reports.reports.sections import SECTIONS

    out: dict[str, pd.DataFrame] = {}
    for name in context.sections:
        out.update(SECTIONS[name].table(getattr(context, name)))
    return out

"""The data attached to a per-client report: exactly the tables its edition prints.

Each section of a context has one table builder here; the attachment of a report is the
tables of the sections its edition includes (``ctx.sections``), never the book's rows. So a
client edition cannot carry a field its PDF does not show (``tests/reports/test_editions.py``
lists every attached column per edition against an allow-list).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

__all__ = ["edition_tables"]


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


def _goals(s: Any) -> dict[str, pd.DataFrame]:
    cols = ("objective", "kpi", "unit", "baseline", "target", "actual", "progress", "status")
    return {"Goals": _frame([{c: getattr(g, c) for c in cols} for g in s.goals], cols)}


def _summary(s: Any) -> dict[str, pd.DataFrame]:
    table = _compare_rows(s, ("adoption", "active_users", "nps", "nps_answers", "tickets", "csat", "milestones_done"))
    goals = pd.DataFrame([{"kpi": "goals_achieved", "this_quarter": s.goals_achieved, "previous_quarter": None}])
    return {"Summary": pd.concat([table, goals], ignore_index=True)}


def _adoption(s: Any) -> dict[str, pd.DataFrame]:
    cols = ("month", "active", "licensed", "rate")
    return {"Adoption": _frame([{c: getattr(u, c) for c in cols} for u in s.usage], cols)}


def _support(s: Any) -> dict[str, pd.DataFrame]:
    kpis = _compare_rows(s, ("tickets", "first_response_hours", "resolution_hours", "csat", "ces"))
    nps = _frame(
        [{"quarter": q.label, "nps": q.score, "answers": q.answers} for q in s.nps_quarters],
        ("quarter", "nps", "answers"),
    )
    return {"Support": kpis, "NPS by quarter": nps}


_MILESTONE = ("milestone", "phase", "owner_side", "owner", "due_date")


def _milestone_cols(x: Any) -> dict[str, Any]:
    return {c: getattr(x, c) for c in _MILESTONE}


def _milestones(s: Any) -> dict[str, pd.DataFrame]:
    rows = [{**_milestone_cols(x), "done_date": x.done_date} for x in s.done]
    return {"Milestones done": _frame(rows, (*_MILESTONE, "done_date"))}


def _next_steps(s: Any) -> dict[str, pd.DataFrame]:
    rows = [{**_milestone_cols(n.step), "status": n.step.status, "overdue_days": n.overdue_days} for n in s.steps]
    return {"Next steps": _frame(rows, (*_MILESTONE, "status", "overdue_days"))}


def _risk_rows(items: Any) -> pd.DataFrame:
    return _frame(
        [{"severity": r.severity, "title": r.title, "text": r.evidence} for r in items], ("severity", "title", "text")
    )


def _health(s: Any) -> dict[str, pd.DataFrame]:
    drivers = _frame(
        [{"component": d.key, "subscore": d.subscore, "points": d.contribution, "change": d.change} for d in s.drivers],
        ("component", "subscore", "points", "change"),
    )
    total = pd.DataFrame([{"component": "health_score", "subscore": s.score, "points": s.score, "change": s.change}])
    return {"Health": pd.concat([total, drivers], ignore_index=True)}


def _commercial(s: Any) -> dict[str, pd.DataFrame]:
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


_TABLES: dict[str, Callable[[Any], dict[str, pd.DataFrame]]] = {
    "summary": _summary,
    "goals": _goals,
    "adoption": _adoption,
    "support": _support,
    "milestones": _milestones,
    "next_steps": _next_steps,
    "attention": lambda s: {"Points of attention": _risk_rows(s.points)},
    "health": _health,
    "risks": lambda s: {"Risks": _risk_rows(s.risks)},
    "forecast": lambda s: {
        "Forecast": pd.DataFrame(
            [{"probability": s.probability, "band": s.band, "renewal_date": s.renewal_date, "basis": s.basis}]
        )
    },
    "commercial": _commercial,
    "verbatims": lambda s: {
        "Survey comments": _frame(
            [{"date": v.date, "score": v.score, "comment": v.comment} for v in s.comments], ("date", "score", "comment")
        )
    },
    "talking_points": lambda s: {"Talking points": pd.DataFrame({"point": list(s.points)})},
}


def edition_tables(context: Any) -> dict[str, pd.DataFrame]:
    """Sheet name -> table, for the sections of ``context``'s edition, in order."""
    out: dict[str, pd.DataFrame] = {}
    for name in context.sections:
        out.update(_TABLES[name](getattr(context, name)))
    return out

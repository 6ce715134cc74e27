"""The monthly finance report as a workbook, with exactly the numbers of the PDF."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cs_reports.reports.context import FinanceContext
from cs_reports.reports.render import strings

__all__ = ["finance_tables", "finance_xlsx"]


def _nan(v: Any) -> Any:
    return None if isinstance(v, float) and math.isnan(v) else v


def finance_tables(ctx: FinanceContext, lang: str) -> dict[str, pd.DataFrame]:
    """The report's sections as frames (numbers stay numbers; headers in ``lang``)."""
    t = strings("finance", lang)
    s = ctx.summary
    summary = pd.DataFrame(
        [(k, _nan(v)) for k, v in s.as_dict().items() if not k.startswith("policy_") and k != "month"]
        + [("month", f"{ctx.month:%Y-%m}")],
        columns=["metric", "value"],
    )
    bridge = pd.DataFrame(list(ctx.bridge))
    bridge["month"] = bridge["month"].dt.strftime("%Y-%m")
    bridge = bridge.rename(columns={c: t.get(c, c) for c in bridge.columns if c != "month"})
    cohorts = pd.DataFrame(
        [[f"{c:%Y-%m}", size, *(_nan(v) for v in rates)] for c, size, rates in ctx.cohorts],
        columns=[t["cohort"], t["size"], *[f"M{a}" for a in range(ctx.cohort_ages)]],
    )
    top = pd.DataFrame(list(ctx.top_clients), columns=[t["client"], "MRR", t["share"]])
    breakdown = pd.DataFrame(
        [(t["by_touch"], r.group, r.customers, r.mrr, r.share, _nan(r.arpa), _nan(r.nrr)) for r in ctx.by_touch]
        + [(t["by_csm"], r.group, r.customers, r.mrr, r.share, _nan(r.arpa), _nan(r.nrr)) for r in ctx.by_csm],
        columns=["breakdown", t["group"], t["customers_col"], "MRR", t["share"], "ARPA", "NRR"],
    )
    renewals = pd.DataFrame(
        [
            (r.client_id, r.name, pd.Timestamp(r.due_date), r.mrr, _nan(r.health_score), _nan(r.probability), r.outcome)
            for r in ctx.renewals
        ],
        columns=["client_id", t["client"], t["due"], "MRR", t["health"], t["probability"], t["outlook"]],
    )
    policies = pd.DataFrame(
        [(k, str(v)) for k, v in s.as_dict().items() if k.startswith("policy_")], columns=["policy", "value"]
    )
    return {
        "Summary": summary,
        "MRR bridge": bridge,
        "Cohorts": cohorts,
        "Top clients": top,
        "Breakdown": breakdown,
        "Renewals 90d": renewals,
        "Policies": policies,
    }


def finance_xlsx(ctx: FinanceContext, lang: str) -> bytes:
    """The finance workbook as bytes (text cells neutralised against formula injection)."""
    from cs_reports.data.writer import tables_to_xlsx

    return tables_to_xlsx(finance_tables(ctx, lang))

"""The monthly finance report as a workbook for finance, with exactly the numbers of the PDF.

Sheet names and headers in the report's language; money cells carry the currency's number
format (``R$ #,##0.00`` for BRL), rates a percent format; headers frozen, filters on, column
widths fitted. Signs follow the PDF: contraction and churn are negative amounts.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cs_reports._io import neutralise_cell
from cs_reports.reports.content.context import FinanceContext
from cs_reports.reports.render import strings

__all__ = ["XlsxSheet", "finance_tables", "finance_xlsx"]

_HEADER_FILL = "1F4E79"
_SHEETS = {
    "pt-BR": {
        "summary": "Resumo",
        "bridge": "Movimentação do MRR",
        "movers": "Quem movimentou",
        "renewals": "Renovações {days} dias",
        "bands": "Renovações por faixa",
        "forecast": "Previsão de renovação",
        "cohorts": "Coortes",
        "top": "Maiores clientes",
        "breakdown": "Por grupo",
        "policies": "Políticas",
    },
    "en": {
        "summary": "Summary",
        "bridge": "MRR movements",
        "movers": "Movers",
        "renewals": "Renewals {days} days",
        "bands": "Renewals by band",
        "forecast": "Renewal forecast",
        "cohorts": "Cohorts",
        "top": "Top clients",
        "breakdown": "Breakdown",
        "policies": "Policies",
    },
}
_HEADERS = {
    "pt-BR": {
        "metric": "Indicador",
        "key": "Chave",
        "value": "Valor",
        "previous": "Mês anterior",
        "change": "Variação",
        "policy": "Política",
        "bin": "Probabilidade prevista",
        "breakdown": "Quebra",
        "client_id": "ID do cliente",
    },
    "en": {
        "metric": "Metric",
        "key": "Key",
        "value": "Value",
        "previous": "Previous month",
        "change": "Change",
        "policy": "Policy",
        "bin": "Forecast probability",
        "breakdown": "Breakdown",
        "client_id": "Client id",
    },
}
#: Summary rows: field of PortfolioSummary, label key in the finance i18n (or a literal), kind.
_SUMMARY = (
    ("mrr", "MRR", "money"),
    ("arr", "arr", "money"),
    ("customers", "customers_col", "int"),
    ("start_mrr", "start", "money"),
    ("new", "new", "money"),
    ("expansion", "expansion", "money"),
    ("reactivation", "reactivation", "money"),
    ("contraction", "contraction", "money-"),
    ("churn", "churn", "money-"),
    ("logo_churn_rate", "logo_churn", "pct"),
    ("gross_revenue_churn_rate", "revenue_churn", "pct"),
    ("net_revenue_churn_rate", "net_revenue_churn", "pct"),
    ("nrr", "nrr", "pct"),
    ("grr", "grr", "pct"),
    ("quick_ratio", "quick_ratio", "num"),
    ("arpa", "ARPA", "money"),
    ("ltv", "label_portfolio_ltv", "money"),
    ("ltv_lifetime_months", "ltv_lifetime", "num"),
    ("cac", "CAC", "money"),
    ("gross_margin", "margin", "pct"),
    ("ltv_cac", "LTV:CAC", "num"),
    ("cac_payback_months", "payback", "num"),
    ("nps", "NPS", "num"),
    ("nps_answers", "nps_answers", "int"),
    ("csat", "CSAT", "pct"),
    ("renewal_rate", "renewal_rate", "pct"),
    ("adoption", "label_license_adoption", "pct"),
    ("tmr_first_response_hours", "first_response_hours", "num"),
    ("tmr_resolution_hours", "resolution_hours", "num"),
    ("pareto_top20", "pareto_top20", "pct"),
)


@dataclass(frozen=True)
class XlsxSheet:
    """One sheet: its localised name, the frame (localised headers) and each column's kind.

    Kinds: ``money``, ``pct``, ``int``, ``num``, ``date``, ``text``; ``row`` means the kind
    of each cell is in the column named by ``row_kinds`` (the Summary's mixed values).
    """

    name: str
    frame: pd.DataFrame
    kinds: dict[str, str] = field(default_factory=dict)
    row_kinds: tuple[str, ...] = ()


def _nan(v: Any) -> Any:
    return None if isinstance(v, float) and math.isnan(v) else v


def _label(t: dict[str, str], key: str) -> str:
    return t.get(key, key)


def finance_tables(ctx: FinanceContext, lang: str) -> dict[str, XlsxSheet]:
    """The report's sections as sheets, keyed by a stable id (``summary``, ``bridge``, ``movers``...)."""
    t = strings("finance", lang)
    names = _SHEETS.get(lang, _SHEETS["en"])
    h = _HEADERS.get(lang, _HEADERS["en"])
    s, p = ctx.summary, ctx.previous
    summary_rows, kinds = [], []
    for key, label, kind in _SUMMARY:
        sign = -1.0 if kind == "money-" else 1.0
        now = getattr(s, key)
        before = getattr(p, key) if p is not None else math.nan
        value = sign * float(now)
        prev = sign * float(before) if before is not None else math.nan
        summary_rows.append((_label(t, label), _nan(value), _nan(prev), _nan(value - prev), key))
        kinds.append(kind.rstrip("-"))
    summary = pd.DataFrame(summary_rows, columns=[h["metric"], h["value"], h["previous"], h["change"], h["key"]])

    bridge = pd.DataFrame(list(ctx.bridge))
    for col in ("contraction", "churn"):
        bridge[col] = -bridge[col]
    bridge = bridge[["month", "start", "new", "expansion", "reactivation", "contraction", "churn", "end"]]
    bridge["month"] = bridge["month"].dt.strftime("%Y-%m")
    bridge = bridge.rename(columns={c: _label(t, c) for c in bridge.columns})

    movers = pd.DataFrame(
        [
            (
                _label(t, r.movement),
                r.client_id,
                r.name,
                -r.amount if r.movement in ("contraction", "churn") else r.amount,
            )
            for r in ctx.movers
        ],
        columns=[t["movement"], h["client_id"], t["client"], "MRR"],
    )
    renewals = pd.DataFrame(
        [
            (
                r.client_id,
                r.name,
                pd.Timestamp(r.due_date),
                r.mrr,
                _nan(r.health_score),
                _nan(r.probability),
                t[f"band_{r.band}"],
                _nan(r.expected_mrr),
                ", ".join(t[f"flag_{k}"] for k in r.flags),
            )
            for r in ctx.renewals
        ],
        columns=[
            h["client_id"],
            t["client"],
            t["due"],
            "MRR",
            t["health"],
            t["probability"],
            t["band"],
            t["expected_mrr"],
            t["flags"],
        ],
    )
    bands = pd.DataFrame(
        [
            (t["total"] if b.band == "total" else t[f"band_{b.band}"], b.renewals, b.mrr, b.expected_mrr)
            for b in ctx.renewal_bands
        ],
        columns=[t["band"], t["renewals_col"], "MRR", t["expected_mrr"]],
    )
    bt = ctx.forecast.backtest
    forecast = pd.DataFrame(
        [(f"{r.low:.0%} – {r.high:.0%}", r.n, _nan(r.mean_probability), _nan(r.observed_rate)) for r in bt.reliability]
        if bt
        else [],
        columns=[h["bin"], t["renewals_col"], t["mean_forecast"], t["observed"]],
    )
    cohorts = pd.DataFrame(
        [[f"{c:%Y-%m}", size, *(_nan(v) for v in rates)] for c, size, rates in ctx.cohorts],
        columns=[t["cohort"], t["size"], *[f"M{a}" for a in range(ctx.cohort_ages)]],
    )
    top = pd.DataFrame(list(ctx.top_clients), columns=[t["client"], "MRR", t["share"]])
    breakdown = pd.DataFrame(
        [
            (title, _label(t, r.group), r.customers, r.mrr, r.share, _nan(r.arpa), _nan(r.nrr))
            for title, group in ((t["by_touch"], ctx.by_touch), (t["by_csm"], ctx.by_csm))
            for r in group
        ],
        columns=[h["breakdown"], t["group"], t["customers_col"], "MRR", t["share"], "ARPA", t["nrr"]],
    )
    policies = pd.DataFrame(
        [(k.removeprefix("policy_"), str(v)) for k, v in s.as_dict().items() if k.startswith("policy_")]
        + [("ltv_capped", str(s.ltv_capped)), ("renewal_forecast", ctx.forecast.basis)]
        + [
            (
                "ltv_definition",
                t["policy_portfolio_ltv"].format(n=s.policies.ltv_churn_months, cap=s.policies.max_lifetime_months),
            ),
            ("mrr_movements_definition", t["policy_mrr_movements"]),
            ("quick_ratio_definition", t["policy_quick_ratio"]),
        ],
        columns=[h["policy"], h["value"]],
    )
    money = {c: "money" for c in bridge.columns if c != _label(t, "month")}
    return {
        "summary": XlsxSheet(names["summary"], summary, {h["key"]: "text"}, tuple(kinds)),
        "bridge": XlsxSheet(names["bridge"], bridge, money),
        "movers": XlsxSheet(names["movers"], movers, {"MRR": "money"}),
        "renewals": XlsxSheet(
            names["renewals"].format(days=ctx.renewals_days),
            renewals,
            {
                t["due"]: "date",
                "MRR": "money",
                t["health"]: "num0",
                t["probability"]: "pct",
                t["expected_mrr"]: "money",
            },
        ),
        "bands": XlsxSheet(
            names["bands"], bands, {t["renewals_col"]: "int", "MRR": "money", t["expected_mrr"]: "money"}
        ),
        "forecast": XlsxSheet(
            names["forecast"], forecast, {t["renewals_col"]: "int", t["mean_forecast"]: "pct", t["observed"]: "pct"}
        ),
        "cohorts": XlsxSheet(
            names["cohorts"], cohorts, {t["size"]: "int", **{f"M{a}": "pct" for a in range(ctx.cohort_ages)}}
        ),
        "top": XlsxSheet(names["top"], top, {"MRR": "money", t["share"]: "pct"}),
        "breakdown": XlsxSheet(
            names["breakdown"],
            breakdown,
            {t["customers_col"]: "int", "MRR": "money", t["share"]: "pct", "ARPA": "money", t["nrr"]: "pct"},
        ),
        "policies": XlsxSheet(names["policies"], policies),
    }


def _formats(currency: str) -> dict[str, str | None]:
    symbol = {"BRL": "R$", "USD": "US$", "EUR": "€", "GBP": "£"}.get(currency, currency)
    return {
        "money": f'"{symbol}" #,##0.00;"{symbol}" -#,##0.00',
        "pct": "0.0%",
        "int": "#,##0",
        "num": "#,##0.00",
        "num0": "0",
        "date": "yyyy-mm-dd",
        "text": None,
    }


def finance_xlsx(ctx: FinanceContext, lang: str) -> bytes:
    """The finance workbook as bytes (text cells neutralised against formula injection)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    formats = _formats(ctx.summary.currency)
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in finance_tables(ctx, lang).values():
        ws = wb.create_sheet(title=sheet.name[:31])
        frame = sheet.frame
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        for i, row in enumerate(frame.itertuples(index=False)):
            values: list[Any] = []
            for v in row:
                if isinstance(v, pd.Timestamp):
                    values.append(v.to_pydatetime())
                elif hasattr(v, "item") and not isinstance(v, str):
                    values.append(v.item())
                elif isinstance(v, float) and math.isnan(v):
                    values.append(None)
                else:
                    values.append(neutralise_cell(v) if isinstance(v, str) else v)
            ws.append(values)
            for j, col in enumerate(frame.columns):
                kind = sheet.row_kinds[i] if sheet.row_kinds and j in (1, 2, 3) else sheet.kinds.get(str(col))
                fmt = formats.get(kind or "", None)
                if fmt:
                    ws.cell(i + 2, j + 1).number_format = fmt
        for j, col in enumerate(frame.columns, start=1):
            sample = [len(str(col))] + [
                len(f"{v:,.2f}" if isinstance(v, float) else str(v)) for v in frame.iloc[:200, j - 1]
            ]
            ws.column_dimensions[get_column_letter(j)].width = min(max(max(sample) + 3, 10), 60)
        ws.freeze_panes = "A2"
        if len(frame.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

"""Build real-world variants of the sample portfolio: workbooks and CSV exports as teams keep them.

Every builder takes the clean sample tables (contract names, typed DataFrames) and writes a
book the way a Brazilian CS-ops team, a BI tool, a helpdesk or a survey tool would export it.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

Rows = list[list[Any]]

PT_SHEETS = {
    "Clients": "Clientes",
    "MRR": "Receita",
    "Invoices": "Faturas",
    "NPS": "Pesquisa NPS",
    "Renewals": "Renovações",
    "Tickets": "Chamados",
    "Usage": "Uso",
    "Milestones": "Marcos",
    "Goals": "Metas",
    "Opportunities": "Oportunidades",
    "HealthModel": "Modelo Saúde",
}
PT_HEADERS = {
    "Clients": {
        "client_id": "Código Cliente",
        "name": "Nome",
        "segment": "Segmento",
        "csm": "Responsável",
        "contract_start": "Início do Contrato",
        "renewal_date": "Data de Renovação",
        "plan": "Plano",
        "currency": "Moeda",
        "cac": "Custo de Aquisição",
        "gross_margin": "Margem Bruta",
        "locale": "Idioma",
        "touch_model": "Modelo de Atendimento",
    },
    "MRR": {"client_id": "Cliente", "month": "Mês", "mrr": "Valor"},
    "Invoices": {
        "client_id": "Cliente",
        "amount": "Valor Faturado",
        "period_start": "Início Período",
        "period_end": "Fim Período",
        "invoice_id": "NF",
    },
    "NPS": {"client_id": "Cliente", "date": "Data Resposta", "score": "Nota", "comment": "Comentário"},
    "Renewals": {
        "client_id": "Cliente",
        "due_date": "Vencimento",
        "outcome": "Resultado",
        "mrr_before": "MRR Antes",
        "mrr_after": "MRR Depois",
    },
    "Tickets": {
        "client_id": "Cliente",
        "ticket_id": "Protocolo",
        "opened_at": "Aberto em",
        "first_response_at": "Primeira Resposta",
        "resolved_at": "Resolvido em",
        "csat": "Satisfação",
        "ces": "Esforço",
    },
    "Usage": {
        "client_id": "Cliente",
        "month": "Competência",
        "active_users": "Usuários Ativos",
        "licensed_users": "Usuários Licenciados",
    },
}


def plain(value: Any) -> Any:
    """A cell value for openpyxl/csv: None for blanks, datetime for timestamps, Python scalars."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def rows(frame: pd.DataFrame, headers: dict[str, str] | None = None) -> Rows:
    """Header + data rows of a frame (headers renamed with ``headers``)."""
    head = [(headers or {}).get(c, c) for c in frame.columns]
    return [head] + [[plain(v) for v in r] for r in frame.itertuples(index=False, name=None)]


def write_xlsx(path: Path, sheets: dict[str, Rows], *, merges: dict[str, list[str]] | None = None) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, data in sheets.items():
        ws = wb.create_sheet(name)
        for row in data:
            ws.append(list(row))
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
    wb.save(path)
    return path


def write_csv(
    path: Path, data: Rows, *, sep: str = ",", encoding: str = "utf-8", first: str | None = None, newline: str = "\n"
) -> Path:
    buf = io.StringIO()
    if first is not None:
        buf.write(first + newline)
    writer = csv.writer(buf, delimiter=sep, lineterminator=newline)
    for row in data:
        writer.writerow(["" if v is None else v for v in row])
    text = buf.getvalue()
    path.write_bytes(text.encode(encoding))
    return path


def fmt_rows(data: Rows, fmt: Callable[[Any], Any]) -> Rows:
    return [data[0]] + [[fmt(v) for v in row] for row in data[1:]]


def iso(v: Any) -> Any:
    """Text the way a plain English/BI export writes it: ISO dates, dot decimals."""
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S") if (v.hour or v.minute or v.second) else v.strftime("%Y-%m-%d")
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    return v


def pt(v: Any) -> Any:
    """Text the way Excel pt-BR exports it: dd/mm/yyyy dates, decimal comma, thousand dots."""
    if isinstance(v, datetime):
        return v.strftime("%d/%m/%Y %H:%M") if (v.hour or v.minute) else v.strftime("%d/%m/%Y")
    if isinstance(v, bool):
        return "VERDADEIRO" if v else "FALSO"
    if isinstance(v, float):
        return money_pt(v)
    return v


def money_pt(x: float) -> str:
    """'1.234,56', and whole amounts with thousand dots and no decimals ('33.490')."""
    if float(x).is_integer():
        return f"{int(x):,}".replace(",", ".")
    text = f"{x:,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def excel_serial(ts: datetime) -> float:
    return (pd.Timestamp(ts) - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1)


def set_cached(path: Path, sheet_index: int, values: dict[str, str], *, error: bool = False) -> None:
    """Give formula cells a saved value (as Excel does on save); openpyxl writes none."""
    part = f"xl/worksheets/sheet{sheet_index}.xml"
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    xml = items[part].decode()
    for ref, value in values.items():
        pattern = re.compile(rf'<c r="{ref}"([^>]*)>(<f>.*?</f>)<v\s*/>')
        attrs = ' t="e"' if error else ""
        xml, n = pattern.subn(
            lambda m, v=value, a=attrs, r=ref: f'<c r="{r}"{m.group(1)}{a}>{m.group(2)}<v>{v}</v>', xml
        )
        assert n == 1, (ref, xml[:500])
    items[part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items.items():
            z.writestr(name, data)


def only(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    return frame[[c for c in columns if c in frame.columns]]

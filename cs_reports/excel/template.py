"""The ``cs_metrics.xlsx`` workbook template: data-contract Tables and a live CS_ dashboard.

:func:`build_workbook` writes, from one :class:`~cs_reports.data.Book`:

* every data-contract sheet as an Excel Table (``tClients``, ``tMRR``, ``tNPS``, ...) with
  data validation on scores and enums. Invoices are already spread into ``MRR`` (the
  same monthly MRR every cs-reports number uses). Survey, support, renewal and usage
  Tables get *calculated columns* (``score_in_period``, ...) that keep a row's value
  when it falls in the dashboard's period and are blank (``""``) otherwise;
* ``Dashboard``: the month, the period and the policies as input cells, then the
  portfolio's numbers as CS_ formulas on Table columns, the same definitions as
  :func:`cs_reports.data.summary.portfolio_summary` (and so as the finance report);
* ``Accounts``: one row per client for the month (MRR by ``SUMIFS``, touch model, LTV,
  LTV tier, health sub-scores and health score); ``MRR bridge``: the monthly bridge;
  ``Cohorts``: the cohort retention table and an sBG projection;
* ``Reports``: report requests (:mod:`cs_reports.excel.reports_sheet`) for ``cs-reports run``
  and the Excel buttons;
* ``xlwings.conf``: ``UDF Modules = cs_reports.excel.udfs`` for the Windows add-in.

Spilled results are written as array formulas of the size the data gives (Excel shows
them as legacy ``{=...}`` arrays; LibreOffice fills them the same way).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table, TableFormula, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from cs_reports import metrics as m
from cs_reports._io import atomic_output, neutralise_cell, refuse_overwrite_of_input
from cs_reports.data.book import Book
from cs_reports.data.summary import Policies, client_health_inputs
from cs_reports.excel.dashboard import dashboard_rows, write_dashboard
from cs_reports.excel.dynamic import mark_dynamic, read_parts, write_parts

__all__ = ["TEMPLATE_NAME", "TableRef", "build_workbook", "write_workbook"]

TEMPLATE_NAME = "cs_metrics.xlsx"
VALIDATED_ROWS = 20_000  #: data validation covers this many rows, so new rows are checked too
_HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_SECTION_FONT = Font(bold=True, size=12, color="1F4E79")
_PCT, _MONEY, _NUM, _MONTH, _DATE = "0.0%", "#,##0.00", "0.00", "yyyy-mm", "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class TableRef:
    """A Table column as a formula reference, e.g. ``tNPS[score]``."""

    table: str
    column: str

    def __str__(self) -> str:
        return f"{self.table}[{self.column}]"


#: The Accounts sheet: one client per row from this row, its id in column A (the Excel buttons read it).
ACCOUNTS_FIRST_ROW = 5

_IDS, _MONTHS, _MRR = "tMRR[client_id]", "tMRR[month]", "tMRR[mrr]"
_MRR_ARGS = f"{_IDS}, {_MONTHS}, {_MRR}"

# Per-period calculated columns: (table, new column, source column, date column, kind).
# kind "period": the dashboard's period (C5 <= date < C6); "month": the dashboard's month.
_PERIOD_COLUMNS = (
    ("NPS", "score_in_period", "score", "date", "period"),
    ("Tickets", "opened_in_period", "opened_at", "opened_at", "period"),
    ("Tickets", "first_response_in_period", "first_response_at", "opened_at", "period"),
    ("Tickets", "resolved_in_period", "resolved_at", "opened_at", "period"),
    ("Tickets", "csat_in_period", "csat", "opened_at", "period"),
    ("Tickets", "ces_in_period", "ces", "opened_at", "period"),
    ("Renewals", "outcome_in_period", "outcome", "due_date", "period"),
    ("Usage", "active_in_month", "active_users", "month", "month"),
    ("Usage", "licensed_in_month", "licensed_users", "month", "month"),
)

_VALIDATIONS = (  # (sheet, column, kind, formula1, formula2, message)
    ("NPS", "score", "whole", "0", "10", "NPS answers are whole numbers 0-10."),
    ("Tickets", "csat", "whole", "1", "5", "CSAT answers are whole numbers 1-5."),
    ("Tickets", "ces", "whole", "1", "7", "CES answers are whole numbers 1-7."),
    ("MRR", "mrr", "decimal", "0", "1E+15", "MRR is a number >= 0."),
    ("Clients", "touch_model", "list", '"tech,low,mid,high"', None, "tech, low, mid or high (blank = derived)."),
    ("Clients", "locale", "list", '"pt-BR,en"', None, "pt-BR or en."),
    ("Clients", "gross_margin", "decimal", "0", "1", "Gross margin is a share 0-1."),
    ("Renewals", "outcome", "list", '"renewed,churned,pending"', None, "renewed, churned or pending."),
    ("Opportunities", "kind", "list", '"upsell,cross-sell"', None, "upsell or cross-sell."),
    ("Milestones", "owner_side", "list", '"client,vendor"', None, "client or vendor."),
    ("Usage", "active_users", "whole", "0", "1E+9", "Active users: a whole number >= 0."),
    ("Usage", "licensed_users", "whole", "0", "1E+9", "Licensed users: a whole number >= 0."),
)


def _value(v: Any) -> Any:
    """A cell value from a pandas value (NaN/NaT -> blank, numpy -> Python)."""
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, str):
        return neutralise_cell(v)  # a comment like "=HYPERLINK(...)" must stay text
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    return v


def _data_frames(book: Book) -> dict[str, pd.DataFrame]:
    """The contract sheets to write: internal columns dropped, MRR with invoices spread.

    A book read back from a workbook this module made carries its per-period columns
    (``score_in_period``, ...) as data: they are dropped here, since the writer adds them
    again as formulas (kept, they would freeze every period metric at the old period).
    """
    helpers = {(table, column) for table, column, *_ in _PERIOD_COLUMNS}
    out: dict[str, pd.DataFrame] = {}
    for name, frame in book.sheets().items():
        if name == "Invoices":
            continue
        if name == "MRR":
            frame = _recognised_mrr(book)
        kept = [c for c in frame.columns if not str(c).startswith("_") and c != "source" and (name, c) not in helpers]
        out[name] = frame[kept]
    # The sheets the dashboard's formulas read exist even when the book has none (a minimal
    # book: Clients and MRR): empty Tables, so a figure without data is its CS_ function's
    # explained #N/A ("there are no answers"), not an invalid reference.
    for name in _READ_BY_FORMULAS:
        if name not in out:
            out[name] = _empty_frame(name)
    if "HealthModel" not in out:  # the model the library uses without one, shown where it can be edited
        out["HealthModel"] = _model_frame(m.DEFAULT_HEALTH_MODEL)
    return out


_READ_BY_FORMULAS = tuple(dict.fromkeys(table for table, *_ in _PERIOD_COLUMNS))


def _empty_frame(name: str) -> pd.DataFrame:
    """A contract sheet with its columns and no rows (date columns typed as dates)."""
    from cs_reports.data.contract import find_sheet

    spec = find_sheet(name)
    if spec is None:  # pragma: no cover - _PERIOD_COLUMNS names contract sheets only
        raise KeyError(name)
    dates = ("date", "datetime", "month")
    return pd.DataFrame(
        {c.name: pd.Series(dtype="datetime64[ns]" if c.kind in dates else object) for c in spec.columns}
    )


def _model_frame(model: m.HealthModel) -> pd.DataFrame:
    """A health model as its sheet (``component``, ``weight``, ``thresholds`` as ``bad;good``)."""
    return pd.DataFrame(
        {
            "component": [c.name for c in model.components],
            "weight": [c.weight for c in model.components],
            "thresholds": [f"{c.bad:g};{c.good:g}" for c in model.components],
        }
    )


def _recognised_mrr(book: Book) -> pd.DataFrame:
    """Monthly MRR per client up to the book's last month (invoices already spread).

    Months after the last month only exist as spread invoices (revenue contracted, not
    yet recognised): written, they would move the workbook's last month.
    """
    frame = book.mrr[book.mrr["month"] <= book.last_month]
    grouped = frame.groupby(["client_id", "month"], as_index=False, sort=True)["mrr"].sum()
    kept: pd.DataFrame = grouped[grouped["mrr"] != 0].reset_index(drop=True)
    return kept


def _header(ws: Worksheet, row: int, labels: Iterable[str], col: int = 1) -> None:
    for j, label in enumerate(labels):
        cell = ws.cell(row, col + j, label)
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL


def _write_table(wb: Workbook, name: str, frame: pd.DataFrame) -> dict[str, str]:
    """Write one contract sheet as Table ``t<name>``; returns column name -> column letter."""
    ws = wb.create_sheet(name)
    columns = list(map(str, frame.columns))
    ws.append(columns)
    for row in frame.itertuples(index=False, name=None):
        ws.append([_value(v) for v in row])
    letters = {c: get_column_letter(j + 1) for j, c in enumerate(columns)}
    for c, letter in letters.items():
        kind = frame[c].dtype.kind
        fmt = _DATE if kind == "M" else None
        if kind == "M" and (frame[c].dropna().dt.normalize() == frame[c].dropna()).all():
            fmt = _MONTH if c == "month" else "yyyy-mm-dd"
        if fmt:
            for cell in ws[letter][1:]:
                cell.number_format = fmt
        ws.column_dimensions[letter].width = max(12, min(40, len(c) + 4))
    return letters


def _period_formula(table: str, source: str, date_col: str, kind: str) -> str:
    """A per-period column's formula in this-row references (Excel fills it into appended rows).

    The bounds are first-of-month dates (the dashboard normalises its month), so a row
    dated any day of the month counts. A date typed as text (``15/10/2026`` pasted) is
    ``#VALUE!`` here, never a silent blank: the CS_ function reading the column then shows
    the error (an error in is an error out) and ``recalc`` lists the cell.
    """
    s, d = f"{table}[[#This Row],[{source}]]", f"{table}[[#This Row],[{date_col}]]"
    start = "cs_period_start" if kind == "period" else "EOMONTH(cs_month,-1)+1"
    inside = f"AND({d}>={start},{d}<cs_period_end)"
    return f'IF(ISTEXT({d}),#VALUE!,IF(AND({inside},{s}<>""),{s},""))'


def _add_period_columns(wb: Workbook, name: str, letters: dict[str, str], n: int) -> dict[str, str]:
    """The Table's per-period columns; returns column -> formula (the Table's calculated columns)."""
    ws = wb[name]
    formulas = {}
    for table, new, source, date_col, kind in _PERIOD_COLUMNS:
        if table != name or source not in letters:
            continue
        col = len(letters) + 1
        letter = get_column_letter(col)
        letters[new] = letter
        ws.cell(1, col, new)
        formulas[new] = _period_formula(f"t{name}", source, date_col, kind)
        for r in range(2, n + 2):
            ws.cell(r, col, "=" + formulas[new])
            if date_col != source and source.endswith("_at"):
                ws.cell(r, col).number_format = _DATE
        ws.column_dimensions[letter].width = len(new) + 4
    return formulas


def _finish_table(wb: Workbook, name: str, letters: dict[str, str], n: int, calculated: dict[str, str]) -> None:
    ws = wb[name]
    last = get_column_letter(len(letters))
    table = Table(displayName=f"t{name}", ref=f"A1:{last}{max(n, 1) + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    table._initialise_columns()
    for column, label in zip(table.tableColumns, letters, strict=True):
        column.name = label
        if label in calculated:  # a row typed under the Table gets this formula (Excel's calculated column)
            column.calculatedColumnFormula = TableFormula(attr_text=calculated[label])
    ws.add_table(table)
    ws.freeze_panes = "A2"


def _add_validations(wb: Workbook, letters: dict[str, dict[str, str]]) -> None:
    for sheet, column, kind, f1, f2, message in _VALIDATIONS:
        if sheet not in letters or column not in letters[sheet]:
            continue
        letter = letters[sheet][column]
        dv = DataValidation(type=kind, formula1=f1, formula2=f2, operator="between" if f2 else None, allow_blank=True)
        dv.error, dv.errorTitle, dv.showErrorMessage = message, f"{sheet}.{column}", True
        dv.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
        wb[sheet].add_data_validation(dv)


def _health_model(book: Book) -> m.HealthModel:
    if book.health_model is not None and len(book.health_model):
        return m.HealthModel.from_frame(book.health_model)
    return m.DEFAULT_HEALTH_MODEL


def _accounts(book: Book, month: pd.Timestamp, model: m.HealthModel) -> pd.DataFrame:
    """Static per-client inputs of the Accounts sheet: potential and health sub-scores."""
    clients = book.clients[["client_id", "name", "csm"]].reset_index(drop=True)
    current = book.mrr[book.mrr["month"] == month].groupby("client_id")["mrr"].sum()
    potential = pd.Series(0.0, index=clients["client_id"])
    if book.opportunities is not None and len(book.opportunities):
        opp = book.opportunities
        open_ = opp[opp["closed"].isna()].groupby("client_id")["mrr_delta"].sum()
        base = current.reindex(open_.index)
        potential = potential.add((open_ / base.where(base > 0)).fillna(0.0), fill_value=0.0).reindex(
            clients["client_id"]
        )
    clients["potential"] = potential.to_numpy()
    inputs = client_health_inputs(book, month).set_index("client_id").reindex(clients["client_id"])
    for c in model.components:
        raw = inputs[c.name] if c.name in inputs else pd.Series(np.nan, index=inputs.index)
        clients[f"{c.name}_subscore"] = c.subscore(raw.to_numpy(dtype=float))
    return clients


def _array(ws: Worksheet, top_left: str, rows: int, cols: int, formula: str) -> None:
    col = "".join(ch for ch in top_left if ch.isalpha())
    row = int("".join(ch for ch in top_left if ch.isdigit()))
    from openpyxl.utils import column_index_from_string

    end = f"{get_column_letter(column_index_from_string(col) + cols - 1)}{row + rows - 1}"
    ws[top_left] = ArrayFormula(f"{top_left}:{end}", formula)


def _name(wb: Workbook, name: str, ref: str) -> None:
    """Declare a workbook-level name (``cs_month`` -> ``Dashboard!$C$4``) for cells another sheet reads."""
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def _write_data_sheets(wb: Workbook, frames: dict[str, pd.DataFrame]) -> None:
    """Every contract sheet as a Table, with its per-period columns and validation."""
    letters: dict[str, dict[str, str]] = {}
    for name, frame in frames.items():
        letters[name] = _write_table(wb, name, frame)
        calculated = _add_period_columns(wb, name, letters[name], len(frame))
        _finish_table(wb, name, letters[name], len(frame), calculated)
    _add_validations(wb, letters)


def _formats(ws: Worksheet, first: int, last: int, columns: dict[int, str]) -> None:
    """Number formats on rows a spill may grow into (a spilled cell takes the cell's own format)."""
    for r in range(first, last + 1):
        for c, fmt in columns.items():
            ws.cell(r, c).number_format = fmt


def _write_account_inputs(wb: Workbook, accounts: pd.DataFrame, comps: list[str], month: Any) -> None:
    """Table ``tAccountInputs``: the per-client inputs cs-reports computes (potential, health sub-scores)."""
    ws = wb.create_sheet("Account inputs")
    ws["A1"] = (
        f"Computed by cs-reports for {month:%Y-%m}: expansion potential and health sub-scores per client. "
        "A client added later has none (blank) until the workbook is made again."
    )
    ws["A1"].font = _SECTION_FONT
    heads = ["account", "potential", *comps]
    _header(ws, 3, heads)
    for i, row in enumerate(accounts.itertuples(index=False), start=4):
        ws.cell(i, 1, _value(row.client_id))
        ws.cell(i, 2, _value(row.potential)).number_format = _PCT
        for j, comp in enumerate(comps, start=3):
            ws.cell(i, j, _value(getattr(row, comp))).number_format = "0.0"
    table = Table(displayName="tAccountInputs", ref=f"A3:{get_column_letter(len(heads))}{3 + max(len(accounts), 1)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    ws.column_dimensions["A"].width = 14


def _lookup(column: str) -> str:
    """One input per account row (blank when the client has none): a spilled SUMIFS keyed by id."""
    col = f"tAccountInputs[{column}]"
    return (
        f'=IF(COUNTIFS(tAccountInputs[account],cs_accounts_ids,{col},"<>")=0,"",'
        f"SUMIFS({col},tAccountInputs[account],cs_accounts_ids))"
    )


def _write_accounts(wb: Workbook, acc: Worksheet, accounts: pd.DataFrame, model: m.HealthModel, month: Any) -> None:
    """One row per client of tClients, every column a spilled formula; declares the ``cs_accounts_*`` names.

    The columns follow tClients (a client added there gets a row at the next
    recalculation); each ``cs_accounts_*`` name is its column, as tall as tClients.
    """
    n_acc = len(accounts)
    first = ACCOUNTS_FIRST_ROW
    acc["A1"] = (
        "Accounts at the dashboard's month, one row per client of tClients. Potential and health sub-scores "
        f"come from 'Account inputs' (computed by cs-reports for {month:%Y-%m})."
    )
    acc["A1"].font = _SECTION_FONT
    comps = [f"{c.name}_subscore" for c in model.components]
    _write_account_inputs(wb, accounts, comps, month)
    # Not 'client_id'/'name': with those, intake would take this output sheet for a second Clients table.
    heads = ["account", "account_name", "csm", "touch_model", "mrr", "arr", "mrr_paying", "ltv", "potential"]
    heads += ["ltv_tier", *comps, "health_score"]
    _header(acc, 4, heads)
    sub_first = heads.index(comps[0]) + 1 if comps else len(heads)
    sub_last = sub_first + len(comps) - 1
    columns = {
        1: "=tClients[client_id]",
        2: "=tClients[name]",
        3: "=tClients[csm]",
        4: "=CS_TOUCH_MODEL(cs_accounts_arr)",
        5: "=SUMIFS(tMRR[mrr],tMRR[client_id],cs_accounts_ids,tMRR[month],EOMONTH(cs_month,-1)+1)",
        6: "=cs_accounts_mrr*12",
        7: '=IF(cs_accounts_mrr>0,cs_accounts_mrr,"")',
        8: '=CS_CLV("margin_churn",cs_accounts_mrr,cs_ltv_churn,cs_gross_margin)',
        9: _lookup("potential"),
        10: "=CS_LTV_TIER(cs_accounts_ltv,cs_accounts_potential)",
        **{sub_first + j: _lookup(comp) for j, comp in enumerate(comps)},
        sub_last + 1: "=CS_HEALTH_SCORE(cs_accounts_subscores,tHealthModel[weight])",
    }
    for col, formula in columns.items():
        _array(acc, f"{get_column_letter(col)}{first}", max(n_acc, 1), 1, formula)
    fmts = {c: _MONEY for c in (5, 6, 7, 8)} | {9: _PCT} | {c: "0.0" for c in range(sub_first, sub_last + 2)}
    _formats(acc, first, first + n_acc + max(1000, n_acc), fmts)
    for j, width in enumerate([12, 34, 20, 12, 14, 14, 14, 14, 11, 9], start=1):
        acc.column_dimensions[get_column_letter(j)].width = width
    acc.freeze_panes = "B5"
    height = "ROWS(tClients[client_id])"
    _name(wb, "cs_accounts_ids", "tClients[client_id]")
    for name, col_first, col_last in (
        ("cs_accounts_touch", 4, 4),
        ("cs_accounts_mrr", 5, 5),
        ("cs_accounts_arr", 6, 6),
        ("cs_accounts_paying", 7, 7),
        ("cs_accounts_ltv", 8, 8),
        ("cs_accounts_potential", 9, 9),
        ("cs_accounts_subscores", sub_first, sub_last),
    ):
        width = col_last - col_first + 1
        _name(wb, name, f"OFFSET(Accounts!${get_column_letter(col_first)}${first},0,0,{height},{width})")


_GROWTH_ROWS = 240  #: rows formatted below a monthly block (20 years of months to grow into)


def _write_bridge(wb: Workbook, bridge: Worksheet, bridge_rows: int) -> None:
    """The monthly MRR bridge; declares ``cs_bridge_months`` (the month column, for the month's list)."""
    bridge["A1"].font = _SECTION_FONT
    _array(bridge, "A1", bridge_rows, 8, f"=CS_MRR_MOVEMENTS({_MRR_ARGS})")
    _formats(bridge, 2, bridge_rows + _GROWTH_ROWS, {1: _MONTH} | {c: _MONEY for c in range(2, 9)})
    for c in range(1, 9):
        bridge.column_dimensions[get_column_letter(c)].width = 14
    # As tall as the spilled bridge: months are its only numbers in column A.
    _name(wb, "cs_bridge_months", "OFFSET('MRR bridge'!$A$2,0,0,MAX(1,COUNT('MRR bridge'!$A:$A)),1)")
    _name(wb, "cs_bridge", "'MRR bridge'!$A:$H")


_SBG_ROW = 1  #: the sBG projection sits above the cohort table, which grows downwards
_COHORT_ROW = 34  #: the cohort table's header row


def _write_cohorts(coh: Worksheet, n_cohorts: int) -> None:
    """An sBG projection fitted on the first cohort, then the cohort retention table (which grows down)."""
    top, sbg = _COHORT_ROW + 1, _SBG_ROW
    coh.cell(sbg, 1, "sBG projection fitted on the first cohort (Fader & Hardie 2007)").font = _SECTION_FONT
    # sBG models first churn: a reactivated customer does not count as surviving again.
    coh.cell(sbg + 1, 1, "active (running minimum: sBG models first churn)")
    coh.cell(sbg + 1, 3, f"=ROUND($B${top}*C{top},0)")
    for age in range(1, 13):
        col, prev = get_column_letter(3 + age), get_column_letter(2 + age)
        coh.cell(sbg + 1, 3 + age, f"=MIN({prev}{sbg + 1},ROUND($B${top}*{col}{top},0))")
    coh.cell(sbg + 2, 1, "alpha, beta, log-likelihood")
    _array(coh, f"C{sbg + 2}", 1, 3, f"=CS_SBG_FIT(C{sbg + 1}:O{sbg + 1})")
    coh.cell(sbg + 3, 1, "DERL (10% discount, 1 renewal)")
    coh.cell(sbg + 3, 3, f"=CS_DERL(C{sbg + 2},D{sbg + 2},0.1,1)").number_format = _NUM
    coh.cell(sbg + 4, 1, "period")
    coh.cell(sbg + 4, 2, "projected survival")
    for p in range(25):
        coh.cell(sbg + 5 + p, 1, p)
    _array(coh, f"B{sbg + 5}", 25, 1, f"=CS_SBG_SURVIVAL(C{sbg + 2},D{sbg + 2},A{sbg + 5}:A{sbg + 29})")
    for r in range(sbg + 5, sbg + 30):
        coh.cell(r, 2).number_format = _PCT
    coh.cell(_COHORT_ROW - 2, 1, "Logo retention by monthly cohort (share of the cohort active at each age in months)")
    coh.cell(_COHORT_ROW - 2, 1).font = _SECTION_FONT
    _array(coh, f"A{_COHORT_ROW}", n_cohorts + 1, 15, f'=CS_COHORTS({_MRR_ARGS},"logo",12)')
    _formats(coh, top, top + n_cohorts + _GROWTH_ROWS, {1: _MONTH} | {c: _PCT for c in range(3, 16)})
    coh.column_dimensions["A"].width = 28


def _write_dashboard(
    dash: Worksheet, book: Book, month: pd.Timestamp, pol: Policies, model: m.HealthModel, first_client: str
) -> None:
    """Inputs, then the portfolio's numbers as CS_ formulas (:mod:`cs_reports.excel.dashboard`'s rows)."""
    dash["B1"] = "cs-reports: Customer Success dashboard"
    dash["B1"].font = Font(bold=True, size=16, color="1F4E79")
    dash["B2"] = (
        "CS_ formulas need the cs-reports add-in (xlwings) or 'cs-reports recalc'. "
        "Change the yellow cells; the Tables' *_in_period columns follow them."
    )
    dash["B2"].font = Font(italic=True, color="808080")
    rows = dashboard_rows(
        month=month, policies=pol, csms=int(book.clients["csm"].nunique()), model=model, first_client=first_client
    )
    write_dashboard(dash, rows)
    dash.column_dimensions["A"].width = 2
    dash.column_dimensions["B"].width = 42
    for letter in "CDEF":
        dash.column_dimensions[letter].width = 14


def build_workbook(book: Book, month: Any = None, *, policies: Policies | None = None) -> Workbook:
    """Build the template workbook for ``book`` at ``month`` (default: its last month).

    One writer per sheet; cells one sheet reads from another are workbook names
    (the dashboard's named rows ``cs_<key>``, ``cs_accounts_*``, ``cs_bridge*``). Returns an openpyxl
    :class:`~openpyxl.Workbook`; :func:`write_workbook` saves it atomically.
    """
    from cs_reports._validation import as_month

    pol = policies or Policies()
    month = book.last_month if month is None else as_month(month, name="month", func="build_workbook")
    frames = _data_frames(book)
    model = _health_model(book)
    accounts = _accounts(book, month, model)
    bridge_rows = len(m.mrr_movements(frames["MRR"])) + 1
    n_cohorts = len(m.cohort_retention(frames["MRR"], kind="logo", max_age=12).rates)

    wb = Workbook()
    dash = wb.active
    dash.title = "Dashboard"
    acc = wb.create_sheet("Accounts")
    bridge = wb.create_sheet("MRR bridge")
    coh = wb.create_sheet("Cohorts")
    _write_data_sheets(wb, frames)
    _write_accounts(wb, acc, accounts, model, month)
    _write_bridge(wb, bridge, bridge_rows)
    _write_cohorts(coh, n_cohorts)
    first_client = str(accounts["client_id"].iloc[0]) if len(accounts) else ""
    _write_dashboard(dash, book, month, pol, model, first_client)
    from cs_reports.excel.reports_sheet import example_clients, write_reports_sheet

    write_reports_sheet(wb, example_clients(book, month))

    conf = wb.create_sheet("xlwings.conf")
    conf["A1"], conf["B1"] = "UDF Modules", "cs_reports.excel.udfs"
    conf.sheet_state = "visible"
    return wb


def write_workbook(path: str | Path, book: Book, month: Any = None, *, source: str | Path | None = None) -> Path:
    """Build the template for ``book`` and write it to ``path`` atomically (never over ``source``)."""
    out = Path(path)
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        from cs_reports.errors import InvalidInputError

        raise InvalidInputError(f"The workbook must be an .xlsx path, got '{out}'.")
    if source is not None:
        refuse_overwrite_of_input(out, source)
    wb = build_workbook(book, month)
    saved = io.BytesIO()
    wb.save(saved)
    parts = read_parts(saved)
    mark_dynamic(parts)  # every multi-cell block spills in Excel 365 (openpyxl cannot write the metadata)
    with atomic_output(out) as handle:
        write_parts(handle, parts)
    return out

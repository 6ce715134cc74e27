"""The ``Dashboard`` sheet of the workbook template, declared as a table of keyed rows.

Each :class:`Row` says what one dashboard line is: its key, label, value or formula, number
format, note, whether its cell is a workbook name and whether it is an input. A formula refers
to another row by key (``{month}`` is that row's value cell, ``{nps:E}`` its column E), never by
an address. :func:`write_dashboard` numbers the rows, resolves the keys, and derives the defined
names (``cs_<key>``), the input fills and guards and the print area; :func:`address` gives a
key's cell for tests and docs. Adding a dashboard line is adding one :class:`Row`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from cs_reports import metrics as m
from cs_reports.data.summary import Policies

__all__ = ["FIRST_ROW", "Guard", "Row", "Title", "address", "dashboard_rows", "layout", "write_dashboard"]

FIRST_ROW = 4  #: rows 1-2 hold the title and the how-to line
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_SECTION_FONT = Font(bold=True, size=12, color="1F4E79")
_PCT, _MONEY, _NUM, _MONTH = "0.0%", "#,##0.00", "0.00", "yyyy-mm"
_MRR_ARGS = "tMRR[client_id], tMRR[month], tMRR[mrr]"
_REF = re.compile(r"\{([a-z_0-9]+)(?::([A-Z]))?\}")


@dataclass(frozen=True)
class Guard:
    """The data validation of an input cell: its rule and the message shown (also as the prompt)."""

    message: str
    rule: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Title:
    """A section heading (a blank row before it); ``heads`` label the columns from C on."""

    text: str
    heads: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """One dashboard line.

    Attributes
    ----------
    key : str
        How formulas, tests and docs name it (``{key}`` in a formula is its value cell).
    label : str
        Column B (empty for a block that writes its own labels).
    formula : object
        The value, or a formula (``"=..."``) whose ``{key}``/``{key:E}`` are resolved.
    fmt : str or None
        Number format of the value cell (and of ``formats`` columns of a block).
    note : str
        Shown in column G, grey italics.
    named : bool
        The value cell is the workbook name ``cs_<key>`` (cells other sheets read).
    guard : Guard or None
        An input: filled yellow and guarded by this validation.
    block : tuple of int or None
        ``(rows, columns)`` of a spilled result written from ``column``; the row takes ``rows`` lines.
    column : str
        Where the value or block starts (C; B for a block with its own labels).
    formats : dict of str to str
        Number formats of other columns over the block's rows.
    formats_from : int
        The first line of the block that ``fmt`` and ``formats`` apply to (1: below a header line).
    """

    key: str
    label: str
    formula: Any = None
    fmt: str | None = None
    note: str = ""
    named: bool = False
    guard: Guard | None = None
    block: tuple[int, int] | None = None
    column: str = "C"
    formats: dict[str, str] = field(default_factory=dict)
    formats_from: int = 0

    @property
    def height(self) -> int:
        """Lines the row takes."""
        return self.block[0] if self.block else 1


def _whole(low: int, high: int, message: str) -> Guard:
    return Guard(message, {"type": "whole", "operator": "between", "formula1": str(low), "formula2": str(high)})


def dashboard_rows(
    *,
    month: Any = None,
    policies: Policies | None = None,
    csms: int = 1,
    model: m.HealthModel = m.DEFAULT_HEALTH_MODEL,
    first_client: str = "",
) -> tuple[Row | Title, ...]:
    """The dashboard, top to bottom, for these inputs (their values; the layout depends only on ``model``'s size)."""
    pol = policies or Policies()
    month_value = pd.Timestamp(month).to_pydatetime() if month is not None else None
    bridge = [("start_mrr", "MRR at start"), ("new", "New"), ("expansion", "Expansion"), ("contraction", "Contraction")]
    bridge += [("churn", "Churn"), ("reactivation", "Reactivation"), ("end_mrr", "MRR at end")]
    client_guard = Guard("Pick a client of tClients.", {"type": "list", "formula1": "=cs_accounts_ids"})
    movements = "{new},{expansion},{churn},{contraction},{reactivation}"
    return (
        Row(
            "month",
            "Month",
            month_value,
            _MONTH,
            named=True,
            guard=Guard(
                "Pick a month of the MRR data (first of the month).", {"type": "list", "formula1": "=cs_bridge_months"}
            ),
        ),
        Row("period_start", "Period start (3 months)", "=EOMONTH({month},-3)+1", _MONTH, named=True),
        Row("period_end", "Period end (exclusive)", "=EOMONTH({month},0)+1", _MONTH, named=True),
        Row(
            "window",
            "GRR/NRR window (months)",
            pol.window,
            named=True,
            guard=_whole(1, 60, "A whole number of months, 1-60."),
        ),
        Row(
            "csms", "CSMs in the team", csms, named=True, guard=_whole(1, 100000, "A whole number of CSMs, at least 1.")
        ),
        Title("Satisfaction and support (period)", ("score", "low", "high", "n")),
        Row(
            "nps",
            "NPS with 95% interval",
            "=CS_NPS_CI(tNPS[score_in_period])",
            "0.0",
            block=(1, 4),
            formats={"D": "0.0", "E": "0.0"},
        ),
        Row("nps_margin", "NPS margin of error", "=IF(ISNUMBER({nps:E}),({nps:E}-{nps:D})/2,{nps:E})", "0.0"),
        Row("csat", "CSAT", "=CS_CSAT(tTickets[csat_in_period])", _PCT),
        Row("ces", "CES (mean, 1-7)", "=CS_CES(tTickets[ces_in_period])", _NUM),
        Row(
            "tmr_first_response",
            "TMR first response (hours)",
            "=CS_TMR(tTickets[opened_in_period],tTickets[first_response_in_period])",
            _NUM,
        ),
        Row(
            "tmr_resolution",
            "TMR resolution (hours)",
            "=CS_TMR(tTickets[opened_in_period],tTickets[resolved_in_period])",
            _NUM,
        ),
        Row("renewal_rate", "Renewal rate", "=CS_RENEWAL_RATE(tRenewals[outcome_in_period])", _PCT),
        Row("adoption", "Adoption (month)", "=CS_ADOPTION(tUsage[active_in_month],tUsage[licensed_in_month])", _PCT),
        Title("Revenue (month)"),
        *(
            Row(key, label, f"=INDEX(cs_bridge,MATCH(EOMONTH({{month}},-1)+1,INDEX(cs_bridge,0,1),0),{k})", _MONEY)
            for k, (key, label) in enumerate(bridge, start=2)
        ),
        Row(
            "bridge_check",
            "Bridge check (start + movements - end)",
            "={start_mrr}+{new}+{expansion}-{contraction}-{churn}+{reactivation}-{end_mrr}",
            _MONEY,
            "0 when the bridge reconciles",
        ),
        Row("arr", "ARR", "=CS_ARR(cs_accounts_mrr)", _MONEY),
        Row("customers", "Paying customers", '=COUNTIF(cs_accounts_mrr,">0")'),
        Row("arpa", "ARPA (TMC)", "=CS_ARPA(cs_accounts_mrr)", _MONEY),
        Row(
            "logo_churn",
            "Logo churn",
            f"=CS_LOGO_CHURN({_MRR_ARGS},{{month}})",
            _PCT,
            f"same-period joiners: {pol.same_period}",
        ),
        Row("gross_revenue_churn", "Gross revenue churn", "=CS_REVENUE_CHURN({start_mrr},{churn},{contraction})", _PCT),
        Row(
            "net_revenue_churn",
            "Net revenue churn",
            '=CS_REVENUE_CHURN({start_mrr},{churn},{contraction},{expansion},{reactivation},"net")',
            _PCT,
        ),
        Row(
            "net_mrr_churn",
            "Net MRR churn",
            "=CS_NET_CHURN({start_mrr},{churn},{contraction},{expansion},{reactivation})",
            _PCT,
        ),
        Row("grr", "GRR", f"=CS_GRR({_MRR_ARGS},{{month}},{{window}})", _PCT),
        Row("nrr", "NRR", f"=CS_NRR({_MRR_ARGS},{{month}},{{window}})", _PCT),
        Row("quick_ratio", "Quick ratio", "=CS_QUICK_RATIO(" + movements + ")", _NUM),
        Title("Value"),
        Row(
            "logo_churn_12m",
            "Logo churn, last 12 months",
            f'=CS_LOGO_CHURN({_MRR_ARGS},EDATE({{month}},-11),{{month}},"include")',
            _PCT,
        ),
        Row(
            "monthly_churn",
            "Monthly churn (mean of the last 12 monthly rates)",
            f'=IFERROR(CS_MEAN_MONTHLY_CHURN({_MRR_ARGS},{{month}},{pol.ltv_churn_months},"{pol.same_period}"),0)',
            "0.00%",
            "the portfolio LTV's churn (docs/metrics.md); 0 when no month has customers (the cap applies)",
        ),
        Row(
            "lifetime_cap",
            "Lifetime cap (months)",
            pol.max_lifetime_months,
            None,
            "Stripe's cap: LTV never counts more months",
            named=True,
            guard=_whole(1, 600, "A whole number of months, 1-600."),
        ),
        Row(
            "ltv_churn",
            "Churn used for LTV",
            "=MAX({monthly_churn},1/{lifetime_cap})",
            "0.00%",
            "monthly churn, at least 1 / cap",
            named=True,
        ),
        # over the clients paying this month, as portfolio_summary (Accounts rows follow tClients' order)
        Row(
            "gross_margin",
            "Gross margin (paying clients)",
            '=AVERAGEIFS(tClients[gross_margin],cs_accounts_mrr,">0")',
            _PCT,
            named=True,
        ),
        Row("cac", "CAC (paying clients)", '=AVERAGEIFS(tClients[cac],cs_accounts_mrr,">0")', _MONEY),
        Row("ltv", "LTV (ARPA x margin / churn)", '=CS_CLV("margin_churn",{arpa},{ltv_churn},{gross_margin})', _MONEY),
        Row("ltv_cac", "LTV:CAC", "=CS_LTV_CAC({ltv},{cac})", _NUM),
        Row("cac_payback", "CAC payback (months)", "=CS_CAC_PAYBACK({cac},{arpa},{gross_margin})", "0.0"),
        Row("pareto_top20", "Revenue share of the top 20% of clients", "=CS_PARETO(cs_accounts_paying,0.2)", _PCT),
        Title("CSM capacity (hours per month)"),
        Row(
            "capacity",
            "",
            "=CS_CAPACITY(cs_accounts_touch,{csms})",
            block=(5, 2),
            column="B",
            formats={"C": "#,##0.0"},
        ),
        Title("Health score of one client"),
        Row("client", "Client", first_client, guard=client_guard if first_client else None),
        Row(
            "health",
            "",
            "=CS_HEALTH(INDEX(cs_accounts_subscores,MATCH({client},cs_accounts_ids,0),0),"
            "tHealthModel[weight],tHealthModel[component])",
            block=(len(model.components) + 2, 4),
            column="B",
            formats={"C": "0.0", "D": _PCT, "E": "0.0"},
            formats_from=1,  # below the block's header line
        ),
    )


def layout(rows: Iterable[Row | Title]) -> dict[str, int]:
    """Key -> sheet row number (titles and the blank row before each take their lines).

    >>> layout(dashboard_rows())["month"], layout(dashboard_rows())["ltv_churn"]
    (4, 44)
    """
    numbers: dict[str, int] = {}
    at = FIRST_ROW
    for row in rows:
        if isinstance(row, Title):
            at += 1 + (1 if at > FIRST_ROW else 0)  # the blank line, then the heading
            continue
        if row.key in numbers:
            raise ValueError(f"Dashboard row key '{row.key}' is declared twice.")
        numbers[row.key] = at
        at += row.height
    return numbers


def address(key: str, column: str = "C", *, rows: Iterable[Row | Title] | None = None) -> str:
    """The cell of ``key``'s row (its value in column C unless ``column``), e.g. ``address("month") == "C4"``.

    >>> address("nps"), address("nps", "E")
    ('C11', 'E11')
    """
    numbers = layout(rows if rows is not None else dashboard_rows())
    if key not in numbers:
        raise KeyError(f"No dashboard row '{key}'; rows: {sorted(numbers)}.")
    return f"{column}{numbers[key]}"


def _resolve(formula: Any, numbers: dict[str, int], key: str) -> Any:
    if not isinstance(formula, str) or not formula.startswith("="):
        return formula

    def cell(match: re.Match[str]) -> str:
        other, column = match.group(1), match.group(2) or "C"
        if other not in numbers:
            raise ValueError(
                f"Dashboard row '{key}' refers to '{{{other}}}', which is not a row; rows: {sorted(numbers)}."
            )
        return f"{column}{numbers[other]}"

    return _REF.sub(cell, formula)


def write_dashboard(ws: Worksheet, rows: tuple[Row | Title, ...]) -> dict[str, int]:
    """Write ``rows`` from :data:`FIRST_ROW` on; names, guards, fills and the print area follow. Returns :func:`layout`."""
    numbers = layout(rows)
    wb = ws.parent
    at = FIRST_ROW
    last = FIRST_ROW
    for row in rows:
        if isinstance(row, Title):
            at += 1 + (1 if at > FIRST_ROW else 0)
            ws.cell(at - 1, 2, row.text).font = _SECTION_FONT
            for j, head in enumerate(row.heads):
                ws.cell(at - 1, 3 + j, head)
            continue
        r = numbers[row.key]
        if row.label:
            ws.cell(r, 2, row.label)
        value = _resolve(row.formula, numbers, row.key)
        start = f"{row.column}{r}"
        if row.block:
            height, width = row.block
            end = f"{get_column_letter(column_index_from_string(row.column) + width - 1)}{r + height - 1}"
            ws[start] = ArrayFormula(f"{start}:{end}", value)
        else:
            ws[start] = value
        for offset in range(row.formats_from, row.height):
            if row.fmt:
                ws.cell(
                    r + offset, column_index_from_string(row.column) if not row.block else 3
                ).number_format = row.fmt
            for letter, fmt in row.formats.items():
                ws[f"{letter}{r + offset}"].number_format = fmt
        if row.note:
            ws.cell(r, 7, row.note).font = Font(italic=True, color="808080")
        if row.named:
            wb.defined_names[f"cs_{row.key}"] = DefinedName(f"cs_{row.key}", attr_text=f"Dashboard!$C${r}")
        if row.guard is not None:
            ws[start].fill = _INPUT_FILL
            dv = DataValidation(
                allow_blank=False,
                showErrorMessage=True,
                error=row.guard.message,
                errorTitle="cs-reports",
                **row.guard.rule,
            )
            dv.prompt, dv.showInputMessage = row.guard.message, True
            dv.add(start)
            ws.add_data_validation(dv)
        last = r + row.height - 1
        at = last + 1
    for r in range(FIRST_ROW, FIRST_ROW + _top_rows(rows)):
        ws[f"C{r}"].alignment = Alignment(horizontal="right")
    ws.print_area = f"A1:G{last}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return numbers


def _top_rows(rows: Iterable[Row | Title]) -> int:
    """Lines of the first group (the inputs above the first heading): right-aligned."""
    count = 0
    for row in rows:
        if isinstance(row, Title):
            break
        count += row.height
    return count

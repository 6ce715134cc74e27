"""The CS_ Excel functions: one registry, each entry one line of glue over :mod:`cs_reports.metrics`.

This module is pure Python (no xlwings, no Excel): the same entries serve the classic
xlwings add-in (:mod:`cs_reports.excel.udfs`), the xlwings Lite recipe
(:mod:`cs_reports.excel.lite`) and LibreOffice headless recalculation
(:mod:`cs_reports.excel.recalc`).

Calling convention (what every Excel passes)
    Positional arguments only. A range arrives as a list of rows (2-D), a flat list
    (one row or column) or a scalar (one cell); blanks are ``None`` and are skipped,
    never counted as zero; numbers are floats; dates are datetimes (Excel) or serial
    numbers (LibreOffice). An omitted optional argument is ``None`` and takes its
    default. Whole-column references are cheap: trailing blanks are trimmed first.

Results
    A number or text for one cell; a list of rows for a spilled table (NaN shown as an
    empty cell).

Errors
    Never an exception and never a traceback in a cell: a bad argument returns one line
    ``#VALUE! CS_NPS: argument 'answers' must be whole numbers 0-10; got 11 at position 4.``
    (positions are 1-based, row by row in a 2-D range); an undefined metric returns
    ``#N/A CS_NPS: there are no answers.``
"""

from __future__ import annotations

import inspect
import math
import re
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from cs_reports import metrics as m
from cs_reports._validation import check_number, flatten, is_blank
from cs_reports.errors import CsReportsError, InvalidInputError, UndefinedMetricWarning

__all__ = ["DOCS_URL", "REGISTRY", "ExcelFunction", "call", "split_error"]

#: Where the function reference lives; each function's help link is its section there.
DOCS_URL = "https://github.com/cs-reports/cs-reports/blob/main/docs/excel.md"

Rows = list[list[Any]]
WHOLE_COLUMN = 1_048_576  #: rows of a whole-column reference (Excel 2007+, LibreOffice 7.x)


@dataclass(frozen=True)
class ExcelFunction:
    """One CS_ function: its name, its tooltip, its documented arguments and what it returns."""

    name: str
    func: Callable[..., Any]  #: never raises: errors come back as one line of text
    doc: str  #: one line, the Excel tooltip
    args: tuple[tuple[str, str], ...]  #: (name, description), in call order
    optional: tuple[str, ...]  #: names of the optional (trailing) arguments
    spills: bool  #: returns a list of rows
    per_row: str | None = None  #: the argument that, given a column, makes it return one row per row

    @property
    def may_spill(self) -> bool:
        """Whether a cell calling it may hold more than one value (a spilled table or one value per row).

        >>> REGISTRY["CS_MRR_MOVEMENTS"].may_spill, REGISTRY["CS_CLV"].may_spill, REGISTRY["CS_NPS"].may_spill
        (True, True, False)
        """
        return self.spills or self.per_row is not None

    def __call__(self, *args: Any) -> Any:
        """Call the function as Excel would (positional arguments)."""
        return self.func(*args)

    @property
    def heading(self) -> str:
        """The function's heading in docs/excel.md: ``CS_NPS_CI(answers, [confidence])``."""
        names = [f"[{n}]" if n in self.optional else n for n, _ in self.args]
        return f"{self.name}({', '.join(names)})"

    @property
    def help_url(self) -> str:
        """Link to the function's section of docs/excel.md (GitHub's heading anchor).

        >>> REGISTRY["CS_NPS_CI"].help_url.rsplit("#", 1)[1]
        'cs_nps_cianswers-confidence'
        """
        anchor = "".join(ch for ch in self.heading.lower() if ch.isalnum() or ch in "-_ ").replace(" ", "-")
        return f"{DOCS_URL}#{anchor}"


REGISTRY: dict[str, ExcelFunction] = {}


def call(name: str, *args: Any) -> Any:
    """Call a registered function by name (used by the LibreOffice bridge).

    >>> call("CS_NPS", [[10], [9], [8], [6], [10], [None]])
    40.0
    >>> call("CS_NPS", [10, 11])
    "#VALUE! CS_NPS: argument 'answers' must be whole numbers 0-10; got 11 at position 2."
    >>> call("CS_NOPE")
    '#NAME? CS_NOPE is not a cs-reports function.'
    """
    entry = REGISTRY.get(str(name).upper())
    if entry is None:
        return f"#NAME? {name} is not a cs-reports function."
    return entry.func(*args)


#: Excel's error values: as a CS_ error line starts, and as xlwings hands an error cell over (``err_to_str``).
EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
_ERROR_CODES = EXCEL_ERRORS
_LIBREOFFICE_ERROR = re.compile(r"^Err:\d{3}$")


def split_error(value: Any) -> tuple[str, str] | None:
    """``(error code, explanation)`` of a CS_ error line, or None for any other value.

    >>> split_error("#N/A CS_NPS: there are no answers.")
    ('#N/A', 'CS_NPS: there are no answers.')
    >>> split_error("#VALUE! is text a user typed") is None, split_error(40.0) is None
    (True, True)
    """
    if isinstance(value, str):
        code, _, rest = value.partition(" ")
        if code in _ERROR_CODES and rest.startswith("CS_"):
            return code, rest
    return None


def _error_code(value: Any) -> str | None:
    """The error a cell holds (an Excel error value, a CS_ error line, LibreOffice's ``Err:nnn``), else None."""
    if not isinstance(value, str):
        return None
    if value in EXCEL_ERRORS:
        return value
    if _LIBREOFFICE_ERROR.match(value):
        return "#VALUE!"
    found = split_error(value)
    return found[0] if found else None


def _cells(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [c for item in value for c in _cells(item)]
    return [value]


def input_error(name: str, arg_names: list[str], args: tuple[Any, ...]) -> str | None:
    """The error line for the first error value among the arguments, or None: an error in is an error out.

    Every host follows this one policy (Excel's own functions do the same): a ``#N/A`` among
    the NPS answers is not skipped as a blank, and the result says which cell it was.

    >>> input_error("CS_NPS", ["answers"], ([[10], ["#N/A"], [9]],))
    "#N/A CS_NPS: argument 'answers' holds the error #N/A at position 2; an error in the input is an error out (fix that cell or leave it out of the range)."
    >>> input_error("CS_NPS", ["answers"], ([[10], [None]],)) is None
    True
    """
    for arg_name, value in zip(arg_names, args, strict=False):  # optional arguments may be left out
        for position, cell in enumerate(_cells(value), start=1):
            code = _error_code(cell)
            if code is not None:
                return (
                    f"{code} {name}: argument '{arg_name}' holds the error {code} at position {position}; "
                    "an error in the input is an error out (fix that cell or leave it out of the range)."
                )
    return None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _error_text(name: str, exc: Exception) -> str:
    if isinstance(exc, InvalidInputError) and exc.argument is not None:
        return f"#VALUE! {name}: argument '{exc.argument}' must be {exc.expected}; got {exc.got}."
    if isinstance(exc, CsReportsError):
        return f"#VALUE! {name}: {_one_line(str(exc))}"
    # A bug in cs-reports: still one line in the cell (classic UDFs would show a traceback).
    return f"#VALUE! {name}: internal error {type(exc).__name__}: {_one_line(str(exc))[:200]}"


def _cell(value: Any) -> Any:
    """One output cell: NaN -> empty, numpy scalars -> Python, Timestamps -> datetime."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    return value


def _is_nan(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _rows(value: Any, whole_rows: bool) -> list[Any] | None:
    """A per-row argument's rows when it holds more than one (else None: one value, one result).

    A 2-D range gives its rows; a flat list (one row or column) its items. With
    ``whole_rows`` a row is the unit (a list), so a single row or column is one value.
    """
    if not isinstance(value, (list, tuple)):
        return None
    two_d = any(isinstance(v, (list, tuple)) for v in value)
    if whole_rows:
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in value] if two_d else []
        return rows if len(rows) > 1 and max(len(r) for r in rows) > 1 else None
    cells = [v for r in value for v in (r if isinstance(r, (list, tuple)) else [r])]
    return cells if len(cells) > 1 else None


def _blank(value: Any) -> bool:
    """A per-row argument's row is blank: every cell of it (the package's one blank test)."""
    return all(is_blank(v) for v in (value if isinstance(value, list) else [value]))


def _safe(
    name: str, func: Callable[..., Any], spills: bool, per_row: str | None = None, reads_errors: bool = False
) -> Callable[..., Any]:
    params = list(inspect.signature(func).parameters.values())
    most = len(params)
    least = sum(p.default is inspect.Parameter.empty for p in params)
    lifted = [p.name for p in params].index(per_row) if per_row else -1
    whole_rows = per_row == "values"

    names = [p.name for p in params]

    def one(*args: Any) -> Any:
        error = None if reads_errors else input_error(name, names, args)
        if error is not None:
            return error
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", UndefinedMetricWarning)
                result = func(*args)
        except Exception as exc:
            return _error_text(name, exc)
        reasons = [w.message.reason for w in caught if isinstance(w.message, UndefinedMetricWarning)]
        undefined = f"#N/A {name}: {reasons[0] if reasons else 'undefined'}."
        if spills:
            if any(isinstance(v, float) and math.isinf(v) for row in result for v in row):
                return f"#NUM! {name}: a result is too large to show (overflow)."
            # A value the library left undefined (NaN with a warning) is that explained #N/A in
            # its cell; a NaN without one is a structural blank (a cohort not yet that old).
            return [[undefined if reasons and _is_nan(v) else _cell(v) for v in row] for row in result]
        if isinstance(result, float) and math.isinf(result):
            return f"#NUM! {name}: the result is too large to show (overflow)."
        if isinstance(result, float) and math.isnan(result):
            return undefined
        return _cell(result)

    def run(*args: Any) -> Any:
        if not least <= len(args) <= most:
            wanted = str(most) if least == most else f"{least} to {most}"
            noun = "argument" if wanted == "1" else "arguments"
            return f"#VALUE! {name}: takes {wanted} {noun}; got {len(args)}."
        rows = _rows(args[lifted], whole_rows) if 0 <= lifted < len(args) else None
        if rows is None:
            return one(*args)
        # One result per row, spilled as a column; a blank row gives a blank cell.
        return [[None if _blank(r) else one(*args[:lifted], r, *args[lifted + 1 :])] for r in rows]

    return run


def excel_function(
    *, spills: bool = False, per_row: str | None = None, reads_errors: bool = False, **arg_docs: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a CS_ function; its docstring's first line is the tooltip, ``arg_docs`` document every argument.

    ``per_row`` names an argument that may be a column (one value per account): the
    function then returns one result per row, spilled as a column (as Excel's own
    functions do on a spilled range). Any error value among the arguments is the result
    (:func:`input_error`) unless ``reads_errors`` (``CS_EXPLAIN``, which explains it).
    """

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        params = list(inspect.signature(func).parameters.values())
        names = [p.name for p in params]
        if set(names) != set(arg_docs):
            raise TypeError(f"{func.__name__}: document exactly the arguments {names}, got {sorted(arg_docs)}")
        doc = (func.__doc__ or "").strip().splitlines()[0]
        REGISTRY[func.__name__] = ExcelFunction(
            name=func.__name__,
            func=_safe(func.__name__, func, spills, per_row, reads_errors),
            doc=doc,
            args=tuple((n, arg_docs[n]) for n in names),
            optional=tuple(p.name for p in params if p.default is not inspect.Parameter.empty),
            spills=spills,
            per_row=per_row,
        )
        return func

    return register


# ----------------------------------------------------------------------------- glue helpers
# Converters only: Excel's ranges and blanks -> the metric's documented inputs.


def _or(value: Any, default: Any) -> Any:
    """An omitted optional argument arrives as None."""
    return default if value is None else value


def _text(value: Any, default: str) -> str:
    return default if value is None else str(value).strip().lower()


def _columns(*ranges: Any) -> list[list[Any]]:
    """Flatten several ranges to equal-length lists (trailing blanks trimmed, the shorter padded)."""
    flat = [list(flatten(r)) if r is not None else [] for r in ranges]
    n = max((len(f) for f in flat), default=0)
    return [f + [None] * (n - len(f)) for f in flat]


def _table(frame: pd.DataFrame) -> Rows:
    """A DataFrame as a spilled table with its header row."""
    return [list(map(str, frame.columns)), *(list(row) for row in frame.itertuples(index=False, name=None))]


def _count_labels(values: Any) -> dict[str, int]:
    return dict(Counter(str(v).strip().lower() for v in flatten(values) if v is not None and str(v).strip()))


# ----------------------------------------------------------------------------- survey


@excel_function(answers="NPS answers, whole numbers 0-10 (blanks skipped)")
def CS_NPS(answers: Any) -> float:
    """Net Promoter Score (-100..100) of 0-10 answers; blanks are skipped."""
    return m.net_promoter_score(answers).score


@excel_function(spills=True, answers="NPS answers, whole numbers 0-10", confidence="confidence level, default 0.95")
def CS_NPS_CI(answers: Any, confidence: Any = None) -> Rows:
    """NPS with its adjusted-Wald interval: spills one row score, low, high, n."""
    r = m.net_promoter_score(answers, confidence=_or(confidence, 0.95))
    return [[r.score, r.ci_low, r.ci_high, r.n]]


@excel_function(
    answers="CSAT answers on the scale",
    low="lowest point of the scale, default 1",
    high="highest point of the scale, default 5",
    satisfied_min="lowest satisfied answer, default 4",
)
def CS_CSAT(answers: Any, low: Any = None, high: Any = None, satisfied_min: Any = None) -> float:
    """CSAT: share (0-1) of answers at or above satisfied_min (4 on a 1-5 scale)."""
    return m.csat_rate(answers, low=_or(low, 1), high=_or(high, 5), satisfied_min=_or(satisfied_min, 4))


@excel_function(
    answers="CES answers on the scale",
    method="'mean' (default) or 'share' of answers >= agree_min",
    low="lowest point of the scale, default 1",
    high="highest point of the scale, default 7",
)
def CS_CES(answers: Any, method: Any = None, low: Any = None, high: Any = None) -> float:
    """Customer Effort Score: mean answer (or share agreeing) on a 1-7 scale."""
    return m.customer_effort_score(answers, method=_text(method, "mean"), low=_or(low, 1), high=_or(high, 7))  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- rates

_MRR_DOCS: dict[str, Any] = {
    "client_ids": "client id of each MRR row",
    "months": "month of each MRR row",
    "mrr": "MRR of each row (>= 0)",
}


@excel_function(
    **_MRR_DOCS,
    end_month="the last month of the window",
    window="months in the window, default 12",
    same_period="'exclude' (default) or 'include' customers who join and leave in a month",
)
def CS_MEAN_MONTHLY_CHURN(
    client_ids: Any, months: Any, mrr: Any, end_month: Any, window: Any = None, same_period: Any = None
) -> float:
    """Mean of the monthly logo-churn rates (0-1) of the window ending at end_month: the portfolio LTV's churn."""
    from cs_reports.metrics.registry import mean_monthly_logo_churn

    frame = m.mrr_frame(client_ids, months, mrr)
    n = 12 if window is None else window
    return mean_monthly_logo_churn(frame, end=end_month, months=n, same_period=_text(same_period, "exclude"))


@excel_function(lost="customers lost in the period", at_start="customers at the start of the period")
def CS_CHURN_RATE(lost: Any, at_start: Any) -> float:
    """Logo churn rate (0-1): customers lost / customers at the start."""
    return m.churn_rate(lost, at_start)


@excel_function(
    **_MRR_DOCS,
    start_month="first month of the period",
    end_month="last month of the period, default start_month",
    same_period="'exclude' (default) or 'include' customers who join and leave in the period",
)
def CS_LOGO_CHURN(
    client_ids: Any, months: Any, mrr: Any, start_month: Any, end_month: Any = None, same_period: Any = None
) -> float:
    """Logo churn rate (0-1) of an MRR table over a period of months."""
    frame = m.mrr_frame(client_ids, months, mrr)
    return m.logo_churn_rate(frame, start=start_month, end=end_month, same_period=_text(same_period, "exclude"))  # type: ignore[arg-type]


@excel_function(
    start_mrr="MRR at the start of the period",
    churn="MRR lost to churn",
    contraction="MRR lost to downgrades",
    expansion="MRR gained from expansion (net only), default 0",
    reactivation="MRR regained from reactivation (net only), default 0",
    kind="'gross' (default) or 'net'",
)
def CS_REVENUE_CHURN(
    start_mrr: Any, churn: Any, contraction: Any, expansion: Any = None, reactivation: Any = None, kind: Any = None
) -> float:
    """Revenue (MRR) churn rate, gross or net of expansion, over a period."""
    return m.revenue_churn_rate(
        start_mrr,
        churn,
        contraction,
        expansion=_or(expansion, 0.0),
        reactivation=_or(reactivation, 0.0),
        kind=_text(kind, "gross"),  # type: ignore[arg-type]
    )


@excel_function(
    start_mrr="MRR at the start of the period",
    churn="MRR lost to churn",
    contraction="MRR lost to downgrades",
    expansion="MRR gained from expansion",
    reactivation="MRR regained from reactivation, default 0",
)
def CS_NET_CHURN(start_mrr: Any, churn: Any, contraction: Any, expansion: Any, reactivation: Any = None) -> float:
    """Net MRR churn rate: (churn + contraction - expansion - reactivation) / start MRR."""
    return m.net_churn_rate(start_mrr, churn, contraction, expansion, reactivation=_or(reactivation, 0.0))


@excel_function(outcomes="renewal outcomes: renewed / churned / pending (pending are not counted)")
def CS_RENEWAL_RATE(outcomes: Any) -> float:
    """Renewal rate (0-1): renewed / decided renewals (pending excluded)."""
    return m.renewal_rate_from_outcomes(outcomes)


@excel_function(
    at_start="customers at the start",
    at_end="customers at the end",
    new_customers="new customers acquired in the period",
)
def CS_RETENTION(at_start: Any, at_end: Any, new_customers: Any) -> float:
    """Customer retention rate (0-1): (at_end - new) / at_start."""
    return m.retention_rate(at_start, at_end, new_customers)


# ----------------------------------------------------------------------------- revenue


@excel_function(**_MRR_DOCS, as_of="last month of the window", window="window in months, default 12")
def CS_GRR(client_ids: Any, months: Any, mrr: Any, as_of: Any, window: Any = None) -> float:
    """Gross revenue retention (0-1) over a window of months ending at as_of."""
    frame = m.mrr_frame(client_ids, months, mrr)
    return m.gross_revenue_retention_rate(frame, as_of=as_of, window=_or(window, 12))


@excel_function(**_MRR_DOCS, as_of="last month of the window", window="window in months, default 12")
def CS_NRR(client_ids: Any, months: Any, mrr: Any, as_of: Any, window: Any = None) -> float:
    """Net revenue retention (0-1+) over a window of months ending at as_of."""
    frame = m.mrr_frame(client_ids, months, mrr)
    return m.net_revenue_retention_rate(frame, as_of=as_of, window=_or(window, 12))


@excel_function(spills=True, **_MRR_DOCS)
def CS_MRR_MOVEMENTS(client_ids: Any, months: Any, mrr: Any) -> Rows:
    """MRR bridge per month: spills month, start, new, expansion, contraction, churn, reactivation, end."""
    return _table(m.mrr_movements(m.mrr_frame(client_ids, months, mrr)))


@excel_function(mrr="MRR of each active client (one month)")
def CS_ARR(mrr: Any) -> float:
    """ARR: 12 x the sum of MRR."""
    return m.arr_value(mrr)


@excel_function(mrr="MRR of each account (one month; blanks skipped)")
def CS_ARPA(mrr: Any) -> float:
    """ARPA/TMC: average MRR per paying account."""
    return m.arpa_value(mrr)


@excel_function(
    new_mrr="new MRR",
    expansion="expansion MRR",
    churn="churned MRR",
    contraction="contraction MRR",
    reactivation="reactivation MRR, default 0",
)
def CS_QUICK_RATIO(new_mrr: Any, expansion: Any, churn: Any, contraction: Any, reactivation: Any = None) -> float:
    """SaaS quick ratio: (new + expansion + reactivation) / (churn + contraction)."""
    return m.quick_ratio(new_mrr, expansion, churn, contraction, reactivation=_or(reactivation, 0.0))


# ----------------------------------------------------------------------------- value


@excel_function(
    per_row="a",
    method="fee_months, ticket, margin_churn or discounted",
    a="fee_months: monthly fee; ticket: average ticket; others: ARPA (a column: one LTV per row)",
    b="fee_months: lifetime months; ticket: purchases per year; others: churn rate",
    c="ticket: years; margin_churn: gross margin; discounted: discount rate",
    d="discounted: gross margin",
)
def CS_CLV(method: Any, a: Any, b: Any, c: Any = None, d: Any = None) -> float:
    """Customer lifetime value by the chosen method (see docs/excel.md for the arguments)."""
    return m.clv_value(_text(method, ""), a, b, c, d)


@excel_function(ltv="lifetime value", cac="customer acquisition cost")
def CS_LTV_CAC(ltv: Any, cac: Any) -> float:
    """LTV:CAC ratio."""
    return m.ltv_cac_ratio(ltv, cac)


@excel_function(
    cac="customer acquisition cost",
    new_customer_arpa="monthly revenue of a new customer",
    gross_margin="gross margin 0-1, default 1",
)
def CS_CAC_PAYBACK(cac: Any, new_customer_arpa: Any, gross_margin: Any = None) -> float:
    """CAC payback in months: CAC / (new-customer ARPA x gross margin)."""
    return m.cac_payback_months(cac, new_customer_arpa, gross_margin=_or(gross_margin, 1.0))


# ----------------------------------------------------------------------------- support and engagement


@excel_function(
    opened_at="when each ticket was opened",
    ended_at="first response (or resolution) of each ticket; blank = still open",
    statistic="'mean' (default) or 'median'",
)
def CS_TMR(opened_at: Any, ended_at: Any, statistic: Any = None) -> float:
    """TMR in hours: mean (or median) time from opening to first response or resolution."""
    result = m.response_times(opened_at, ended_at)
    return result.median_hours if _text(statistic, "mean") == "median" else result.mean_hours


@excel_function(active_users="active users", licensed_users="licensed users")
def CS_ADOPTION(active_users: Any, licensed_users: Any) -> float:
    """Adoption rate (0-1): active users / licensed users (sums over the ranges)."""
    return m.adoption_rate(active_users, licensed_users)


@excel_function(won="opportunities won", total="opportunities decided (won + lost)")
def CS_CONVERSION(won: Any, total: Any) -> float:
    """Upsell/cross-sell conversion rate (0-1): won / decided."""
    return m.conversion_rate(won, total)


@excel_function(
    spills=True,
    values="component subscores 0-100 (blank = not measured)",
    weights="component weights",
    names="component names",
)
def CS_HEALTH(values: Any, weights: Any, names: Any) -> Rows:
    """Weighted health score with its drivers: spills component, subscore, weight, contribution and a score row."""
    table = m.health_breakdown(values, weights, names)
    return [*_table(table), ["score", None, None, m.health_score(values, weights)]]


@excel_function(
    per_row="values",
    values="component subscores 0-100 (blank = not measured); several rows: one score per row",
    weights="component weights",
)
def CS_HEALTH_SCORE(values: Any, weights: Any) -> float:
    """Weighted health score 0-100 (weights of unmeasured components redistributed)."""
    return m.health_score(values, weights)


# ----------------------------------------------------------------------------- portfolio


@excel_function(revenue="revenue (MRR or ARR) per client", top="top share of clients, default 0.2")
def CS_PARETO(revenue: Any, top: Any = None) -> float:
    """Share (0-1) of revenue from the top x% of clients (default 20%)."""
    return m.pareto_share(revenue, top=_or(top, 0.2))


@excel_function(
    per_row="arr",
    arr="the account's ARR (a column: one touch model per row)",
    thresholds="lower ARR bounds of low, mid, high touch (3 cells)",
)
def CS_TOUCH_MODEL(arr: Any, thresholds: Any = None) -> str:
    """Touch model of an account by ARR: tech, low, mid or high."""
    cuts = m.DEFAULT_TOUCH_THRESHOLDS if thresholds is None else tuple(flatten(thresholds))
    return m.touch_model(arr, thresholds=cuts)


@excel_function(
    spills=True,
    ltv="LTV of each client",
    potential="expansion potential of each client (0-1+, blank = 0)",
    top_share="share of clients in tier 1, default 0.2",
    potential_min="potential for tier 2, default 0.2",
)
def CS_LTV_TIER(ltv: Any, potential: Any, top_share: Any = None, potential_min: Any = None) -> Rows:
    """LTV tier (1, 2 or 3) of each client: spills one tier per row."""
    ltv_col, potential_col = _columns(ltv, potential)
    frame = pd.DataFrame({"ltv": ltv_col, "potential": potential_col}, dtype=object)
    tiers = m.ltv_tiers(frame, top_share=_or(top_share, 0.2), potential_min=_or(potential_min, 0.2))
    rows: Rows = [[t] for t in tiers["tier"]]
    # One row per row given, blank rows at the end included (a spill keeps its input's height);
    # only a whole column stops after its last value.
    given = len(ltv) if isinstance(ltv, (list, tuple)) else 1
    return rows + [[None]] * (given - len(rows)) if given < WHOLE_COLUMN else rows


@excel_function(
    spills=True,
    touch_models="touch model of each account (tech/low/mid/high)",
    csm_count="CSMs in the team",
    csm_hours_per_month="hours per CSM per month, default 120",
    qbr_hours="hours per QBR, default 3",
)
def CS_CAPACITY(touch_models: Any, csm_count: Any, csm_hours_per_month: Any = None, qbr_hours: Any = None) -> Rows:
    """CSM capacity: spills workload, capacity and gap (hours/month), CSMs needed, accounts per CSM."""
    r = m.csm_capacity(
        _count_labels(touch_models),
        csm_count=csm_count,
        csm_hours_per_month=_or(csm_hours_per_month, 120.0),
        qbr_hours=_or(qbr_hours, 3.0),
    )
    return [
        ["workload_hours", r.workload_hours],
        ["capacity_hours", r.capacity_hours],
        ["gap_hours", r.gap_hours],
        ["csms_needed", r.csms_needed],
        ["accounts_per_csm", r.accounts_per_csm],
    ]


@excel_function(spills=True, **_MRR_DOCS, kind="'logo' (default) or 'revenue'", max_age="last age in months to show")
def CS_COHORTS(client_ids: Any, months: Any, mrr: Any, kind: Any = None, max_age: Any = None) -> Rows:
    """Cohort retention table: spills cohort, size, then retention at ages 0, 1, 2... months."""
    age = (
        None if max_age is None else int(check_number(max_age, name="max_age", func="CS_COHORTS", low=0, integer=True))
    )
    table = m.cohort_retention(m.mrr_frame(client_ids, months, mrr), kind=_text(kind, "logo"), max_age=age)  # type: ignore[arg-type]
    rates = table.rates
    header: list[Any] = ["cohort", "size", *(str(a) for a in rates.columns)]
    body = [
        [cohort.to_pydatetime(), table.sizes[cohort], *row]
        for cohort, row in zip(rates.index, rates.to_numpy(), strict=True)
    ]
    return [header, *body]


# ----------------------------------------------------------------------------- sBG (Fader & Hardie)


@excel_function(spills=True, active="customers of one cohort still active at periods 0..f (first = cohort size)")
def CS_SBG_FIT(active: Any) -> Rows:
    """Fit the shifted-beta-geometric model: spills one row alpha, beta, log_likelihood."""
    fit = m.sbg_fit(active)
    return [[fit.alpha, fit.beta, fit.log_likelihood]]


@excel_function(spills=True, alpha="sBG alpha", beta="sBG beta", periods="periods (whole numbers >= 0)")
def CS_SBG_SURVIVAL(alpha: Any, beta: Any, periods: Any) -> Rows:
    """Projected share of a cohort still active at each period: spills one value per row."""
    return [[v] for v in m.sbg_survival(alpha, beta, periods)]


@excel_function(
    alpha="sBG alpha", beta="sBG beta", discount_rate="discount rate per period", renewals="renewals made so far"
)
def CS_DERL(alpha: Any, beta: Any, discount_rate: Any, renewals: Any) -> float:
    """Discounted expected residual lifetime (periods) after a number of renewals."""
    return m.sbg_derl(alpha, beta, discount_rate=discount_rate, renewals=_or(renewals, 0))


# ----------------------------------------------------------------------------- explanations

_EXPLAIN_ARITY = 6  #: the most arguments a CS_ function takes


@excel_function(
    reads_errors=True,  # it explains the error its arguments cause
    function_name='the CS_ function to explain, e.g. "CS_NPS"',
    arg1="its first argument",
    arg2="its second argument",
    arg3="its third argument",
    arg4="its fourth argument",
    arg5="its fifth argument",
    arg6="its sixth argument",
)
def CS_EXPLAIN(
    function_name: Any,
    arg1: Any = None,
    arg2: Any = None,
    arg3: Any = None,
    arg4: Any = None,
    arg5: Any = None,
    arg6: Any = None,
) -> str:
    """Why a CS_ call shows an error: its one-line explanation (or 'no error'), e.g. =CS_EXPLAIN("CS_NPS", A1:A9)."""
    entry = REGISTRY.get(str(function_name).strip().upper()) if function_name is not None else None
    if entry is None or entry.name == "CS_EXPLAIN":
        raise InvalidInputError(
            f"argument 'function_name' must name a CS_ function, e.g. \"CS_NPS\"; got {function_name!r}."
        )
    given = [arg1, arg2, arg3, arg4, arg5, arg6]
    n = len(entry.args)
    result = entry.func(*given[:n], *(v for v in given[n:] if v is not None))
    parts = split_error(result)
    return f"{parts[1]} ({parts[0]})" if parts else "no error"


def to_serial(value: Any) -> Any:
    """A datetime as an Excel serial number (for hosts that cannot take datetimes).

    >>> to_serial(datetime(2026, 10, 1))
    46296.0
    """
    if isinstance(value, datetime):
        return (value - datetime(1899, 12, 30)).total_seconds() / 86400
    return value


def host_rows(result: Any) -> Any:
    """A result with datetimes as serial numbers and None kept (LibreOffice, Lite)."""
    if isinstance(result, Sequence) and not isinstance(result, str):
        return [[to_serial(v) for v in row] for row in result]
    return to_serial(result)

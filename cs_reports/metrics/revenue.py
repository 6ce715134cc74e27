"""Revenue metrics: ARR, ARPA, quick ratio, revenue/net churn, logo churn, GRR and NRR."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from cs_reports._validation import (
    ZeroDivision,
    as_month,
    as_values,
    check_choice,
    check_number,
    param_error,
    safe_divide,
    undefined,
)
from cs_reports.metrics.mrr import _month_pos, _movement_arrays, mrr_matrix

__all__ = [
    "arpa_value",
    "arr_value",
    "gross_revenue_retention_rate",
    "logo_churn_rate",
    "net_churn_rate",
    "net_revenue_retention_rate",
    "quick_ratio",
    "revenue_churn_rate",
]


def arr_value(mrr: Any) -> float:
    r"""Annual recurring revenue: 12 times the MRR.

    .. math:: \mathrm{ARR} = 12 \sum_i \mathrm{MRR}_i

    Parameters
    ----------
    mrr : array-like
        MRR amounts (>= 0), e.g. one per customer; blanks skipped.

    Returns
    -------
    float

    References
    ----------
    ChartMogul / Stripe: ARR = MRR x 12 (annual plans are normalised to MRR first).

    Examples
    --------
    >>> arr_value([100, 250.5, None])
    4206.0
    """
    return 12.0 * float(as_values(mrr, name="mrr", func="arr_value", low=0).sum())


def arpa_value(mrr: Any, *, client_ids: Any = None, zero_division: ZeroDivision = "warn") -> float:
    r"""Average revenue per account (ARPA, "ticket médio por cliente", TMC).

    .. math:: \mathrm{ARPA} = \frac{\mathrm{MRR}}{\#\,\text{paying customers}}

    Zero and blank MRR are not paying customers. With ``client_ids``, the MRR of one
    customer's subscriptions is merged before counting customers.

    Parameters
    ----------
    mrr : array-like
        MRR amounts (>= 0).
    client_ids : array-like, optional
        Same length as ``mrr``: the customer of each amount.
    zero_division : {"warn", "nan"} or float
        Result without paying customers.

    Returns
    -------
    float

    References
    ----------
    ChartMogul, "ARPA": customers paying 1, 1, 3, 5, 5 -> ARPA 3; founding document (TMC).

    Examples
    --------
    >>> arpa_value([1, 1, 3, 5, 5])
    3.0
    >>> arpa_value([10, 20, 30], client_ids=["a", "a", "b"])
    30.0
    """
    func = "arpa_value"
    if client_ids is None:
        values = as_values(mrr, name="mrr", func=func, low=0)
        paying = values[values > 0]
        return safe_divide(paying.sum(), paying.size, func=func, reason="no customer pays", zero_division=zero_division)
    amounts = as_values(mrr, name="mrr", func=func, low=0, keep_blanks=True)
    from cs_reports._validation import flatten

    ids = list(flatten(client_ids, trim=False))
    if len(ids) != amounts.size:
        raise param_error(func, "client_ids", f"as many values as mrr ({amounts.size})", f"{len(ids)}")
    frame = pd.DataFrame({"id": ids, "mrr": amounts}).dropna()
    totals = frame.groupby("id")["mrr"].sum()
    paying_totals = totals[totals > 0]
    return safe_divide(
        float(paying_totals.sum()),
        len(paying_totals),
        func=func,
        reason="no customer pays",
        zero_division=zero_division,
    )


def _amount(value: Any, name: str, func: str) -> float:
    return check_number(value, name=name, func=func, low=0)


def quick_ratio(
    new: Any,
    expansion: Any,
    churn: Any,
    contraction: Any,
    *,
    reactivation: Any = 0.0,
    include_reactivation: bool = True,
    zero_division: ZeroDivision = "warn",
) -> float:
    r"""SaaS quick ratio: MRR gained over MRR lost in a period.

    .. math:: \mathrm{QR} = \frac{\mathrm{new} + \mathrm{expansion} + \mathrm{reactivation}}
              {\mathrm{churn} + \mathrm{contraction}}

    Parameters
    ----------
    new, expansion, churn, contraction : float
        Movement amounts of the period (>= 0; churn and contraction as positive amounts).
    reactivation : float, default 0
        Reactivation MRR.
    include_reactivation : bool, default True
        Count reactivation as gained MRR (Mamoon Hamid's original counts new + expansion only).
    zero_division : {"warn", "nan"} or float
        Result when nothing was lost.

    Returns
    -------
    float
        > 4 is considered efficient growth, < 1 shrinking.

    References
    ----------
    M. Hamid (Social Capital), "SaaS quick ratio"; METRICS_REFERENCE "Quick ratio".

    Examples
    --------
    >>> quick_ratio(300, 100, 50, 50)
    4.0
    """
    func = "quick_ratio"
    gained = _amount(new, "new", func) + _amount(expansion, "expansion", func)
    react = _amount(reactivation, "reactivation", func)
    if include_reactivation:
        gained += react
    lost = _amount(churn, "churn", func) + _amount(contraction, "contraction", func)
    return safe_divide(gained, lost, func=func, reason="no MRR was lost", zero_division=zero_division)


def revenue_churn_rate(
    start_mrr: Any,
    churn: Any,
    contraction: Any,
    *,
    expansion: Any = 0.0,
    reactivation: Any = 0.0,
    kind: Literal["gross", "net"] = "gross",
    zero_division: ZeroDivision = "warn",
) -> float:
    r"""Revenue (MRR) churn rate, gross or net of expansion.

    .. math::

        \mathrm{gross} = \frac{\mathrm{churn} + \mathrm{contraction}}{\mathrm{MRR}_{start}}, \qquad
        \mathrm{net} = \frac{\mathrm{churn} + \mathrm{contraction} - \mathrm{expansion}
        - \mathrm{reactivation}}{\mathrm{MRR}_{start}}

    Net churn is negative when expansion outweighs losses ("negative churn").

    Parameters
    ----------
    start_mrr : float
        MRR at the start of the period (> 0).
    churn, contraction : float
        MRR lost (positive amounts).
    expansion, reactivation : float, default 0
        MRR gained from existing and returning customers (net only).
    kind : {"gross", "net"}, default "gross"
    zero_division : {"warn", "nan"} or float
        Result when ``start_mrr`` is 0.

    Returns
    -------
    float

    References
    ----------
    ChartMogul, "Net MRR churn rate": start 100, churn 10, contraction 10, expansion 10
    -> gross 20%, net 10%.

    Examples
    --------
    >>> revenue_churn_rate(100, 10, 10, expansion=10)
    0.2
    >>> revenue_churn_rate(100, 10, 10, expansion=10, kind="net")
    0.1
    """
    func = "revenue_churn_rate"
    how = check_choice(kind, ("gross", "net"), name="kind", func=func)
    base = _amount(start_mrr, "start_mrr", func)
    lost = _amount(churn, "churn", func) + _amount(contraction, "contraction", func)
    gained = _amount(expansion, "expansion", func) + _amount(reactivation, "reactivation", func)
    num = lost if how == "gross" else lost - gained
    return safe_divide(num, base, func=func, reason="MRR at the start is 0", zero_division=zero_division)


def net_churn_rate(
    start_mrr: Any,
    churn: Any,
    contraction: Any,
    expansion: Any,
    *,
    reactivation: Any = 0.0,
    zero_division: ZeroDivision = "warn",
) -> float:
    r"""Net churn of the founding documents: (churn + downsell - upsell) / MRR.

    .. math:: \mathrm{net\ churn} = \frac{\mathrm{churn} + \mathrm{downsell} - \mathrm{upsell}}{\mathrm{MRR}}

    Equal to :func:`revenue_churn_rate` with ``kind="net"``; reactivation is not in the
    founding definition (default 0) but can be passed to match ChartMogul's net MRR churn.
    A negative value means the month was positive: upsell exceeded losses.

    Parameters
    ----------
    start_mrr : float
        MRR at the start of the period.
    churn, contraction, expansion : float
        Churned MRR, downsell (contraction) and upsell (expansion), positive amounts.
    reactivation : float, default 0
    zero_division : {"warn", "nan"} or float

    Returns
    -------
    float

    References
    ----------
    Founding document ("net churn"); ChartMogul "Net MRR churn rate".

    Examples
    --------
    >>> net_churn_rate(1000, 30, 20, 80)
    -0.03
    """
    return revenue_churn_rate(
        start_mrr,
        churn,
        contraction,
        expansion=expansion,
        reactivation=reactivation,
        kind="net",
        zero_division=zero_division,
    )


def _frame_args(customer_col: str, period_col: str, mrr_col: str) -> dict[str, str]:
    return {"customer_col": customer_col, "period_col": period_col, "mrr_col": mrr_col}


def logo_churn_rate(
    frame: pd.DataFrame,
    *,
    start: Any,
    end: Any = None,
    same_period: Literal["exclude", "include"] = "exclude",
    customer_col: str = "client_id",
    period_col: str = "month",
    mrr_col: str = "mrr",
    zero_division: ZeroDivision = "warn",
) -> float:
    r"""Customer (logo) churn rate of a portfolio over the months ``start..end``.

    The base is the customers paying in the month before ``start``.

    * ``same_period="exclude"`` (ChartMogul standard):
      :math:`(\text{churned} - \text{joined and churned} - \text{churned and reactivated}) / \text{base}`,
      i.e. the base customers that are not paying at ``end``.
    * ``same_period="include"``: every churn event in the period, including customers
      who joined during it and customers who churned and came back, over the base.

    For a one-month period both policies agree.

    Parameters
    ----------
    frame : DataFrame
        MRR per client and month.
    start, end : month-like
        First and last month of the period (``end`` defaults to ``start``).
    same_period : {"exclude", "include"}, default "exclude"
        Policy for customers who join-and-churn or churn-and-reactivate in the period.
    customer_col, period_col, mrr_col : str
    zero_division : {"warn", "nan"} or float
        Result without customers at the start.

    Returns
    -------
    float
        Rate in [0, 1] ("exclude"); "include" can exceed 1 in pathological cases.

    References
    ----------
    ChartMogul, "Customer churn rate"; founding document: 100 at start, 10 lost -> 10%.

    Examples
    --------
    >>> df = pd.DataFrame({"client_id": list("abcab"), "month": ["2026-01"] * 3 + ["2026-02"] * 2, "mrr": [1] * 5})
    >>> logo_churn_rate(df, start="2026-02")
    0.3333333333333333
    """
    func = "logo_churn_rate"
    policy = check_choice(same_period, ("exclude", "include"), name="same_period", func=func)
    first = as_month(start, name="start", func=func)
    last = first if end is None else as_month(end, name="end", func=func)
    if last < first:
        raise param_error(func, "end", "a month on or after start", str(last.date())[:7])
    before = first - pd.DateOffset(months=1)
    matrix = mrr_matrix(frame, **_frame_args(customer_col, period_col, mrr_col), start=before, end=last)
    lo, hi = _month_pos(matrix.months, first), _month_pos(matrix.months, last)
    base = matrix.cents[:, lo - 1] > 0
    if policy == "exclude":
        lost = int(np.count_nonzero(base & (matrix.cents[:, hi] == 0)))
    else:
        churn = _movement_arrays(matrix.cents[:, : hi + 1])["churn"][:, lo : hi + 1]
        lost = int(np.count_nonzero(churn))
    return safe_divide(
        lost, int(base.sum()), func=func, reason="no customer was paying before start", zero_division=zero_division
    )


def _retention(
    frame: pd.DataFrame, as_of: Any, window: Any, gross: bool, cols: dict[str, str], func: str, zd: ZeroDivision
) -> float:
    w = int(check_number(window, name="window", func=func, low=1, integer=True))
    now = as_month(as_of, name="as_of", func=func)
    base_month = now - pd.DateOffset(months=w)
    matrix = mrr_matrix(frame, **cols, start=base_month, end=now)
    then = matrix.column(base_month)
    current = matrix.column(now)
    cohort = then > 0
    if not cohort.any():
        return undefined(func, f"no customer was paying in {base_month:%Y-%m}", zd)
    kept = np.minimum(current, then) if gross else current
    return float(kept[cohort].sum()) / float(then[cohort].sum())


def net_revenue_retention_rate(
    frame: pd.DataFrame,
    *,
    as_of: Any,
    window: int = 12,
    customer_col: str = "client_id",
    period_col: str = "month",
    mrr_col: str = "mrr",
    zero_division: ZeroDivision = "warn",
) -> float:
    r"""Net revenue retention (NRR, NDR) over a window of months.

    .. math:: \mathrm{NRR} = \frac{\sum_{i \in B} \mathrm{MRR}_i(t)}{\sum_{i \in B} \mathrm{MRR}_i(t - w)}

    where :math:`B` are the customers paying at the base month :math:`t - w`. New
    customers acquired after the base month are excluded; expansion counts.

    Parameters
    ----------
    frame : DataFrame
        MRR per client and month.
    as_of : month-like
        The month :math:`t`.
    window : int, default 12
        Months back to the base month (1, 3 and 12 are common; reports print it).
    customer_col, period_col, mrr_col : str
    zero_division : {"warn", "nan"} or float

    Returns
    -------
    float
        Can exceed 1.

    References
    ----------
    METRICS_REFERENCE "NRR/GRR" (ChartMogul, Baremetrics definitions).

    Examples
    --------
    >>> months = ["2025-10"] * 2 + ["2026-10"] * 2
    >>> df = pd.DataFrame({"client_id": list("abab"), "month": months, "mrr": [100, 100, 150, 20]})
    >>> net_revenue_retention_rate(df, as_of="2026-10")
    0.85
    """
    return _retention(
        frame,
        as_of,
        window,
        False,
        _frame_args(customer_col, period_col, mrr_col),
        "net_revenue_retention_rate",
        zero_division,
    )


def gross_revenue_retention_rate(
    frame: pd.DataFrame,
    *,
    as_of: Any,
    window: int = 12,
    customer_col: str = "client_id",
    period_col: str = "month",
    mrr_col: str = "mrr",
    zero_division: ZeroDivision = "warn",
) -> float:
    r"""Gross revenue retention (GRR) over a window: NRR with each customer capped at its base MRR.

    .. math:: \mathrm{GRR} = \frac{\sum_{i \in B} \min(\mathrm{MRR}_i(t), \mathrm{MRR}_i(t - w))}
              {\sum_{i \in B} \mathrm{MRR}_i(t - w)}

    Parameters
    ----------
    frame : DataFrame
        MRR per client and month.
    as_of : month-like
    window : int, default 12
    customer_col, period_col, mrr_col : str
    zero_division : {"warn", "nan"} or float

    Returns
    -------
    float
        In [0, 1]; always <= NRR.

    References
    ----------
    METRICS_REFERENCE "NRR/GRR".

    Examples
    --------
    >>> months = ["2025-10"] * 2 + ["2026-10"] * 2
    >>> df = pd.DataFrame({"client_id": list("abab"), "month": months, "mrr": [100, 100, 150, 20]})
    >>> gross_revenue_retention_rate(df, as_of="2026-10")
    0.6
    """
    return _retention(
        frame,
        as_of,
        window,
        True,
        _frame_args(customer_col, period_col, mrr_col),
        "gross_revenue_retention_rate",
        zero_division,
    )

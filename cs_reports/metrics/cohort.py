"""Cohort retention tables from MRR history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from cs_reports._validation import check_choice, check_number
from cs_reports.metrics.mrr import mrr_matrix

__all__ = ["CohortTable", "cohort_retention"]


@dataclass(frozen=True)
class CohortTable:
    """Retention by cohort and age.

    Attributes
    ----------
    rates : DataFrame
        Index: cohort month (first paid month); columns: age in months 0..k; values:
        share of the cohort still paying (``kind="logo"``) or MRR relative to the
        cohort's month-0 MRR (``kind="revenue"``). NaN where the age is not observed yet.
    sizes : Series
        Customers per cohort.
    start_mrr : Series
        The cohort's MRR in its first month.
    kind : str
        ``"logo"`` or ``"revenue"``.
    """

    rates: pd.DataFrame
    sizes: pd.Series
    start_mrr: pd.Series
    kind: str


def cohort_retention(
    frame: pd.DataFrame,
    *,
    kind: Literal["logo", "revenue"] = "logo",
    max_age: int | None = None,
    customer_col: str = "client_id",
    period_col: str = "month",
    mrr_col: str = "mrr",
) -> CohortTable:
    r"""Cohort retention table: customers grouped by the month of their first paid MRR.

    .. math::

        \mathrm{logo}_{c,k} = \frac{\#\{i \in c : \mathrm{MRR}_i(c + k) > 0\}}{|c|}, \qquad
        \mathrm{revenue}_{c,k} = \frac{\sum_{i \in c} \mathrm{MRR}_i(c + k)}{\sum_{i \in c} \mathrm{MRR}_i(c)}

    Reactivated customers count again at the ages where they pay (so a logo curve is
    not necessarily monotone); revenue retention above 1 means net expansion.

    Parameters
    ----------
    frame : DataFrame
        MRR per client and month.
    kind : {"logo", "revenue"}, default "logo"
    max_age : int, optional
        Keep ages 0..max_age only.
    customer_col, period_col, mrr_col : str

    Returns
    -------
    CohortTable

    References
    ----------
    ChartMogul, "Cohort analysis"; Fader & Hardie (2007) use the same survival layout.

    Examples
    --------
    >>> df = pd.DataFrame({"client_id": ["a", "a", "b", "b", "c"],
    ...                    "month": ["2026-01", "2026-02", "2026-01", "2026-02", "2026-02"],
    ...                    "mrr": [10, 10, 30, 0, 5]})
    >>> t = cohort_retention(df)
    >>> t.rates.round(2).to_numpy().tolist(), t.sizes.tolist()
    ([[1.0, 0.5], [1.0, nan]], [2, 1])
    """
    func = "cohort_retention"
    how = check_choice(kind, ("logo", "revenue"), name="kind", func=func)
    if max_age is not None:
        max_age = int(check_number(max_age, name="max_age", func=func, low=0, integer=True))
    matrix = mrr_matrix(frame, customer_col=customer_col, period_col=period_col, mrr_col=mrr_col)
    cents = matrix.cents
    paying = cents > 0
    ever = paying.any(axis=1)
    cents, paying = cents[ever], paying[ever]
    first = paying.argmax(axis=1)
    n_months = cents.shape[1]
    ages = n_months if max_age is None else min(max_age + 1, n_months)
    cohorts = np.unique(first)
    rates = np.full((len(cohorts), ages), np.nan)
    sizes = np.zeros(len(cohorts), dtype=np.int64)
    start_mrr = np.zeros(len(cohorts))
    for row, c in enumerate(cohorts):
        members = first == c
        sizes[row] = int(members.sum())
        block = cents[members, c : min(c + ages, n_months)]
        start_mrr[row] = block[:, 0].sum() / 100.0
        if how == "logo":
            rates[row, : block.shape[1]] = (block > 0).sum(axis=0) / sizes[row]
        else:
            rates[row, : block.shape[1]] = block.sum(axis=0) / block[:, 0].sum()
    index = pd.DatetimeIndex(matrix.months[cohorts], name="cohort")
    return CohortTable(
        rates=pd.DataFrame(rates, index=index, columns=pd.RangeIndex(ages, name="age")),
        sizes=pd.Series(sizes, index=index, name="customers"),
        start_mrr=pd.Series(start_mrr, index=index, name="start_mrr"),
        kind=how,
    )

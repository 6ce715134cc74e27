"""Spread invoices over their service periods into monthly MRR (no phantom churn)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cs_reports._validation import require_columns

__all__ = ["invoices_to_mrr"]

_DAYS_PER_MONTH = 365.25 / 12


def invoices_to_mrr(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn invoices into MRR rows: each amount spread evenly over its service months.

    The service period ``period_start..period_end`` (inclusive) lasts
    ``n = max(1, round(days / 30.44))`` months; the invoice contributes ``amount / n``
    to each of the ``n`` months starting with the month of ``period_start``. An annual
    invoice of 2,000 dated 2026-01-15..2027-01-14 gives 166.67 in Jan..Dec 2026, so the
    customer is not "churned" in the eleven months without an invoice.

    Parameters
    ----------
    frame : DataFrame
        Columns ``client_id, amount, period_start, period_end`` (dates).

    Returns
    -------
    DataFrame
        ``client_id, month, mrr`` (one row per invoice and month; several invoices of a
        client in a month add up in :func:`cs_reports.metrics.mrr_matrix`), plus ``_row``
        of the source invoice when present.

    References
    ----------
    ChartMogul: 4 x $500/yr billed $2,000 -> MRR 166.67; METRICS_REFERENCE "annual invoices
    must be spread over their service period".

    Examples
    --------
    >>> inv = pd.DataFrame({"client_id": ["a"], "amount": [2000.0],
    ...                     "period_start": [pd.Timestamp("2026-01-15")], "period_end": [pd.Timestamp("2027-01-14")]})
    >>> out = invoices_to_mrr(inv)
    >>> len(out), out["month"].min().date(), out["month"].max().date(), round(float(out["mrr"].iloc[0]), 2)
    (12, datetime.date(2026, 1, 1), datetime.date(2026, 12, 1), 166.67)
    """
    require_columns(frame, ["client_id", "amount", "period_start", "period_end"], name="frame", func="invoices_to_mrr")
    start = pd.to_datetime(frame["period_start"])
    end = pd.to_datetime(frame["period_end"])
    days = (end - start).dt.days.to_numpy() + 1
    n = np.maximum(1, np.rint(days / _DAYS_PER_MONTH)).astype(np.int64)
    rep = np.repeat(np.arange(len(frame)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    first = start.dt.to_period("M").to_numpy()
    months = pd.PeriodIndex(first[rep], freq="M") + offset
    out = pd.DataFrame(
        {
            "client_id": frame["client_id"].to_numpy()[rep],
            "month": months.to_timestamp(),
            "mrr": (frame["amount"].to_numpy(dtype=float) / n)[rep],
        }
    )
    if "_row" in frame.columns:
        out["_row"] = frame["_row"].to_numpy()[rep]
    return out

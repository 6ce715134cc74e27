"""Spread invoices over their service periods into monthly MRR (no phantom churn)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cs_reports._validation import check_choice, require_columns

__all__ = ["SPREADING", "invoices_to_mrr"]

_DAYS_PER_MONTH = 365.25 / 12


#: Spreading policies: equal service months (the default, as ChartMogul and Baremetrics spread
#: an annual plan) or service days (revenue-recognition style, a partial first and last month).
SPREADING = ("months", "days")


def invoices_to_mrr(frame: pd.DataFrame, *, spreading: str = "months") -> pd.DataFrame:
    r"""Turn invoices into MRR rows: each amount spread over its service months, to the cent.

    ``spreading="months"`` (default): the service period ``period_start..period_end``
    (inclusive) lasts ``n = max(1, round(days / 30.44))`` months; the invoice contributes
    ``amount / n`` to each of the ``n`` months starting with the month of ``period_start``.
    ``spreading="days"``: each calendar month touched by the period gets the share of the
    amount of its service days (a period from the 15th gives a partial first and last month).

    Either way the pieces are whole cents that add up exactly to the invoice. With ``"months"``
    every month gets the same ``floor(c / n)`` cents and the rounding remainder (fewer than
    ``n`` cents) goes to the **first** service month, so equal periods give equal months: an
    annual invoice of 2,000 dated 2026-01-15..2027-01-14 gives 166.74 in January and 166.66 in
    each of February..December 2026 (the customer is not "churned" in the eleven months
    without an invoice). With ``"days"`` each month gets its days' share in whole cents and the
    remainder cents go to the largest fractional shares (ties: the earlier month), computed in
    integers, so the result never depends on float rounding. Credit notes (negative amounts)
    are spread the same way, mirroring their invoice; :func:`~cs_reports.data.load_book` nets
    them per client and month.

    .. math:: \mathrm{piece}_k = \lfloor c / n \rfloor + [k = 0]\,(c \bmod n), \quad c = \mathrm{round}(100\,a)

    Parameters
    ----------
    frame : DataFrame
        Columns ``client_id, amount, period_start, period_end`` (dates).
    spreading : {"months", "days"}
        The spreading policy (printed with the numbers that use it).

    Returns
    -------
    DataFrame
        ``client_id, month, mrr`` (one row per invoice and month; several invoices of a
        client in a month add up in :func:`cs_reports.metrics.mrr_matrix`), plus ``_row``
        of the source invoice when present.

    References
    ----------
    ChartMogul (help center, "MRR calculation"): an annual plan's amount is divided by the
    months of its service period (4 x $500/yr billed $2,000 -> MRR 166.67), i.e. spread by
    months, not days; METRICS_REFERENCE "annual invoices must be spread over their service
    period". The ``"days"`` policy follows revenue recognition by service days (ASC 606 /
    IFRS 15 ratable recognition), not ChartMogul.

    Examples
    --------
    >>> inv = pd.DataFrame({"client_id": ["a"], "amount": [2000.0],
    ...                     "period_start": [pd.Timestamp("2026-01-15")], "period_end": [pd.Timestamp("2027-01-14")]})
    >>> out = invoices_to_mrr(inv)
    >>> len(out), out["month"].min().date(), out["month"].max().date(), out["mrr"].iloc[:3].tolist()
    (12, datetime.date(2026, 1, 1), datetime.date(2026, 12, 1), [166.74, 166.66, 166.66])
    >>> round(float(out["mrr"].sum()), 2), round(float(invoices_to_mrr(inv, spreading="days")["mrr"].sum()), 2)
    (2000.0, 2000.0)
    """
    require_columns(frame, ["client_id", "amount", "period_start", "period_end"], name="frame", func="invoices_to_mrr")
    check_choice(spreading, SPREADING, name="spreading", func="invoices_to_mrr")
    start = pd.to_datetime(frame["period_start"])
    end = pd.to_datetime(frame["period_end"])
    cents = np.rint(frame["amount"].to_numpy(dtype=float) * 100).astype(np.int64)
    first = start.dt.to_period("M").to_numpy()
    if spreading == "days":
        return _by_days(frame, start, end, cents)
    days = (end - start).dt.days.to_numpy() + 1
    n = np.maximum(1, np.rint(days / _DAYS_PER_MONTH)).astype(np.int64)
    rep = np.repeat(np.arange(len(frame)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    months = pd.PeriodIndex(first[rep], freq="M") + offset
    # Spread the size and keep the sign, so a credit note mirrors the invoice it cancels cent by cent.
    sign, size = np.sign(cents), np.abs(cents)
    base = size // n  # floor division: the remainder (0 <= r < n) is spread one cent at a time
    remainder = size - base * n
    pieces = sign[rep] * (base[rep] + (offset == 0) * remainder[rep])
    out = pd.DataFrame(
        {
            "client_id": frame["client_id"].to_numpy()[rep],
            "month": months.to_timestamp(),
            "mrr": pieces / 100.0,
        }
    )
    if "_row" in frame.columns:
        out["_row"] = frame["_row"].to_numpy()[rep]
    return out


def _by_days(frame: pd.DataFrame, start: pd.Series, end: pd.Series, cents: np.ndarray) -> pd.DataFrame:
    """Each month touched gets its service days' share, in whole cents (integer largest remainder)."""
    end = end.where(end >= start, start)
    first = start.dt.to_period("M").to_numpy()
    last = end.dt.to_period("M").to_numpy()
    n = (
        np.array([(b - a).n for a, b in zip(first, last, strict=True)], dtype=np.int64) + 1
        if len(frame)
        else np.zeros(0, np.int64)
    )
    rep = np.repeat(np.arange(len(frame)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    months = (pd.PeriodIndex(first[rep], freq="M") + offset).to_timestamp()
    month_end = months + pd.offsets.MonthEnd(0)
    s, e = start.to_numpy()[rep], end.to_numpy()[rep]
    lo = np.maximum(s, months.to_numpy())
    hi = np.minimum(e, month_end.to_numpy())
    days = ((hi - lo) // np.timedelta64(1, "D")).astype(np.int64) + 1
    total = np.bincount(rep, weights=days, minlength=len(frame)).astype(np.int64)
    size = np.abs(cents)  # the size is spread; the sign is kept (credit notes mirror)
    share = size[rep] * days  # exact integers: share / total[rep] cents
    base = share // total[rep]
    frac = share - base * total[rep]  # the remainder, compared as integers (no float ties)
    short = size - np.bincount(rep, weights=base, minlength=len(frame)).astype(np.int64)
    # Rank each invoice's months by remainder (largest first, earlier month on ties) and give one cent
    # to the first `short` of them.
    order = np.lexsort((offset, -frac, rep))
    rank = np.empty_like(order)
    starts = np.cumsum(n) - n
    rank[order] = np.arange(len(order)) - np.repeat(starts, n)
    pieces = (base + (rank < short[rep])) * np.sign(cents)[rep]
    out = pd.DataFrame({"client_id": frame["client_id"].to_numpy()[rep], "month": months, "mrr": pieces / 100.0})
    if "_row" in frame.columns:
        out["_row"] = frame["_row"].to_numpy()[rep]
    return out

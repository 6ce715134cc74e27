"""Spread invoices over their service periods into monthly MRR (no phantom churn)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cs_reports._validation import check_choice, require_columns

__all__ = ["SPREADING", "invoices_to_mrr"]

_DAYS_PER_MONTH = 365.25 / 12


#: Spreading policies: equal months (the default) or service days (ChartMogul's way).
SPREADING = ("months", "days")


def invoices_to_mrr(frame: pd.DataFrame, *, spreading: str = "months") -> pd.DataFrame:
    r"""Turn invoices into MRR rows: each amount spread over its service months, to the cent.

    ``spreading="months"`` (default): the service period ``period_start..period_end``
    (inclusive) lasts ``n = max(1, round(days / 30.44))`` months; the invoice contributes
    ``amount / n`` to each of the ``n`` months starting with the month of ``period_start``.
    ``spreading="days"``: each calendar month touched by the period gets the share of the
    amount of its service days (a period from the 15th gives a partial first and last month).

    Either way the pieces are whole cents that add up exactly to the invoice (the remainder
    cents go to the first months, largest remainders first). An annual invoice of 2,000 dated
    2026-01-15..2027-01-14 gives 166.67 x 8 + 166.66 x 4 in Jan..Dec 2026, so the customer is
    not "churned" in the eleven months without an invoice. Credit notes (negative amounts) are
    spread the same way; :func:`~cs_reports.data.load_book` nets them per client and month.

    .. math:: \mathrm{piece}_k = \lfloor c / n \rfloor + [k < c \bmod n], \quad c = \mathrm{round}(100\,a)

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
    ChartMogul: 4 x $500/yr billed $2,000 -> MRR 166.67, revenue recognised by service days;
    METRICS_REFERENCE "annual invoices must be spread over their service period".

    Examples
    --------
    >>> inv = pd.DataFrame({"client_id": ["a"], "amount": [2000.0],
    ...                     "period_start": [pd.Timestamp("2026-01-15")], "period_end": [pd.Timestamp("2027-01-14")]})
    >>> out = invoices_to_mrr(inv)
    >>> len(out), out["month"].min().date(), out["month"].max().date(), round(float(out["mrr"].iloc[0]), 2)
    (12, datetime.date(2026, 1, 1), datetime.date(2026, 12, 1), 166.67)
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
    pieces = sign[rep] * (base[rep] + (offset < remainder[rep]))
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
    ids, months, amounts, rows = [], [], [], []
    has_row = "_row" in frame.columns
    for k, (s, e, c) in enumerate(zip(start, end, cents, strict=True)):
        e = max(e, s)
        edges = pd.date_range(s.to_period("M").to_timestamp(), e, freq="MS")
        days = np.array([(min(e, m + pd.offsets.MonthEnd(0)) - max(s, m)).days + 1 for m in edges], dtype=np.int64)
        exact = abs(int(c)) * days / days.sum()  # the size is spread; the sign is kept (credit notes mirror)
        pieces = np.floor(exact).astype(np.int64)
        short = abs(int(c)) - int(pieces.sum())
        pieces[np.argsort(-(exact - pieces), kind="stable")[:short]] += 1  # largest remainders first
        pieces *= 1 if c >= 0 else -1
        ids += [frame["client_id"].iloc[k]] * len(edges)
        months += list(edges)
        amounts += (pieces / 100.0).tolist()
        if has_row:
            rows += [frame["_row"].iloc[k]] * len(edges)
    out = pd.DataFrame({"client_id": ids, "month": pd.DatetimeIndex(months), "mrr": amounts})
    if has_row:
        out["_row"] = rows
    return out

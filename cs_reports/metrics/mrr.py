"""MRR history: the client x month matrix, the monthly MRR bridge and its movements.

All movement arithmetic runs on integer cents, so that every month of the bridge
reconciles exactly: ``start + new + expansion + reactivation - contraction - churn = end``
and each month's ``end`` is the next month's ``start``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cs_reports._validation import as_month, as_months, as_values, param_error, require_columns

__all__ = [
    "MOVEMENT_COLUMNS",
    "MRRMatrix",
    "customer_movements",
    "mrr_frame",
    "mrr_matrix",
    "mrr_movements",
]

MOVEMENT_COLUMNS = ("month", "start", "new", "expansion", "contraction", "churn", "reactivation", "end")
_KINDS = ("new", "expansion", "contraction", "churn", "reactivation")

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MRRMatrix:
    """Dense MRR history: ``cents[i, j]`` is client ``clients[i]``'s MRR in ``months[j]``, in cents.

    Absent months are 0. ``months`` is a contiguous monthly range.
    """

    cents: IntArray
    clients: pd.Index
    months: pd.DatetimeIndex

    def column(self, month: pd.Timestamp) -> IntArray:
        """MRR of every client in ``month`` (zeros outside the covered range)."""
        pos = _month_pos(self.months, month)
        if 0 <= pos < len(self.months):
            return self.cents[:, pos]
        return np.zeros(len(self.clients), dtype=np.int64)


def _month_pos(months: pd.DatetimeIndex, month: pd.Timestamp) -> int:
    first = months[0]
    return (month.year - first.year) * 12 + (month.month - first.month)


def mrr_frame(client_ids: Any, months: Any, mrr: Any) -> pd.DataFrame:
    """Build the canonical MRR frame from three equal-length columns (an Excel UDF's ranges).

    Rows whose three cells are all blank are dropped (trailing blanks of whole-column
    references); a row with some but not all cells blank is an error naming the position.

    Parameters
    ----------
    client_ids : array-like
        Customer identifiers (text or numbers).
    months : array-like
        Months: dates, ``'YYYY-MM'`` text or Excel serial dates.
    mrr : array-like
        MRR amounts, >= 0.

    Returns
    -------
    DataFrame
        Columns ``client_id`` (str), ``month`` (first-of-month Timestamp), ``mrr`` (float).

    Examples
    --------
    >>> mrr_frame(["a", "b", None], ["2026-01", "2026-01", None], [100, 50.5, None])
      client_id      month    mrr
    0         a 2026-01-01  100.0
    1         b 2026-01-01   50.5
    """
    func = "mrr_frame"
    amounts = as_values(mrr, name="mrr", func=func, low=0, keep_blanks=True)
    ids = _flat_list(client_ids)
    raw_months = _flat_list(months)
    n = max(len(ids), len(raw_months), len(amounts))
    ids += [None] * (n - len(ids))
    raw_months += [None] * (n - len(raw_months))
    amounts = np.concatenate([amounts, np.full(n - len(amounts), np.nan)])
    blank_id = np.array([v is None or (isinstance(v, str) and not v.strip()) or v != v for v in ids], dtype=bool)
    blank_month = np.array(
        [v is None or (isinstance(v, str) and not v.strip()) or v != v for v in raw_months], dtype=bool
    )
    blank_mrr = np.isnan(amounts)
    all_blank = blank_id & blank_month & blank_mrr
    partial = (blank_id | blank_month | blank_mrr) & ~all_blank
    if partial.any():
        pos = int(np.flatnonzero(partial)[0])
        name = "client_ids" if blank_id[pos] else "months" if blank_month[pos] else "mrr"
        raise param_error(func, name, "a value in every row that has data", f"a blank at position {pos + 1}")
    keep = ~all_blank
    if not keep.any():
        raise param_error(func, "client_ids", "at least one row with a client id, a month and an MRR", "only blanks")
    id_values = [_id_text(v) for v, k in zip(ids, keep, strict=True) if k]
    month_values = as_months([v for v, k in zip(raw_months, keep, strict=True) if k], name="months", func=func)
    return pd.DataFrame({"client_id": id_values, "month": month_values, "mrr": amounts[keep]})


def _flat_list(values: Any) -> list[Any]:
    from cs_reports._validation import flatten

    return list(flatten(values, trim=False))


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel passes numeric ids as floats: 1001.0 -> "1001"
    return str(value).strip()


def _month_codes(values: pd.Series, *, name: str, func: str) -> npt.NDArray[np.int64]:
    """Months since 1970-01 for each row (fast path for datetime64 columns)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype) and not values.isna().any():
        arr = values.to_numpy()
        if getattr(values.dtype, "tz", None) is not None:
            arr = values.dt.tz_localize(None).to_numpy()
        return arr.astype("datetime64[M]").astype(np.int64)
    idx = as_months(values, name=name, func=func)
    return idx.to_numpy().astype("datetime64[M]").astype(np.int64)


def mrr_matrix(
    frame: pd.DataFrame,
    *,
    customer_col: str = "client_id",
    period_col: str = "month",
    mrr_col: str = "mrr",
    start: Any = None,
    end: Any = None,
) -> MRRMatrix:
    """Dense client x month matrix of MRR in integer cents.

    Several rows for the same client and month (several subscriptions) are summed.
    The month range runs from the earliest of the data and ``start`` to the latest of
    the data and ``end``; absent months are 0.

    Parameters
    ----------
    frame : DataFrame
        One row per client, month (and subscription) with the MRR.
    customer_col, period_col, mrr_col : str
        Column names.
    start, end : month-like, optional
        Extend the range to include these months.

    Returns
    -------
    MRRMatrix

    Examples
    --------
    >>> df = pd.DataFrame({"client_id": ["a", "a", "b"], "month": ["2026-01", "2026-03", "2026-02"], "mrr": [1, 2, 3]})
    >>> m = mrr_matrix(df)
    >>> m.cents.tolist(), list(m.clients), [str(x.date()) for x in m.months]
    ([[100, 0, 200], [0, 300, 0]], ['a', 'b'], ['2026-01-01', '2026-02-01', '2026-03-01'])
    """
    func = "mrr_matrix"
    require_columns(frame, [customer_col, period_col, mrr_col], name="frame", func=func)
    amounts = frame[mrr_col]
    if pd.api.types.is_float_dtype(amounts.dtype) or pd.api.types.is_integer_dtype(amounts.dtype):
        values = amounts.to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise param_error(func, "frame", f"MRR >= 0 in column '{mrr_col}'", f"{values[pos]} at row {pos + 1}")
    else:
        values = as_values(amounts, name=f"frame['{mrr_col}']", func=func, low=0, keep_blanks=True)
        if np.isnan(values).any():
            pos = int(np.flatnonzero(np.isnan(values))[0])
            raise param_error(func, "frame", f"MRR >= 0 in column '{mrr_col}'", f"a blank at row {pos + 1}")
    codes = _month_codes(frame[period_col], name=f"frame['{period_col}']", func=func)
    bounds = [int(codes.min()), int(codes.max())] if len(codes) else []
    for extra in (start, end):
        if extra is not None:
            m = as_month(extra, name="start" if extra is start else "end", func=func)
            bounds.append((m.year - 1970) * 12 + m.month - 1)
    if not bounds:
        raise param_error(func, "frame", "at least one MRR row or a start/end month", "an empty frame")
    first, last = min(bounds), max(bounds)
    n_months = last - first + 1
    client_codes, clients = pd.factorize(frame[customer_col], sort=True)
    if (client_codes < 0).any():
        pos = int(np.flatnonzero(client_codes < 0)[0])
        raise param_error(func, "frame", f"a client id in column '{customer_col}'", f"a blank at row {pos + 1}")
    cents = np.rint(values * 100.0)
    flat = client_codes.astype(np.int64) * n_months + (codes - first)
    summed = np.bincount(flat, weights=cents, minlength=len(clients) * n_months)
    matrix = np.rint(summed).astype(np.int64).reshape(len(clients), n_months)
    months = pd.date_range(
        pd.Timestamp(year=1970 + first // 12, month=first % 12 + 1, day=1), periods=n_months, freq="MS"
    )
    return MRRMatrix(matrix, pd.Index(clients, name=customer_col), months)


def _movement_arrays(cents: IntArray) -> dict[str, IntArray]:
    """Per client and month movement amounts (cents), from the dense matrix."""
    prev = np.empty_like(cents)
    prev[:, 0] = 0
    prev[:, 1:] = cents[:, :-1]
    paying = cents > 0
    was_paying = prev > 0
    seen = np.zeros_like(paying)
    seen[:, 1:] = np.logical_or.accumulate(paying, axis=1)[:, :-1]
    starts = paying & ~was_paying
    zero = np.zeros((), dtype=np.int64)
    return {
        "start": prev,
        "new": np.where(starts & ~seen, cents, zero),
        "reactivation": np.where(starts & seen, cents, zero),
        "churn": np.where(was_paying & ~paying, prev, zero),
        "expansion": np.where(was_paying & (cents > prev), cents - prev, zero),
        "contraction": np.where(was_paying & paying & (cents < prev), prev - cents, zero),
        "end": cents,
    }


def _window(months: pd.DatetimeIndex, start: Any, end: Any, func: str) -> tuple[int, int]:
    lo = 0 if start is None else _month_pos(months, as_month(start, name="start", func=func))
    hi = len(months) - 1 if end is None else _month_pos(months, as_month(end, name="end", func=func))
    if hi < lo:
        raise param_error(func, "end", "a month on or after start", str(months[0] + pd.DateOffset(months=hi))[:7])
    return lo, hi


def mrr_movements(
    frame: pd.DataFrame,
    *,
    customer_col: str = "client_id",
    period_col: str = "month",
    mrr_col: str = "mrr",
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    r"""Monthly MRR bridge of a portfolio: start, movements and end of each month.

    Movements follow ChartMogul's definitions, per customer (a customer's
    subscriptions are merged first):

    * **new**: first paid MRR ever;
    * **reactivation**: MRR of a former paying customer after at least one month at 0;
    * **expansion** / **contraction**: increase / decrease of a customer paying in both months;
    * **churn**: a paying customer's MRR goes to 0 (the amount lost, reported positive).

    .. math:: \mathrm{end} = \mathrm{start} + \mathrm{new} + \mathrm{expansion}
              + \mathrm{reactivation} - \mathrm{contraction} - \mathrm{churn}

    The identity holds exactly (the work is done in integer cents). Exchange-rate
    changes are never movements: convert before calling. Churn is dated in the first
    month at 0 (the month after the last paid month).

    Parameters
    ----------
    frame : DataFrame
        MRR per client and month (see :func:`mrr_frame`); absent months mean 0.
    customer_col, period_col, mrr_col : str
        Column names.
    start, end : month-like, optional
        First and last month of the bridge (default: the whole history). History before
        ``start`` is still used to tell new customers from reactivations.

    Returns
    -------
    DataFrame
        Columns :data:`MOVEMENT_COLUMNS`, one row per month, amounts in currency units.

    References
    ----------
    ChartMogul, "MRR movements" (new, expansion, contraction, churn, reactivation);
    D. Skok, "SaaS Metrics 2.0"; Stripe, "MRR" (annual plans normalised to /12).

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "client_id": ["a", "a", "a", "b", "b", "a"],
    ...     "month": ["2026-01", "2026-02", "2026-03", "2026-02", "2026-03", "2026-05"],
    ...     "mrr": [100, 150, 120, 50, 0, 80]})
    >>> mrr_movements(df).drop(columns="month").to_numpy().tolist()[1:]  # doctest: +NORMALIZE_WHITESPACE
    [[100.0, 50.0, 50.0, 0.0, 0.0, 0.0, 200.0],
     [200.0, 0.0, 0.0, 30.0, 50.0, 0.0, 120.0],
     [120.0, 0.0, 0.0, 0.0, 120.0, 0.0, 0.0],
     [0.0, 0.0, 0.0, 0.0, 0.0, 80.0, 80.0]]
    """
    func = "mrr_movements"
    matrix = mrr_matrix(frame, customer_col=customer_col, period_col=period_col, mrr_col=mrr_col, start=start, end=end)
    lo, hi = _window(matrix.months, start, end, func)
    parts = _movement_arrays(matrix.cents[:, : hi + 1])
    out = {"month": matrix.months[lo : hi + 1]}
    for col in MOVEMENT_COLUMNS[1:]:
        out[col] = parts[col][:, lo : hi + 1].sum(axis=0) / 100.0
    return pd.DataFrame(out, columns=list(MOVEMENT_COLUMNS))


def customer_movements(
    frame: pd.DataFrame,
    *,
    customer_col: str = "client_id",
    period_col: str = "month",
    mrr_col: str = "mrr",
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """Each customer's movements, for drilling into the bridge of :func:`mrr_movements`.

    Returns
    -------
    DataFrame
        Columns ``client_id, month, movement, amount`` (movement in new, expansion,
        contraction, churn, reactivation; amount positive, currency units), one row
        per non-zero movement, sorted by month and client. Summing ``amount`` by
        ``month`` and ``movement`` gives the bridge.

    References
    ----------
    ChartMogul, "MRR movements".

    Examples
    --------
    >>> df = pd.DataFrame({"client_id": ["a", "a", "b"], "month": ["2026-01", "2026-02", "2026-02"], "mrr": [10, 0, 5]})
    >>> customer_movements(df).to_numpy().tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['a', Timestamp('2026-01-01 00:00:00'), 'new', 10.0],
     ['a', Timestamp('2026-02-01 00:00:00'), 'churn', 10.0],
     ['b', Timestamp('2026-02-01 00:00:00'), 'new', 5.0]]
    """
    func = "customer_movements"
    matrix = mrr_matrix(frame, customer_col=customer_col, period_col=period_col, mrr_col=mrr_col, start=start, end=end)
    lo, hi = _window(matrix.months, start, end, func)
    parts = _movement_arrays(matrix.cents[:, : hi + 1])
    pieces = []
    for kind in _KINDS:
        amounts = parts[kind][:, lo : hi + 1]
        rows, cols = np.nonzero(amounts)
        pieces.append(
            pd.DataFrame(
                {
                    "client_id": matrix.clients[rows],
                    "month": matrix.months[lo + cols],
                    "movement": kind,
                    "amount": amounts[rows, cols] / 100.0,
                }
            )
        )
    out = pd.concat(pieces, ignore_index=True)
    return out.sort_values(["month", "client_id", "movement"], kind="stable").reset_index(drop=True)

"""Support metrics: TMR (tempo médio de resposta), first-response and resolution times."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from cs_reports._validation import as_datetimes, param_error, undefined

__all__ = ["TMRResult", "response_times"]


@dataclass(frozen=True, slots=True)
class TMRResult:
    """Mean and median elapsed time, in hours, over ``n`` answered requests.

    ``open`` counts requests without an end time yet (excluded from the times).
    """

    mean_hours: float
    median_hours: float
    n: int
    open: int


def response_times(opened_at: Any, ended_at: Any) -> TMRResult:
    r"""TMR: mean and median time from opening to first response (or to resolution).

    .. math:: \mathrm{TMR} = \frac{1}{n} \sum_i (t^{end}_i - t^{open}_i)

    The same function gives both support times: pass ``first_response_at`` as
    ``ended_at`` for the first-response time, ``resolved_at`` for the resolution time.
    Requests whose end is blank are still open: they are counted in ``open`` and
    excluded from the times. The median is reported too because a few old tickets
    dominate the mean.

    Parameters
    ----------
    opened_at, ended_at : array-like of datetimes
        Same length; datetimes, ISO text or Excel serial date-times.

    Returns
    -------
    TMRResult
        Hours; NaN with :class:`~cs_reports.errors.UndefinedMetricWarning` when no request
        has an end time.

    Raises
    ------
    InvalidInputError
        Different lengths, an end before its start, or a blank opening time with an end.

    References
    ----------
    Founding document: "tempo médio de resposta" (TMR), the mean time to answer customer
    requests (tickets, e-mails, calls) in the period; example 4 h.

    Examples
    --------
    >>> r = response_times(["2026-10-01 09:00", "2026-10-01 10:00"], ["2026-10-01 12:00", "2026-10-01 15:00"])
    >>> r.mean_hours, r.median_hours, r.n
    (4.0, 4.0, 2)
    """
    func = "response_times"
    start = as_datetimes(opened_at, name="opened_at", func=func)
    end = as_datetimes(ended_at, name="ended_at", func=func)
    if len(start) != len(end):
        raise param_error(func, "ended_at", f"as many values as opened_at ({len(start)})", f"{len(end)}")
    has_end = ~np.asarray(end.isna())
    no_start = np.asarray(start.isna()) & has_end
    if no_start.any():
        pos = int(np.flatnonzero(no_start)[0]) + 1
        raise param_error(func, "opened_at", "a date for every request with an end", f"a blank at position {pos}")
    hours = (end[has_end] - start[has_end]).total_seconds().to_numpy() / 3600.0
    if (hours < 0).any():
        pos = int(np.flatnonzero(has_end)[int(np.flatnonzero(hours < 0)[0])]) + 1
        raise param_error(func, "ended_at", "times after opened_at", f"an earlier time at position {pos}")
    n_open = int((~has_end & ~np.asarray(start.isna())).sum())
    if hours.size == 0:
        nan = undefined(func, "no request has an end time")
        return TMRResult(nan, math.nan, 0, n_open)
    return TMRResult(float(hours.mean()), float(np.median(hours)), int(hours.size), n_open)

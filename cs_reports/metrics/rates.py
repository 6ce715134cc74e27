"""Count-based customer rates from the founding documents: churn, retention, renewal."""

from __future__ import annotations

from typing import Any

from cs_reports._validation import ZeroDivision, check_number, flatten, is_blank, param_error, safe_divide

__all__ = ["churn_rate", "renewal_rate", "renewal_rate_from_outcomes", "retention_rate"]

_OUTCOMES = {
    "renewed": "renewed",
    "renovado": "renewed",
    "renovada": "renewed",
    "churned": "churned",
    "cancelado": "churned",
    "cancelada": "churned",
    "churn": "churned",
    "pending": "pending",
    "pendente": "pending",
}


def _count(value: Any, name: str, func: str) -> float:
    return check_number(value, name=name, func=func, low=0, integer=True)


def churn_rate(lost: Any, at_start: Any, *, zero_division: ZeroDivision = "warn") -> float:
    r"""Customer (logo) churn rate from counts: customers lost / customers at the start.

    .. math:: \mathrm{churn} = \frac{L}{S}

    For the portfolio version computed from MRR history (with the same-period policy),
    see :func:`cs_reports.metrics.logo_churn_rate`.

    Parameters
    ----------
    lost : int
        Customers of the starting base lost during the period (0 <= lost <= at_start).
    at_start : int
        Customers at the start of the period.
    zero_division : {"warn", "nan"} or float
        Result when ``at_start`` is 0.

    Returns
    -------
    float
        Rate in [0, 1].

    References
    ----------
    Founding document: 100 customers at the start, 10 lost -> 10%.

    Examples
    --------
    >>> churn_rate(10, 100)
    0.1
    """
    func = "churn_rate"
    s = _count(at_start, "at_start", func)
    n = check_number(lost, name="lost", func=func, low=0, high=s, integer=True)
    return safe_divide(n, s, func=func, reason="there are no customers at the start", zero_division=zero_division)


def retention_rate(at_start: Any, at_end: Any, new: Any, *, zero_division: ZeroDivision = "warn") -> float:
    r"""Customer retention rate: customers kept from the starting base.

    .. math:: \mathrm{CRR} = \frac{E - N}{S}

    with :math:`S` customers at the start, :math:`E` at the end and :math:`N` new ones
    acquired during the period. ``churn_rate + retention_rate = 1`` when every customer
    at the end that is not new belongs to the starting base.

    Parameters
    ----------
    at_start, at_end, new : int
        Counts; ``new <= at_end`` and ``at_end - new <= at_start``.
    zero_division : {"warn", "nan"} or float
        Result when ``at_start`` is 0.

    Returns
    -------
    float
        Rate in [0, 1].

    References
    ----------
    Founding documents (retention rate among the core CS metrics); the standard
    customer retention rate formula (E - N) / S.

    Examples
    --------
    >>> retention_rate(100, 105, 15)
    0.9
    """
    func = "retention_rate"
    s = _count(at_start, "at_start", func)
    e = _count(at_end, "at_end", func)
    n = check_number(new, name="new", func=func, low=0, high=e, integer=True)
    if e - n > s:
        raise param_error(func, "at_end", f"at most at_start + new = {s + n:g}", f"{e:g}")
    return safe_divide(e - n, s, func=func, reason="there are no customers at the start", zero_division=zero_division)


def renewal_rate(renewed: Any, due: Any, *, zero_division: ZeroDivision = "warn") -> float:
    r"""Subscription renewal rate: renewed / subscriptions that came up for renewal.

    .. math:: \mathrm{renewal} = \frac{R}{D}

    Parameters
    ----------
    renewed : int
        Renewals among the ``due`` subscriptions (0 <= renewed <= due).
    due : int
        Subscriptions that came up for renewal in the period.
    zero_division : {"warn", "nan"} or float
        Result when nothing was due.

    Returns
    -------
    float
        Rate in [0, 1].

    References
    ----------
    Founding document: 80 due, 75 renewed -> 93.75%.

    Examples
    --------
    >>> renewal_rate(75, 80)
    0.9375
    """
    func = "renewal_rate"
    d = _count(due, "due", func)
    r = check_number(renewed, name="renewed", func=func, low=0, high=d, integer=True)
    return safe_divide(r, d, func=func, reason="no subscription was due", zero_division=zero_division)


def renewal_rate_from_outcomes(outcomes: Any, *, zero_division: ZeroDivision = "warn") -> float:
    r"""Renewal rate from a column of outcomes (the ``Renewals`` sheet).

    .. math:: \mathrm{renewal} = \frac{\#\mathrm{renewed}}{\#\mathrm{renewed} + \#\mathrm{churned}}

    ``pending`` outcomes are not decided yet and are excluded; blanks are skipped.
    Accepted values (case-insensitive): renewed/renovado, churned/cancelado,
    pending/pendente.

    Parameters
    ----------
    outcomes : array-like of str
        One outcome per subscription due.
    zero_division : {"warn", "nan"} or float
        Result when no outcome is decided.

    Returns
    -------
    float
        Rate in [0, 1].

    References
    ----------
    Founding document (subscription renewal rate).

    Examples
    --------
    >>> renewal_rate_from_outcomes(["renewed", "Renovado", "churned", "pending", None])
    0.6666666666666666
    """
    func = "renewal_rate_from_outcomes"
    renewed = churned = 0
    for i, value in enumerate(flatten(outcomes)):
        if is_blank(value):
            continue
        key = _OUTCOMES.get(value.strip().lower()) if isinstance(value, str) else None
        if key is None:
            raise param_error(func, "outcomes", "'renewed', 'churned' or 'pending'", f"{value!r} at position {i + 1}")
        renewed += key == "renewed"
        churned += key == "churned"
    return safe_divide(
        renewed, renewed + churned, func=func, reason="no renewal outcome is decided", zero_division=zero_division
    )

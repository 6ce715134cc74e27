"""Customer lifetime value (CLV/LTV) in its common variants, LTV:CAC and CAC payback."""

from __future__ import annotations

from typing import Any, Literal

from cs_reports._validation import ZeroDivision, check_choice, check_number, param_error, safe_divide, undefined

__all__ = [
    "CLV_METHODS",
    "cac_payback_months",
    "clv_discounted",
    "clv_fee_months",
    "clv_margin_churn",
    "clv_ticket",
    "clv_value",
    "ltv_cac_ratio",
]

#: Positional arguments of each :func:`clv_value` method, in order (optional ones last).
CLV_METHODS: dict[str, tuple[str, ...]] = {
    "fee_months": ("monthly_fee", "lifetime_months"),
    "ticket": ("average_ticket", "purchases_per_year", "years"),
    "margin_churn": ("arpa", "churn_rate", "gross_margin"),
    "discounted": ("arpa", "churn_rate", "discount_rate", "gross_margin"),
}


def _money(value: Any, name: str, func: str) -> float:
    return check_number(value, name=name, func=func, low=0)


def _rate(value: Any, name: str, func: str) -> float:
    return check_number(value, name=name, func=func, low=0, high=1)


def clv_fee_months(monthly_fee: Any, lifetime_months: Any) -> float:
    r"""CLV as monthly fee times average lifetime in months.

    .. math:: \mathrm{CLV} = f \times m

    References
    ----------
    Founding document: $100/month x 24 months -> $2,400.

    Examples
    --------
    >>> clv_fee_months(100, 24)
    2400.0
    """
    func = "clv_fee_months"
    return _money(monthly_fee, "monthly_fee", func) * check_number(
        lifetime_months, name="lifetime_months", func=func, low=0
    )


def clv_ticket(average_ticket: Any, purchases_per_year: Any, years: Any) -> float:
    r"""LTV as average ticket x purchases per year x years of relationship.

    .. math:: \mathrm{LTV} = t \times p \times y

    With monthly payments, ``purchases_per_year`` is 12.

    References
    ----------
    Founding documents ("LTV (other article)").

    Examples
    --------
    >>> clv_ticket(150, 12, 3)
    5400.0
    """
    func = "clv_ticket"
    return (
        _money(average_ticket, "average_ticket", func)
        * check_number(purchases_per_year, name="purchases_per_year", func=func, low=0)
        * check_number(years, name="years", func=func, low=0)
    )


def clv_margin_churn(
    arpa: Any,
    churn_rate: Any,
    *,
    gross_margin: Any = 1.0,
    zero_churn: Literal["nan", "cap"] = "nan",
    max_lifetime_months: Any = 60,
) -> float:
    r"""LTV as ARPA x gross margin / monthly churn rate (expected lifetime = 1 / churn).

    .. math:: \mathrm{LTV} = \frac{\mathrm{ARPA} \times g}{c}

    At zero churn the lifetime is unbounded; the policy is explicit:

    * ``zero_churn="nan"``: undefined, NaN with a warning (ChartMogul);
    * ``zero_churn="cap"``: lifetime capped at ``max_lifetime_months`` (Stripe assumes 60).
      The cap also applies when ``1 / churn`` exceeds it.

    Parameters
    ----------
    arpa : float
        Average MRR per account.
    churn_rate : float
        Monthly customer churn rate in [0, 1].
    gross_margin : float, default 1.0
        In [0, 1]; 1.0 gives ChartMogul's revenue LTV, the real margin gives Skok's.
    zero_churn : {"nan", "cap"}, default "nan"
    max_lifetime_months : float, default 60

    Returns
    -------
    float

    References
    ----------
    ChartMogul, "LTV": ARPA 100, churn 5% -> 2,000; D. Skok, "SaaS Metrics 2.0" (margin);
    Stripe (60-month lifetime at zero churn).

    Examples
    --------
    >>> clv_margin_churn(100, 0.05)
    2000.0
    >>> clv_margin_churn(100, 0.0, zero_churn="cap")
    6000.0
    """
    func = "clv_margin_churn"
    value = _money(arpa, "arpa", func) * _rate(gross_margin, "gross_margin", func)
    churn = _rate(churn_rate, "churn_rate", func)
    policy = check_choice(zero_churn, ("nan", "cap"), name="zero_churn", func=func)
    cap = check_number(max_lifetime_months, name="max_lifetime_months", func=func, low=0, low_open=True)
    if policy == "cap":
        lifetime = cap if churn == 0 else min(1.0 / churn, cap)
        return value * lifetime
    if churn == 0:
        return undefined(func, "churn is 0, so the lifetime is unbounded (use zero_churn='cap')")
    return value / churn


def clv_discounted(
    arpa: Any,
    churn_rate: Any,
    *,
    discount_rate: Any,
    gross_margin: Any = 1.0,
    horizon_months: Any = None,
) -> float:
    r"""Discounted LTV: margin of each month, weighted by survival and discounted.

    With monthly retention :math:`r = 1 - c` and monthly discount rate :math:`d`, the
    first month paid now:

    .. math::

        \mathrm{LTV} = \sum_{t=0}^{H-1} \frac{m\,r^t}{(1 + d)^t}
        = m \, \frac{1 - q^H}{1 - q}, \quad q = \frac{r}{1 + d}, \quad m = \mathrm{ARPA} \times g

    and for an infinite horizon :math:`m (1 + d) / (d + c)`.

    Parameters
    ----------
    arpa : float
    churn_rate : float
        Monthly churn in [0, 1].
    discount_rate : float
        Monthly discount rate, > 0 unless the horizon is finite.
    gross_margin : float, default 1.0
    horizon_months : int, optional
        Finite horizon; infinite by default.

    Returns
    -------
    float

    References
    ----------
    Gupta & Lehmann (2003), "Customers as assets" (margin x r / (1 + d - r) form);
    METRICS_REFERENCE "CLV/LTV variants".

    Examples
    --------
    >>> round(clv_discounted(100, 0.05, discount_rate=0.01), 2)
    1683.33
    """
    func = "clv_discounted"
    m = _money(arpa, "arpa", func) * _rate(gross_margin, "gross_margin", func)
    c = _rate(churn_rate, "churn_rate", func)
    d = check_number(discount_rate, name="discount_rate", func=func, low=0)
    q = (1 - c) / (1 + d)
    if horizon_months is None:
        if d == 0 and c == 0:
            raise param_error(func, "discount_rate", "> 0 when churn_rate is 0 and the horizon is infinite", "0")
        return float(m * (1 + d) / (d + c))
    h = check_number(horizon_months, name="horizon_months", func=func, low=0, integer=True)
    if q == 1:
        return m * h
    return float(m * (1 - q**h) / (1 - q))


def clv_value(method: str, *args: Any) -> float:
    """Dispatch to a CLV method with positional arguments (one Excel function for all).

    ================ =================================================================
    method           positional arguments
    ================ =================================================================
    ``fee_months``   monthly_fee, lifetime_months
    ``ticket``       average_ticket, purchases_per_year, years
    ``margin_churn`` arpa, churn_rate, [gross_margin=1] (zero churn -> NaN)
    ``discounted``   arpa, churn_rate, discount_rate, [gross_margin=1]
    ================ =================================================================

    Blank (``None``) trailing arguments take their defaults.

    Examples
    --------
    >>> clv_value("fee_months", 100, 24)
    2400.0
    >>> clv_value("margin_churn", 100, 0.05, None)
    2000.0
    """
    func = "clv_value"
    name = check_choice(method, tuple(CLV_METHODS), name="method", func=func)
    expected = CLV_METHODS[name]
    values = list(args)
    while values and values[-1] is None:
        values.pop()
    required = {"fee_months": 2, "ticket": 3, "margin_churn": 2, "discounted": 3}[name]
    if not required <= len(values) <= len(expected):
        raise param_error(
            func,
            "args",
            f"{required}-{len(expected)} values for method '{name}' ({', '.join(expected)})",
            str(len(values)),
        )
    if name == "fee_months":
        return clv_fee_months(*values)
    if name == "ticket":
        return clv_ticket(*values)
    if name == "margin_churn":
        return clv_margin_churn(values[0], values[1], gross_margin=values[2] if len(values) > 2 else 1.0)
    return clv_discounted(
        values[0], values[1], discount_rate=values[2], gross_margin=values[3] if len(values) > 3 else 1.0
    )


def ltv_cac_ratio(ltv: Any, cac: Any, *, zero_division: ZeroDivision = "warn") -> float:
    r"""LTV to CAC ratio; healthy SaaS businesses aim at 3 or more.

    .. math:: \frac{\mathrm{LTV}}{\mathrm{CAC}}

    References
    ----------
    D. Skok, "SaaS Metrics 2.0" (LTV:CAC >= 3).

    Examples
    --------
    >>> ltv_cac_ratio(3000, 1000)
    3.0
    """
    func = "ltv_cac_ratio"
    return safe_divide(
        _money(ltv, "ltv", func), _money(cac, "cac", func), func=func, reason="CAC is 0", zero_division=zero_division
    )


def cac_payback_months(
    cac: Any, new_customer_arpa: Any, *, gross_margin: Any = 1.0, zero_division: ZeroDivision = "warn"
) -> float:
    r"""Months of gross margin needed to recover the cost of acquiring a customer.

    .. math:: \mathrm{payback} = \frac{\mathrm{CAC}}{\mathrm{ARPA}_{new} \times g}

    Healthy SaaS businesses recover CAC in under 12 months.

    References
    ----------
    D. Skok, "SaaS Metrics 2.0" (payback < 12 months).

    Examples
    --------
    >>> cac_payback_months(1200, 200, gross_margin=0.8)
    7.5
    """
    func = "cac_payback_months"
    monthly = _money(new_customer_arpa, "new_customer_arpa", func) * _rate(gross_margin, "gross_margin", func)
    return safe_divide(
        _money(cac, "cac", func), monthly, func=func, reason="new-customer margin is 0", zero_division=zero_division
    )

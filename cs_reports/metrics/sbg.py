"""Shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cs_reports._validation import as_values, check_number, param_error

__all__ = [
    "SBGFit",
    "sbg_churn_probability",
    "sbg_conditional_survival",
    "sbg_derl",
    "sbg_fit",
    "sbg_retention",
    "sbg_survival",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SBGFit:
    """Maximum-likelihood sBG parameters of one cohort.

    ``periods`` is the number of observed periods after period 0; ``converged`` is the
    optimiser's verdict.
    """

    alpha: float
    beta: float
    log_likelihood: float
    periods: int
    converged: bool


def _periods(periods: Any, func: str) -> FloatArray:
    t = as_values(periods, name="periods", func=func, low=0, integer=True)
    return t


def _params(alpha: Any, beta: Any, func: str) -> tuple[float, float]:
    a = check_number(alpha, name="alpha", func=func, low=0, low_open=True)
    b = check_number(beta, name="beta", func=func, low=0, low_open=True)
    return a, b


def sbg_survival(alpha: Any, beta: Any, periods: Any) -> FloatArray:
    r"""Survival :math:`S(t)`: probability a customer is still active after ``t`` periods.

    .. math:: S(t) = \frac{B(\alpha, \beta + t)}{B(\alpha, \beta)}

    References
    ----------
    Fader & Hardie (2007), "How to project customer retention", eq. (3).

    Examples
    --------
    >>> sbg_survival(0.704, 1.182, [0, 1, 2]).round(3).tolist()
    [1.0, 0.627, 0.474]
    """
    from scipy import special  # on first use: scipy costs ~0.3 s at start-up

    func = "sbg_survival"
    a, b = _params(alpha, beta, func)
    t = _periods(periods, func)
    return np.asarray(np.exp(special.betaln(a, b + t) - special.betaln(a, b)), dtype=np.float64)


def sbg_conditional_survival(alpha: Any, beta: Any, *, age: Any, horizon: Any) -> float:
    r"""Probability that a customer active at ``age`` periods is still active ``horizon`` periods later.

    .. math:: P(T > a + h \mid T > a) = \frac{S(a + h)}{S(a)}
              = \frac{B(\alpha, \beta + a + h)}{B(\alpha, \beta + a)}

    Used to project the probability of reaching a renewal date.

    References
    ----------
    Fader & Hardie (2007), eq. (3), conditioned on survival to ``age``.

    Examples
    --------
    >>> round(sbg_conditional_survival(0.704, 1.182, age=7, horizon=1), 3)
    0.921
    """
    from scipy import special  # on first use: scipy costs ~0.3 s at start-up

    func = "sbg_conditional_survival"
    a, b = _params(alpha, beta, func)
    t0 = check_number(age, name="age", func=func, low=0)
    h = check_number(horizon, name="horizon", func=func, low=0)
    return float(np.exp(special.betaln(a, b + t0 + h) - special.betaln(a, b + t0)))


def sbg_churn_probability(alpha: Any, beta: Any, periods: Any) -> FloatArray:
    r"""Probability :math:`P(T = t)` that a customer churns exactly in period ``t`` (t >= 1).

    .. math:: P(T = t) = \frac{B(\alpha + 1, \beta + t - 1)}{B(\alpha, \beta)}

    References
    ----------
    Fader & Hardie (2007), eq. (2).

    Examples
    --------
    >>> sbg_churn_probability(1.0, 1.0, [1, 2]).round(4).tolist()
    [0.5, 0.1667]
    """
    from scipy import special  # on first use: scipy costs ~0.3 s at start-up

    func = "sbg_churn_probability"
    a, b = _params(alpha, beta, func)
    t = as_values(periods, name="periods", func=func, low=1, integer=True)
    return np.asarray(np.exp(special.betaln(a + 1, b + t - 1) - special.betaln(a, b)), dtype=np.float64)


def sbg_retention(alpha: Any, beta: Any, periods: Any) -> FloatArray:
    r"""Period-to-period retention rate :math:`r_t` (t >= 1), increasing in ``t``.

    .. math:: r_t = \frac{\beta + t - 1}{\alpha + \beta + t - 1}

    References
    ----------
    Fader & Hardie (2007), eq. (4).

    Examples
    --------
    >>> sbg_retention(1.0, 1.0, [1, 2, 3]).tolist()
    [0.5, 0.6666666666666666, 0.75]
    """
    func = "sbg_retention"
    a, b = _params(alpha, beta, func)
    t = as_values(periods, name="periods", func=func, low=1, integer=True)
    return np.asarray((b + t - 1) / (a + b + t - 1), dtype=np.float64)


def _log_likelihood(log_ab: FloatArray, lost: FloatArray, t: FloatArray, active_last: float, f: int) -> float:
    from scipy import special  # on first use: scipy costs ~0.3 s at start-up

    a, b = np.exp(log_ab)
    base = special.betaln(a, b)
    ll_lost = np.sum(lost * (special.betaln(a + 1, b + t - 1) - base))
    ll_alive = active_last * (special.betaln(a, b + f) - base)
    return float(ll_lost + ll_alive)


def sbg_fit(active: Any) -> SBGFit:
    r"""Fit the sBG model to one cohort by maximum likelihood.

    ``active[t]`` is the number of customers still active at period ``t`` (``active[0]``
    is the cohort size). Percentages (100, 63.1, ...) work as a cohort of that size.
    With :math:`n_t = a_{t-1} - a_t` customers lost in period :math:`t`:

    .. math:: LL(\alpha, \beta) = \sum_{t=1}^{f} n_t \ln P(T = t) + a_f \ln S(f)

    maximised over :math:`\ln \alpha, \ln \beta` (L-BFGS-B from three starts, then a Nelder-Mead polish).

    Parameters
    ----------
    active : array-like
        Non-increasing, non-negative counts; at least two values, ``active[0] > 0``.

    Returns
    -------
    SBGFit

    References
    ----------
    Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing
    21(1): "regular" cohort, years 0-7 -> alpha = 0.704, beta = 1.182.

    Examples
    --------
    >>> fit = sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.704, 1.182)
    """
    from scipy import optimize  # on first use: scipy costs ~0.3 s at start-up

    func = "sbg_fit"
    counts = as_values(active, name="active", func=func, low=0)
    if counts.size < 2:
        raise param_error(
            func, "active", "at least two values (cohort size, then active at period 1, ...)", str(counts.size)
        )
    if counts[0] <= 0:
        raise param_error(func, "active", "a positive cohort size as the first value", f"{counts[0]:g}")
    rises = np.flatnonzero(np.diff(counts) > 0)
    if rises.size:
        pos = int(rises[0]) + 2
        raise param_error(func, "active", "non-increasing counts", f"an increase at position {pos}")
    lost = -np.diff(counts)
    f = counts.size - 1
    t = np.arange(1, f + 1, dtype=np.float64)

    def objective(x: FloatArray) -> float:
        return -_log_likelihood(x, lost, t, float(counts[-1]), f)

    bounds = [(-12.0, 12.0), (-12.0, 12.0)]
    best = None
    for start in ([0.0, 0.0], [-1.0, 1.0], [1.0, 2.0]):
        res = optimize.minimize(
            objective, np.array(start), method="L-BFGS-B", bounds=bounds, options={"ftol": 1e-15, "gtol": 1e-10}
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    # Nelder-Mead from the best point: robust where the gradient is flat (alpha, beta -> inf).
    polish = optimize.minimize(
        objective, best.x, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 400}
    )
    final = polish if polish.fun < best.fun else best
    a, b = (float(v) for v in np.exp(final.x))
    converged = bool(final.success) and all(-11.5 < v < 11.5 for v in final.x)
    return SBGFit(a, b, -float(final.fun), f, converged)


def sbg_derl(alpha: Any, beta: Any, *, discount_rate: Any, renewals: Any) -> float:
    r"""Discounted expected residual lifetime (DERL) of a customer after ``renewals`` renewals.

    For a customer who has made :math:`n - 1` renewals (is in period :math:`n`), with
    discount rate :math:`d` per period:

    .. math:: \mathrm{DERL} = \frac{\beta + n - 1}{\alpha + \beta + n - 1}\;
              {}_2F_1\!\left(1, \beta + n; \alpha + \beta + n; \frac{1}{1 + d}\right)

    Multiply by the margin per period for a residual CLV. ``d > 0`` is required (for
    :math:`\alpha < 1` the undiscounted lifetime is infinite).

    References
    ----------
    Fader & Hardie (2010), "Customer-base valuation in a contractual setting", Marketing
    Science 29(1); regular cohort, d = 10 %, 7 renewals -> about 6.842.

    Examples
    --------
    >>> round(sbg_derl(0.704, 1.182, discount_rate=0.10, renewals=7), 2)
    6.84
    """
    from scipy import special  # on first use: scipy costs ~0.3 s at start-up

    func = "sbg_derl"
    a, b = _params(alpha, beta, func)
    d = check_number(discount_rate, name="discount_rate", func=func, low=0, low_open=True)
    n = check_number(renewals, name="renewals", func=func, low=0, integer=True) + 1
    value = (b + n - 1) / (a + b + n - 1) * special.hyp2f1(1.0, b + n, a + b + n, 1.0 / (1.0 + d))
    if not math.isfinite(value):  # scipy's hyp2f1 fails for large alpha and beta (a fit near geometric)
        value = _derl_series(a, b, d, n)
    return float(value) if math.isfinite(value) else math.nan


def _derl_series(a: float, b: float, d: float, n: float) -> float:
    r"""DERL as the hypergeometric series itself, summed until its terms vanish.

    :math:`\sum_{k \ge 0} t_k` with :math:`t_0 = (\beta + n - 1)/(\alpha + \beta + n - 1)` and
    :math:`t_{k+1} = t_k\,\frac{\beta + n + k}{\alpha + \beta + n + k}\,\frac{1}{1 + d}`: each ratio is
    below :math:`1/(1 + d)`, so the sum converges geometrically for any :math:`d > 0`.

    >>> round(_derl_series(0.704, 1.182, 0.10, 8), 2)
    6.84
    """
    z = 1.0 / (1.0 + d)
    term = (b + n - 1) / (a + b + n - 1)
    total, k = 0.0, 0
    while term > 1e-16 * max(total, 1e-300) and k < 1_000_000:
        total += term
        term *= z * (b + n + k) / (a + b + n + k)
        k += 1
    return total

"""Survey metrics: Net Promoter Score (with its interval), CSAT and CES."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np

from cs_reports._validation import ZeroDivision, as_values, check_choice, check_number, undefined

__all__ = ["NPSResult", "csat_rate", "customer_effort_score", "net_promoter_score"]


@dataclass(frozen=True, slots=True)
class NPSResult:
    """Net Promoter Score with its counts and confidence interval.

    Attributes
    ----------
    score : float
        NPS in [-100, 100] (NaN without answers).
    promoters, passives, detractors, n : int
        Counts of 9-10, 7-8 and 0-6 answers, and their total.
    ci_low, ci_high : float
        Adjusted-Wald interval, clipped to [-100, 100].
    confidence : float
        Confidence level of the interval.
    """

    score: float
    promoters: int
    passives: int
    detractors: int
    n: int
    ci_low: float
    ci_high: float
    confidence: float

    @property
    def margin(self) -> float:
        """Half-width of the interval before clipping (in NPS points)."""
        return (self.ci_high - self.ci_low) / 2


def _nps_interval(promoters: int, detractors: int, n: int, confidence: float) -> tuple[float, float]:
    """Adjusted-Wald interval of NPS (Rocks 2016): add 3 to n and 3/4 to each extreme count."""
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    centre = 100 * (p - d)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    half = z * 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n_adj)
    return max(-100.0, centre - half), min(100.0, centre + half)


def net_promoter_score(answers: Any, *, confidence: float = 0.95) -> NPSResult:
    r"""Net Promoter Score of 0-10 answers, with an adjusted-Wald confidence interval.

    Promoters answer 9-10, passives 7-8, detractors 0-6. With shares :math:`p` of
    promoters and :math:`d` of detractors among :math:`n` answers:

    .. math::

        \mathrm{NPS} = 100\,(p - d), \qquad
        \mathrm{Var} = 100^2\,\frac{p + d - (p - d)^2}{n}

    The interval uses the adjusted-Wald correction: :math:`n + 3` answers and
    :math:`+3/4` promoters and detractors, then the variance above; it is clipped to
    [-100, 100]. Blanks are skipped, never counted as detractors.

    Parameters
    ----------
    answers : array-like
        Whole numbers 0-10 (list, ndarray, Series or an Excel range).
    confidence : float, default 0.95
        Confidence level of the interval, in (0, 1).

    Returns
    -------
    NPSResult
        ``score`` is NaN (with :class:`~cs_reports.errors.UndefinedMetricWarning`) if there
        are no answers.

    References
    ----------
    F. Reichheld, "The One Number You Need to Grow", HBR 2003 (definition);
    J. Rocks, "Confidence intervals for NPS", MeasuringU 2016 (adjusted Wald);
    founding document: 60% promoters, 10% detractors -> NPS 50.

    Examples
    --------
    >>> r = net_promoter_score([10, 9, 8, 6, 10])
    >>> r.score, r.promoters, r.passives, r.detractors
    (40.0, 3, 1, 1)
    >>> round(r.ci_low, 1), round(r.ci_high, 1)
    (-29.8, 79.8)
    """
    func = "net_promoter_score"
    conf = check_number(confidence, name="confidence", func=func, low=0, high=1, low_open=True, high_open=True)
    scores = as_values(answers, name="answers", func=func, low=0, high=10, integer=True)
    n = int(scores.size)
    promoters = int(np.count_nonzero(scores >= 9))
    detractors = int(np.count_nonzero(scores <= 6))
    passives = n - promoters - detractors
    if n == 0:
        nan = undefined(func, "there are no answers")
        return NPSResult(nan, 0, 0, 0, 0, math.nan, math.nan, conf)
    score = 100.0 * (promoters - detractors) / n
    low, high = _nps_interval(promoters, detractors, n, conf)
    return NPSResult(score, promoters, passives, detractors, n, low, high, conf)


def csat_rate(
    answers: Any,
    *,
    low: int = 1,
    high: int = 5,
    satisfied_min: int = 4,
    zero_division: ZeroDivision = "warn",
) -> float:
    r"""Customer satisfaction: the share of satisfied answers (4-5 on a 1-5 scale).

    .. math:: \mathrm{CSAT} = \frac{\#\{x_i \ge s\}}{n}

    Parameters
    ----------
    answers : array-like
        Whole numbers on the scale ``low..high``; blanks skipped.
    low, high : int, default 1, 5
        The scale (there is no standards body; 1-5 is the common one).
    satisfied_min : int, default 4
        Lowest answer that counts as satisfied.
    zero_division : {"warn", "nan"} or float
        Result without answers.

    Returns
    -------
    float
        Share in [0, 1].

    References
    ----------
    Founding documents (core CS metrics list); METRICS_REFERENCE "NPS uncertainty, CSAT, CES".

    Examples
    --------
    >>> csat_rate([5, 4, 3, 5, None])
    0.75
    """
    func = "csat_rate"
    lo = check_number(low, name="low", func=func, integer=True)
    hi = check_number(high, name="high", func=func, low=lo + 1, integer=True)
    s = check_number(satisfied_min, name="satisfied_min", func=func, low=lo, high=hi, integer=True)
    values = as_values(answers, name="answers", func=func, low=lo, high=hi, integer=True)
    if values.size == 0:
        return undefined(func, "there are no answers", zero_division)
    return float(np.count_nonzero(values >= s)) / values.size


def customer_effort_score(
    answers: Any,
    *,
    low: int = 1,
    high: int = 7,
    method: Literal["mean", "share"] = "mean",
    agree_min: int = 5,
    zero_division: ZeroDivision = "warn",
) -> float:
    r"""Customer Effort Score of agreement answers ("the company made it easy", 1-7).

    .. math::

        \mathrm{CES}_{mean} = \bar{x}, \qquad
        \mathrm{CES}_{share} = \frac{\#\{x_i \ge a\}}{n}

    Higher is better (less effort) on the default agreement scale.

    Parameters
    ----------
    answers : array-like
        Whole numbers on ``low..high``; blanks skipped.
    low, high : int, default 1, 7
        The scale.
    method : {"mean", "share"}, default "mean"
        Mean answer, or share of answers >= ``agree_min``.
    agree_min : int, default 5
        Lowest answer that counts as agreement (for ``method="share"``).
    zero_division : {"warn", "nan"} or float
        Result without answers.

    Returns
    -------
    float
        Mean on the scale, or a share in [0, 1].

    References
    ----------
    Dixon, Freeman & Toman, "Stop Trying to Delight Your Customers", HBR 2010 (CES 2.0
    agreement scale); METRICS_REFERENCE "NPS uncertainty, CSAT, CES".

    Examples
    --------
    >>> customer_effort_score([7, 6, 5, 2])
    5.0
    >>> customer_effort_score([7, 6, 5, 2], method="share")
    0.75
    """
    func = "customer_effort_score"
    lo = check_number(low, name="low", func=func, integer=True)
    hi = check_number(high, name="high", func=func, low=lo + 1, integer=True)
    how = check_choice(method, ("mean", "share"), name="method", func=func)
    a = check_number(agree_min, name="agree_min", func=func, low=lo, high=hi, integer=True)
    values = as_values(answers, name="answers", func=func, low=lo, high=hi, integer=True)
    if values.size == 0:
        return undefined(func, "there are no answers", zero_division)
    if how == "mean":
        return float(values.mean())
    return float(np.count_nonzero(values >= a)) / values.size

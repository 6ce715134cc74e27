"""Probability forecasts of a binary outcome (a renewal): a logistic model and its calibration.

Pure numpy/scipy: a ridge-penalised logistic regression, optionally with sign constraints on
its coefficients (so that domain knowledge, "a worse signal never raises the odds", holds by
construction), its approximate intervals and per-feature contributions, the Brier score, the
AUC and a reliability table, so a forecast can be backtested on past outcomes and printed with
how well calibrated it was.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cs_reports._validation import as_values, check_number, param_error, undefined

__all__ = [
    "DEFAULT_BINS",
    "LogisticFit",
    "ReliabilityRow",
    "auc_score",
    "brier_score",
    "logistic_fit",
    "reliability_table",
]

DEFAULT_BINS = (0.0, 0.5, 0.7, 0.85, 0.95, 1.0)


@dataclass(frozen=True, slots=True)
class LogisticFit:
    """A fitted logistic model on standardised features.

    ``coef`` are per standardised feature (the change of the log-odds per standard deviation),
    so their sizes compare; :meth:`predict` takes raw features. ``signs`` are the constraints
    the fit was made under (+1: coefficient >= 0, -1: <= 0, 0: free) and ``held`` the features
    whose coefficient the constraint held at 0 (the data pointed the other way).
    ``cov`` is the approximate covariance of (intercept, *coef): the inverse of the penalised
    Hessian over the free parameters, 0 for those held at a bound.

    Attributes
    ----------
    intercept : float
        log-odds at the training mean of every feature
    coef : tuple of float
        change of the log-odds per standard deviation of each feature
    mean : tuple of float
        training mean of each feature
    scale : tuple of float
        training standard deviation of each feature
    n : int
        outcomes fitted
    iterations : int
        iterations the fit took
    signs : tuple of int
        sign constraint of each coefficient: +1 (>= 0), -1 (<= 0), 0 (free)
    held : tuple of bool
        whether the constraint held each coefficient at 0
    cov : tuple of tuple of float
        approximate covariance of (intercept, *coef)
    """

    intercept: float
    coef: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    n: int
    iterations: int
    signs: tuple[int, ...] = ()
    held: tuple[bool, ...] = ()
    cov: tuple[tuple[float, ...], ...] = ()

    def standardise(self, features: Any) -> npt.NDArray[np.float64]:
        """Rows of raw features as z-scores (NaN features count as the training mean: z = 0)."""
        x = np.atleast_2d(np.asarray(features, dtype=float))
        if x.shape[1] != len(self.coef):
            raise param_error("LogisticFit.predict", "features", f"{len(self.coef)} columns", f"{x.shape[1]}")
        z = (x - np.array(self.mean)) / np.array(self.scale)
        out: npt.NDArray[np.float64] = np.where(np.isnan(z), 0.0, z)
        return out

    def log_odds(self, features: Any) -> npt.NDArray[np.float64]:
        r"""Linear predictor :math:`b_0 + b^\top z` per row."""
        out: npt.NDArray[np.float64] = self.intercept + self.standardise(features) @ np.array(self.coef)
        return out

    def predict(self, features: Any) -> npt.NDArray[np.float64]:
        """Probabilities for rows of raw features (NaN features count as the training mean)."""
        return _sigmoid(self.log_odds(features))

    def contributions(self, features: Any) -> npt.NDArray[np.float64]:
        """Each feature's term :math:`b_j z_j` of the log-odds, per row (0 at the training mean)."""
        out: npt.NDArray[np.float64] = self.standardise(features) * np.array(self.coef)[None, :]
        return out

    def interval(self, features: Any, *, level: float = 0.9) -> tuple[npt.NDArray[np.float64], ...]:
        """Approximate ``level`` interval of each row's probability (delta method on the log-odds).

        Uses :attr:`cov`; coefficients held at 0 by a constraint add no width (the interval is
        conditional on the constraint). Without ``cov`` the interval is the point itself.
        """
        check_number(level, name="level", func="LogisticFit.interval", low=0, high=1)
        eta = self.log_odds(features)
        if not self.cov:
            return _sigmoid(eta), _sigmoid(eta)
        design = np.column_stack([np.ones(eta.size), self.standardise(features)])
        var = np.einsum("ij,jk,ik->i", design, np.array(self.cov), design)
        half = _normal_quantile(0.5 + level / 2) * np.sqrt(np.maximum(var, 0.0))
        return _sigmoid(eta - half), _sigmoid(eta + half)


def _sigmoid(eta: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(eta, -500, 500)))
    return out


def _normal_quantile(q: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(q)


def logistic_fit(
    features: Any, outcomes: Any, *, l2: float = 1.0, max_iter: int = 50, signs: Sequence[int] | None = None
) -> LogisticFit:
    r"""Fit :math:`P(y=1 \mid x) = \sigma(b_0 + b^\top z)` on standardised features by penalised maximum likelihood.

    .. math::

        \max_{b_0, b}\ \sum_i y_i \ln p_i + (1 - y_i)\ln(1 - p_i) - \tfrac{\lambda}{2}\lVert b \rVert^2,
        \qquad z_{ij} = (x_{ij} - \bar x_j) / s_j,
        \qquad s^{(j)} b_j \ge 0 \text{ where } s^{(j)} \ne 0

    Missing feature values are set to the feature's mean (z = 0). The ridge penalty
    ``l2`` (:math:`\lambda`, not applied to the intercept) keeps the fit finite when the
    outcomes separate perfectly and shrinks it when outcomes are few.

    With ``signs``, each coefficient is constrained to the sign given (+1: the probability
    never falls as the feature rises; -1: never rises; 0: free). The constrained problem is
    solved with L-BFGS-B (bounds on the standardised coefficients), then polished by Newton
    steps on the coefficients not held at a bound. When the data point the other way, the
    constraint wins: that coefficient is 0 (the feature has no effect) and ``held`` says so.

    Parameters
    ----------
    features
        2-D array, one row per case and one column per feature.
    outcomes
        1 (event, e.g. renewed) or 0 per row.
    l2
        Ridge penalty, >= 0.
    max_iter
        Newton iterations at most.
    signs
        One of -1, 0, +1 per feature (default: all 0, unconstrained).

    Returns
    -------
    LogisticFit

    References
    ----------
    Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, 2nd ed., 4.4
    (logistic regression, Newton-Raphson / IRLS); Byrd, Lu, Nocedal & Zhu (1995), "A limited
    memory algorithm for bound constrained optimization", *SIAM J. Sci. Comput.* 16(5).

    Examples
    --------
    >>> fit = logistic_fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1], l2=0.1)
    >>> bool(fit.predict([[3.0]])[0] > 0.5 > fit.predict([[0.0]])[0])
    True
    >>> logistic_fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1], signs=[-1]).coef  # the data disagree
    (0.0,)
    """
    func = "logistic_fit"
    y = as_values(outcomes, name="outcomes", func=func, low=0, high=1, integer=True)
    x = np.atleast_2d(np.asarray(features, dtype=float))
    if x.ndim != 2 or x.shape[0] != y.size:
        raise param_error(func, "features", f"{y.size} rows (one per outcome)", f"shape {x.shape}")
    check_number(l2, name="l2", func=func, low=0)
    if y.size == 0:
        raise param_error(func, "outcomes", "at least one outcome", "none")
    sign = np.zeros(x.shape[1], dtype=int) if signs is None else np.asarray(list(signs), dtype=float)
    if sign.shape != (x.shape[1],) or not np.isin(sign, (-1, 0, 1)).all():
        raise param_error(func, "signs", f"{x.shape[1]} values, each -1, 0 or 1", repr(signs))
    sign = sign.astype(int)
    known = np.where(np.isnan(x).all(axis=0), 0.0, x)  # a feature without any value: mean 0, scale 1, no warning
    mean = np.nanmean(known, axis=0) if x.size else np.zeros(x.shape[1])
    scale = np.nanstd(known, axis=0) if x.size else np.ones(x.shape[1])
    scale = np.where(~np.isfinite(scale) | (scale == 0), 1.0, scale)
    z = np.where(np.isnan(x), 0.0, (x - mean) / scale)
    design = np.column_stack([np.ones(y.size), z])
    penalty = np.full(design.shape[1], float(l2))
    penalty[0] = 0.0
    rate = float(np.clip(y.mean(), 1e-3, 1 - 1e-3))
    beta = np.zeros(design.shape[1])
    beta[0] = math.log(rate / (1 - rate))
    free = np.ones(design.shape[1], dtype=bool)
    iterations = 0
    if sign.any():
        beta, iterations = _bounded(design, y, penalty, beta, sign)
        free[1:] = (sign == 0) | (beta[1:] * sign > 1e-10)
        beta[~free] = 0.0
    sub = design[:, free]
    b = beta[free]
    for _ in range(max_iter):
        iterations += 1
        p = _sigmoid(sub @ b)
        grad = sub.T @ (y - p) - penalty[free] * b
        hess = (sub * (p * (1 - p))[:, None]).T @ sub + np.diag(penalty[free]) + 1e-9 * np.eye(sub.shape[1])
        step = np.linalg.solve(hess, grad)
        b = b + step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    if sign.any() and np.any(b[1:] * sign[free[1:]] < 0):  # polishing crossed a bound: keep L-BFGS-B's answer
        b = beta[free]
    beta = np.zeros(design.shape[1])
    beta[free] = b
    p = _sigmoid(sub @ b)
    hess = (sub * (p * (1 - p))[:, None]).T @ sub + np.diag(penalty[free]) + 1e-9 * np.eye(sub.shape[1])
    cov = np.zeros((design.shape[1], design.shape[1]))
    cov[np.ix_(free, free)] = np.linalg.inv(hess)
    return LogisticFit(
        intercept=float(beta[0]),
        coef=tuple(float(v) for v in beta[1:]),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        n=int(y.size),
        iterations=iterations,
        signs=tuple(int(v) for v in sign),
        held=tuple(bool(v) for v in ~free[1:]),
        cov=tuple(tuple(float(v) for v in row) for row in cov),
    )


def _bounded(
    design: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    penalty: npt.NDArray[np.float64],
    start: npt.NDArray[np.float64],
    sign: npt.NDArray[np.int_],
) -> tuple[npt.NDArray[np.float64], int]:
    """Penalised logistic fit with ``sign``-bounded coefficients (L-BFGS-B); (beta, iterations)."""
    from scipy.optimize import minimize

    def loss(beta: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        eta = design @ beta
        value = float(np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * np.sum(penalty * beta**2))
        grad: npt.NDArray[np.float64] = design.T @ (_sigmoid(eta) - y) + penalty * beta
        return value, grad

    bounds = [(None, None)] + [(0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in sign]
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 1000, "gtol": 1e-10})
    beta: npt.NDArray[np.float64] = np.asarray(result.x, dtype=float)
    return beta, int(result.nit)


def auc_score(probabilities: Any, outcomes: Any) -> float:
    r"""Area under the ROC curve: the chance a random event scores above a random non-event (ties count 1/2).

    .. math:: \mathrm{AUC} = \frac{1}{n_1 n_0} \sum_{i: y_i = 1} \sum_{j: y_j = 0}
        \left([p_i > p_j] + \tfrac12 [p_i = p_j]\right)

    0.5 is no better than chance, 1 a perfect ranking. Undefined (NaN with a warning) when
    the outcomes are all of one kind.

    References
    ----------
    Hanley & McNeil (1982), "The meaning and use of the area under a receiver operating
    characteristic (ROC) curve", *Radiology* 143(1) (the Mann-Whitney form).

    Examples
    --------
    >>> auc_score([0.9, 0.8, 0.3, 0.4], [1, 1, 0, 0])
    1.0
    >>> auc_score([0.5, 0.5], [1, 0])
    0.5
    """
    p, y = _pairs("auc_score", probabilities, outcomes)
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    if pos == 0 or neg == 0:
        return undefined("auc_score", "outcomes of only one kind")
    from scipy.stats import rankdata

    ranks = rankdata(p)
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def brier_score(probabilities: Any, outcomes: Any) -> float:
    r"""Mean squared difference between forecast probabilities and 0/1 outcomes (lower is better).

    .. math:: \mathrm{BS} = \frac{1}{n}\sum_i (p_i - y_i)^2

    A constant forecast at the base rate :math:`\bar y` scores :math:`\bar y (1 - \bar y)`:
    a model is useful when it scores lower than that flat baseline.

    References
    ----------
    Brier, G. W. (1950), "Verification of forecasts expressed in terms of probability",
    *Monthly Weather Review* 78(1).

    Examples
    --------
    >>> round(brier_score([0.9, 0.8, 0.3], [1, 1, 0]), 4)
    0.0467
    """
    p, y = _pairs("brier_score", probabilities, outcomes)
    if p.size == 0:
        return undefined("brier_score", "no forecasts")
    return float(np.mean((p - y) ** 2))


@dataclass(frozen=True, slots=True)
class ReliabilityRow:
    """One probability bin of a reliability table.

    Attributes
    ----------
    low : float
        lower edge of the bin (included)
    high : float
        upper edge of the bin (excluded, but for the last bin)
    n : int
        forecasts in the bin
    mean_probability : float
        mean forecast probability in the bin (NaN when empty)
    observed_rate : float
        share of the bin's outcomes that happened (NaN when empty)
    """

    low: float
    high: float
    n: int
    mean_probability: float
    observed_rate: float


def reliability_table(
    probabilities: Any, outcomes: Any, *, bins: Sequence[float] = DEFAULT_BINS
) -> tuple[ReliabilityRow, ...]:
    r"""Forecasts grouped by probability: mean forecast vs observed frequency per bin.

    A calibrated forecast has ``observed_rate`` close to ``mean_probability`` in every bin
    (bins are ``[low, high)``, the last one closed). Empty bins are kept with ``n = 0``.

    References
    ----------
    Murphy & Winkler (1977), "Reliability of subjective probability forecasts of
    precipitation and temperature", *Applied Statistics* 26(1).

    Examples
    --------
    >>> rows = reliability_table([0.2, 0.9, 0.95, 0.6], [0, 1, 1, 1], bins=(0, 0.5, 1))
    >>> [(r.n, r.observed_rate) for r in rows]
    [(1, 0.0), (3, 1.0)]
    """
    p, y = _pairs("reliability_table", probabilities, outcomes)
    edges = np.asarray(bins, dtype=float)
    if edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise param_error("reliability_table", "bins", "increasing edges (at least two)", repr(tuple(bins)))
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, edges.size - 2)
    out = []
    for k in range(edges.size - 1):
        sel = which == k
        count = int(sel.sum())
        out.append(
            ReliabilityRow(
                float(edges[k]),
                float(edges[k + 1]),
                count,
                float(p[sel].mean()) if count else math.nan,
                float(y[sel].mean()) if count else math.nan,
            )
        )
    return tuple(out)


def _pairs(func: str, probabilities: Any, outcomes: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    p = as_values(probabilities, name="probabilities", func=func, low=0, high=1, keep_blanks=True)
    y = as_values(outcomes, name="outcomes", func=func, low=0, high=1, integer=True, keep_blanks=True)
    if p.size != y.size:
        raise param_error(func, "outcomes", f"{p.size} values (one per probability)", f"{y.size}")
    keep = ~(np.isnan(p) | np.isnan(y))
    return p[keep], y[keep]

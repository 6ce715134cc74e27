"""Probability forecasts of a binary outcome (a renewal): a logistic model and its calibration.

Pure numpy: a ridge-penalised logistic regression fitted by Newton's method, the Brier score
and a reliability table, so a forecast can be backtested on past outcomes and printed with
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
    "brier_score",
    "logistic_fit",
    "reliability_table",
]

DEFAULT_BINS = (0.0, 0.5, 0.7, 0.85, 0.95, 1.0)


@dataclass(frozen=True, slots=True)
class LogisticFit:
    """A fitted logistic model on standardised features.

    ``coef`` are per standardised feature (the change of the log-odds per standard deviation),
    so their sizes compare; :meth:`predict` takes raw features.
    """

    intercept: float
    coef: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    n: int
    iterations: int

    def predict(self, features: Any) -> npt.NDArray[np.float64]:
        """Probabilities for rows of raw features (NaN features count as the training mean)."""
        x = np.atleast_2d(np.asarray(features, dtype=float))
        if x.shape[1] != len(self.coef):
            raise param_error("LogisticFit.predict", "features", f"{len(self.coef)} columns", f"{x.shape[1]}")
        z = (x - np.array(self.mean)) / np.array(self.scale)
        z = np.where(np.isnan(z), 0.0, z)
        eta = self.intercept + z @ np.array(self.coef)
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-eta))
        return out


def logistic_fit(features: Any, outcomes: Any, *, l2: float = 1.0, max_iter: int = 50) -> LogisticFit:
    r"""Fit :math:`P(y=1 \mid x) = \sigma(b_0 + b^\top z)` on standardised features by penalised maximum likelihood.

    .. math::

        \max_{b_0, b}\ \sum_i y_i \ln p_i + (1 - y_i)\ln(1 - p_i) - \tfrac{\lambda}{2}\lVert b \rVert^2,
        \qquad z_{ij} = (x_{ij} - \bar x_j) / s_j

    Missing feature values are set to the feature's mean (z = 0). The ridge penalty
    ``l2`` (:math:`\lambda`, not applied to the intercept) keeps the fit finite when the
    outcomes separate perfectly and shrinks it when outcomes are few.

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

    Returns
    -------
    LogisticFit

    References
    ----------
    Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, 2nd ed., 4.4
    (logistic regression, Newton-Raphson / IRLS).

    Examples
    --------
    >>> fit = logistic_fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1], l2=0.1)
    >>> bool(fit.predict([[3.0]])[0] > 0.5 > fit.predict([[0.0]])[0])
    True
    """
    func = "logistic_fit"
    y = as_values(outcomes, name="outcomes", func=func, low=0, high=1, integer=True)
    x = np.atleast_2d(np.asarray(features, dtype=float))
    if x.ndim != 2 or x.shape[0] != y.size:
        raise param_error(func, "features", f"{y.size} rows (one per outcome)", f"shape {x.shape}")
    check_number(l2, name="l2", func=func, low=0)
    if y.size == 0:
        raise param_error(func, "outcomes", "at least one outcome", "none")
    mean = np.nanmean(np.where(np.isnan(x).all(axis=0), 0.0, x), axis=0) if x.size else np.zeros(x.shape[1])
    scale = np.nanstd(x, axis=0) if x.size else np.ones(x.shape[1])
    scale = np.where(~np.isfinite(scale) | (scale == 0), 1.0, scale)
    z = np.where(np.isnan(x), 0.0, (x - mean) / scale)
    design = np.column_stack([np.ones(y.size), z])
    penalty = np.full(design.shape[1], float(l2))
    penalty[0] = 0.0
    rate = float(np.clip(y.mean(), 1e-3, 1 - 1e-3))
    beta = np.zeros(design.shape[1])
    beta[0] = math.log(rate / (1 - rate))
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        grad = design.T @ (y - p) - penalty * beta
        hess = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(design.shape[1])
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    return LogisticFit(
        intercept=float(beta[0]),
        coef=tuple(float(b) for b in beta[1:]),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        n=int(y.size),
        iterations=iterations,
    )


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
    """One probability bin of a reliability table."""

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

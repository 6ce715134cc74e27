"""Portfolio management: Pareto concentration, touch models, LTV tiers, CSM capacity."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cs_reports._validation import as_values, check_number, param_error, require_columns, undefined

__all__ = [
    "DEFAULT_HOURS_PER_MONTH",
    "DEFAULT_TOUCH_THRESHOLDS",
    "TOUCH_MODELS",
    "CapacityResult",
    "assign_touch_models",
    "csm_capacity",
    "ltv_tiers",
    "pareto_share",
    "touch_model",
]

TOUCH_MODELS = ("tech", "low", "mid", "high")

#: Lower ARR bounds (BRL) of low-, mid- and high-touch; below the first is tech-touch.
DEFAULT_TOUCH_THRESHOLDS = (12_000.0, 60_000.0, 240_000.0)

#: CSM hours per account per month by touch model (excluding QBRs).
DEFAULT_HOURS_PER_MONTH: Mapping[str, float] = {"tech": 0.0, "low": 0.5, "mid": 2.0, "high": 5.0}

#: QBRs per account per year by touch model (tech-touch gets automated reviews only).
DEFAULT_QBRS_PER_YEAR: Mapping[str, float] = {"tech": 0.0, "low": 1.0, "mid": 2.0, "high": 4.0}


def pareto_share(revenue: Any, *, top: float = 0.2) -> float:
    r"""Share of revenue coming from the top ``top`` fraction of customers.

    .. math:: P(x) = \frac{\sum_{i=1}^{\lceil x n \rceil} r_{(i)}}{\sum_{i=1}^{n} r_i}

    with revenues sorted in decreasing order. The number of top customers is rounded
    up (at least one customer). Zero-revenue customers count in :math:`n`.

    Parameters
    ----------
    revenue : array-like
        Revenue (MRR or ARR) per customer, >= 0; blanks skipped.
    top : float, default 0.2
        Fraction of customers in (0, 1].

    Returns
    -------
    float
        In [0, 1]; the classic 80/20 finding is 0.8 at ``top=0.2``.

    References
    ----------
    Founding document (Pareto: share of revenue from the top 20% of customers).

    Examples
    --------
    >>> pareto_share([400, 100, 100, 100, 100, 50, 50, 50, 25, 25])
    0.5
    """
    func = "pareto_share"
    x = check_number(top, name="top", func=func, low=0, high=1, low_open=True)
    values = as_values(revenue, name="revenue", func=func, low=0)
    total = values.sum()
    if values.size == 0 or total == 0:
        return undefined(func, "there is no revenue")
    k = max(1, math.ceil(round(x * values.size, 9)))
    return float(np.sort(values)[::-1][:k].sum() / total)


def touch_model(arr: Any, *, thresholds: tuple[float, float, float] = DEFAULT_TOUCH_THRESHOLDS) -> str:
    """Touch model of one account by its ARR: tech < low < mid < high.

    Thresholds are the lower bounds of low-, mid- and high-touch (default BRL
    12k / 60k / 240k ARR, i.e. 1k / 5k / 20k MRR).

    References
    ----------
    Founding documents: tech-touch (automated only), low-touch (scaled 1:many),
    mid-touch (limited CSM), high-touch (dedicated CSM).

    Examples
    --------
    >>> [touch_model(v) for v in (0, 12_000, 59_999, 60_000, 240_000)]
    ['tech', 'low', 'low', 'mid', 'high']
    """
    func = "touch_model"
    value = check_number(arr, name="arr", func=func, low=0)
    cuts = _thresholds(thresholds, func)
    return TOUCH_MODELS[int(np.searchsorted(cuts, value, side="right"))]


def _thresholds(thresholds: Any, func: str) -> np.ndarray:
    cuts = as_values(thresholds, name="thresholds", func=func, low=0)
    if cuts.size != 3 or np.any(np.diff(cuts) <= 0):
        raise param_error(func, "thresholds", "three increasing numbers (low, mid, high)", repr(thresholds))
    return cuts


def assign_touch_models(
    frame: pd.DataFrame,
    *,
    arr_col: str = "arr",
    given_col: str | None = "touch_model",
    thresholds: tuple[float, float, float] = DEFAULT_TOUCH_THRESHOLDS,
) -> pd.Series:
    """Touch model per row: the user's value when given, otherwise derived from ARR.

    Returns
    -------
    Series
        'tech' / 'low' / 'mid' / 'high', same index as ``frame``.

    Examples
    --------
    >>> df = pd.DataFrame({"arr": [5_000, 90_000, 300_000], "touch_model": [None, "high", ""]})
    >>> assign_touch_models(df).tolist()
    ['tech', 'high', 'high']
    """
    func = "assign_touch_models"
    require_columns(frame, [arr_col], name="frame", func=func)
    cuts = _thresholds(thresholds, func)
    arr = as_values(frame[arr_col], name=f"frame['{arr_col}']", func=func, low=0, keep_blanks=True)
    derived = np.array(TOUCH_MODELS, dtype=object)[np.searchsorted(cuts, np.nan_to_num(arr), side="right")]
    out = pd.Series(derived, index=frame.index, name="touch_model", dtype=object)
    if given_col and given_col in frame.columns:
        given = frame[given_col].astype("string").str.strip().str.lower()
        use = given.isin(TOUCH_MODELS).fillna(False).to_numpy(dtype=bool)
        bad = given.notna() & (given != "") & ~given.isin(TOUCH_MODELS)
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy(dtype=bool))[0])
            raise param_error(func, "frame", f"'{given_col}' in {list(TOUCH_MODELS)} or blank", f"{given.iloc[pos]!r}")
        out[use] = given[use].to_numpy()
    return out


def ltv_tiers(
    frame: pd.DataFrame,
    *,
    ltv_col: str = "ltv",
    potential_col: str = "potential",
    top_share: float = 0.2,
    potential_min: float = 0.2,
) -> pd.DataFrame:
    """The founding documents' three LTV tiers, with the reason for each client.

    * **Tier 1**: most profitable relationships: the top ``top_share`` of clients by LTV.
    * **Tier 2**: to develop in the short term: not tier 1, expansion potential
      (relative, e.g. open opportunity MRR / MRR or seat headroom) >= ``potential_min``.
    * **Tier 3**: the rest: low revenue today, potential to be built.

    Parameters
    ----------
    frame : DataFrame
        ``ltv_col`` (>= 0) and ``potential_col`` (>= 0, NaN = unknown = 0).
    top_share : float, default 0.2
    potential_min : float, default 0.2

    Returns
    -------
    DataFrame
        ``tier`` (1/2/3) and ``reason``, same index as ``frame``.

    References
    ----------
    Founding document: (1) most profitable relationships, (2) relationships to develop
    short-term (upsell/cross-sell potential), (3) low revenue today with potential.

    Examples
    --------
    >>> df = pd.DataFrame({"ltv": [50_000, 8_000, 6_000, 1_000, 900], "potential": [0, 0.5, 0.0, None, 0.3]})
    >>> ltv_tiers(df)["tier"].tolist()
    [1, 2, 3, 3, 2]
    """
    func = "ltv_tiers"
    require_columns(frame, [ltv_col, potential_col], name="frame", func=func)
    share = check_number(top_share, name="top_share", func=func, low=0, high=1, low_open=True)
    pmin = check_number(potential_min, name="potential_min", func=func, low=0)
    ltv = as_values(frame[ltv_col], name=f"frame['{ltv_col}']", func=func, low=0, keep_blanks=True)
    pot = np.nan_to_num(
        as_values(frame[potential_col], name=f"frame['{potential_col}']", func=func, low=0, keep_blanks=True)
    )
    n = len(frame)
    k = max(1, math.ceil(round(share * n, 9))) if n else 0
    order = np.argsort(-np.nan_to_num(ltv, nan=-1.0), kind="stable")
    top = np.zeros(n, dtype=bool)
    top[order[:k]] = True
    tier = np.where(top, 1, np.where(pot >= pmin, 2, 3))
    reasons = np.where(
        tier == 1,
        f"top {share:.0%} by LTV",
        np.where(tier == 2, f"expansion potential >= {pmin:.0%}", "low revenue today; build potential"),
    )
    return pd.DataFrame({"tier": tier, "reason": reasons}, index=frame.index)


@dataclass(frozen=True)
class CapacityResult:
    """Bottom-up CSM workload against the team's capacity (hours per month).

    ``gap_hours`` > 0 means the team is over capacity; ``csms_needed`` is the workload
    divided by one CSM's available hours.
    """

    accounts: dict[str, int]
    hours_by_touch: dict[str, float]
    workload_hours: float
    capacity_hours: float
    gap_hours: float
    csms_needed: float
    accounts_per_csm: float
    high_touch_per_csm: float
    notes: tuple[str, ...] = field(default=())


def csm_capacity(
    accounts_by_touch: Mapping[str, Any],
    *,
    csm_count: Any,
    csm_hours_per_month: Any = 120.0,
    hours_per_account: Mapping[str, float] = DEFAULT_HOURS_PER_MONTH,
    qbrs_per_year: Mapping[str, float] = DEFAULT_QBRS_PER_YEAR,
    qbr_hours: Any = 3.0,
) -> CapacityResult:
    r"""CSM capacity model: monthly workload of the portfolio vs. the team's hours.

    .. math::

        W = \sum_{m} n_m \left(h_m + \frac{q_m\,h_{QBR}}{12}\right), \qquad
        \mathrm{gap} = W - N_{CSM}\,H_{CSM}

    with :math:`n_m` accounts, :math:`h_m` monthly hours and :math:`q_m` QBRs per year
    for touch model :math:`m`, and :math:`h_{QBR} = 3` h (1 h prepare + 1 h present +
    1 h follow-up).

    Parameters
    ----------
    accounts_by_touch : mapping
        Accounts per touch model ('tech', 'low', 'mid', 'high').
    csm_count : float
        CSMs in the team (> 0).
    csm_hours_per_month : float, default 120
        Hours per CSM per month available for accounts.
    hours_per_account, qbrs_per_year : mapping
        Per touch model (defaults :data:`DEFAULT_HOURS_PER_MONTH`, 1-4 QBRs a year).
    qbr_hours : float, default 3

    Returns
    -------
    CapacityResult
        ``notes`` flags a high-touch load above the common 20-30 accounts per CSM.

    References
    ----------
    Founding document: each QBR = 1 h prepare + 1 h present + 1 h follow-up = 3 h per
    account per quarter; 20-30 accounts per CSM is a common high-touch load.

    Examples
    --------
    >>> r = csm_capacity({"high": 25}, csm_count=1)
    >>> r.workload_hours, r.gap_hours
    (150.0, 30.0)
    """
    func = "csm_capacity"
    csms = check_number(csm_count, name="csm_count", func=func, low=0, low_open=True)
    hours = check_number(csm_hours_per_month, name="csm_hours_per_month", func=func, low=0, low_open=True)
    qbr = check_number(qbr_hours, name="qbr_hours", func=func, low=0)
    accounts: dict[str, int] = {}
    by_touch: dict[str, float] = {}
    for model, count in accounts_by_touch.items():
        if model not in TOUCH_MODELS:
            raise param_error(func, "accounts_by_touch", f"keys in {list(TOUCH_MODELS)}", repr(model))
        n = int(check_number(count, name=f"accounts_by_touch['{model}']", func=func, low=0, integer=True))
        accounts[model] = n
        per = float(hours_per_account.get(model, 0.0)) + float(qbrs_per_year.get(model, 0.0)) * qbr / 12.0
        by_touch[model] = n * per
    workload = float(sum(by_touch.values()))
    capacity = csms * hours
    high_per_csm = accounts.get("high", 0) / csms
    notes = []
    if high_per_csm > 30:
        notes.append(f"{high_per_csm:.0f} high-touch accounts per CSM is above the common 20-30 load")
    return CapacityResult(
        accounts=accounts,
        hours_by_touch=by_touch,
        workload_hours=workload,
        capacity_hours=capacity,
        gap_hours=workload - capacity,
        csms_needed=workload / hours,
        accounts_per_csm=sum(accounts.values()) / csms,
        high_touch_per_csm=high_per_csm,
        notes=tuple(notes),
    )

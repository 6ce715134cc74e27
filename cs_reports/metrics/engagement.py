"""Engagement metrics: product adoption and upsell/cross-sell conversion."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cs_reports._validation import (
    ZeroDivision,
    as_values,
    check_choice,
    check_number,
    param_error,
    require_columns,
    safe_divide,
)

__all__ = ["adoption_rate", "conversion_rate", "opportunity_conversion"]


def adoption_rate(active_users: Any, licensed_users: Any, *, zero_division: ZeroDivision = "warn") -> float:
    r"""Adoption rate: active users over licensed users, pooled over accounts or months.

    .. math:: \mathrm{adoption} = \frac{\sum_i a_i}{\sum_i l_i}

    Pairs where either value is blank are skipped.

    Parameters
    ----------
    active_users, licensed_users : array-like
        Same length, non-negative; ``active <= licensed`` at each position.
    zero_division : {"warn", "nan"} or float
        Result when no seat is licensed.

    Returns
    -------
    float
        Rate in [0, 1].

    References
    ----------
    Founding documents (adoption rate among the core CS metrics).

    Examples
    --------
    >>> adoption_rate([8, 30, None], [10, 50, 5])
    0.6333333333333333
    """
    func = "adoption_rate"
    active = as_values(active_users, name="active_users", func=func, low=0, keep_blanks=True)
    licensed = as_values(licensed_users, name="licensed_users", func=func, low=0, keep_blanks=True)
    if active.size != licensed.size:
        raise param_error(func, "licensed_users", f"as many values as active_users ({active.size})", f"{licensed.size}")
    both = ~np.isnan(active) & ~np.isnan(licensed)
    a, lic = active[both], licensed[both]
    over = a > lic
    if over.any():
        pos = int(np.flatnonzero(both)[int(np.flatnonzero(over)[0])]) + 1
        raise param_error(func, "active_users", "at most licensed_users at each position", f"more at position {pos}")
    return safe_divide(a.sum(), lic.sum(), func=func, reason="no seat is licensed", zero_division=zero_division)


def conversion_rate(won: Any, total: Any, *, zero_division: ZeroDivision = "warn") -> float:
    r"""Conversion rate of decided opportunities: won / (won + lost).

    .. math:: \mathrm{conversion} = \frac{W}{T}

    Parameters
    ----------
    won : int
        Opportunities won (<= total).
    total : int
        Decided opportunities (won + lost).
    zero_division : {"warn", "nan"} or float
        Result when nothing was decided.

    Returns
    -------
    float
        Rate in [0, 1].

    References
    ----------
    Founding documents (upsell/cross-sell conversion among the core CS metrics).

    Examples
    --------
    >>> conversion_rate(3, 12)
    0.25
    """
    func = "conversion_rate"
    t = check_number(total, name="total", func=func, low=0, integer=True)
    w = check_number(won, name="won", func=func, low=0, high=t, integer=True)
    return safe_divide(w, t, func=func, reason="no opportunity is decided", zero_division=zero_division)


def opportunity_conversion(
    frame: pd.DataFrame,
    *,
    kind: str | None = None,
    kind_col: str = "kind",
    won_col: str = "won",
    zero_division: ZeroDivision = "warn",
) -> float:
    r"""Upsell / cross-sell conversion from the ``Opportunities`` sheet.

    .. math:: \mathrm{conversion} = \frac{\#\{won\}}{\#\{won\} + \#\{lost\}}

    Opportunities whose ``won`` is blank are still open and are excluded.

    Parameters
    ----------
    frame : DataFrame
        With ``kind_col`` ('upsell' / 'cross-sell') and ``won_col`` (bool or blank).
    kind : {"upsell", "cross-sell"} or None
        Restrict to one kind; ``None`` pools both.
    kind_col, won_col : str
        Column names.
    zero_division : {"warn", "nan"} or float
        Result when nothing was decided.

    Returns
    -------
    float
        Rate in [0, 1].

    References
    ----------
    Founding documents (upsell/cross-sell conversion).

    Examples
    --------
    >>> opps = pd.DataFrame({"kind": ["upsell", "upsell", "cross-sell", "upsell"], "won": [True, False, True, None]})
    >>> opportunity_conversion(opps, kind="upsell")
    0.5
    """
    func = "opportunity_conversion"
    require_columns(frame, [kind_col, won_col], name="frame", func=func)
    rows = frame
    if kind is not None:
        check_choice(kind, ("upsell", "cross-sell"), name="kind", func=func)
        rows = frame[frame[kind_col].astype("string").str.lower() == kind]
    won = rows[won_col]
    decided = won.notna()
    values = won[decided]
    bad = ~values.map(lambda v: isinstance(v, (bool, np.bool_)) or v in (0, 1))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise param_error(func, "frame", f"True/False or blank in column '{won_col}'", f"{values.iloc[pos]!r}")
    n_won = int(values.astype(bool).sum())
    return safe_divide(
        n_won, int(decided.sum()), func=func, reason="no opportunity is decided", zero_division=zero_division
    )

"""A configurable, explainable weighted health score and the drivers of its change."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cs_reports._validation import as_values, param_error, require_columns, undefined
from cs_reports.errors import DataContractError, Problem

__all__ = [
    "BANDS",
    "DEFAULT_HEALTH_MODEL",
    "HealthComponent",
    "HealthModel",
    "health_breakdown",
    "health_drivers",
    "health_score",
    "health_scores",
]

#: Score bands: below 40 red, below 70 yellow, else green.
BANDS = ((40.0, "red"), (70.0, "yellow"), (math.inf, "green"))


@dataclass(frozen=True, slots=True)
class HealthComponent:
    """One input of the health score.

    A raw value is mapped to a 0-100 sub-score by linear interpolation between
    ``bad`` (scores 0) and ``good`` (scores 100), clipped. ``bad > good`` means lower
    raw values are better (e.g. response time in hours).
    """

    name: str
    weight: float
    bad: float
    good: float
    description: str = ""

    def subscore(self, raw: Any) -> Any:
        """Map raw values (scalar or array) to 0-100; NaN stays NaN."""
        x = np.asarray(raw, dtype=np.float64)
        return np.clip((x - self.bad) / (self.good - self.bad) * 100.0, 0.0, 100.0)


@dataclass(frozen=True, slots=True)
class HealthModel:
    """A set of weighted components (the ``HealthModel`` sheet)."""

    components: tuple[HealthComponent, ...]

    @property
    def names(self) -> list[str]:
        """Component names, in order."""
        return [c.name for c in self.components]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, sheet: str = "HealthModel") -> HealthModel:
        """Parse the user's sheet: columns ``component``, ``weight``, ``thresholds``.

        ``thresholds`` is ``"bad;good"`` (e.g. ``"0;10"`` for NPS answers, ``"48;4"`` for
        hours to first response). Every problem is collected with its sheet row.
        """
        require_columns(frame, ["component", "weight", "thresholds"], name="frame", func="HealthModel.from_frame")
        problems: list[Problem] = []
        comps: list[HealthComponent] = []
        seen: set[str] = set()
        for i, row in enumerate(frame.itertuples(index=False)):
            r = i + 2
            name = str(row.component).strip() if isinstance(row.component, str) else ""
            if not name:
                problems.append(Problem(sheet, r, "component", "a component name", repr(row.component)))
                continue
            if name in seen:
                problems.append(Problem(sheet, r, "component", "a unique component name", repr(name)))
            seen.add(name)
            try:
                weight = float(row.weight)  # type: ignore[arg-type]
                if not (math.isfinite(weight) and weight >= 0):
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(Problem(sheet, r, "weight", "a number >= 0", repr(row.weight)))
                continue
            try:
                bad_s, good_s = str(row.thresholds).replace(",", ".").split(";")
                bad, good = float(bad_s), float(good_s)
                if bad == good or not (math.isfinite(bad) and math.isfinite(good)):
                    raise ValueError
            except ValueError:
                got = repr(row.thresholds)
                problems.append(Problem(sheet, r, "thresholds", "'bad;good' with two different numbers", got))
                continue
            comps.append(HealthComponent(name, weight, bad, good))
        if not problems and not comps:
            problems.append(Problem(sheet, None, None, "at least one component", "an empty sheet"))
        if not problems and sum(c.weight for c in comps) == 0:
            problems.append(Problem(sheet, None, "weight", "at least one weight > 0", "all weights 0"))
        if problems:
            raise DataContractError(sheet, problems)
        return cls(tuple(comps))


#: Components computed from the data contract (see ``docs/data.md``), with their raw units.
DEFAULT_HEALTH_MODEL = HealthModel(
    (
        HealthComponent("nps", 0.25, 0.0, 10.0, "mean NPS answer (0-10) of the last 6 months"),
        HealthComponent("adoption", 0.25, 0.2, 0.9, "active / licensed users, last month"),
        HealthComponent("support", 0.15, 48.0, 4.0, "median hours to first response, last 3 months"),
        HealthComponent("mrr_trend", 0.20, -0.2, 0.1, "relative MRR change over 3 months"),
        HealthComponent("milestones", 0.15, 0.3, 1.0, "share of due milestones done on time"),
    )
)


def _bands(scores: np.ndarray) -> np.ndarray:
    """The band of every score (object array of str; ``""`` for a missing score): the first of :data:`BANDS` above it."""
    finite = np.isfinite(scores)
    conditions = [~finite] + [finite & (scores < limit) for limit, _ in BANDS]
    return np.select(conditions, ["", *(name for _, name in BANDS)], default="").astype(object)


def health_score(values: Any, weights: Any) -> float:
    r"""Weighted health score of 0-100 sub-scores; weights of missing inputs are redistributed.

    .. math:: H = \frac{\sum_{i \in A} w_i x_i}{\sum_{i \in A} w_i}

    over the available (non-blank) sub-scores :math:`A`.

    References
    ----------
    Gainsight (weighted 0-100 measures); Catalyst (missing inputs' weights redistributed);
    METRICS_REFERENCE "Health score (platforms)".

    Examples
    --------
    >>> health_score([80, None, 40], [0.5, 0.3, 0.2])
    68.57142857142857
    """
    func = "health_score"
    x = as_values(values, name="values", func=func, low=0, high=100, keep_blanks=True)
    w = as_values(weights, name="weights", func=func, low=0, keep_blanks=True)
    if x.size != w.size:
        raise param_error(func, "weights", f"as many values as values ({x.size})", str(w.size))
    ok = ~np.isnan(x) & ~np.isnan(w)
    total = w[ok].sum()
    if total == 0:
        return undefined(func, "no component with a weight has a value")
    return float((w[ok] * x[ok]).sum() / total)


def health_breakdown(values: Any, weights: Any, names: Any) -> pd.DataFrame:
    """Rows ``component, subscore, weight, contribution`` explaining :func:`health_score`.

    ``weight`` is the effective (redistributed) weight; contributions add up to the score.

    Examples
    --------
    >>> health_breakdown([80, None, 40], [0.5, 0.3, 0.2], ["nps", "adoption", "support"]).round(2)
      component  subscore  weight  contribution
    0       nps      80.0    0.71         57.14
    1  adoption       NaN    0.00          0.00
    2   support      40.0    0.29         11.43
    """
    func = "health_breakdown"
    x = as_values(values, name="values", func=func, low=0, high=100, keep_blanks=True)
    w = as_values(weights, name="weights", func=func, low=0, keep_blanks=True)
    from cs_reports._validation import flatten

    labels = [str(v) for v in flatten(names, trim=False)]
    if not (x.size == w.size == len(labels)):
        raise param_error(func, "names", f"as many values as values ({x.size})", str(len(labels)))
    ok = ~np.isnan(x) & ~np.isnan(w)
    total = w[ok].sum()
    eff = np.where(ok, np.nan_to_num(w) / total if total else 0.0, 0.0)
    return pd.DataFrame(
        {"component": labels, "subscore": x, "weight": eff, "contribution": np.where(ok, eff * np.nan_to_num(x), 0.0)}
    )


def health_scores(
    inputs: pd.DataFrame, model: HealthModel = DEFAULT_HEALTH_MODEL, *, customer_col: str = "client_id"
) -> pd.DataFrame:
    r"""Health score of each client, with every component's sub-score and contribution.

    .. math:: H_c = \frac{\sum_{i \in A_c} w_i\, s_i(x_{c,i})}{\sum_{i \in A_c} w_i}

    where :math:`s_i` maps the raw value to 0-100 (see :class:`HealthComponent`) and
    :math:`A_c` are the components with a value for client :math:`c`.

    Parameters
    ----------
    inputs : DataFrame
        ``customer_col`` and one column per model component with raw values (NaN = missing).
    model : HealthModel

    Returns
    -------
    DataFrame
        ``client_id, score, band, coverage`` then ``<component>_subscore`` and
        ``<component>_contribution`` for each component (contributions add up to the
        score). ``coverage`` is the share of the total weight that had data.

    References
    ----------
    Gainsight, Vitally, Catalyst health scores (METRICS_REFERENCE).

    Examples
    --------
    >>> frame = pd.DataFrame({"client_id": ["a"], "nps": [9.0], "adoption": [0.55],
    ...                       "support": [None], "mrr_trend": [0.0], "milestones": [1.0]})
    >>> health_scores(frame)[["client_id", "score", "band"]].round(1)
      client_id  score   band
    0         a   74.5  green
    """
    func = "health_scores"
    require_columns(inputs, [customer_col, *model.names], name="inputs", func=func)
    weights = np.array([c.weight for c in model.components])
    subs = np.column_stack(
        [c.subscore(pd.to_numeric(inputs[c.name], errors="raise").to_numpy(dtype=float)) for c in model.components]
    )
    available = ~np.isnan(subs)
    w = np.where(available, weights, 0.0)
    total = w.sum(axis=1)
    eff = np.divide(w, total[:, None], out=np.zeros_like(w), where=total[:, None] > 0)
    contrib = eff * np.nan_to_num(subs)
    score = np.where(total > 0, contrib.sum(axis=1), np.nan)
    out = pd.DataFrame(
        {
            customer_col: inputs[customer_col].to_numpy(),
            "score": score,
            "band": _bands(score),
            "coverage": total / weights.sum(),
        }
    )
    for j, c in enumerate(model.components):
        out[f"{c.name}_subscore"] = subs[:, j]
        out[f"{c.name}_contribution"] = contrib[:, j]
    return out


def health_drivers(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    model: HealthModel = DEFAULT_HEALTH_MODEL,
    *,
    customer_col: str = "client_id",
    top: int | None = None,
) -> pd.DataFrame:
    """What moved each client's health score since the previous period.

    Both frames are outputs of :func:`health_scores`. For each client and component, the
    change of contribution; the changes add up to the change of the score. Sorted by
    client, then by absolute change (largest first).

    Returns
    -------
    DataFrame
        ``client_id, component, previous, current, change`` (contributions in score
        points) plus ``score_change`` of the client.

    Examples
    --------
    >>> base = pd.DataFrame({"client_id": ["a"], "nps": [9.0], "adoption": [0.9],
    ...                      "support": [4.0], "mrr_trend": [0.1], "milestones": [1.0]})
    >>> now = base.assign(adoption=[0.2])
    >>> d = health_drivers(health_scores(now), health_scores(base))
    >>> first = d.iloc[0]
    >>> first["component"], float(first["change"]), float(first["score_change"])
    ('adoption', -25.0, -25.0)
    """
    cols = [f"{n}_contribution" for n in model.names]
    require_columns(current, [customer_col, "score", *cols], name="current", func="health_drivers")
    require_columns(previous, [customer_col, "score", *cols], name="previous", func="health_drivers")
    cur = current.set_index(customer_col)
    prev = previous.set_index(customer_col).reindex(cur.index)
    rows = []
    for name, col in zip(model.names, cols, strict=True):
        part = pd.DataFrame(
            {
                customer_col: cur.index,
                "component": name,
                "previous": prev[col].to_numpy(),
                "current": cur[col].to_numpy(),
            }
        )
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    out["change"] = out["current"] - out["previous"]
    out["score_change"] = out[customer_col].map((cur["score"] - prev["score"]).to_dict())
    out["_abs"] = out["change"].abs()
    out = out.sort_values([customer_col, "_abs"], ascending=[True, False], kind="stable").drop(columns="_abs")
    if top is not None:
        out = out.groupby(customer_col, sort=False).head(top)
    return out.reset_index(drop=True)

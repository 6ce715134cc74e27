"""Renewal forecast per client, learned from the book's own renewal outcomes.

The model: a logistic regression of the outcome of each past renewal (``Renewals`` sheet,
``renewed`` vs ``churned``) on the client's signals the month before it was due: health
score, its change over 3 months, whether it is the first renewal, and the MRR trend over
3 months (contraction). It is fitted once per book and month (:func:`renewal_forecast_model`,
cached with :func:`cs_reports.reports.common.per_book`) and backtested with a time split:
fitted on the renewals due before a cutoff 12 months before the month, scored on the later
ones against the flat base rate (Brier score, reliability table).

With too little history (fewer than ``MIN_OUTCOMES`` resolved renewals or ``MIN_CHURNED``
churned), the forecast falls back to the renewal rate of the client's health band, and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cs_reports.data.book import Book
from cs_reports.errors import InvalidInputError
from cs_reports.metrics import forecast as fm
from cs_reports.metrics.health import BANDS
from cs_reports.reports.common import health_at, health_inputs_at, per_book

__all__ = [
    "FEATURES",
    "MIN_CHURNED",
    "MIN_OUTCOMES",
    "PROBABILITY_BANDS",
    "Backtest",
    "RenewalForecast",
    "RenewalModel",
    "client_renewal_forecast",
    "probability_band",
    "renewal_forecast_model",
]

FEATURES = ("health_score", "health_change_3m", "first_renewal", "mrr_trend_3m")
MIN_OUTCOMES = 40
MIN_CHURNED = 8
BACKTEST_MONTHS = 12
#: Probability bands (docs/glossary.md: provável / incerta / improvável): ``likely`` from 80%, ``unlikely`` below 60%.
PROBABILITY_BANDS = ((0.6, "unlikely"), (0.8, "uncertain"), (math.inf, "likely"))


def probability_band(
    probability: float, *, likely: float = PROBABILITY_BANDS[1][0], unlikely: float = PROBABILITY_BANDS[0][0]
) -> str:
    """``likely`` (>= ``likely``), ``uncertain``, ``unlikely`` (< ``unlikely``) or ``unknown`` (NaN).

    The defaults are :data:`PROBABILITY_BANDS`'; the QBR passes its settings' cut-offs.

    >>> probability_band(0.95), probability_band(0.7), probability_band(0.3)
    ('likely', 'uncertain', 'unlikely')
    """
    if math.isnan(probability):
        return "unknown"
    return "likely" if probability >= likely else "unlikely" if probability < unlikely else "uncertain"


@dataclass(frozen=True, slots=True)
class Backtest:
    """The model fitted on renewals due before ``cutoff`` and scored on those due from it to the month."""

    cutoff: pd.Timestamp
    n_train: int
    n_test: int
    brier: float
    brier_flat: float
    base_rate: float
    reliability: tuple[fm.ReliabilityRow, ...]


@dataclass(frozen=True, slots=True)
class RenewalModel:
    """The book's renewal model at ``month``: method, history behind it and the backtest."""

    month: pd.Timestamp
    method: str  # "logistic", "health_band" or "none"
    n_outcomes: int
    n_churned: int
    base_rate: float
    fit: fm.LogisticFit | None
    band_rates: tuple[tuple[str, float, int], ...]  # band, renewal rate (smoothed), renewals
    backtest: Backtest | None
    forecasts: pd.DataFrame  # client_id index: probability and the signals, at ``month``

    @property
    def basis(self) -> str:
        """What the probabilities rest on, in one sentence (English; reports translate ``method``)."""
        if self.method == "logistic":
            bt = self.backtest
            check = (
                f"; backtest on {bt.n_test} later renewals: Brier {bt.brier:.3f} vs {bt.brier_flat:.3f} flat"
                if bt
                else ""
            )
            return (
                f"Logistic model on {', '.join(FEATURES)}, fitted on {self.n_outcomes} renewal outcomes "
                f"({self.n_churned} churned) up to {self.month:%Y-%m}{check}."
            )
        if self.method == "health_band":
            return (
                f"Too little renewal history for a model ({self.n_outcomes} outcomes, {self.n_churned} churned; "
                f"{MIN_OUTCOMES} with {MIN_CHURNED} churned needed): renewal rate of the client's health band."
            )
        return "No renewal outcomes in the book (Renewals sheet): no forecast."


@dataclass(frozen=True, slots=True)
class RenewalForecast:
    """One client's probability of renewing at its next renewal date."""

    client_id: str
    probability: float
    band: str
    basis: str
    method: str
    signals: tuple[tuple[str, float], ...]


def _health(book: Book, month: pd.Timestamp) -> pd.DataFrame:
    """Health scores at ``month`` (index client_id): the reports' own, computed once per book and month."""
    frame: pd.DataFrame = per_book(
        book, "health_by_client", month, lambda: health_at(book, month).set_index("client_id")
    )
    return frame


def _signals(book: Book, month: pd.Timestamp) -> pd.DataFrame:
    """Every client's signals at ``month`` (index client_id): the model's features, NaN = no data."""

    def compute() -> pd.DataFrame:
        now = _health(book, month)
        out = pd.DataFrame(index=now.index)
        out["health_score"] = now["score"].astype(float)
        out["band"] = now["band"]
        earlier = month - pd.DateOffset(months=3)
        if earlier >= book.months[0]:
            then = _health(book, earlier)["score"].astype(float)
            out["health_change_3m"] = out["health_score"] - then.reindex(out.index)
        else:
            out["health_change_3m"] = math.nan
        trend = health_inputs_at(book, month).set_index("client_id")["mrr_trend"].astype(float)
        out["mrr_trend_3m"] = trend.reindex(out.index).clip(-1.0, 1.0)
        return out

    frame: pd.DataFrame = per_book(book, "renewal_signals", month, compute)
    return frame


def _first_renewal(book: Book, ids: pd.Index, due: pd.Series) -> np.ndarray:
    start = book.clients.set_index("client_id")["contract_start"].reindex(ids)
    days = (pd.to_datetime(due.to_numpy()) - pd.to_datetime(start.to_numpy())).days
    return np.where(np.isnan(days), np.nan, (days < 400).astype(float))


def _history(book: Book, month: pd.Timestamp) -> pd.DataFrame:
    """Resolved renewals due up to ``month`` with the client's signals the month before the due date."""
    columns = ["client_id", "due", "renewed", "band", *FEATURES]
    if book.renewals is None:
        return pd.DataFrame(columns=columns)
    r = book.renewals
    end = month + pd.offsets.MonthEnd(0)
    r = r[r["outcome"].isin(["renewed", "churned"]) & (r["due_date"] <= end)]
    signal_month = r["due_date"].dt.to_period("M").dt.to_timestamp() - pd.DateOffset(months=1)
    r = r[signal_month >= book.months[0]]
    signal_month = signal_month[r.index]
    parts = []
    for sm, group in r.groupby(signal_month):
        sig = _signals(book, pd.Timestamp(sm)).reindex(group["client_id"])
        part = pd.DataFrame(
            {
                "client_id": group["client_id"].to_numpy(),
                "due": group["due_date"].to_numpy(),
                "renewed": (group["outcome"] == "renewed").to_numpy().astype(float),
                "band": sig["band"].to_numpy(),
                "health_score": sig["health_score"].to_numpy(),
                "health_change_3m": sig["health_change_3m"].to_numpy(),
                "first_renewal": _first_renewal(book, pd.Index(group["client_id"]), group["due_date"]),
                "mrr_trend_3m": sig["mrr_trend_3m"].to_numpy(),
            }
        )
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)


def _band_rates(history: pd.DataFrame, base: float) -> tuple[tuple[str, float, int], ...]:
    """Renewal rate per health band, shrunk towards the overall rate with the weight of 2 renewals."""
    out = []
    for _, band in BANDS:
        sel = history["band"] == band
        n = int(sel.sum())
        rate = (float(history.loc[sel, "renewed"].sum()) + 2 * base) / (n + 2)
        out.append((band, rate, n))
    return tuple(out)


def _enough(history: pd.DataFrame) -> bool:
    churned = int((history["renewed"] == 0).sum())
    return len(history) >= MIN_OUTCOMES and churned >= MIN_CHURNED and len(history) - churned >= MIN_CHURNED


def _backtest(history: pd.DataFrame, month: pd.Timestamp) -> Backtest | None:
    cutoff = month - pd.DateOffset(months=BACKTEST_MONTHS - 1)
    due = pd.to_datetime(history["due"])
    train, test = history[due < cutoff], history[due >= cutoff]
    if not _enough(train) or len(test) < 10:
        return None
    fit = fm.logistic_fit(train[list(FEATURES)].to_numpy(float), train["renewed"].to_numpy())
    p = fit.predict(test[list(FEATURES)].to_numpy(float))
    y = test["renewed"].to_numpy(float)
    base = float(train["renewed"].mean())
    return Backtest(
        cutoff=cutoff,
        n_train=len(train),
        n_test=len(test),
        brier=fm.brier_score(p, y),
        brier_flat=fm.brier_score(np.full(y.size, base), y),
        base_rate=base,
        reliability=fm.reliability_table(p, y),
    )


def _fit(book: Book, month: pd.Timestamp) -> RenewalModel:
    history = _history(book, month)
    n = len(history)
    churned = int((history["renewed"] == 0).sum()) if n else 0
    base = float(history["renewed"].mean()) if n else math.nan
    now = _signals(book, month).copy()
    renewal = book.clients.set_index("client_id")["renewal_date"].reindex(now.index)
    now["first_renewal"] = _first_renewal(book, now.index, renewal)
    fit = None
    bands: tuple[tuple[str, float, int], ...] = ()
    if n and _enough(history):
        method = "logistic"
        fit = fm.logistic_fit(history[list(FEATURES)].to_numpy(float), history["renewed"].to_numpy())
        now["probability"] = fit.predict(now[list(FEATURES)].to_numpy(float))
    elif n:
        method = "health_band"
        bands = _band_rates(history, base)
        rates = {band: rate for band, rate, _ in bands}
        now["probability"] = now["band"].map(rates).astype(float)
    else:
        method = "none"
        now["probability"] = math.nan
    return RenewalModel(
        month=month,
        method=method,
        n_outcomes=n,
        n_churned=churned,
        base_rate=base,
        fit=fit,
        band_rates=bands if bands else (_band_rates(history, base) if n else ()),
        backtest=_backtest(history, month) if method == "logistic" else None,
        forecasts=now,
    )


def renewal_forecast_model(book: Book, month: Any) -> RenewalModel:
    """The book's renewal model at ``month``, fitted once per book and month (see the module docstring)."""
    month = pd.Timestamp(month).to_period("M").to_timestamp()
    model: RenewalModel = per_book(book, "renewal_forecast", month, lambda: _fit(book, month))
    return model


def client_renewal_forecast(book: Book, client_id: str, month: Any) -> RenewalForecast:
    """Probability that ``client_id`` renews at its next renewal date, from its signals at ``month``.

    Raises
    ------
    InvalidInputError
        When ``client_id`` is not in the book.
    """
    model = renewal_forecast_model(book, month)
    if client_id not in model.forecasts.index:
        raise InvalidInputError(f"Client '{client_id}' is not in the Clients sheet of {book.source}.")
    row: dict[Any, Any] = model.forecasts.loc[client_id].to_dict()
    p = float(row["probability"])
    return RenewalForecast(
        client_id=client_id,
        probability=p,
        band=probability_band(p),
        basis=model.basis,
        method=model.method,
        signals=tuple((name, float(row[name])) for name in FEATURES),
    )

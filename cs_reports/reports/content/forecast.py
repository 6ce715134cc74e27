"""Renewal forecast per client, learned from the book's own renewal outcomes.

The model: a logistic regression of the outcome of each past renewal (``Renewals`` sheet,
``renewed`` vs ``churned``) on the client's signals the month before it was due
(:data:`FEATURES`: Health Score, its change over 3 months, adoption, share of detractors,
MRR trend, ticket growth, CSAT change, first renewal), with **sign constraints**
(:data:`SIGNS`): a worse signal never raises the probability, by construction; where the
book's history points the other way the coefficient is held at 0 (``RenewalModel.held``).
It is fitted once per book and month (:func:`renewal_forecast_model`, cached with
:func:`cs_reports.reports.content.common.per_book`) and backtested with a time split: fitted on the
renewals due before a cutoff 12 months before the month, scored on the later ones against
the flat base rate and against the same model without constraints (Brier, AUC, reliability).

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
from cs_reports.reports.content.common import health_inputs_at, per_book, quiet
from cs_reports.reports.content.figure_store import register
from cs_reports.reports.content.portfolio import figures_of
from cs_reports.reports.content.renewal_history import SIGNAL_FEATURES, renewal_history
from cs_reports.reports.content.trends import trend_settings, trends_at
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings

__all__ = [
    "DRIVERS",
    "FEATURES",
    "MIN_CHURNED",
    "MIN_OUTCOMES",
    "PROBABILITY_BANDS",
    "SHOWN_BOUNDS",
    "SIGNS",
    "Backtest",
    "Driver",
    "RenewalForecast",
    "RenewalModel",
    "client_drivers",
    "client_renewal_forecast",
    "driver_texts",
    "interval_text",
    "probability_band",
    "probability_text",
    "renewal_forecast_model",
]

#: The model's features, each oriented as it is shown (units of the reports).
FEATURES = (*SIGNAL_FEATURES, "first_renewal")
#: Sign constraint per feature: +1 higher is better (the probability never falls as it rises),
#: -1 higher is worse, 0 free (first renewal: a fact about the contract, not a client's signal).
SIGNS = (1, 1, 1, -1, 1, -1, 1, 0)
#: Drivers as printed: a group of features worded together, in :data:`FEATURES` order.
DRIVERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("health", ("health_score", "health_change_3m")),
    ("adoption", ("adoption",)),
    ("detractors", ("detractor_share",)),
    ("mrr", ("mrr_trend_3m",)),
    ("tickets", ("ticket_growth",)),
    ("csat", ("csat_change",)),
    ("first_renewal", ("first_renewal",)),
)
#: A probability is never printed as 0% or 100%: below the first it reads "< 3%", above the second "> 97%".
SHOWN_BOUNDS = (0.03, 0.97)
#: Interval printed with each probability (approximate, delta method on the log-odds).
INTERVAL_LEVEL = 0.9
#: A driver is printed when it moves the probability by at least this much (probability points).
DRIVER_MIN_EFFECT = 0.01
#: Signals shown with a driver besides its features (display only).
DRIVER_DETAILS = {"tickets": ("tickets_now", "tickets_before"), "csat": ("csat_now", "csat_before")}


def probability_text(probability: float, fmt: Formatter) -> str:
    """A probability as printed: never 0% or 100% (``< 3%``, ``> 97%``, :data:`SHOWN_BOUNDS`), a dash when NaN.

    >>> f = Formatter("en")
    >>> probability_text(0.004, f), probability_text(0.5, f), probability_text(0.999, f)
    ('< 3%', '50%', '> 97%')
    """
    low, high = SHOWN_BOUNDS
    if math.isnan(probability):
        return fmt.percent(probability, 0)
    if probability < low:
        return f"< {fmt.percent(low, 0)}"
    if probability > high:
        return f"> {fmt.percent(high, 0)}"
    return fmt.percent(probability, 0)


def interval_text(low: float, high: float, fmt: Formatter) -> str:
    """An interval as printed, each end bounded like :func:`probability_text` (empty when unknown).

    >>> interval_text(0.001, 0.12, Formatter("pt-BR"))
    '< 3% – 12%'
    """
    if math.isnan(low) or math.isnan(high):
        return ""
    return f"{probability_text(low, fmt)} – {probability_text(high, fmt)}"


def driver_texts(drivers: tuple[Driver, ...], strings: dict[str, str], fmt: Formatter) -> tuple[str, ...]:
    """Each driver in words, e.g. "Health Score 43, -25 in 3 months: lowers it by 12 points".

    ``strings`` (the QBR's i18n) holds ``driver_<key>`` templates and ``driver_raises`` /
    ``driver_lowers`` for the effect, in probability points.
    """
    out = []
    for d in drivers:
        v = dict(d.values)
        if d.key == "health":
            what = strings["driver_health"].format(score=fmt.number(v["health_score"], 0))
            if not math.isnan(v["health_change_3m"]):
                what += strings["driver_health_change"].format(change=fmt.number(v["health_change_3m"], 0, signed=True))
        elif d.key == "first_renewal":
            what = strings["driver_first_renewal" if v["first_renewal"] == 1 else "driver_not_first_renewal"]
        else:
            what = strings[f"driver_{d.key}"].format(
                adoption=fmt.percent(v.get("adoption", math.nan), 0),
                share=fmt.percent(v.get("detractor_share", math.nan), 0),
                change=fmt.percent(v.get("mrr_trend_3m", math.nan), 1, signed=True),
                now=fmt.number(v.get("tickets_now", math.nan), 0),
                before=fmt.number(v.get("tickets_before", math.nan), 0),
                csat_now=fmt.percent(v.get("csat_now", math.nan), 0),
                csat_before=fmt.percent(v.get("csat_before", math.nan), 0),
            )
        effect = strings["driver_raises" if d.effect > 0 else "driver_lowers"].format(
            points=fmt.number(abs(d.effect) * 100, 0)
        )
        out.append(f"{what}{effect}")
    return tuple(out)


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
    """The model fitted on renewals due before ``cutoff`` and scored on those due from it to the month.

    ``brier_free`` / ``auc_free`` are the same model fitted without the sign constraints: what
    the constraints cost (or save) on this book.

    Attributes
    ----------
    cutoff : Timestamp
        first due month of the test renewals (the month minus 11 months)
    n_train : int
        renewals due before the cutoff, the model was fitted on
    n_test : int
        renewals due from the cutoff to the month, the model was scored on
    brier : float
        Brier score of the model on the test renewals (lower is better; metrics.forecast.brier_score)
    brier_flat : float
        Brier score of the flat forecast (every test renewal at the training renewal rate)
    base_rate : float
        renewal rate of the training renewals
    reliability : tuple of ReliabilityRow
        forecasts by probability bin against what happened (metrics.forecast.reliability_table)
    auc : float
        AUC of the model on the test renewals (NaN when one outcome is missing; metrics.forecast.auc_score)
    brier_free : float
        Brier score of the same model fitted without the sign constraints
    auc_free : float
        AUC of the same model fitted without the sign constraints
    """

    cutoff: pd.Timestamp
    n_train: int
    n_test: int
    brier: float
    brier_flat: float
    base_rate: float
    reliability: tuple[fm.ReliabilityRow, ...]
    auc: float = math.nan
    brier_free: float = math.nan
    auc_free: float = math.nan


@dataclass(frozen=True, slots=True)
class RenewalModel:
    """The book's renewal model at ``month``: method, history behind it and the backtest.

    Attributes
    ----------
    month : Timestamp
        month of the forecasts
    method : str
        logistic (enough history), health_band (renewal rate of each Health Score band) or none
    n_outcomes : int
        past renewals with an outcome the model learned from (Renewals sheet)
    n_churned : int
        of those, the ones not renewed
    base_rate : float
        renewal rate of those past renewals (NaN without history)
    fit : LogisticFit or None
        the fitted logistic model (None unless method is logistic)
    band_rates : tuple of (str, float, int)
        per Health Score band: band, smoothed renewal rate, renewals
    backtest : Backtest or None
        the model scored on the last 12 months' renewals (None unless method is logistic)
    forecasts : DataFrame
        client_id index: probability, low, high and the signals, at ``month``
    """

    month: pd.Timestamp
    method: str  # "logistic", "health_band" or "none"
    n_outcomes: int
    n_churned: int
    base_rate: float
    fit: fm.LogisticFit | None
    band_rates: tuple[tuple[str, float, int], ...]  # band, renewal rate (smoothed), renewals
    backtest: Backtest | None
    forecasts: pd.DataFrame  # client_id index: probability, low, high and the signals, at ``month``

    @property
    def held(self) -> tuple[str, ...]:
        """Features whose coefficient the sign constraint held at 0 (the book's history disagreed)."""
        if self.fit is None:
            return ()
        return tuple(name for name, h in zip(FEATURES, self.fit.held, strict=True) if h)

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
                f"Logistic model with sign constraints on {', '.join(FEATURES)}, fitted on {self.n_outcomes} "
                f"renewal outcomes ({self.n_churned} churned) up to {self.month:%Y-%m}{check}."
            )
        if self.method == "health_band":
            return (
                f"Too little renewal history for a model ({self.n_outcomes} outcomes, {self.n_churned} churned; "
                f"{MIN_OUTCOMES} with {MIN_CHURNED} churned needed): renewal rate of the client's health band."
            )
        return "No renewal outcomes in the book (Renewals sheet): no forecast."


@dataclass(frozen=True, slots=True)
class Driver:
    """One reason for a client's probability: a group of signals and how much it moves the probability.

    ``effect`` is the client's probability minus the probability it would have with these
    signals at the portfolio's average (probability points, signed); ``values`` the signals.
    """

    key: str
    effect: float
    values: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class RenewalForecast:
    """One client's probability of renewing at its next renewal date, its interval and drivers."""

    client_id: str
    probability: float
    band: str
    basis: str
    method: str
    signals: tuple[tuple[str, float], ...]
    low: float = math.nan
    high: float = math.nan
    drivers: tuple[Driver, ...] = ()


def _health(book: Book, month: pd.Timestamp) -> pd.DataFrame:
    """Health scores at ``month`` (index client_id): the reports' own, computed once per book and month."""
    frame: pd.DataFrame = figures_of(book).health_by_client(month)
    return frame


def _signals(book: Book, month: pd.Timestamp, settings: ReportSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Every client's signals at ``month`` (index client_id): the model's features, NaN = no data.

    The trends are :func:`cs_reports.reports.content.trends.trends_at` with ``settings`` (its
    ``min_csat_answers`` gates ``csat_change``).
    """

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
        inputs = health_inputs_at(book, month).set_index("client_id")
        out["adoption"] = inputs["adoption"].astype(float).reindex(out.index)
        trend = inputs["mrr_trend"].astype(float)
        out["mrr_trend_3m"] = trend.reindex(out.index).clip(-1.0, 1.0)
        t = trends_at(book, month, settings).reindex(out.index)
        out["detractor_share"] = t["detractor_share"]
        out["ticket_growth"] = t["ticket_growth"]
        out["csat_change"] = t["csat_change"]
        for name in ("tickets_now", "tickets_before", "csat_now", "csat_before"):  # shown with the drivers
            out[name] = t[name]
        return out

    frame: pd.DataFrame = per_book(  # the model is kept
        book, "renewal_signals", month, compute, keep=False, settings=trend_settings(settings)
    )
    return frame


def _first_renewal(book: Book, ids: pd.Index, due: pd.Series) -> np.ndarray:
    start = book.clients.set_index("client_id")["contract_start"].reindex(ids)
    days = (pd.to_datetime(due.to_numpy()) - pd.to_datetime(start.to_numpy())).days
    return np.where(np.isnan(days), np.nan, (days < 400).astype(float))


def _history(book: Book, month: pd.Timestamp, settings: ReportSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Resolved renewals due up to ``month`` with the client's signals the month before the due date.

    One vectorised pass (:func:`cs_reports.reports.content.renewal_history.renewal_history`); the
    numbers are those of :func:`_signals` at each renewal's signal month.
    """
    history = renewal_history(book, month, settings)
    history["first_renewal"] = _first_renewal(book, pd.Index(history["client_id"]), history["due"])
    return history[["client_id", "due", "renewed", "band", *FEATURES]]


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


def _model_fit(history: pd.DataFrame, *, constrained: bool = True) -> fm.LogisticFit:
    """The renewal model on ``history``: sign-constrained (:data:`SIGNS`) unless told otherwise."""
    return fm.logistic_fit(
        history[list(FEATURES)].to_numpy(float),
        history["renewed"].to_numpy(),
        signs=SIGNS if constrained else None,
    )


def _backtest(history: pd.DataFrame, month: pd.Timestamp) -> Backtest | None:
    cutoff = month - pd.DateOffset(months=BACKTEST_MONTHS - 1)
    due = pd.to_datetime(history["due"])
    train, test = history[due < cutoff], history[due >= cutoff]
    if not _enough(train) or len(test) < 10:
        return None
    x, y = test[list(FEATURES)].to_numpy(float), test["renewed"].to_numpy(float)
    p = _model_fit(train).predict(x)
    free = _model_fit(train, constrained=False).predict(x)
    base = float(train["renewed"].mean())
    return Backtest(
        cutoff=cutoff,
        n_train=len(train),
        n_test=len(test),
        brier=fm.brier_score(p, y),
        brier_flat=fm.brier_score(np.full(y.size, base), y),
        base_rate=base,
        reliability=fm.reliability_table(p, y),
        auc=quiet(fm.auc_score, p, y),
        brier_free=fm.brier_score(free, y),
        auc_free=quiet(fm.auc_score, free, y),
    )


def _band_interval(history: pd.DataFrame, bands: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Jeffreys interval of each band's renewal rate (:data:`INTERVAL_LEVEL`)."""
    from scipy.stats import beta

    tail = (1 - INTERVAL_LEVEL) / 2
    low, high = {}, {}
    for _, band in BANDS:
        sel = history["band"] == band
        k, n = float(history.loc[sel, "renewed"].sum()), int(sel.sum())
        low[band] = float(beta.ppf(tail, k + 0.5, n - k + 0.5))
        high[band] = float(beta.ppf(1 - tail, k + 0.5, n - k + 0.5))
    return bands.map(low).astype(float).to_numpy(), bands.map(high).astype(float).to_numpy()


def _fit(book: Book, month: pd.Timestamp, settings: ReportSettings) -> RenewalModel:
    history = _history(book, month, settings)
    n = len(history)
    churned = int((history["renewed"] == 0).sum()) if n else 0
    base = float(history["renewed"].mean()) if n else math.nan
    now = _signals(book, month, settings).copy()
    renewal = book.clients.set_index("client_id")["renewal_date"].reindex(now.index)
    now["first_renewal"] = _first_renewal(book, now.index, renewal)
    fit = None
    bands: tuple[tuple[str, float, int], ...] = ()
    if n and _enough(history):
        method = "logistic"
        fit = _model_fit(history)
        x = now[list(FEATURES)].to_numpy(float)
        now["probability"] = fit.predict(x)
        now["low"], now["high"] = fit.interval(x, level=INTERVAL_LEVEL)
    elif n:
        method = "health_band"
        bands = _band_rates(history, base)
        rates = {band: rate for band, rate, _ in bands}
        now["probability"] = now["band"].map(rates).astype(float)
        now["low"], now["high"] = _band_interval(history, now["band"])
    else:
        method = "none"
        now["probability"] = now["low"] = now["high"] = math.nan
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


def renewal_forecast_model(book: Book, month: Any, settings: ReportSettings = DEFAULT_SETTINGS) -> RenewalModel:
    """The book's renewal model at ``month``, fitted once per book, month and trend setting (module docstring).

    The signals' ``csat_change`` (history and current) uses ``settings.min_csat_answers``, the
    value the risk rules use: the model is fitted, cached and stored per value
    (:data:`cs_reports.reports.content.trends.TREND_SETTINGS`).
    """
    month = pd.Timestamp(month).to_period("M").to_timestamp()
    model: RenewalModel = per_book(
        book, "renewal_forecast", month, lambda: _fit(book, month, settings), settings=trend_settings(settings)
    )
    return model


def client_drivers(model: RenewalModel, client_id: str, *, limit: int = 3) -> tuple[Driver, ...]:
    """The ``limit`` largest reasons for ``client_id``'s probability, largest effect first.

    Each :data:`DRIVERS` group's effect is the client's probability minus the one it would
    have with that group's signals at the portfolio's average (z = 0); groups moving it by
    less than :data:`DRIVER_MIN_EFFECT` are left out. Only the logistic model has drivers.
    """
    if model.fit is None or client_id not in model.forecasts.index:
        return ()
    row = model.forecasts.loc[client_id]
    x = row[list(FEATURES)].to_numpy(float)[None, :]
    eta = float(model.fit.log_odds(x)[0])
    terms = dict(zip(FEATURES, model.fit.contributions(x)[0].tolist(), strict=True))
    p = 1.0 / (1.0 + math.exp(-eta))
    out = []
    for key, names in DRIVERS:
        effect = p - 1.0 / (1.0 + math.exp(-(eta - sum(terms[name] for name in names))))
        if abs(effect) >= DRIVER_MIN_EFFECT:
            shown = (*names, *DRIVER_DETAILS.get(key, ()))
            out.append(Driver(key, effect, tuple((name, float(row[name])) for name in shown)))
    return tuple(sorted(out, key=lambda d: -abs(d.effect))[:limit])


def client_renewal_forecast(
    book: Book, client_id: str, month: Any, settings: ReportSettings = DEFAULT_SETTINGS
) -> RenewalForecast:
    """Probability that ``client_id`` renews at its next renewal date, from its signals at ``month``.

    Raises
    ------
    InvalidInputError
        When ``client_id`` is not in the book.
    """
    model = renewal_forecast_model(book, month, settings)
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
        low=float(row["low"]),
        high=float(row["high"]),
        drivers=client_drivers(model, client_id),
    )


register(RenewalModel, Backtest, fm.LogisticFit, fm.ReliabilityRow)

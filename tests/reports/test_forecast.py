"""Renewal forecast: the logistic model, its calibration and the book's backtest.

Reference values: Brier (1950) definition worked by hand; the synthetic data's true
coefficients are the ones the test draws outcomes from.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from cs_reports.errors import InvalidInputError
from cs_reports.metrics import forecast as fm
from cs_reports.reports.content import forecast as rf


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_brier_and_reliability_by_hand():
    # (0.9-1)^2 + (0.8-1)^2 + (0.3-0)^2 = 0.01 + 0.04 + 0.09 = 0.14 -> /3
    assert fm.brier_score([0.9, 0.8, 0.3], [1, 1, 0]) == pytest.approx(0.14 / 3)
    # flat forecast at the base rate scores rate * (1 - rate)
    assert fm.brier_score([0.75] * 4, [1, 1, 1, 0]) == pytest.approx(0.75 * 0.25)
    rows = fm.reliability_table([0.1, 0.3, 0.9, 1.0], [0, 1, 1, 1], bins=(0, 0.5, 1))
    assert [(r.n, r.mean_probability, r.observed_rate) for r in rows] == [(2, 0.2, 0.5), (2, 0.95, 1.0)]
    with pytest.raises(InvalidInputError, match="'outcomes' parameter of brier_score"):
        fm.brier_score([0.5, 0.5], [1])
    with pytest.raises(InvalidInputError, match="'bins' parameter"):
        fm.reliability_table([0.5], [1], bins=(0.5, 0.2))


def test_logistic_fit_recovers_a_known_truth_and_beats_the_flat_baseline():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (4000, 2))
    truth = _sigmoid(1.0 + 2.0 * x[:, 0] + 0.0 * x[:, 1])  # the second feature is noise
    y = (rng.random(4000) < truth).astype(float)
    fit = fm.logistic_fit(x, y, l2=0.0)
    assert fit.coef[0] / fit.scale[0] == pytest.approx(2.0, abs=0.15)
    assert abs(fit.coef[1]) < 0.1
    p = fit.predict(x)
    assert fm.brier_score(p, y) == pytest.approx(fm.brier_score(truth, y), abs=0.002)
    assert fm.brier_score(p, y) < fm.brier_score(np.full(y.size, y.mean()), y) - 0.05
    # missing feature values count as the training mean, never as 0
    assert fit.predict([[math.nan, 0.0]])[0] == pytest.approx(fit.predict([[fit.mean[0], 0.0]])[0])


def test_logistic_fit_stays_finite_when_outcomes_separate():
    fit = fm.logistic_fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    assert all(math.isfinite(c) for c in (fit.intercept, *fit.coef))


def test_sample_backtest_beats_the_flat_baseline(sample_book):
    model = rf.renewal_forecast_model(sample_book, "2026-10")
    assert model.method == "logistic"
    assert model.n_outcomes >= 150
    assert model.n_churned >= 20
    bt = model.backtest
    assert bt is not None
    assert bt.n_test >= 50
    assert bt.n_train >= 50
    assert bt.cutoff == pd.Timestamp("2025-11-01")
    assert bt.brier < bt.brier_flat
    assert sum(r.n for r in bt.reliability) == bt.n_test
    assert "Brier" in model.basis
    assert str(model.n_outcomes) in model.basis


def test_probabilities_follow_health(sample_book):
    frame = rf.renewal_forecast_model(sample_book, "2026-10").forecasts
    by_band = frame.groupby("band")["probability"].mean()
    assert by_band["red"] < by_band["yellow"] < by_band["green"]
    assert frame["probability"].max() - frame["probability"].min() > 0.5
    cid = str(frame.loc[frame["adoption"].notna(), "health_score"].idxmin())  # the lowest among paying clients
    f = rf.client_renewal_forecast(sample_book, cid, "2026-10")
    assert f.band == "unlikely"
    assert f.probability < 0.6
    assert dict(f.signals)["health_score"] == pytest.approx(frame.loc[cid, "health_score"])
    with pytest.raises(InvalidInputError, match="'NOPE' is not in the Clients sheet"):
        rf.client_renewal_forecast(sample_book, "NOPE", "2026-10")


def test_synthetic_book_with_known_renewal_law(sample_book):
    """Outcomes redrawn from a known law of the health score: the model recovers its calibration."""
    hist = rf._history(sample_book, pd.Timestamp("2026-10-01"))
    rng = np.random.default_rng(7)
    rows = []
    # every resolved renewal 3 times (a bigger book with the same signals), outcome from the law
    for _ in range(3):
        for h in hist.itertuples():
            p = _sigmoid(-4.0 + 0.08 * (h.health_score if not math.isnan(h.health_score) else 70.0))
            rows.append(
                {
                    "client_id": h.client_id,
                    "due_date": pd.Timestamp(h.due),
                    "outcome": "renewed" if rng.random() < p else "churned",
                    "mrr_before": 100.0,
                    "mrr_after": None,
                }
            )
    fake = dataclasses.replace(sample_book, renewals=pd.DataFrame(rows))
    model = rf.renewal_forecast_model(fake, "2026-10")
    got = rf._history(fake, pd.Timestamp("2026-10-01"))
    p_model = model.fit.predict(got[list(rf.FEATURES)].to_numpy(float))
    p_true = _sigmoid(-4.0 + 0.08 * got["health_score"].fillna(70.0).to_numpy(float))
    y = got["renewed"].to_numpy()
    assert fm.brier_score(p_model, y) <= fm.brier_score(p_true, y) + 0.01
    assert model.backtest.brier < model.backtest.brier_flat
    assert np.corrcoef(p_model, p_true)[0, 1] > 0.9


def test_too_little_history_falls_back_to_health_band_rates(sample_book):
    few = sample_book.renewals[sample_book.renewals["outcome"] != "pending"].head(15)
    fake = dataclasses.replace(sample_book, renewals=few)
    model = rf.renewal_forecast_model(fake, "2026-10")
    assert model.method == "health_band"
    assert model.backtest is None
    assert model.basis.startswith("Too little renewal history")
    rates = {band: rate for band, rate, _ in model.band_rates}
    frame = model.forecasts
    assert set(frame["probability"].dropna().round(12)) <= {round(r, 12) for r in rates.values()}
    none = rf.renewal_forecast_model(dataclasses.replace(sample_book, renewals=None), "2026-10")
    assert none.method == "none"
    assert none.forecasts["probability"].isna().all()
    assert rf.client_renewal_forecast(dataclasses.replace(sample_book, renewals=None), "C0001", "2026-10").band == (
        "unknown"
    )

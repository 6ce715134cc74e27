"""Direction by construction: a client whose data get worse never gets a higher renewal probability.

Issue 23: fitted on the sample, the unconstrained model's coefficients rewarded decline (a
falling Health Score and a contraction raised the odds). The model now carries sign
constraints (reports.content.forecast.SIGNS); these tests check the property over every paying client
with a renewal in the 90 days after the sample's last month, on the model's features
(hypothesis) and end to end on the raw rows (tickets, NPS answers, usage, MRR made worse).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_reports.errors import UndefinedMetricWarning
from cs_reports.metrics import forecast as fm
from cs_reports.reports.content import forecast as rf

MONTH = pd.Timestamp("2026-10-01")


@pytest.fixture(scope="module")
def model(sample_book):
    return rf.renewal_forecast_model(sample_book, MONTH)


@pytest.fixture(scope="module")
def renewing(sample_book, model):
    """Paying clients whose renewal falls in the 90 days after the last month."""
    clients = sample_book.clients.set_index("client_id")
    end = MONTH + pd.offsets.MonthEnd(0)
    due = clients["renewal_date"].between(end, end + pd.Timedelta(days=90), inclusive="right")
    paying = sample_book.mrr.loc[(sample_book.mrr["month"] == MONTH) & (sample_book.mrr["mrr"] > 0), "client_id"]
    ids = sorted(set(clients.index[due]) & set(paying))
    assert len(ids) >= 20
    return ids


def test_the_sample_model_keeps_every_sign(model):
    assert model.method == "logistic"
    for name, sign, coef in zip(rf.FEATURES, rf.SIGNS, model.fit.coef, strict=True):
        assert sign * coef >= 0, (name, coef)
    # the features the CS leader expects to matter do matter on the sample
    coef = dict(zip(rf.FEATURES, model.fit.coef, strict=True))
    assert coef["health_score"] > 0
    assert coef["adoption"] > 0
    assert coef["detractor_share"] < 0
    assert coef["ticket_growth"] < 0
    assert set(model.held) <= set(rf.FEATURES)


@settings(max_examples=300, deadline=None)
@given(
    pick=st.integers(min_value=0, max_value=10_000),
    which=st.lists(st.sampled_from(rf.FEATURES[:-1]), min_size=1, max_size=7, unique=True),
    size=st.floats(min_value=0.0, max_value=3.0),
)
def test_worse_signals_never_raise_and_better_never_lower_the_probability(model, renewing, pick, which, size):
    cid = renewing[pick % len(renewing)]
    row = model.forecasts.loc[cid, list(rf.FEATURES)].to_numpy(float)
    row = np.where(np.isnan(row), np.array(model.fit.mean), row)  # a missing signal is the mean: start there
    worse, better = row.copy(), row.copy()
    for name in which:
        j = rf.FEATURES.index(name)
        step = size * model.fit.scale[j]
        worse[j] -= rf.SIGNS[j] * step
        better[j] += rf.SIGNS[j] * step
    p, p_worse, p_better = model.fit.predict(np.vstack([row, worse, better]))
    assert p_worse <= p + 1e-12
    assert p_better >= p - 1e-12


def test_every_renewing_client_and_every_signal(model, renewing):
    """The sweep the issue asks for: each client, each signal, a half, one and three standard deviations."""
    for cid in renewing:
        row = model.forecasts.loc[cid, list(rf.FEATURES)].to_numpy(float)
        p = model.fit.predict(row)[0]
        for j, name in enumerate(rf.FEATURES[:-1]):
            for size in (0.5, 1.0, 3.0):
                moved = np.where(np.isnan(row), np.array(model.fit.mean), row)
                worse, better = moved.copy(), moved.copy()
                worse[j] -= rf.SIGNS[j] * size * model.fit.scale[j]
                better[j] += rf.SIGNS[j] * size * model.fit.scale[j]
                base = model.fit.predict(moved)[0]
                assert model.fit.predict(worse)[0] <= base + 1e-12, (cid, name, size)
                assert model.fit.predict(better)[0] >= base - 1e-12, (cid, name, size)
        assert 0 < p < 1


def _worse_book(book, ids):
    """The book with every client of ``ids`` worse in the last month, through its raw rows."""
    last = MONTH + pd.Timedelta(days=10)
    tickets = pd.DataFrame(
        [
            {
                "client_id": cid,
                "ticket_id": f"X{cid}{k}",
                "opened_at": last,
                "first_response_at": last + pd.Timedelta(hours=72),
                "resolved_at": last + pd.Timedelta(hours=200),
                "csat": 1.0,
                "ces": 1.0,
            }
            for cid in ids
            for k in range(8)
        ]
    )
    nps = pd.DataFrame([{"client_id": cid, "date": last, "score": 0, "comment": None} for cid in ids for _ in range(3)])
    usage = book.usage.copy()
    now = usage["client_id"].isin(ids) & (usage["month"] == MONTH)
    usage.loc[now, "active_users"] = (usage.loc[now, "active_users"] * 0.5).round().astype(usage["active_users"].dtype)
    mrr = book.mrr.copy()
    cut = mrr["client_id"].isin(ids) & (mrr["month"] == MONTH)
    mrr.loc[cut, "mrr"] = (mrr.loc[cut, "mrr"] * 0.8).round(2)
    return dataclasses.replace(
        book,
        tickets=pd.concat([book.tickets, tickets], ignore_index=True),
        nps=pd.concat([book.nps, nps], ignore_index=True),
        usage=usage,
        mrr=mrr,
    )


def test_worse_raw_data_never_raises_a_clients_probability(sample_book, model, renewing):
    """More tickets answered slowly, detractor answers, half the active users and a 20% contraction."""
    worse = rf.renewal_forecast_model(_worse_book(sample_book, renewing), MONTH)
    assert worse.fit.coef == pytest.approx(model.fit.coef)  # the history (before the month) is untouched
    before = model.forecasts.loc[renewing, "probability"]
    after = worse.forecasts.loc[renewing, "probability"]
    assert (after <= before + 1e-12).all(), (after - before)[after > before + 1e-12]
    assert (after < before - 0.01).mean() > 0.8  # and for most it falls visibly
    for cid in renewing:  # every signal moved the worse way (or stayed, when it was missing)
        a, b = worse.forecasts.loc[cid], model.forecasts.loc[cid]
        for name, sign in zip(rf.FEATURES[:-1], rf.SIGNS[:-1], strict=True):
            if not (math.isnan(a[name]) or math.isnan(b[name])):
                assert sign * (a[name] - b[name]) <= 1e-9, (cid, name, b[name], a[name])


def test_the_constraint_wins_when_the_data_disagree():
    """Outcomes drawn so that the second feature *helps* renewal while its sign says it must not."""
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (3000, 2))
    y = (rng.random(3000) < 1 / (1 + np.exp(-(1.0 + 1.5 * x[:, 0] + 0.8 * x[:, 1])))).astype(float)
    free = fm.logistic_fit(x, y)
    held = fm.logistic_fit(x, y, signs=[1, -1])
    assert free.coef[1] > 0.5
    assert held.coef[1] == 0.0
    assert held.held == (False, True)
    assert held.coef[0] == pytest.approx(fm.logistic_fit(x[:, :1], y).coef[0], rel=1e-4)
    # constraints that do not bind change nothing
    same = fm.logistic_fit(x, y, signs=[1, 1])
    assert same.coef == pytest.approx(free.coef, abs=1e-6)
    assert same.intercept == pytest.approx(free.intercept, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    truth=st.lists(st.floats(-2, 2), min_size=3, max_size=3),
    signs=st.lists(st.sampled_from([-1, 0, 1]), min_size=3, max_size=3),
)
def test_every_fitted_coefficient_has_its_sign(seed, truth, signs):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (400, 3))
    y = (rng.random(400) < 1 / (1 + np.exp(-(x @ np.array(truth))))).astype(float)
    fit = fm.logistic_fit(x, y, signs=signs)
    for s, c, h in zip(signs, fit.coef, fit.held, strict=True):
        assert s * c >= 0
        assert h == (s != 0 and c == 0.0)
    low, high = fit.interval(x[:5])
    p = fit.predict(x[:5])
    assert (low <= p + 1e-12).all()
    assert (p <= high + 1e-12).all()


def test_auc_by_hand():
    # pairs (event, non-event): (0.9, 0.3) (0.9, 0.8) (0.7, 0.3) (0.7, 0.8) -> 3 of 4 ranked right
    assert fm.auc_score([0.9, 0.7, 0.3, 0.8], [1, 1, 0, 0]) == pytest.approx(0.75)
    with pytest.warns(UndefinedMetricWarning, match="one kind"):
        assert math.isnan(fm.auc_score([0.2, 0.4], [1, 1]))

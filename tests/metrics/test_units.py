"""Unit tests of the metrics with paired columns or frame inputs, and their properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_reports import metrics as m
from cs_reports.errors import DataContractError, InvalidInputError

# --- support / engagement ---------------------------------------------------------------


def test_response_times_skip_open_requests_and_reject_time_travel():
    r = m.response_times(
        ["2026-10-01 08:00", "2026-10-01 09:00", 46296.5, "2026-10-02 00:00"],
        ["2026-10-01 10:00", None, 46296.75, "2026-10-02 10:00"],
    )
    assert (r.n, r.open) == (3, 1)
    assert r.mean_hours == pytest.approx((2 + 6 + 10) / 3)
    assert r.median_hours == 6.0
    with pytest.raises(
        InvalidInputError, match="'ended_at' .* times after opened_at. Got an earlier time at position 2"
    ):
        m.response_times(["2026-10-01", "2026-10-03"], ["2026-10-02", "2026-10-02"])
    with pytest.raises(InvalidInputError, match="as many values as opened_at"):
        m.response_times(["2026-10-01"], ["2026-10-02", "2026-10-03"])


def test_adoption_pools_seats_and_keeps_pairs_aligned():
    assert m.adoption_rate([8, None, 30], [10, 5, 50]) == pytest.approx(38 / 60)
    with pytest.raises(InvalidInputError, match="at most licensed_users at each position. Got more at position 2"):
        m.adoption_rate([1, 9], [5, 8])


def test_opportunity_conversion_by_kind_excludes_open_ones():
    opps = pd.DataFrame(
        {"kind": ["upsell", "Upsell", "cross-sell", "cross-sell", "upsell"], "won": [1, 0, 1, None, True]}
    )
    assert m.opportunity_conversion(opps, kind="upsell") == pytest.approx(2 / 3)
    assert m.opportunity_conversion(opps, kind="cross-sell") == 1.0
    assert m.opportunity_conversion(opps) == pytest.approx(3 / 4)
    with pytest.raises(InvalidInputError, match="True/False or blank in column 'won'"):
        m.opportunity_conversion(opps.assign(won=["yes", 0, 1, None, 1]))


# --- health ------------------------------------------------------------------------------


def inputs(**overrides):
    base = {"client_id": ["a", "b"], "nps": [9.0, 2.0], "adoption": [0.9, 0.2], "support": [4.0, 48.0]}
    base |= {"mrr_trend": [0.1, -0.2], "milestones": [1.0, 0.3]}
    return pd.DataFrame(base | overrides)


def test_health_scores_bounds_bands_and_contributions_add_up():
    h = m.health_scores(inputs())
    assert h["score"].round(6).tolist() == [97.5, 5.0]  # nps 9 -> 90 and 2 -> 20 on a 25% weight
    assert h["band"].tolist() == ["green", "red"]
    contributions = h[[c for c in h.columns if c.endswith("_contribution")]].sum(axis=1)
    np.testing.assert_allclose(contributions, h["score"])


def test_health_missing_component_weight_is_redistributed_and_coverage_reported():
    h = m.health_scores(inputs(support=[None, None]))
    assert h.loc[0, "coverage"] == pytest.approx(0.85)
    assert h.loc[0, "score"] == pytest.approx((0.25 * 90 + 0.25 * 100 + 0.2 * 100 + 0.15 * 100) / 0.85)


def test_health_drivers_sum_to_the_score_change_and_are_sorted():
    before = m.health_scores(inputs())
    after = m.health_scores(inputs(adoption=[0.55, 0.2], nps=[10.0, 2.0]))
    d = m.health_drivers(after, before)
    a = d[d.client_id == "a"]
    assert a["component"].tolist()[:2] == ["adoption", "nps"]
    assert a["change"].sum() == pytest.approx(a["score_change"].iloc[0])
    assert len(m.health_drivers(after, before, top=1)) == 2


def test_health_model_from_sheet_collects_every_problem_with_rows():
    sheet = pd.DataFrame(
        {
            "component": ["nps", "nps", "", "x"],
            "weight": [1, "heavy", 1, 1],
            "thresholds": ["0;10", "0;10", "1;2", "5;5"],
        }
    )
    with pytest.raises(DataContractError) as info:
        m.HealthModel.from_frame(sheet)
    lines = [str(p) for p in info.value.problems]
    assert lines == [
        "Sheet 'HealthModel', row 3, column 'component': expected a unique component name, got 'nps'.",
        "Sheet 'HealthModel', row 3, column 'weight': expected a number >= 0, got 'heavy'.",
        "Sheet 'HealthModel', row 4, column 'component': expected a component name, got ''.",
        "Sheet 'HealthModel', row 5, column 'thresholds': expected 'bad;good' with two different numbers, got '5;5'.",
    ]
    model = m.HealthModel.from_frame(pd.DataFrame({"component": ["nps"], "weight": [2], "thresholds": ["0;10"]}))
    assert model.components[0].subscore(7.5) == 75.0


def test_health_breakdown_matches_health_score():
    b = m.health_breakdown([80, None, 40], [2, 1, 1], ["a", "b", "c"])
    assert b["contribution"].sum() == pytest.approx(m.health_score([80, None, 40], [2, 1, 1]))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.floats(0, 100)), st.floats(0.01, 10)), min_size=1, max_size=8))
def test_property_health_score_between_min_and_max_subscore(pairs):
    values = [v for v, _ in pairs]
    present = [v for v in values if v is not None]
    if not present:
        return
    score = m.health_score(values, [w for _, w in pairs])
    assert min(present) - 1e-9 <= score <= max(present) + 1e-9


# --- portfolio ---------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50).filter(lambda v: sum(v) > 0), st.floats(0.01, 1.0))
def test_property_pareto_share_bounds_monotone_and_full(revenue, top):
    share = m.pareto_share(revenue, top=top)
    assert 0 <= share <= 1 + 1e-12
    assert m.pareto_share(revenue, top=min(1.0, top + 0.1)) >= share - 1e-12
    assert m.pareto_share(revenue, top=1.0) == pytest.approx(1.0)


def test_pareto_small_portfolios_round_the_top_count_up():
    assert m.pareto_share([10, 5, 5], top=0.2) == 0.5  # 1 of 3 customers


def test_touch_models_respect_given_values_and_reject_unknown_ones():
    frame = pd.DataFrame({"arr": [1_000, 20_000, 100_000, 500_000], "touch_model": [None, "HIGH", " ", "mid"]})
    assert m.assign_touch_models(frame).tolist() == ["tech", "high", "mid", "mid"]
    with pytest.raises(InvalidInputError, match="'touch_model' in \\['tech', 'low', 'mid', 'high'\\] or blank"):
        m.assign_touch_models(frame.assign(touch_model=["vip", None, None, None]))
    with pytest.raises(InvalidInputError, match="three increasing numbers"):
        m.touch_model(10, thresholds=(5, 1, 9))


def test_ltv_tiers_on_a_hand_made_portfolio():
    frame = pd.DataFrame({"ltv": [90_000, 50_000, 20_000, 5_000, 1_000], "potential": [0.0, 0.1, 0.5, 0.0, 0.25]})
    t = m.ltv_tiers(frame)
    assert t["tier"].tolist() == [1, 3, 2, 3, 2]
    assert t["reason"].iloc[0] == "top 20% by LTV"


def test_capacity_model_arithmetic_and_load_warning():
    r = m.csm_capacity({"high": 70, "mid": 40, "low": 200, "tech": 1000}, csm_count=2, csm_hours_per_month=120)
    assert r.hours_by_touch == {"high": 420.0, "mid": 100.0, "low": 150.0, "tech": 0.0}
    assert r.workload_hours == 670.0
    assert r.gap_hours == 430.0
    assert r.csms_needed == pytest.approx(670 / 120)
    assert r.notes == ("35 high-touch accounts per CSM is above the common 20-30 load",)


# --- clv / sbg properties ----------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.floats(1, 1e4), st.floats(0.001, 0.5), st.floats(0.0001, 0.1))
def test_property_discounting_never_increases_ltv(arpa, churn, d):
    assert m.clv_discounted(arpa, churn, discount_rate=d) <= arpa / churn * (1 + churn) + 1e-6
    assert m.clv_discounted(arpa, churn, discount_rate=d, horizon_months=12) <= m.clv_discounted(
        arpa, churn, discount_rate=d
    )


@settings(max_examples=50, deadline=None)
@given(st.floats(0.2, 5), st.floats(0.2, 5))
def test_property_survival_decreasing_retention_increasing(a, b):
    s = m.sbg_survival(a, b, range(0, 10))
    assert s[0] == 1.0
    assert (np.diff(s) <= 1e-15).all()
    assert (s > 0).all()
    assert (np.diff(m.sbg_retention(a, b, range(1, 10))) >= -1e-15).all()


@pytest.mark.parametrize(("a", "b"), [(0.7, 1.2), (2.0, 5.0), (0.3, 0.8)])
def test_sbg_fit_recovers_parameters_from_a_large_simulated_cohort(a, b):
    rng = np.random.default_rng(11)
    theta = rng.beta(a, b, 200_000)  # each customer's churn probability
    lifetimes = rng.geometric(theta)
    active = [int((lifetimes > t).sum()) for t in range(0, 9)]
    fit = m.sbg_fit(active)
    assert fit.alpha == pytest.approx(a, rel=0.1)
    assert fit.beta == pytest.approx(b, rel=0.1)


def test_sbg_fit_rejects_increasing_counts():
    with pytest.raises(InvalidInputError, match="non-increasing counts. Got an increase at position 3"):
        m.sbg_fit([100, 60, 70])

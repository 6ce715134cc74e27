"""Every worked example of shared/METRICS_REFERENCE.md, with its source in the test id."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_reports import metrics as m
from cs_reports.errors import UndefinedMetricWarning

approx = pytest.approx


# --- Founding documents -------------------------------------------------------------------


def test_founding_nps_60pct_promoters_10pct_detractors_is_50():
    answers = [10] * 60 + [8] * 30 + [3] * 10
    r = m.net_promoter_score(answers)
    assert r.score == 50.0
    assert (r.promoters, r.passives, r.detractors, r.n) == (60, 30, 10, 100)


def test_founding_churn_100_at_start_10_lost_is_10pct():
    assert m.churn_rate(10, 100) == 0.10


def test_founding_renewal_80_due_75_renewed_is_93_75pct():
    assert m.renewal_rate(75, 80) == 0.9375
    assert m.renewal_rate_from_outcomes(["renewed"] * 75 + ["churned"] * 5 + ["pending"] * 7) == 0.9375


def test_founding_tmr_4_hours():
    opened = pd.date_range("2026-10-01 08:00", periods=4, freq="D")
    answered = opened + pd.to_timedelta([2, 4, 4, 6], unit="h")
    r = m.response_times(opened, answered)
    assert r.mean_hours == 4.0
    assert r.median_hours == 4.0


def test_founding_clv_100_per_month_24_months_is_2400():
    assert m.clv_fee_months(100, 24) == 2400.0
    assert m.clv_value("fee_months", 100, 24) == 2400.0


def test_founding_ltv_ticket_x_purchases_per_year_x_years():
    assert m.clv_ticket(100, 12, 2) == 2400.0


def test_founding_tmc_is_arpa():
    assert m.arpa_value([1000, 2000, 0, None, 3000]) == 2000.0


def test_founding_qbr_is_3_hours_per_account_per_quarter():
    r = m.csm_capacity({"high": 1}, csm_count=1, hours_per_account={"high": 0.0}, qbrs_per_year={"high": 4})
    assert r.workload_hours * 3 == approx(3.0)  # 1 h per month = 3 h per quarter


# --- Subscription metrics: ChartMogul, Stripe, Skok -----------------------------------------


def test_stripe_100_monthly_at_100_plus_50_annual_at_600_is_mrr_12500():
    monthly = pd.DataFrame({"client_id": [f"m{i}" for i in range(100)], "month": "2026-01", "mrr": 100.0})
    annual = pd.DataFrame({"client_id": [f"a{i}" for i in range(50)], "month": "2026-01", "mrr": 600.0 / 12})
    bridge = m.mrr_movements(pd.concat([monthly, annual]))
    assert bridge["end"].iloc[-1] == 12_500.0
    assert bridge["new"].iloc[-1] == 12_500.0


def test_chartmogul_4_seats_at_500_per_year_billed_2000_is_new_mrr_166_67():
    frame = pd.DataFrame({"client_id": ["c"], "month": ["2026-01"], "mrr": [2000 / 12]})
    assert m.mrr_movements(frame)["new"].iloc[0] == 166.67


def test_chartmogul_revenue_churn_gross_20pct_net_10pct():
    assert m.revenue_churn_rate(100, 10, 10, expansion=10) == approx(0.20)
    assert m.revenue_churn_rate(100, 10, 10, expansion=10, kind="net") == approx(0.10)
    assert m.net_churn_rate(100, 10, 10, 10) == approx(0.10)


def test_chartmogul_arpa_1_1_3_5_5_is_3():
    assert m.arpa_value([1, 1, 3, 5, 5]) == 3.0


def test_chartmogul_ltv_arpa_100_churn_5pct_is_2000():
    assert m.clv_margin_churn(100, 0.05) == approx(2000.0)
    assert m.clv_value("margin_churn", 100, 0.05) == approx(2000.0)


def test_chartmogul_ltv_is_undefined_at_zero_churn():
    with pytest.warns(UndefinedMetricWarning, match="churn is 0"):
        assert math.isnan(m.clv_margin_churn(100, 0.0))


def test_stripe_assumes_60_month_lifetime_at_zero_churn():
    assert m.clv_margin_churn(100, 0.0, zero_churn="cap") == 6000.0
    assert m.clv_margin_churn(100, 0.01, zero_churn="cap") == 6000.0  # 100-month lifetime capped at 60


def test_skok_ltv_with_gross_margin_and_healthy_thresholds():
    ltv = m.clv_margin_churn(500, 0.02, gross_margin=0.8)
    assert ltv == approx(20_000.0)
    assert m.ltv_cac_ratio(ltv, 6_000) >= 3  # healthy LTV:CAC
    assert m.cac_payback_months(6_000, 500, gross_margin=0.8) == 15.0  # > 12: unhealthy payback
    assert m.cac_payback_months(4_000, 500, gross_margin=0.8) == 10.0


def test_chartmogul_customer_churn_excludes_same_period_join_and_reactivation():
    # 10 customers at the start (Dec); during Jan-Mar: 2 churn for good, 1 churns and comes back,
    # 1 joins in Jan and churns in Feb.
    rows = [(f"c{i}", "2025-12", 10.0) for i in range(10)]
    for month in ("2026-01", "2026-02", "2026-03"):
        rows += [(f"c{i}", month, 10.0) for i in range(3, 10) if not (i == 3 and month == "2026-02")]
    rows += [("j", "2026-01", 10.0)]
    frame = pd.DataFrame(rows, columns=["client_id", "month", "mrr"])
    assert m.logo_churn_rate(frame, start="2026-01", end="2026-03") == approx(3 / 10)  # c0, c1, c2
    # include: every churn event in the period (c0, c1, c2 in Jan, c3 in Feb, j in Feb)
    assert m.logo_churn_rate(frame, start="2026-01", end="2026-03", same_period="include") == approx(5 / 10)


def test_quick_ratio_with_and_without_reactivation():
    assert m.quick_ratio(300, 100, 50, 50, reactivation=100) == 5.0
    assert m.quick_ratio(300, 100, 50, 50, reactivation=100, include_reactivation=False) == 4.0


# --- NPS uncertainty ----------------------------------------------------------------------


def test_measuringu_adjusted_wald_interval_matches_hand_computation():
    r = m.net_promoter_score([10] * 40 + [8] * 30 + [5] * 30, confidence=0.95)
    n, p, d = 103, 40.75 / 103, 30.75 / 103
    half = 1.959963984540054 * 100 * math.sqrt((p + d - (p - d) ** 2) / n)
    assert r.score == 10.0
    assert r.ci_low == approx(100 * (p - d) - half)
    assert r.ci_high == approx(100 * (p - d) + half)


def test_measuringu_worst_case_385_answers_give_about_10_points_at_95pct():
    answers = [10] * 192 + [0] * 193  # p = d = 0.5: maximum variance
    r = m.net_promoter_score(answers)
    assert r.margin == approx(10.0, abs=0.1)


def test_nps_interval_is_clipped_to_minus_100_100():
    r = m.net_promoter_score([10, 10])
    assert r.ci_high == 100.0
    assert -100 <= r.ci_low <= r.score


# --- Fader & Hardie (2007, 2010): the "regular" cohort --------------------------------------

REGULAR = [100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1, 22.3, 20.7, 19.4, 18.3, 17.3]


def test_fader_hardie_regular_cohort_fit_on_years_1_to_7():
    fit = m.sbg_fit([v * 10 for v in REGULAR[:8]])  # % of 1,000 customers
    assert fit.alpha == approx(0.704, abs=0.005)
    assert fit.beta == approx(1.182, abs=0.005)
    assert fit.converged
    assert fit.periods == 7


def test_fader_hardie_percentages_work_as_a_cohort_of_100():
    fit = m.sbg_fit(REGULAR[:8])
    assert fit.alpha == approx(0.704, abs=0.005)
    assert fit.beta == approx(1.182, abs=0.005)


def test_fader_hardie_projection_of_years_8_to_12():
    fit = m.sbg_fit([v * 10 for v in REGULAR[:8]])
    projected = 100 * m.sbg_survival(fit.alpha, fit.beta, range(8, 13))
    np.testing.assert_allclose(projected, [22.0, 20.4, 19.1, 18.0, 17.0], atol=0.15)
    # and close to what the cohort actually did
    np.testing.assert_allclose(projected, REGULAR[8:], atol=0.6)


def test_fader_hardie_2010_derl_at_10pct_after_7_renewals():
    assert m.sbg_derl(0.704, 1.182, discount_rate=0.10, renewals=7) == approx(6.842, abs=0.01)


def test_conditional_survival_is_the_ratio_of_survivals():
    a, b = 0.704, 1.182
    s = m.sbg_survival(a, b, [7, 8, 12])
    assert m.sbg_conditional_survival(a, b, age=7, horizon=1) == approx(s[1] / s[0])
    assert m.sbg_conditional_survival(a, b, age=7, horizon=5) == approx(s[2] / s[0])
    # retention r_8 is the one-period conditional survival at age 7
    assert m.sbg_conditional_survival(a, b, age=7, horizon=1) == approx(m.sbg_retention(a, b, [8])[0])


def test_sbg_retention_and_churn_probability_are_consistent_with_survival():
    a, b = 0.704, 1.182
    s = m.sbg_survival(a, b, range(0, 6))
    np.testing.assert_allclose(m.sbg_retention(a, b, range(1, 6)), s[1:] / s[:-1])
    np.testing.assert_allclose(m.sbg_churn_probability(a, b, range(1, 6)), s[:-1] - s[1:])


# --- Health score: platforms ---------------------------------------------------------------


def test_gainsight_weighted_average_and_catalyst_redistribution():
    assert m.health_score([80, 60, 40], [2, 1, 1]) == 65.0  # (160 + 60 + 40) / 4
    assert m.health_score([80, None, 40], [2, 1, 1]) == approx((160 + 40) / 3)


def test_pareto_classic_80_20():
    revenue = [80 / 20] * 20 + [20 / 80] * 80
    assert m.pareto_share(revenue, top=0.2) == approx(0.8)


def test_undefined_results_warn_and_return_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UndefinedMetricWarning):
            m.churn_rate(0, 0)
    assert m.churn_rate(0, 0, zero_division=0.0) == 0.0


@given(
    alpha=st.floats(0.05, 5e5),
    beta=st.floats(0.05, 5e5),
    renewals=st.integers(0, 20),
    discount=st.floats(0.01, 0.5),
)
@settings(max_examples=200, deadline=None)
def test_sbg_derl_is_finite_and_between_its_bounds(alpha, beta, renewals, discount):
    # scipy's hyp2f1 returns NaN for large alpha and beta (a fit near the geometric model, as a
    # cohort that barely churns gives): DERL then comes from the series itself, never NaN.
    value = m.sbg_derl(alpha, beta, discount_rate=discount, renewals=renewals)
    assert math.isfinite(value)
    # at least the next period's retention, at most a customer who never churns
    n = renewals + 1
    assert (beta + n - 1) / (alpha + beta + n - 1) * (1 - 1e-9) <= value <= (1 + discount) / discount * (1 + 1e-9)


def test_sbg_derl_of_a_near_geometric_fit_is_the_geometric_limit():
    # alpha, beta -> inf with alpha / (alpha + beta) = p: constant churn p, DERL = (1 - p)(1 + d) / (d + p)
    p, d = 0.25, 0.1
    assert m.sbg_derl(1e6 * p, 1e6 * (1 - p), discount_rate=d, renewals=1) == pytest.approx(
        (1 - p) * (1 + d) / (d + p), rel=1e-5
    )

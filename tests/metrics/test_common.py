"""Family suite: the same invariants over every public metric (sklearn's test_common idea).

Each array metric has a case: a function of the "array" argument, valid sample data, and
the kind of result. A public name of ``cs_reports.metrics`` without a case or an explicit
exemption fails the suite, so a new metric cannot skip these checks.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cs_reports import metrics as m
from cs_reports.errors import InvalidInputError, UndefinedMetricWarning


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[Any], Any]
    data: list[float]
    rate: bool = False  # result in [0, 1]
    order_invariant: bool = True
    empty: str = "nan"  # "nan" (UndefinedMetricWarning), "zero", "error", or "skip"


def _value(result: Any) -> Any:
    if is_dataclass(result):
        return tuple(getattr(result, f.name) for f in fields(result))
    if isinstance(result, np.ndarray):
        return tuple(result.tolist())
    return result


CASES = [
    Case("net_promoter_score", m.net_promoter_score, [10, 9, 8, 6, 0, 7, 10]),
    Case("csat_rate", m.csat_rate, [5, 4, 3, 1, 5], rate=True),
    Case("customer_effort_score", m.customer_effort_score, [7, 6, 2, 5]),
    Case("renewal_rate_from_outcomes", m.renewal_rate_from_outcomes, ["renewed", "churned", "renewed"], rate=True),
    Case("arr_value", m.arr_value, [100, 250.5, 30], empty="zero"),
    Case("arpa_value", m.arpa_value, [100, 250.5, 30]),
    Case("pareto_share", m.pareto_share, [400, 100, 100, 50, 30], rate=True),
    Case("sbg_fit", m.sbg_fit, [1000, 631, 468, 382], order_invariant=False, empty="error"),
    Case("sbg_survival", lambda x: m.sbg_survival(0.7, 1.2, x), [0, 1, 2, 3], order_invariant=False, empty="skip"),
    Case("sbg_retention", lambda x: m.sbg_retention(0.7, 1.2, x), [1, 2, 3], order_invariant=False, empty="skip"),
    Case(
        "sbg_churn_probability",
        lambda x: m.sbg_churn_probability(0.7, 1.2, x),
        [1, 2, 3],
        order_invariant=False,
        empty="skip",
    ),
]

# Scalar-argument or frame-argument metrics: covered by their own tests, with the reason.
EXEMPT = {
    "churn_rate": "scalar counts (tests/metrics/test_reference.py, test_scalars below)",
    "retention_rate": "scalar counts",
    "renewal_rate": "scalar counts",
    "conversion_rate": "scalar counts",
    "quick_ratio": "scalar amounts",
    "revenue_churn_rate": "scalar amounts",
    "net_churn_rate": "scalar amounts",
    "clv_fee_months": "scalar amounts",
    "clv_ticket": "scalar amounts",
    "clv_margin_churn": "scalar amounts",
    "clv_discounted": "scalar amounts",
    "clv_value": "scalar amounts (dispatcher)",
    "ltv_cac_ratio": "scalar amounts",
    "cac_payback_months": "scalar amounts",
    "sbg_derl": "scalar parameters",
    "sbg_conditional_survival": "scalar parameters (test_reference.py)",
    "touch_model": "scalar amount",
    "adoption_rate": "two aligned columns (test_units.py)",
    "health_score": "two aligned columns (test_units.py)",
    "csm_capacity": "mapping of counts",
    "response_times": "two aligned date columns (tests/metrics/test_units.py)",
    "opportunity_conversion": "frame input (test_units.py)",
    "mrr_frame": "three aligned columns (test_mrr.py)",
    "mrr_matrix": "frame input (test_mrr.py)",
    "mrr_movements": "frame input (test_mrr.py, hypothesis)",
    "customer_movements": "frame input (test_mrr.py)",
    "logo_churn_rate": "frame input (test_mrr.py, hypothesis)",
    "net_revenue_retention_rate": "frame input (test_mrr.py, hypothesis)",
    "gross_revenue_retention_rate": "frame input (test_mrr.py, hypothesis)",
    "cohort_retention": "frame input (test_mrr.py)",
    "health_scores": "frame input (test_units.py)",
    "health_drivers": "frame input (test_units.py)",
    "health_breakdown": "three aligned columns (test_units.py)",
    "assign_touch_models": "frame input (test_units.py)",
    "ltv_tiers": "frame input (test_units.py)",
}
NOT_FUNCTIONS = {name for name in m.__all__ if not callable(getattr(m, name)) or isinstance(getattr(m, name), type)}


def test_every_public_metric_has_a_case_or_a_reasoned_exemption():
    names = {name for name in m.__all__ if name not in NOT_FUNCTIONS}
    covered = {c.name for c in CASES} | set(EXEMPT)
    assert names - covered == set(), "metrics without a family case"
    assert covered - names == set(), "cases for names that are not public"


def _shapes(data: list[Any]) -> dict[str, Any]:
    return {
        "list": list(data),
        "tuple": tuple(data),
        "ndarray": np.array(data, dtype=object if isinstance(data[0], str) else float),
        "series": pd.Series(data),
        "excel column": [[v] for v in data],
        "excel row": [list(data)],
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_input_shape_gives_the_same_result(case):
    expected = _value(case.call(case.data))
    for shape, values in _shapes(case.data).items():
        assert _value(case.call(values)) == pytest.approx(expected, nan_ok=True), shape


@pytest.mark.parametrize("case", [c for c in CASES if c.order_invariant], ids=lambda c: c.name)
def test_blanks_are_skipped_never_zero(case):
    expected = _value(case.call(case.data))
    with_blanks = [None, *case.data[:1], None, "", *case.data[1:], None]
    assert _value(case.call(with_blanks)) == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize("case", [c for c in CASES if c.order_invariant], ids=lambda c: c.name)
def test_order_invariance(case):
    expected = _value(case.call(case.data))
    assert _value(case.call(list(reversed(case.data)))) == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize("case", [c for c in CASES if c.rate], ids=lambda c: c.name)
def test_rates_are_in_0_1(case):
    assert 0.0 <= case.call(case.data) <= 1.0


@pytest.mark.parametrize("case", [c for c in CASES if not isinstance(c.data[0], str)], ids=lambda c: c.name)
def test_text_in_numeric_input_is_a_one_line_error_naming_function_argument_position(case):
    bad = list(case.data)
    bad[1] = "7"
    with pytest.raises(InvalidInputError) as info:
        case.call(bad)
    msg = str(info.value)
    assert "\n" not in msg
    assert re.search(r"^The '\w+' parameter of \w+ must be .+\. Got text '7' at position 2 instead\.$", msg), msg


@pytest.mark.parametrize("case", [c for c in CASES if c.empty != "skip"], ids=lambda c: c.name)
def test_empty_input_is_nan_with_a_warning_or_a_clear_error(case):
    if case.empty == "error":
        with pytest.raises(InvalidInputError):
            case.call([])
        return
    if case.empty == "zero":
        assert case.call([]) == 0.0
        return
    with pytest.warns(UndefinedMetricWarning):
        result = case.call([])
    value = getattr(result, "score", result)
    assert math.isnan(value)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_results_are_plain_python_or_documented_types(case):
    result = case.call(case.data)
    assert isinstance(result, (float, np.ndarray)) or is_dataclass(result)
    if is_dataclass(result):
        with pytest.raises(AttributeError):
            result.__setattr__(fields(result)[0].name, 0)  # frozen


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: m.churn_rate(11, 10), "'lost' parameter of churn_rate must be a whole number in [0, 10]"),
        (lambda: m.renewal_rate(2.5, 10), "'renewed' parameter of renewal_rate must be a whole number"),
        (lambda: m.quick_ratio(-1, 0, 1, 1), "'new' parameter of quick_ratio must be a number >= 0"),
        (lambda: m.clv_margin_churn(100, 1.5), "'churn_rate' parameter of clv_margin_churn must be a number in [0, 1]"),
        (lambda: m.clv_value("magic", 1, 2), "'method' parameter of clv_value must be one of 'fee_months'"),
        (lambda: m.clv_value("ticket", 1, 2), "'args' parameter of clv_value must be 3-3 values for method 'ticket'"),
        (lambda: m.sbg_derl(0.7, 1.2, discount_rate=0, renewals=1), "'discount_rate' parameter of sbg_derl"),
        (lambda: m.touch_model("big"), "'arr' parameter of touch_model must be a number >= 0"),
        (lambda: m.csm_capacity({"vip": 3}, csm_count=1), "'accounts_by_touch' parameter of csm_capacity"),
    ],
)
def test_scalar_metrics_reject_bad_arguments_in_one_line(call, message):
    with pytest.raises(InvalidInputError) as info:
        call()
    assert str(info.value).startswith(f"The {message}") or message in str(info.value)
    assert "\n" not in str(info.value)


def test_no_metric_warns_on_valid_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for case in CASES:
            case.call(case.data)

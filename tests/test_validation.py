import math

import numpy as np
import pandas as pd
import pytest

from cs_reports import _validation as v
from cs_reports.errors import InvalidInputError, UndefinedMetricWarning


@pytest.mark.parametrize(
    "values",
    [
        [10, 9, None, 0],
        (10.0, 9.0, float("nan"), 0.0),
        np.array([10, 9, np.nan, 0]),
        pd.Series([10, 9, None, 0]),
        [[10], [9], [None], [0]],  # Excel column
        [[10, 9], [None, 0]],  # Excel 2-D block
        [10, 9, "", "  ", 0, None, None],  # blanks and trailing blanks of A:A
    ],
)
def test_as_values_accepts_every_input_shape_and_skips_blanks(values):
    assert v.as_values(values, name="answers", func="f", low=0, high=10).tolist() == [10.0, 9.0, 0.0]


@pytest.mark.parametrize(
    ("values", "got"),
    [
        ([1, 11], "11 at position 2"),
        ([1, -1], "-1 at position 2"),
        ([1, 9.5], "9.5 at position 2"),
        ([1, None, "dez"], "text 'dez' at position 3"),
        ([1, "10"], "text '10' at position 2"),
        ([True], "a boolean True at position 1"),
        ([1, math.inf], "inf at position 2"),
    ],
)
def test_as_values_errors_say_argument_expectation_and_position(values, got):
    with pytest.raises(InvalidInputError) as info:
        v.as_values(values, name="answers", func="net_promoter_score", low=0, high=10, integer=True)
    msg = str(info.value)
    assert msg == f"The 'answers' parameter of net_promoter_score must be whole numbers 0-10. Got {got} instead."


def test_as_values_empty_input_is_empty():
    assert v.as_values([], name="x", func="f").size == 0
    assert v.as_values([None, None], name="x", func="f").size == 0


@pytest.mark.parametrize(
    "value",
    ["2026-03", "2026-03-31", pd.Timestamp("2026-03-15"), pd.Period("2026-03", "M"), 46082, 46112.5],
)
def test_as_month_normalises_to_first_of_month(value):
    assert v.as_month(value, name="m", func="f") == pd.Timestamp("2026-03-01")


@pytest.mark.parametrize("value", ["03/2026", "mar 2026", None, True, -5, "2026-13"])
def test_as_month_rejects_ambiguous_or_bad_values(value):
    with pytest.raises(InvalidInputError, match="The 'm' parameter of f must be dates or months"):
        v.as_month(value, name="m", func="f")


def test_safe_divide_warns_once_and_returns_nan():
    with pytest.warns(UndefinedMetricWarning, match="f is undefined: no customers"):
        assert math.isnan(v.safe_divide(1, 0, func="f", reason="no customers"))


def test_require_columns_lists_what_is_present():
    with pytest.raises(InvalidInputError, match=r"Got columns \['cliente'\] instead"):
        v.require_columns(pd.DataFrame({"cliente": []}), ["client_id"], name="mrr", func="f")

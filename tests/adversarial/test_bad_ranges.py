"""Every CS_ function with the ranges users really select: each returns a value or a one-line
Excel error (#VALUE!, #N/A, #NUM!), never raises and never reports an internal error."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_reports.data.coerce import EXCEL_ERRORS
from cs_reports.excel.functions import REGISTRY, call

# An error among the inputs is the result, with its own code (issue 22's error policy): any of Excel's.
ERROR_PREFIXES = tuple(f"{code} " for code in sorted(EXCEL_ERRORS))

CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6).map(float),
    st.sampled_from(["", "dez", "#N/A", "#DIV/0!", "10", "1.234,56", "2026-09", "=A1", "x" * 300]),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.text(max_size=5),
)
RANGE = st.one_of(
    CELL,  # a single cell
    st.lists(CELL, max_size=8),  # a row
    st.lists(st.lists(CELL, min_size=1, max_size=3), max_size=8),  # a block (possibly ragged)
    st.just([]),
    st.just([[None]] * 50),  # an all-blank column
)


TEXT_RESULTS = {"CS_TOUCH_MODEL", "CS_LTV_TIER"}  # functions whose result is a label


def _check(name: str, result: Any) -> None:
    if isinstance(result, str) and name in TEXT_RESULTS and not result.startswith("#"):
        assert result in ("tech", "low", "mid", "high", "bronze", "silver", "gold", "platinum"), (name, result)
    elif isinstance(result, str):
        assert result.startswith(ERROR_PREFIXES), (name, result)
        assert "internal error" not in result, (name, result)
        assert "\n" not in result, (name, result)
        assert name in result, (name, result)
    elif isinstance(result, list):
        for row in result:
            assert isinstance(row, list), (name, result)
            for v in row:
                assert v is None or isinstance(v, (float, str, dt.datetime)), (name, v)
                assert not (isinstance(v, float) and math.isinf(v)), (name, v)
    else:
        assert result is None or isinstance(result, (float, dt.datetime)), (name, result)
        assert not (isinstance(result, float) and math.isinf(result)), (name, result)


@pytest.mark.parametrize("name", sorted(REGISTRY))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_function_survives_arbitrary_ranges(name, data):
    entry = REGISTRY[name]
    required = len(entry.args) - len(entry.optional)
    count = data.draw(st.integers(required, len(entry.args)))
    args = [data.draw(RANGE) for _ in range(count)]
    _check(name, call(name, *args))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_function_with_text_blanks_and_mismatched_lengths(name):
    entry = REGISTRY[name]
    n = len(entry.args)
    for args in (
        [[["dez"], [None]]] * n,
        [[[None]] * 3] * n,
        [[[1.0], [2.0], [3.0]] if i % 2 else [[1.0]] for i in range(n)],
        [float("nan")] * n,
        [[[1e308], [1e308]]] * n,
    ):
        _check(name, call(name, *args))


def test_too_few_and_too_many_arguments_are_one_line_errors():
    for name, entry in REGISTRY.items():
        result = call(name, *([[[1.0]]] * (len(entry.args) + 2)))
        _check(name, result)

"""One error policy for every CS_ function on every host: an error in the input is an error out.

Generated over every argument of the registry's sample calls and every Excel error value:
the error cell is never skipped as a blank; the result is that error, with a line naming
the argument and the position.
"""

from __future__ import annotations

import copy

import pytest

from cs_reports.excel.functions import EXCEL_ERRORS, REGISTRY, call, split_error
from tests.excel.test_xlwings_registration import CASES


def _with_error(value: object, code: str) -> object:
    """``value`` with its first cell replaced by the error ``code`` (a range keeps its shape)."""
    if isinstance(value, list):
        out = copy.deepcopy(value)
        target = out
        while isinstance(target[0], list):
            target = target[0]
        target[0] = code
        return out
    return code


def _cells(value: object) -> list[object]:
    return [c for v in value for c in _cells(v)] if isinstance(value, list) else [value]


CALLS = [
    pytest.param(name, i, code, id=f"{name}-{REGISTRY[name].args[i][0]}-{code}")
    for name, args in sorted(CASES.items())
    for i in range(len(args))
    for code in (*EXCEL_ERRORS, "Err:502", "#N/A CS_NPS: there are no answers.")
]


@pytest.mark.parametrize(("name", "index", "code"), CALLS)
def test_an_error_in_any_argument_is_that_error_out(name, index, code):
    args = list(CASES[name])
    args[index] = _with_error(args[index], code)
    expected = {"Err:502": "#VALUE!"}.get(code, code.split()[0])
    errors = [split_error(c) for c in _cells(call(name, *args))]
    assert [e[0] for e in errors if e] == [expected] * len([e for e in errors if e])
    first = next(e for e in errors if e)
    assert f"argument '{REGISTRY[name].args[index][0]}' holds the error {expected} at position 1" in first[1]


def test_without_an_error_the_sample_calls_compute():
    """The control: the same calls without the error give no error line from the input policy."""
    for name, args in CASES.items():
        assert not [c for c in _cells(call(name, *args)) if isinstance(c, str) and "holds the error" in c], name


def test_cs_explain_explains_an_input_error_instead_of_passing_it_on():
    assert call("CS_EXPLAIN", "CS_NPS", [[10], ["#N/A"], [9]]) == (
        "CS_NPS: argument 'answers' holds the error #N/A at position 2; an error in the input is an error out "
        "(fix that cell or leave it out of the range). (#N/A)"
    )

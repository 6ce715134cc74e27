import pytest

from cs_reports.errors import DataContractError, InvalidInputError, Problem


def test_problem_message_names_sheet_row_column_expected_got():
    p = Problem("NPS", 14, "score", "a whole number 0-10", "11")
    assert str(p) == "Sheet 'NPS', row 14, column 'score': expected a whole number 0-10, got 11."


def test_contract_error_is_one_line_and_keeps_all_problems():
    problems = [Problem("NPS", r, "score", "a whole number 0-10", "11") for r in range(2, 80)]
    err = DataContractError("book.xlsx", problems)
    assert "\n" not in str(err)
    assert str(err).startswith("book.xlsx: Sheet 'NPS', row 2")
    assert "and 77 more problems" in str(err)
    report = err.report(limit=10)
    assert report.count("\n") == 11
    assert "... and 68 more" in report
    assert isinstance(err, InvalidInputError)
    assert isinstance(err, ValueError)


def test_problem_without_row_or_column():
    assert str(Problem("MRR", None, None, "a non-empty sheet", "")) == "Sheet 'MRR': expected a non-empty sheet."


@pytest.mark.parametrize("exc", [InvalidInputError, DataContractError])
def test_errors_are_catchable_as_valueerror(exc):
    assert issubclass(exc, ValueError)

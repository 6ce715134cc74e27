"""Exceptions and warnings raised by cs-reports.

Every error a user can cause is a :class:`CsReportsError`. The CLI and the Excel
adapters turn these into one clean line; anything else is a bug and propagates.

Hierarchy::

    CsReportsError
    ├── InvalidInputError (ValueError)      bad argument or bad data
    │   └── DataContractError               a workbook/CSV breaks the data contract
    ├── MissingDataError (LookupError)      a feature needs a sheet/column that is absent
    └── OutputError (OSError)               an output cannot be written safely
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CsReportsError",
    "DataContractError",
    "InvalidInputError",
    "MissingDataError",
    "OutputError",
    "Problem",
    "UndefinedMetricWarning",
    "error_message",
]


class CsReportsError(Exception):
    """Base class of every error a user of cs-reports can cause."""


class InvalidInputError(CsReportsError, ValueError):
    """An argument or a value does not meet the documented expectations.

    Errors about one argument (built by ``param_error``) also carry ``argument``,
    ``expected`` and ``got``, so that adapters (the Excel functions) can re-word them.
    """

    argument: str | None = None
    expected: str | None = None
    got: str | None = None


class MissingDataError(CsReportsError, LookupError):
    """A feature needs a sheet or a column that the data does not have."""


class OutputError(CsReportsError, OSError):
    """An output file or folder cannot be written (nothing half-written is left)."""


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined for this input (empty data, zero denominator); NaN is returned.

    ``func`` and ``reason`` are kept apart, so that adapters (the Excel layer) show the
    reason without parsing the message.

    >>> w = UndefinedMetricWarning("churn_rate", "no customers at the start")
    >>> str(w), w.reason
    ('churn_rate is undefined: no customers at the start; returning NaN.', 'no customers at the start')
    """

    def __init__(self, func: str = "", reason: str = "") -> None:
        self.func = func
        self.reason = reason or "undefined"
        super().__init__(f"{func} is undefined: {self.reason}; returning NaN." if func else self.reason)


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found while validating a data file.

    ``row`` is the spreadsheet's own 1-based row (or a CSV file's own line, with
    ``unit='line'``), as a user sees it; ``sheet`` is the name in the file (or the file
    name, with ``where='File'``).
    """

    sheet: str
    row: int | None
    column: str | None
    expected: str
    got: str
    where: str = "Sheet"
    unit: str = "row"

    def __str__(self) -> str:
        where = [f"{self.where} '{self.sheet}'"]
        if self.row is not None:
            where.append(f"{self.unit} {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        got = f", got {self.got}" if self.got else ""
        return f"{', '.join(where)}: expected {self.expected}{got}."


class DataContractError(InvalidInputError):
    """A data file breaks the data contract; carries every problem found, not just the first.

    ``str(error)`` is a one-line summary; :attr:`problems` has the full list and
    :meth:`report` formats it (capped) for a terminal.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        n = len(self.problems)
        first = str(self.problems[0]) if n else "no details"
        more = f" (and {n - 1} more problem{'s' if n > 2 else ''})" if n > 1 else ""
        super().__init__(f"{source}: {first}{more}")

    def report(self, limit: int = 50) -> str:
        """All problems, one per line, capped at ``limit`` with the total count."""
        lines = [f"{self.source}: {len(self.problems)} problem(s) found"]
        lines += [f"  {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


def error_message(exc: BaseException) -> str | None:
    """What the user is told about an expected error (the CLI's ``error: ...`` line); None for a bug.

    One definition for every surface: the CLI prints it, the Excel and LibreOffice buttons
    show it in a message box.

    >>> error_message(InvalidInputError("A quarter looks like 2026Q3; got 'Q5'."))
    "error: A quarter looks like 2026Q3; got 'Q5'."
    >>> error_message(FileNotFoundError(2, "No such file", "book.xlsx"))
    'error: file not found: book.xlsx'
    >>> error_message(KeyError("x")) is None
    True
    """
    if isinstance(exc, DataContractError):
        return f"error: {exc.report()}"
    if isinstance(exc, CsReportsError):
        return f"error: {exc}"
    if isinstance(exc, FileNotFoundError):
        return f"error: file not found: {exc.filename or exc}"
    if isinstance(exc, PermissionError):
        return f"error: permission denied: {exc.filename or exc}"
    if isinstance(exc, OSError):  # a full disk, a lost network share: the system's reason, and where
        where = f": {exc.filename}" if exc.filename else ""
        return f"error: {exc.strerror or exc}{where}"
    return None

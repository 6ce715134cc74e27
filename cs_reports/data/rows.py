"""Which rows under a header are not data: subtotal and totals rows, and CSV lines of the wrong width.

:mod:`cs_reports.data.reader` (row by row) and :mod:`cs_reports.data.csv_files` (column by
column) apply the same rules: Excel's Data > Subtotal rows (``'C0001 Total'`` under the rows of
``C0001``), a closing totals row (``Total``, or a ``SUBTOTAL(`` formula), and a CSV line whose
field count differs from its header's, which becomes a problem naming the line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cs_reports._validation import is_blank
from cs_reports.data.contract import SUBTOTAL_WORDS, TOTAL_LABELS, normalise_header
from cs_reports.errors import Problem

if TYPE_CHECKING:
    from cs_reports.data.reader import _Source

__all__ = ["SUBTOTAL_ENDS", "field_count_problem", "is_subtotal", "is_total", "only_empty_extras"]


def only_empty_extras(row: list[Any], width: int) -> bool:
    """A line with trailing empty fields beyond the header ('a;b;c;'): nothing would be lost."""
    return len(row) > width and all(is_blank(v) for v in row[width:])


#: Last characters of the :data:`~cs_reports.data.contract.SUBTOTAL_WORDS` (a cheap first filter of labels).
SUBTOTAL_ENDS = frozenset(c for w in SUBTOTAL_WORDS for c in (w[-1], w[-1].upper()))


def is_subtotal(label: Any, previous: list[Any] | None) -> bool:
    """Whether ``label`` is a Data > Subtotal label of the group above it (``'C0001 Total'`` under C0001).

    With ``previous`` None, only whether it has the shape of one (``'<group> Total'``).
    """
    if type(label) is not str:
        return False
    parts = label.strip().rsplit(None, 1)
    if len(parts) != 2 or normalise_header(parts[1]) not in SUBTOTAL_WORDS:
        return False
    if previous is None:
        return True
    group = previous[0] if previous else None
    if isinstance(group, float) and group.is_integer():
        group = int(group)
    return group is not None and str(group).strip() == parts[0].strip()


def is_total(row: list[Any], number: int, subtotal_rows: set[int]) -> bool:
    """Whether row ``number`` is a totals row: in ``subtotal_rows`` (a ``SUBTOTAL(`` formula) or labelled 'Total'."""
    if number in subtotal_rows:
        return True
    first = next((v for v in row if not is_blank(v)), None)
    return isinstance(first, str) and normalise_header(first) in TOTAL_LABELS


def field_count_problem(
    src: _Source, line: int, span: int, got: int, width: int, header_line: int, problems: list[Problem]
) -> None:
    """Add the problem of a CSV record with ``got`` fields (over ``span`` lines) under a header of ``width``."""
    if span > 1:
        what = f"a quoted value running over {span} lines (an unbalanced quote?)"
    elif got > width:
        hint = ", e.g. a decimal comma?" if src.separator == "," else "?"
        what = f"{got} fields (an unquoted '{src.separator}' inside a value{hint} quote it)"
    else:
        what = f"{got} fields"
    problems.append(
        Problem(
            src.name,
            line,
            None,
            f"{width} fields like the header ({src.unit} {header_line})",
            what,
            where="File",
            unit="line",
        )
    )

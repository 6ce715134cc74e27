"""The check every workbook edit flow ends with: the recalculated dashboard, key by key, against ``cs-reports metrics``.

:func:`compare_dashboard` reads the recalc output's cached values (openpyxl, ``data_only``)
at :func:`cs_reports.excel.dashboard.address` of each key, and the library's figures from
``cs-reports metrics --format csv --month`` on the same workbook (through the CLI, as a
user runs it). A figure the library leaves undefined (NaN, shown ``-``) must be a listed
CS_ error in the cell (``#N/A CS_...: reason``); any other cell must equal the library.
"""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple

from cs_reports import metrics as m
from cs_reports.cli import main
from cs_reports.excel.dashboard import address, dashboard_rows, layout
from cs_reports.excel.functions import split_error

#: Dashboard cell (key, column) -> the ``metrics`` row that prints the same figure.
METRIC_OF = {
    ("month", "C"): "month",
    ("window", "C"): "policy_window",
    ("lifetime_cap", "C"): "policy_max_lifetime_months",
    ("nps", "C"): "nps",
    ("nps", "D"): "nps_low",
    ("nps", "E"): "nps_high",
    ("nps", "F"): "nps_answers",
    ("csat", "C"): "csat",
    ("tmr_first_response", "C"): "tmr_first_response_hours",
    ("tmr_resolution", "C"): "tmr_resolution_hours",
    ("renewal_rate", "C"): "renewal_rate",
    ("adoption", "C"): "adoption",
    ("start_mrr", "C"): "start_mrr",
    ("new", "C"): "new",
    ("expansion", "C"): "expansion",
    ("contraction", "C"): "contraction",
    ("churn", "C"): "churn",
    ("reactivation", "C"): "reactivation",
    ("end_mrr", "C"): "mrr",
    ("arr", "C"): "arr",
    ("customers", "C"): "customers",
    ("arpa", "C"): "arpa",
    ("logo_churn", "C"): "logo_churn_rate",
    ("gross_revenue_churn", "C"): "gross_revenue_churn_rate",
    ("net_revenue_churn", "C"): "net_revenue_churn_rate",
    ("grr", "C"): "grr",
    ("nrr", "C"): "nrr",
    ("quick_ratio", "C"): "quick_ratio",
    ("gross_margin", "C"): "gross_margin",
    ("cac", "C"): "cac",
    ("ltv", "C"): "ltv",
    ("ltv_cac", "C"): "ltv_cac",
    ("cac_payback", "C"): "cac_payback_months",
    ("pareto_top20", "C"): "pareto_top20",
}
#: Keys whose cell is computed here from the cells above with the library (no ``metrics`` row prints them).
DERIVED = ("nps_margin", "bridge_check", "net_mrr_churn", "monthly_churn", "ltv_churn")
#: Keys not compared here, and why (each is checked cell by cell in tests/excel/test_recalc.py).
ELSEWHERE = {
    "period_start": "the first of the month two months before (EOMONTH)",
    "period_end": "the first of the next month (EOMONTH)",
    "csms": "an input",
    "client": "an input",
    "ces": "no metrics row: test_recalc compares it with customer_effort_score",
    "logo_churn_12m": "no metrics row: test_recalc compares it with logo_churn_rate",
    "capacity": "a block: test_recalc compares it with csm_capacity",
    "health": "a block: test_recalc compares it with health_drivers",
}


def metrics_rows(book: Path, month: str | None = None) -> dict[str, str]:
    """``cs-reports metrics BOOK --format csv [--month M]`` as ``{metric: text}`` (blank text for undefined)."""
    out = io.StringIO()
    argv = ["metrics", str(book), "--format", "csv", *(["--month", month] if month else [])]
    with contextlib.redirect_stdout(out):
        code = main(argv)
    assert code == 0, f"cs-reports {' '.join(argv)} exited {code}"
    lines = out.getvalue().splitlines()[1:]
    return {k: v.strip('"') for k, v in (line.split(",", 1) for line in lines)}


class SheetValues:
    """One sheet's values, read with openpyxl in read-only mode: the workbook's other sheets
    (the data, thousands of rows) are not parsed, which a full ``load_workbook`` does.

    ``data_only`` as in openpyxl: the cached values (True) or the formulas (False). The whole
    sheet is read, whatever size its ``<dimension>`` claims.
    """

    def __init__(self, path: Path, sheet: str, *, data_only: bool = True) -> None:
        wb = load_workbook(path, read_only=True, data_only=data_only)
        try:
            ws = wb[sheet]
            ws.reset_dimensions()
            self._cells = {
                (cell.row, cell.column): cell.value for row in ws.iter_rows() for cell in row if cell.value is not None
            }
        finally:
            wb.close()

    def cell(self, row: int, column: int) -> Any:
        """The value at 1-based ``row`` and ``column`` (None when empty)."""
        return self._cells.get((row, column))

    def __getitem__(self, address: str) -> Any:
        """The value at ``address`` (``"C5"`` or ``"$C$5"``)."""
        return self.cell(*coordinate_to_tuple(address.replace("$", "")))

    @property
    def last_row(self) -> int:
        """The last row holding a value (0 for an empty sheet)."""
        return max((r for r, _ in self._cells), default=0)

    def row(self, row: int) -> list[Any]:
        """The values of ``row`` from column A to its last non-empty cell."""
        last = max((c for r, c in self._cells if r == row), default=0)
        return [self.cell(row, c) for c in range(1, last + 1)]


def dashboard_cells(recalculated: Path) -> dict[tuple[str, str], Any]:
    """The cached value of every compared dashboard cell, by (key, column)."""
    dashboard = SheetValues(recalculated, "Dashboard")
    wanted = [*METRIC_OF, *((k, "C") for k in DERIVED)]
    return {(key, col): dashboard[address(key, col)] for key, col in wanted}


def _is_listed_error(value: Any) -> bool:
    return isinstance(value, str) and split_error(value) is not None


def _same(cell: Any, expected: str, where: str) -> str | None:
    """None when the cell shows the metrics row; otherwise what differs."""
    if expected in ("", "-"):
        return None if _is_listed_error(cell) else f"{where}: library undefined, cell shows {cell!r}"
    if isinstance(cell, (pd.Timestamp,)) or hasattr(cell, "strftime"):
        return None if f"{cell:%Y-%m}" == expected else f"{where}: {cell:%Y-%m} != {expected}"
    try:
        want = float(expected)
    except ValueError:
        return None if str(cell) == expected else f"{where}: {cell!r} != {expected!r}"
    if not isinstance(cell, (int, float)) or isinstance(cell, bool):
        return f"{where}: cell shows {cell!r}, library {expected}"
    return None if math.isclose(cell, want, rel_tol=1e-9, abs_tol=1e-6) else f"{where}: {cell!r} != {want!r}"


def compare_dashboard(
    recalculated: Path, book: Path, month: str | None = None, *, errors: dict[str, str] | None = None
) -> list[str]:
    """Every difference between the recalculated dashboard and ``metrics`` for ``month`` (empty when none).

    ``errors`` names the keys that must show an error instead (key -> error code, e.g.
    ``{"nps": "#VALUE!"}``: every compared column of the row, and the cells computed from it).
    Every dashboard key is either compared or named in :data:`ELSEWHERE` (asserted here,
    so a new dashboard row cannot go unchecked).
    """
    keys = set(layout(dashboard_rows()))
    covered = {k for k, _ in METRIC_OF} | set(DERIVED) | set(ELSEWHERE)
    assert keys == covered, f"dashboard keys not covered: {sorted(keys - covered)}; stale: {sorted(covered - keys)}"
    lib = metrics_rows(book, month)
    cells = dashboard_cells(recalculated)
    wanted = errors or {}
    problems = []
    for (key, col), cell in cells.items():
        if key in wanted and not (isinstance(cell, str) and cell.split(" ")[0] == wanted[key]):
            problems.append(f"{key}:{col}: expected the error {wanted[key]}, cell shows {cell!r}")
    compared = {k: v for k, v in cells.items() if k[0] not in wanted}
    problems += [
        p
        for (key, col), name in METRIC_OF.items()
        if (key, col) in compared and (p := _same(cells[key, col], lib[name], f"{key}:{col}"))
    ]
    problems += _derived(compared, lib)
    return problems


def _num(text: str) -> float:
    return float(text) if text not in ("", "-") else math.nan


def _derived(cells: dict[tuple[str, str], Any], lib: dict[str, str]) -> list[str]:
    """The five cells computed from others, with the library's functions on the library's figures."""
    low, high = _num(lib["nps_low"]), _num(lib["nps_high"])
    start, churn, contraction = _num(lib["start_mrr"]), _num(lib["churn"]), _num(lib["contraction"])
    expansion, reactivation = _num(lib["expansion"]), _num(lib["reactivation"])
    expected = {
        "nps_margin": f"{(high - low) / 2!r}" if not math.isnan(high - low) else "",
        "bridge_check": "0",
        "net_mrr_churn": "",
    }
    if start > 0:
        expected["net_mrr_churn"] = repr(
            m.net_churn_rate(start, churn, contraction, expansion, reactivation=reactivation)
        )
    problems = [p for key, text in expected.items() if (key, "C") in cells and (p := _same(cells[key, "C"], text, key))]
    # monthly churn and the churn LTV uses: the cells must agree with each other as the library defines them
    monthly, used = cells.get(("monthly_churn", "C")), cells.get(("ltv_churn", "C"))
    cap = _num(lib["policy_max_lifetime_months"])
    if isinstance(monthly, float) and isinstance(used, float) and not math.isclose(used, max(monthly, 1 / cap)):
        problems.append(f"ltv_churn: {used!r} != max({monthly!r}, 1/{cap:g})")
    return problems

"""Regenerating a workbook from one cs-reports made (``excel new-workbook NEW --data OLD``) is a fixed point.

The route docs/excel.md gives after appending data: the old workbook is read back as data
and a new one written. Its per-period columns must be the new formulas, inside the Tables,
once: a workbook made from a workbook made from data has the same sheets, headers and
Table ranges as the first, and every header is unique and inside its Table.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from cs_reports.cli import main

_DATA = ("Clients", "MRR", "NPS", "Renewals", "Tickets", "Usage", "Milestones", "Goals", "Opportunities")


def _layout(path: Path) -> dict[str, tuple[list[str], str]]:
    wb = load_workbook(path)
    out = {}
    for name in _DATA:
        if name not in wb.sheetnames:
            continue
        ws = wb[name]
        (table,) = ws.tables.values()
        heads = [c.value for c in ws[1] if c.value is not None]
        out[name] = (heads, table.ref)
    return out


@pytest.mark.parametrize("clients", [3, 12])
def test_a_workbook_made_from_a_workbook_is_the_same_workbook(tmp_path, clients):
    data, first, second = tmp_path / "data.xlsx", tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    assert main(["sample", str(data), "--clients", str(clients)]) == 0
    assert main(["excel", "new-workbook", str(first), "--data", str(data)]) == 0
    assert main(["excel", "new-workbook", str(second), "--data", str(first)]) == 0
    made, remade = _layout(first), _layout(second)
    assert remade == made
    for name, (heads, ref) in remade.items():
        assert len(heads) == len(set(heads)), f"{name}: duplicate headers {heads}"
        min_col, _, max_col, _ = range_boundaries(ref)
        assert (min_col, max_col) == (1, len(heads)), f"{name}: Table {ref} does not hold the headers {heads}"

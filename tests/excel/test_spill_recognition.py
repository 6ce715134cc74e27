"""recalc knows a spilled formula without its markers (no LibreOffice needed).

openpyxl and LibreOffice 7.4 drop Excel 365's dynamic-array markers when they save. For the
template and for workbooks made from generated books, after an openpyxl round trip the
formulas :func:`cs_reports.excel.recalc.spilled_formulas` recognises are exactly the ones that
were marked; a legacy array over a plain range is not taken for a spill.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from cs_reports._resources import workbook_templates_dir
from cs_reports.cli import main
from cs_reports.excel import dynamic
from cs_reports.excel.recalc import spilled_formulas


def _anchors(spills: list[dynamic.Spill]) -> set[tuple[str, str, str]]:
    return {(s.sheet, s.cell, s.formula) for s in spills}


@pytest.mark.parametrize("clients", [None, 3, 5])
def test_after_an_openpyxl_round_trip_every_spill_is_still_known(tmp_path, clients):
    if clients is None:
        book = workbook_templates_dir() / "cs_metrics.xlsx"
    else:
        data, book = tmp_path / "data.xlsx", tmp_path / "book.xlsx"
        assert main(["sample", str(data), "--clients", str(clients)]) == 0
        assert main(["excel", "new-workbook", str(book), "--data", str(data)]) == 0
    saved = tmp_path / "saved_by_a_script.xlsx"
    load_workbook(book).save(saved)
    marked, after = dynamic.read_parts(book), dynamic.read_parts(saved)
    assert dynamic.find_spills(marked)
    assert not dynamic.find_spills(after)
    assert _anchors(spilled_formulas(after)) == _anchors(dynamic.find_spills(marked))


def test_a_legacy_array_over_a_plain_range_keeps_its_size(tmp_path: Path):
    wb = Workbook()
    ws = wb.active
    ws["C1"] = ArrayFormula("C1:C3", "=A1:A3*2")  # not a Table, not a spilling CS_ function
    ws["D1"] = ArrayFormula("D1:D3", "=CS_NPS(A1:A3)")  # a one-value CS_ function
    ws["E1"] = ArrayFormula("E1:L9", '=CS_MRR_MOVEMENTS(A1:A3,B1:B3,"CS_MRR_MOVEMENTS")')
    wb.save(tmp_path / "legacy.xlsx")
    found = spilled_formulas(dynamic.read_parts(tmp_path / "legacy.xlsx"))
    assert [(s.sheet, s.cell) for s in found] == [("Sheet", "E1")]

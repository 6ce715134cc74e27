"""The dashboard as a table of keyed rows: every key resolves, names, guards and the print area are derived."""

from __future__ import annotations

import dataclasses
import re

import pytest
from openpyxl import Workbook

from cs_reports import metrics as m
from cs_reports.excel.dashboard import Guard, Row, Title, address, dashboard_rows, layout, write_dashboard


def written(rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "Dashboard"
    numbers = write_dashboard(ws, rows)
    return wb, ws, numbers


@pytest.mark.parametrize("components", [1, 5, 9])
def test_every_reference_is_a_row_and_every_formula_is_resolved(components):
    model = m.HealthModel(tuple(m.DEFAULT_HEALTH_MODEL.components[:1]) * components)
    rows = dashboard_rows(model=model, first_client="C0001")
    _wb, ws, numbers = written(rows)
    for row in rows:
        if isinstance(row, Row) and isinstance(row.formula, str):
            for ref in re.findall(r"\{([a-z_0-9]+)", row.formula):
                assert ref in numbers, (row.key, ref)
    for cells in ws.iter_rows():
        for cell in cells:
            text = cell.value.text if hasattr(cell.value, "text") else cell.value
            assert not (isinstance(text, str) and "{" in text), cell.coordinate
    last = max(numbers[r.key] + r.height - 1 for r in rows if isinstance(r, Row))
    assert ws.print_area == f"'Dashboard'!$A$1:$G${last}"


def test_names_and_guards_are_derived_from_the_rows():
    rows = dashboard_rows(first_client="C0001")
    wb, ws, numbers = written(rows)
    named = {f"cs_{r.key}": f"Dashboard!$C${numbers[r.key]}" for r in rows if isinstance(r, Row) and r.named}
    assert {n: wb.defined_names[n].attr_text for n in named} == named
    assert {"cs_month", "cs_window", "cs_ltv_churn", "cs_gross_margin"} <= set(named)
    guarded = {address(r.key, rows=rows) for r in rows if isinstance(r, Row) and r.guard}
    assert {str(v.sqref) for v in ws.data_validations.dataValidation} == guarded
    for cell in guarded:
        assert ws[cell].fill.fgColor.rgb.endswith("FFF2CC"), cell


def test_adding_a_row_is_one_row():
    """A new row between others: later rows move down, every reference follows, nothing else changes."""
    rows = dashboard_rows()
    at = next(i for i, r in enumerate(rows) if isinstance(r, Row) and r.key == "arpa")
    extra = Row("arpa_x2", "Twice the ARPA", "={arpa}*2", "#,##0.00", guard=None)
    grown = (*rows[: at + 1], extra, *rows[at + 1 :])
    before, after = layout(rows), layout(grown)
    assert after["arpa_x2"] == before["arpa"] + 1
    for key, number in before.items():
        assert after[key] == number + (1 if number > before["arpa"] else 0), key
    _, ws, _ = written(grown)
    assert ws[address("arpa_x2", rows=grown)].value == f"={address('arpa', rows=grown)}*2"
    ltv = next(r for r in grown if isinstance(r, Row) and r.key == "ltv")
    assert address("arpa", rows=grown) in ws[address("ltv", rows=grown)].value
    assert ltv.formula.count("{arpa}") == 1


def test_an_unknown_reference_or_a_twice_declared_key_is_refused():
    with pytest.raises(ValueError, match=r"Dashboard row 'x' refers to '\{nope\}', which is not a row"):
        written((Row("x", "X", "={nope}+1"),))
    with pytest.raises(ValueError, match="Dashboard row key 'x' is declared twice"):
        layout((Row("x", "X", 1), Title("T"), Row("x", "Y", 2)))


def test_row_fields_are_the_declared_columns():
    assert [f.name for f in dataclasses.fields(Row)][:7] == [
        "key",
        "label",
        "formula",
        "fmt",
        "note",
        "named",
        "guard",
    ]
    assert Guard("m").rule == {}

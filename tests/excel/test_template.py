"""The workbook template: Tables, validation, dashboard formulas, the new-workbook command."""

from __future__ import annotations

import re
import shutil

import pytest
from openpyxl import load_workbook

from cs_reports._resources import workbook_templates_dir
from cs_reports.cli import main
from cs_reports.data import load_book
from cs_reports.data.summary import portfolio_summary
from cs_reports.excel.dashboard import address
from cs_reports.excel.recalc import recalc
from tests.conftest import assert_unchanged, file_digest


@pytest.fixture(scope="module")
def template():
    return load_workbook(workbook_templates_dir() / "cs_metrics.xlsx")


def test_contract_sheets_are_tables_with_validation(template):
    for sheet in (
        "Clients",
        "MRR",
        "NPS",
        "Renewals",
        "Tickets",
        "Usage",
        "Milestones",
        "Goals",
        "Opportunities",
        "HealthModel",
    ):
        assert f"t{sheet}" in template[sheet].tables, sheet
    rules = {(dv.type, str(dv.sqref)) for dv in template["NPS"].data_validations.dataValidation}
    assert ("whole", "C2:C20000") in rules
    lists = [dv.formula1 for dv in template["Renewals"].data_validations.dataValidation if dv.type == "list"]
    assert '"renewed,churned,pending"' in lists
    assert template["xlwings.conf"]["A1"].value == "UDF Modules"
    assert template["xlwings.conf"]["B1"].value == "cs_reports.excel.udfs"
    assert template.sheetnames[:4] == ["Dashboard", "Accounts", "MRR bridge", "Cohorts"]


def test_dashboard_uses_cs_functions_on_table_columns(template):
    formulas = [
        c.value.text if hasattr(c.value, "text") else c.value for row in template["Dashboard"].iter_rows() for c in row
    ]
    cs = [f for f in formulas if isinstance(f, str) and f.startswith("=CS_")]
    assert "=CS_NPS_CI(tNPS[score_in_period])" in cs
    assert any(f.startswith("=CS_GRR(tMRR[client_id], tMRR[month], tMRR[mrr]") for f in cs)
    assert len(cs) >= 20


def test_template_is_the_sample_and_reads_back_as_data(sample_book):
    # Never calculated: the *_in_period formulas are read as blanks (with a note); the data is intact.
    book = load_book(workbook_templates_dir() / "cs_metrics.xlsx")
    assert book.last_month == sample_book.last_month
    a, b = portfolio_summary(book), portfolio_summary(sample_book)
    for field in ("mrr", "arr", "grr", "nrr", "nps", "customers", "ltv"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), rel=1e-12), field


def test_new_workbook_for_user_data(tmp_path, small_book_path, capsys):
    out = tmp_path / "mine.xlsx"
    with assert_unchanged(small_book_path):
        assert main(["excel", "new-workbook", str(out), "--data", str(small_book_path), "--month", "2026-06"]) == 0
    wb = load_workbook(out)
    assert wb["Dashboard"][address("month")].value.strftime("%Y-%m") == "2026-06"
    before = file_digest(out)
    assert main(["excel", "new-workbook", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert file_digest(out) == before
    assert main(["excel", "new-workbook", str(small_book_path), "--data", str(small_book_path), "--force"]) == 1


def test_formula_like_text_stays_text(tmp_path, small_book_path):
    import openpyxl

    src = tmp_path / "hostile.xlsx"
    wb = openpyxl.load_workbook(small_book_path)
    ws = wb["NPS"]
    ws.cell(2, 4).value = None
    ws.cell(2, 4).value = '\'=HYPERLINK("http://evil","x")'
    wb.save(src)
    out = tmp_path / "t.xlsx"
    assert main(["excel", "new-workbook", str(out), "--data", str(src)]) == 0
    comment = load_workbook(out)["NPS"]["D2"]
    assert comment.data_type == "s"
    assert comment.value.startswith("'=")
    if shutil.which("soffice") is None:
        pytest.skip("reading the workbook back needs its formulas calculated (LibreOffice)")
    calculated = recalc(out, tmp_path / "calculated.xlsx").output  # as if opened and saved in Excel
    assert load_book(calculated).nps["comment"].iloc[0] == '=HYPERLINK("http://evil","x")'


def test_dashboard_guards_its_inputs_names_its_cells_and_prints_on_one_page(template):
    dash = template["Dashboard"]
    rules = {str(v.sqref): v for v in dash.data_validations.dataValidation}
    month = rules[address("month")]
    assert (month.type, month.formula1, month.allow_blank) == ("list", "=cs_bridge_months", False)
    # the list is the bridge's month column (as tall as the spilled bridge, so an appended month is
    # offered): first-of-month months of the data, one per row
    assert template.defined_names["cs_bridge_months"].attr_text == (
        "OFFSET('MRR bridge'!$A$2,0,0,MAX(1,COUNT('MRR bridge'!$A:$A)),1)"
    )
    for cell in (address("window"), address("csms"), address("lifetime_cap")):
        assert rules[cell].type == "whole"
        assert rules[cell].showErrorMessage
    assert rules[address("client")].type == "list"
    assert {n: template.defined_names[n].attr_text for n in ("cs_month", "cs_ltv_churn")} == {
        "cs_month": "Dashboard!$C$4",
        "cs_ltv_churn": "Dashboard!$C$44",
    }
    literal = re.compile(r"Dashboard!\$")
    for ws in template.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and literal.search(cell.value)), (ws.title, cell.coordinate)
    assert dash.page_setup.orientation == "landscape"
    assert (dash.page_setup.fitToWidth, dash.page_setup.fitToHeight) == (1, 1)
    assert dash.sheet_properties.pageSetUpPr.fitToPage
    assert dash.print_area == "'Dashboard'!$A$1:$G$67"

"""Blocks that grow with the data: rows appended to tMRR and tClients, as Excel 365 saves them.

The user's edit is made the way Excel writes it (rows appended under the Table, the
Table's range extended, the dynamic-array metadata untouched), then ``cs-reports recalc``
runs as a user runs it. Expected values are computed here, with pandas, from the
appended rows, not read from the workbook.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree
from python_calamine import CalamineWorkbook

from cs_reports import metrics as m
from cs_reports._resources import workbook_templates_dir
from cs_reports.cli import main
from cs_reports.data import load_book
from cs_reports.excel import dynamic
from cs_reports.excel.dynamic import find_spills, mark_dynamic, read_parts, rewrite_spills, write_parts
from cs_reports.excel.recalc import error_cells, recalc
from tests.excel.test_recalc_cli import _user_shell, needs_venv

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = {"m": MAIN}
TEMPLATE = workbook_templates_dir() / "cs_metrics.xlsx"
EPOCH = pd.Timestamp("1899-12-30")

soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")


def _serial(ts: pd.Timestamp) -> float:
    return float((ts - EPOCH).days)


def _month(value: object) -> pd.Timestamp:
    """A month cell as calamine reads it: a date (formatted cell) or a serial number."""
    if isinstance(value, (int, float)):
        return EPOCH + pd.Timedelta(days=value)
    return pd.Timestamp(value)


def _sheet_part(parts: dict[str, bytes], name: str) -> str:
    return dynamic.sheet_parts(parts)[name]


def _table_part(parts: dict[str, bytes], display_name: str) -> str:
    for part, data in parts.items():
        if part.startswith("xl/tables/") and f'displayName="{display_name}"'.encode() in data:
            return part
    raise AssertionError(f"no table {display_name}")


def append_rows(parts: dict[str, bytes], sheet: str, table: str, rows: list[dict[str, object]]) -> None:
    """Append rows under a Table as Excel does: cells styled like the row above, the Table extended."""
    tpart = _table_part(parts, table)
    troot = etree.fromstring(parts[tpart])
    columns = [c.get("name") for c in troot.iterfind("m:tableColumns/m:tableColumn", NS)]
    calculated = {
        c.get("name"): c.findtext("m:calculatedColumnFormula", namespaces=NS)
        for c in troot.iterfind("m:tableColumns/m:tableColumn", NS)
    }
    first, last = troot.get("ref").split(":")
    last_row = int("".join(ch for ch in last if ch.isdigit()))
    spart = _sheet_part(parts, sheet)
    root = etree.fromstring(parts[spart])
    data = root.find("m:sheetData", NS)
    above = {c.get("r"): c for c in data.iterfind(f"m:row[@r='{last_row}']/m:c", NS)}
    for i, values in enumerate(rows, start=last_row + 1):
        row = etree.SubElement(data, f"{{{MAIN}}}row", r=str(i))
        for j, name in enumerate(columns):
            letter = chr(ord("A") + j)
            cell = etree.SubElement(row, f"{{{MAIN}}}c", r=f"{letter}{i}")
            style = above.get(f"{letter}{last_row}")
            if style is not None and style.get("s"):
                cell.set("s", style.get("s"))
            value = values.get(name)
            if calculated.get(name):  # Excel fills a calculated column into the new row
                etree.SubElement(cell, f"{{{MAIN}}}f").text = calculated[name]
            elif isinstance(value, str):
                cell.set("t", "inlineStr")
                is_ = etree.SubElement(cell, f"{{{MAIN}}}is")
                etree.SubElement(is_, f"{{{MAIN}}}t").text = value
            elif isinstance(value, pd.Timestamp):
                etree.SubElement(cell, f"{{{MAIN}}}v").text = repr(_serial(value))
            elif value is not None:
                etree.SubElement(cell, f"{{{MAIN}}}v").text = repr(float(value))
    end = last_row + len(rows)
    new_ref = f"{first}:{''.join(ch for ch in last if ch.isalpha())}{end}"
    troot.set("ref", new_ref)
    auto = troot.find("m:autoFilter", NS)
    if auto is not None:
        auto.set("ref", new_ref)
    parts[tpart] = etree.tostring(troot, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts[spart] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def append_rows_free(parts: dict[str, bytes], sheet: str, address: str, text: str) -> None:
    """Type a text in a cell outside any Table (a new row element)."""
    spart = _sheet_part(parts, sheet)
    root = etree.fromstring(parts[spart])
    data = root.find("m:sheetData", NS)
    row_number = int("".join(ch for ch in address if ch.isdigit()))
    row = data.find(f"m:row[@r='{row_number}']", NS)
    if row is None:
        row = etree.SubElement(data, f"{{{MAIN}}}row", r=str(row_number))
        rows = sorted(data, key=lambda r: int(r.get("r")))
        data[:] = rows
    for old in row.findall(f"m:c[@r='{address}']", NS):
        row.remove(old)
    cell = etree.Element(f"{{{MAIN}}}c", r=address, t="inlineStr")
    etree.SubElement(etree.SubElement(cell, f"{{{MAIN}}}is"), f"{{{MAIN}}}t").text = text
    row.insert(0, cell)
    parts[spart] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_formula(parts: dict[str, bytes], sheet: str, address: str, text: str) -> None:
    """Type a formula in an empty cell of an existing row, as Excel 365 stores it (``A1#`` is ANCHORARRAY)."""
    spart = _sheet_part(parts, sheet)
    root = etree.fromstring(parts[spart])
    row = root.find(f"m:sheetData/m:row[@r='{''.join(ch for ch in address if ch.isdigit())}']", NS)
    cell = etree.SubElement(row, f"{{{MAIN}}}c", r=address)
    etree.SubElement(cell, f"{{{MAIN}}}f").text = text
    row[:] = sorted(row, key=lambda c: dynamic._split(c.get("r"))[1])  # cells in column order
    parts[spart] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


SPILL_REFS = {  # typed on the dashboard as =SUM(Accounts!E5#) and =ROWS('MRR bridge'!A1#)
    "I4": "SUM(_xlfn.ANCHORARRAY(Accounts!E5))",
    "I5": "ROWS(_xlfn.ANCHORARRAY('MRR bridge'!$A$1))",
}


def set_value(parts: dict[str, bytes], sheet: str, address: str, value: float) -> None:
    spart = _sheet_part(parts, sheet)
    root = etree.fromstring(parts[spart])
    cell = root.find(f"m:sheetData/m:row/m:c[@r='{address}']", NS)
    for child in list(cell):
        cell.remove(child)
    cell.attrib.pop("t", None)
    etree.SubElement(cell, f"{{{MAIN}}}v").text = repr(value)
    parts[spart] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def test_rows_typed_under_a_table_get_its_per_period_formulas():
    """The per-period columns are the Tables' calculated columns, in this-row references."""
    parts = read_parts(TEMPLATE)
    usage = etree.fromstring(parts[_table_part(parts, "tUsage")])
    formulas = {
        c.get("name"): c.findtext("m:calculatedColumnFormula", namespaces=NS)
        for c in usage.iterfind("m:tableColumns/m:tableColumn", NS)
    }
    assert formulas["active_in_month"] == (
        "IF(ISTEXT(tUsage[[#This Row],[month]]),#VALUE!,"
        "IF(AND(AND(tUsage[[#This Row],[month]]>=EOMONTH(cs_month,-1)+1,tUsage[[#This Row],[month]]<cs_period_end),"
        'tUsage[[#This Row],[active_users]]<>""),tUsage[[#This Row],[active_users]],""))'
    )
    assert formulas["client_id"] is None


def test_the_template_spills_as_excel_365_writes_it():
    """Every multi-cell block is a dynamic array: the XLDAPR metadata XlsxWriter 3.3.1 writes, cm="1"."""
    parts = read_parts(TEMPLATE)
    assert parts["xl/metadata.xml"] == dynamic.METADATA_XML
    assert b"sheetMetadata+xml" in parts["[Content_Types].xml"]
    assert b"relationships/sheetMetadata" in parts["xl/_rels/workbook.xml.rels"]
    spills = {(s.sheet, s.cell) for s in find_spills(parts)}
    assert {("MRR bridge", "A1"), ("Cohorts", "A34"), ("Accounts", "A5"), ("Accounts", "P5")} <= spills
    arrays = sum(data.count(b't="array"') for name, data in parts.items() if name.startswith("xl/worksheets/"))
    assert len(spills) == arrays  # no legacy {=...} block left


def test_rewrite_never_spills_over_a_users_cell(tmp_path):
    from openpyxl import Workbook
    from openpyxl.worksheet.formula import ArrayFormula

    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = ArrayFormula("A1:A3", "=CS_X(B1:B3)")
    ws["A5"] = "a note the user typed"
    wb.save(tmp_path / "t.xlsx")
    parts = read_parts(tmp_path / "t.xlsx")
    mark_dynamic(parts)
    assert rewrite_spills(parts, {("S", "A1"): ("CS_X(B1:B9)", 9, 1)}) == [("S", "A1", "A5")]
    assert find_spills(parts)[0].ref == "A1:A3"  # kept its size
    assert rewrite_spills(parts, {("S", "A1"): ("CS_X(B1:B2)", 2, 1)}) == []
    write_parts(tmp_path / "u.xlsx", parts)
    spill = find_spills(read_parts(tmp_path / "u.xlsx"))[0]
    assert (spill.ref, spill.formula) == ("A1:A2", "CS_X(B1:B2)")


def _grow(parts: dict[str, bytes], book) -> tuple[pd.DataFrame, pd.Timestamp, list[str]]:
    """A team's month: tMRR and tUsage get the next month (one client churns, its renewal recorded in
    tRenewals), tClients two newcomers."""
    mrr = book.mrr[book.mrr["month"] <= book.last_month]
    last = book.last_month
    new_month = last + pd.DateOffset(months=1)
    carried = mrr[mrr["month"] == last].groupby("client_id", sort=True)["mrr"].sum()
    churned = carried.index[0]  # the first client churns in the new month
    renewal = {"client_id": churned, "due_date": new_month, "outcome": "churned", "mrr_before": float(carried.iloc[0])}
    append_rows(parts, "Renewals", "tRenewals", [{**renewal, "mrr_after": 0.0}])
    carried = carried.iloc[1:]
    newcomers = [("C9001", "Padaria Nova Esperança Ltda.", 1234.5), ("C9002", "Óptica Visão & Cia", 8000.0)]
    appended = [{"client_id": c, "month": new_month, "mrr": float(v)} for c, v in carried.items()]
    appended += [{"client_id": c, "month": new_month, "mrr": v} for c, _, v in newcomers]
    append_rows(parts, "MRR", "tMRR", appended)
    template_client = book.clients.iloc[0]
    clients = [
        {**{k: v for k, v in template_client.items() if isinstance(v, (str, float, int))}, "client_id": c, "name": n}
        for c, n, _ in newcomers
    ]
    append_rows(parts, "Clients", "tClients", clients)
    usage = [
        {"client_id": c, "month": new_month, "active_users": 8.0, "licensed_users": 10.0}
        for c in [*carried.index, *(c for c, _, _ in newcomers)]
    ]
    append_rows(parts, "Usage", "tUsage", usage)
    set_value(parts, "Dashboard", "C4", _serial(new_month))
    grown_mrr = pd.concat([mrr[["client_id", "month", "mrr"]], pd.DataFrame(appended)], ignore_index=True)
    ids = [*book.clients["client_id"], *(c for c, _, _ in newcomers)]
    return grown_mrr, new_month, ids


@pytest.fixture(scope="module")
def workbook(tmp_path_factory, small_book_path) -> Path:
    """The team's workbook: ``excel new-workbook`` of a 12-client book (the template's layout, a quick recalc)."""
    path = tmp_path_factory.mktemp("workbook") / "cs_metrics.xlsx"
    assert main(["excel", "new-workbook", str(path), "--data", str(small_book_path)]) == 0
    return path


@pytest.fixture(scope="module")
def grown(tmp_path_factory, workbook):
    """The grown workbook recalculated by ``cs-reports recalc`` from an activated venv, in the team's folder."""
    tmp = tmp_path_factory.mktemp("grown")
    book = load_book(workbook)
    parts = read_parts(workbook)
    before = {(s.sheet, s.cell): s.ref for s in find_spills(parts)}
    grown_mrr, new_month, ids = _grow(parts, book)
    for address, formula in SPILL_REFS.items():
        set_formula(parts, "Dashboard", address, formula)
    write_parts(tmp / "team.xlsx", parts)
    (tmp / "tmp").mkdir()
    run = _user_shell("cs-reports recalc team.xlsx team-recalculated.xlsx", cwd=tmp, tmpdir=tmp / "tmp")
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, (out, err)
    assert "wrote team-recalculated.xlsx" in out
    return tmp / "team-recalculated.xlsx", before, grown_mrr, new_month, ids


@soffice
@pytest.mark.libreoffice
def test_a_block_never_spills_over_a_typed_cell(tmp_path, workbook):
    """A note typed under the bridge: the bridge keeps its size and recalc lists #SPILL! (exit 3 in the CLI)."""
    book = load_book(workbook)
    parts = read_parts(workbook)
    bridge = next(s for s in find_spills(parts) if s.sheet == "MRR bridge")
    _grow(parts, book)
    below = bridge.rows + 1
    append_rows_free(parts, "MRR bridge", f"A{below}", "checked by Ana in October")
    write_parts(tmp_path / "team.xlsx", parts)
    result = recalc(tmp_path / "team.xlsx", tmp_path / "out.xlsx")
    spill = f"'MRR bridge'!A1: #SPILL! (its result needs A{below}, which is not empty)"
    assert result.errors[-1] == spill
    # and what reads the missing month says so too (the new month is not in the kept bridge)
    others = result.errors[:-1]
    assert others
    assert all(e.startswith("Dashboard!C") and e.endswith("#N/A") for e in others)
    kept = next(s for s in find_spills(read_parts(result.output)) if s.sheet == "MRR bridge")
    assert kept.ref == bridge.ref
    rows = CalamineWorkbook.from_path(str(result.output)).get_sheet_by_name("MRR bridge").to_python()
    assert rows[below - 1][0] == "checked by Ana in October"  # the user's cell is untouched


@soffice
@needs_venv
@pytest.mark.libreoffice
def test_a_new_month_and_new_clients_spill_with_no_error(grown):
    output, before, grown_mrr, new_month, ids = grown
    assert error_cells(output) == ()  # no #N/A, #NAME?, #SPILL! or CS_ error anywhere
    after = {(s.sheet, s.cell): s for s in find_spills(read_parts(output))}
    assert set(after) == set(before)  # still dynamic arrays for Excel 365
    assert after[("MRR bridge", "A1")].rows == int(before[("MRR bridge", "A1")].split(":")[1][1:]) + 1
    assert after[("Accounts", "A5")].rows == len(ids)
    assert after[("Cohorts", "A34")].rows == int(before[("Cohorts", "A34")].split(":")[1][1:]) - 33 + 1

    book = CalamineWorkbook.from_path(str(output))
    dash = book.get_sheet_by_name("Dashboard").to_python()
    bridge = m.mrr_movements(grown_mrr)
    month_row = bridge[bridge["month"] == new_month].iloc[0]
    # calamine starts at the first used column (B): a label, then its value
    labels = {row[0]: row[1] for row in dash if len(row) > 1 and isinstance(row[0], str)}
    for label, column in [
        ("MRR at start", "start"),
        ("New", "new"),
        ("Churn", "churn"),
        ("MRR at end", "end"),
    ]:
        assert labels[label] == pytest.approx(month_row[column], rel=1e-9), label
    paying = grown_mrr[(grown_mrr["month"] == new_month) & (grown_mrr["mrr"] > 0)]
    assert labels["Paying customers"] == len(paying)
    assert labels["ARR"] == pytest.approx(12 * paying["mrr"].sum(), rel=1e-9)
    assert labels["Adoption (month)"] == pytest.approx(0.8)  # the appended Usage rows' calculated columns

    accounts = book.get_sheet_by_name("Accounts").to_python()
    rows = [r for r in accounts[4:] if r[0] != ""]
    assert [r[0] for r in rows] == ids
    by_id = {r[0]: r for r in rows}
    assert by_id["C9002"][4] == pytest.approx(8000.0)  # mrr of the month, by SUMIFS
    assert by_id["C9002"][3] == m.touch_model(12 * 8000.0)
    assert by_id["C9001"][8] == ""  # potential: none computed for a client added later (blank, not 0)
    months = [_month(r[0]) for r in book.get_sheet_by_name("MRR bridge").to_python()[1:] if r[0] != ""]
    assert months == list(bridge["month"])
    cohorts = m.cohort_retention(grown_mrr, kind="logo", max_age=12)
    sheet = book.get_sheet_by_name("Cohorts").to_python()
    sizes = [r[1] for r in sheet[34:] if r[0] != ""]
    np.testing.assert_allclose(sizes, cohorts.sizes.to_numpy(dtype=float))


@soffice
@needs_venv
@pytest.mark.libreoffice
def test_spill_references_follow_the_grown_blocks_and_are_kept(grown):
    """``A1#`` (Excel 365's reference to a whole spill) is computed over the spill's new size and kept as typed."""
    output, _before, grown_mrr, new_month, _ids = grown
    dash = CalamineWorkbook.from_path(str(output)).get_sheet_by_name("Dashboard").to_python()
    month = grown_mrr[grown_mrr["month"] == new_month]
    # column I, keyed by the row's label in column B (calamine starts at B): I4 is on the Month row
    cells = {row[0]: row[7] for row in dash if len(row) > 7 and row[7] != ""}
    assert cells["Month"] == pytest.approx(month["mrr"].sum(), rel=1e-9)  # every account's MRR, new ones too
    assert cells["Period start (3 months)"] == len(m.mrr_movements(grown_mrr)) + 1  # header + one row per month
    root = etree.fromstring(read_parts(output)[dynamic.sheet_parts(read_parts(output))["Dashboard"]])
    kept = {a: root.findtext(f"m:sheetData/m:row/m:c[@r='{a}']/m:f", namespaces=NS) for a in SPILL_REFS}
    assert kept == SPILL_REFS


# A spill whose result is an error shrinks to its anchor: its third book, in one LibreOffice launch
# with two others, in tests/excel/test_recalc.py::test_errors_are_cells_listed_and_the_cli_exits_3.

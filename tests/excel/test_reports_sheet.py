"""The Reports sheet: written with validation on every column, read back, each request a job or one sentence."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from cs_reports._resources import workbook_templates_dir
from cs_reports.data import load_book
from cs_reports.excel import dashboard
from cs_reports.excel import template as tpl
from cs_reports.excel.report_runs import plan_jobs
from cs_reports.excel.reports_sheet import COLUMNS, FIRST_COL, HEADER_ROW, SHEET, read_requests, write_reports_sheet
from cs_reports.reports.kinds import KINDS
from cs_reports.reports.vocabulary import AUDIENCES, FORMATS, LANGUAGES


@pytest.fixture(scope="module")
def template():
    return load_workbook(workbook_templates_dir() / "cs_metrics.xlsx")


def test_the_template_has_a_reports_table_with_validation_on_every_column(template):
    ws = template[SHEET]
    table = ws.tables["tReports"]
    assert [c.name for c in table.tableColumns] == list(COLUMNS)
    rules = {str(dv.sqref).split()[0].split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    for j, column in enumerate(COLUMNS):  # every request column, from its first row
        letter = get_column_letter(FIRST_COL + j)
        assert f"{letter}{HEADER_ROW + 1}" in rules, f"column '{column}' has no data validation"
        assert str(rules[f"{letter}{HEADER_ROW + 1}"].sqref).endswith(f"{letter}{HEADER_ROW + 500}")
    first = HEADER_ROW + 1
    assert rules[f"B{first}"].formula1 == "=cs_accounts_ids"
    assert rules[f"C{first}"].formula1 == '"' + ",".join(KINDS) + '"'
    assert rules[f"E{first}"].formula1 == '"' + ",".join(AUDIENCES) + '"'
    assert rules[f"F{first}"].formula1 == '"' + ",".join(LANGUAGES) + '"'
    assert rules["C4"].type == "textLength"  # the output folder
    assert "cs_reports_out" in template.defined_names
    assert "cs_reports_branding" in template.defined_names
    # the dashboard's look: its header fill, title font and input fill; the data Tables' style
    assert ws.cell(HEADER_ROW, FIRST_COL).fill.fgColor.rgb == tpl._HEAD_FILL.fgColor.rgb
    assert ws["C4"].fill.fgColor.rgb == dashboard._INPUT_FILL.fgColor.rgb
    assert ws["B1"].font.size == template["Dashboard"]["B1"].font.size
    assert table.tableStyleInfo.name == template["Clients"].tables["tClients"].tableStyleInfo.name


def test_intake_ignores_the_reports_sheet(sample_book):
    book = load_book(workbook_templates_dir() / "cs_metrics.xlsx")
    assert list(book.clients["client_id"]) == list(sample_book.clients["client_id"])
    from cs_reports.data.reader import read_book

    (report,) = [r for r in read_book(workbook_templates_dir() / "cs_metrics.xlsx").reports if r.source == SHEET]
    assert report.table is None


def test_the_template_reads_back_as_its_example_requests(template):
    found = read_requests(workbook_templates_dir() / "cs_metrics.xlsx")
    assert [(r.report, r.formats) for r in found.requests] == [
        ("qbr", ("pdf", "pptx")),
        ("qbr", ("pdf", "pptx")),
        ("finance", ("pdf",)),
    ]
    assert found.month == template["Dashboard"]["C4"].value.date()
    assert found.out_dir == (workbook_templates_dir() / "reports").resolve()
    assert found.branding is None


def _sheet_bytes(rows: list[list], month: datetime = datetime(2026, 10, 1)) -> bytes:
    """A workbook with the Dashboard's month cell and a Reports sheet holding ``rows``."""
    wb = Workbook()
    wb.active.title = "Dashboard"
    wb["Dashboard"]["C4"] = month
    wb.defined_names["cs_month"] = DefinedName("cs_month", attr_text="Dashboard!$C$4")
    for name in ("Accounts", "MRR bridge", "Cohorts"):
        wb.create_sheet(name)
    write_reports_sheet(wb, [])
    ws = wb[SHEET]
    for r in range(HEADER_ROW + 1, HEADER_ROW + 3):
        for c in range(len(COLUMNS)):
            ws.cell(r, FIRST_COL + c).value = None
    for i, row in enumerate(rows, start=HEADER_ROW + 1):
        for j, value in enumerate(row):
            ws.cell(i, FIRST_COL + j, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = {
    "report": st.sampled_from(list(KINDS)),
    "period": st.sampled_from(["", "2026Q2", "2026-q3", "2026-08", datetime(2026, 7, 1)]),
    "audience": st.sampled_from(["", *AUDIENCES]),
    "language": st.sampled_from(["", *LANGUAGES]),
    "formats": st.sampled_from(["", "pdf", "pptx", "pdf+pptx", "pptx,pdf"]),
}
BAD = {
    "client": st.sampled_from(["C9999", "nobody"]),
    "report": st.sampled_from(["QBRs", "deck", "success map"]),
    "period": st.sampled_from(["2026Q5", "26-10", "next quarter", "2026-13"]),
    "audience": st.sampled_from(["board", "everyone"]),
    "language": st.sampled_from(["fr", "pt"]),
    "formats": st.sampled_from(["docx", "pdf+xlsx"]),
}


@st.composite
def request_rows(draw, ids):
    row = {k: draw(v) for k, v in GOOD.items()}
    row["client"] = draw(st.sampled_from(ids)) if KINDS[row["report"]].per_client else ""
    broken = draw(st.sampled_from([None, *BAD]))
    if broken:
        row[broken] = draw(BAD[broken])
    return row, broken


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_request_is_a_job_or_one_sentence_naming_its_row_and_column(tmp_path, sample_book, data):
    ids = [str(c) for c in sample_book.clients["client_id"][:5]]
    drawn = data.draw(st.lists(request_rows(ids), min_size=1, max_size=6))
    rows = [[r["client"], r["report"], r["period"], r["audience"], r["language"], r["formats"]] for r, _ in drawn]
    path = tmp_path / "Pasta do João" / "cs métricas.xlsx"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(_sheet_bytes(rows))
    found = read_requests(path)
    assert [r.row for r in found.requests] == list(range(HEADER_ROW + 1, HEADER_ROW + 1 + len(rows)))
    planned = plan_jobs(found, sample_book)
    assert len(planned) == len(rows)
    identities = []
    for plan, (row, broken) in zip(planned, drawn, strict=True):
        assert (plan.job is None) != (not plan.error), plan
        if plan.error:
            assert plan.error.startswith(f"Sheet 'Reports', row {plan.request.row}"), plan.error
        if broken and broken != "period":
            assert plan.error, (row, broken)
            assert f"column '{broken}'" in plan.error
            continue
        if broken == "period":  # a bad period, or a quarter/month for the wrong kind: refused by its column
            assert "column 'period'" in plan.error
            continue
        quarterly = row["report"] == "qbr"
        given_period = row["period"]
        kind_fits_period = not given_period or quarterly == (
            isinstance(given_period, str) and "q" in given_period.lower()
        )
        formats_fit = row["formats"] in ("", "pdf") or KINDS[row["report"]].deck is not None
        audience_fits = KINDS[row["report"]].per_client or row["audience"] in ("", "internal")
        if not (kind_fits_period and formats_fit and audience_fits):
            assert plan.error
            continue
        if plan.error and "the same report as row" in plan.error:
            first = int(plan.error.split("the same report as row ")[1].split(";")[0])
            assert first < plan.request.row
            continue
        assert plan.job is not None, plan.error
        job = plan.job
        assert job.kind == row["report"]
        assert set(job.formats) == ({f for f in FORMATS if f in str(row["formats"])} or {"pdf"})
        if row["language"]:
            assert job.lang == row["language"]
        else:
            assert "language" in plan.note  # the default taken is declared
        if not given_period:
            assert "month" in plan.note
        if KINDS[row["report"]].per_client:
            assert job.client_id == row["client"]
            assert job.audience == (row["audience"] or "client")
        identities.append((job.kind, job.period, job.client_id, job.lang, job.audience))
    assert len(identities) == len(set(identities)), "two rows planned as the same report"


def test_a_blank_period_is_the_dashboards_month_or_the_last_complete_quarter(tmp_path, sample_book):
    cid = str(sample_book.clients["client_id"][1])
    path = tmp_path / "book.xlsx"
    for month, quarter in (
        (datetime(2026, 9, 1), "2026Q3"),
        (datetime(2026, 10, 1), "2026Q3"),
        (datetime(2026, 2, 1), "2025Q4"),
    ):
        path.write_bytes(_sheet_bytes([[cid, "qbr"], [None, "finance"]], month))
        qbr, finance = plan_jobs(read_requests(path), sample_book)
        assert qbr.job.period == quarter
        assert f"{month:%Y-%m}" in qbr.note
        assert finance.job.period == f"{month:%Y-%m}"


def test_a_repeated_request_is_refused_naming_the_first(tmp_path, sample_book):
    cid = str(sample_book.clients["client_id"][1])
    path = tmp_path / "book.xlsx"
    path.write_bytes(_sheet_bytes([[cid, "qbr", "2026Q3"], [cid, "qbr", "2026q3", "client"]]))
    first, second = plan_jobs(read_requests(path), sample_book)
    assert first.job is not None
    assert (
        second.error
        == f"Sheet 'Reports', row {HEADER_ROW + 2}: the same report as row {HEADER_ROW + 1}; keep one of the two rows."
    )


def test_a_workbook_without_the_sheet_is_one_error(tmp_path, sample_book_path):
    from cs_reports.errors import InvalidInputError

    with pytest.raises(
        InvalidInputError, match="has no 'Reports' sheet; make the workbook with 'cs-reports excel new-workbook'"
    ):
        read_requests(sample_book_path)

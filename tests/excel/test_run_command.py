"""``cs-reports run BOOK.xlsx``: the Reports sheet as a batch, its run log, resume and exit codes."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from cs_reports.cli import main
from cs_reports.excel.reports_sheet import FIRST_COL, HEADER_ROW, SHEET
from tests.conftest import assert_unchanged

pytest.importorskip("pptx")


def _requests(path, rows):
    wb = load_workbook(path)
    ws = wb[SHEET]
    for r in range(HEADER_ROW + 1, HEADER_ROW + 10):
        for c in range(FIRST_COL, FIRST_COL + 8):
            ws.cell(r, c).value = None
    for i, row in enumerate(rows, start=HEADER_ROW + 1):
        for j, value in enumerate(row):
            ws.cell(i, FIRST_COL + j, value)
    ws.tables["tReports"].ref = f"B{HEADER_ROW}:I{HEADER_ROW + len(rows)}"
    wb.save(path)


def test_run_renders_the_sheet_writes_the_log_and_resumes(tmp_path, small_book_path, capsys):
    folder = tmp_path / "Área de Trabalho" / "Relatórios CS"
    folder.mkdir(parents=True)
    book = folder / "cs métricas.xlsx"
    assert main(["excel", "new-workbook", str(book), "--data", str(small_book_path), "--month", "2026-09"]) == 0
    good = [["C0003", "qbr", "2026Q3", "client", "en", "pptx"], [None, "finance", None, None, None, "pdf"]]
    _requests(book, good)
    capsys.readouterr()
    with assert_unchanged(book):
        assert main(["run", str(book), "--workers", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    reports = folder / "reports"  # the sheet's output folder, beside the workbook
    log = (reports / "run-log.txt").read_text(encoding="utf-8").splitlines()
    assert len(log) == 2
    assert log[0].startswith(f"row {HEADER_ROW + 1}: C0003 qbr 2026Q3 client en pptx: written: ")
    assert log[1].startswith(f"row {HEADER_ROW + 2}: portfolio finance 2026-09 - pt-BR pdf [the dashboard's month; ")
    for line in log:
        for name in line.split(": written: ")[1].split(", "):
            assert (reports / name.rsplit("/", 1)[-1]).is_file(), name
    assert "2 written, 0 up to date, 0 failed" in out
    assert f"run log: {reports / 'run-log.txt'}" in out

    assert main(["run", str(book), "--workers", "1", "--quiet", "--resume"]) == 0
    assert "0 written, 2 up to date, 0 failed" in capsys.readouterr().out
    log = (reports / "run-log.txt").read_text(encoding="utf-8").splitlines()
    assert all(": up to date: " in line for line in log)

    # an edited workbook is new input: its reports render again; bad rows fail alone, each by its row
    bad = [*good, ["C9999", "qbr", "2026Q3"], ["C0003", "qbr", "2026q3", "client", "en", "pptx"], [None, "qbr"]]
    _requests(book, bad)
    assert main(["run", str(book), "--workers", "1", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "2 written, 0 up to date, 0 failed" in captured.out
    log = (reports / "run-log.txt").read_text(encoding="utf-8").splitlines()
    assert len(log) == len(bad)
    assert ": written: " in log[0]
    assert ": written: " in log[1]
    assert log[2] == (
        f"row {HEADER_ROW + 3}: C9999 qbr 2026Q3: error: Sheet 'Reports', row {HEADER_ROW + 3}, column 'client': "
        "expected a client id of the Clients sheet; got 'C9999'."
    )
    assert f"the same report as row {HEADER_ROW + 1}" in log[3]
    assert "column 'client': expected a client id of the Clients sheet; got a blank cell." in log[4]
    errors = [line for line in captured.err.splitlines() if line.startswith("  failed: ")]
    assert len(errors) == 3
    assert "Traceback" not in captured.err


def test_run_on_a_workbook_without_the_sheet_is_one_line(sample_book_path, capsys):
    assert main(["run", str(sample_book_path), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: 'sample.xlsx' has no 'Reports' sheet")
    assert "\n" not in err

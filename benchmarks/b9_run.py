"""B9: reports driven from the workbook (``cs-reports run``) vs. the same reports from the CLI.

Target (issue 24): the time per report of ``cs-reports run BOOK.xlsx`` (read the Reports sheet,
plan, one batch, write the run log) stays within 10% of the same reports asked with
``cs-reports qbr --format pdf,pptx --client ...`` and ``cs-reports finance`` on the same workbook
(the B2/B7 pipeline, through its CLI), one worker each, measured back to back in the same run.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
from pathlib import Path

from benchmarks._harness import Result
from benchmarks.b2_qbr import make_book


def _workbook(folder: Path, reports: int) -> tuple[Path, str, str, list[str]]:
    from openpyxl import load_workbook

    from cs_reports.data import load_book
    from cs_reports.excel.reports_sheet import FIRST_COL, HEADER_ROW, SHEET
    from cs_reports.excel.template import write_workbook

    data, quarter, ids = make_book(folder, reports)
    book = load_book(data)
    month = f"{book.last_month:%Y-%m}"
    path = write_workbook(folder / "cs metrics.xlsx", book)
    wb = load_workbook(path)
    ws = wb[SHEET]
    rows = [[cid, "qbr", quarter, "client", "pt-BR", "pdf+pptx"] for cid in ids]
    rows.append([None, "finance", month, None, "pt-BR", "pdf"])
    for r in range(HEADER_ROW + 1, HEADER_ROW + 10):
        for c in range(FIRST_COL, FIRST_COL + 8):
            ws.cell(r, c).value = None
    for i, row in enumerate(rows, start=HEADER_ROW + 1):
        for j, value in enumerate(row):
            ws.cell(i, FIRST_COL + j).value = value
    ws.tables["tReports"].ref = f"B{HEADER_ROW}:I{HEADER_ROW + len(rows)}"
    wb.save(path)
    return path, quarter, month, ids


def _timed(argv_list: list[list[str]]) -> float:
    from cs_reports.cli import main

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for argv in argv_list:
            if main(argv) != 0:
                raise SystemExit(f"B9: {' '.join(argv[:2])} failed")
    return time.perf_counter() - t0


def run(reports: int = 10) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        path, quarter, month, ids = _workbook(Path(tmp), reports)
        total = reports + 1
        clients = [a for cid in ids for a in ("--client", cid)]
        common = ["--workers", "1", "--quiet", "--lang", "pt-BR"]
        ours, cli = [], []
        for attempt in range(2):  # alternate, best of two each: background load hits both alike
            cli.append(
                _timed(
                    [
                        [
                            "qbr",
                            str(path),
                            "--quarter",
                            quarter,
                            "--format",
                            "pdf,pptx",
                            *clients,
                            *common,
                            "--out",
                            f"{tmp}/cli{attempt}",
                        ],
                        ["finance", str(path), "--month", month, *common, "--out", f"{tmp}/cli{attempt}"],
                    ]
                )
            )
            ours.append(_timed([["run", str(path), "--workers", "1", "--quiet", "--out", f"{tmp}/run{attempt}"]]))
    best, base = min(ours), min(cli)
    return [
        Result(
            "B9",
            f"Reports sheet: {reports} QBRs (pdf+pptx) + finance via run ({best / total * 1000:.0f} ms/report)",
            best,
            "same reports via qbr + finance",
            base,
            "<= 1.10x",
            best <= 1.10 * base,
        )
    ]


QUICK = {"reports": 2}

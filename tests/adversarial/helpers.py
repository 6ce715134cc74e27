"""Shared by the adversarial tests: raw workbooks (no clean-up on the way in) and the CLI in-process."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cs_reports.cli import main

Rows = list[list[Any]]

CLIENTS: Rows = [
    ["client_id", "name", "locale"],
    ["A", "Alfa Ltda.", "pt-BR"],
    ["B", "Beta S.A.", "en"],
    ["C", "Gama ME", "pt-BR"],
]
MRR: Rows = [
    ["client_id", "month", "mrr"],
    ["A", "2026-08", 100.0],
    ["A", "2026-09", 120.0],
    ["B", "2026-09", 50.0],
    ["C", "2026-09", 75.5],
]
NPS: Rows = [
    ["client_id", "date", "score", "comment"],
    ["A", "05/09/2026", 10, "ótimo"],
    ["B", "2026-09-20", 6, None],
    ["C", "2026-09-21", 9, "ok"],
]


def base_sheets() -> dict[str, Rows]:
    """A small valid book as raw rows (header first), fresh copies."""
    return {"Clients": [r[:] for r in CLIENTS], "MRR": [r[:] for r in MRR], "NPS": [r[:] for r in NPS]}


def write_xlsx(path: Path, sheets: dict[str, Rows], *, merge: Sequence[tuple[str, str]] = ()) -> Path:
    """Write cells exactly as given (text stays text, formulas stay formulas) with openpyxl."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    for sheet, cells in merge:
        wb[sheet].merge_cells(cells)
    wb.save(path)
    return path


def write_csv_folder(folder: Path, sheets: dict[str, Rows], *, encoding: str = "utf-8", sep: str = ",") -> Path:
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        with (folder / f"{name}.csv").open("w", encoding=encoding, newline="", errors="replace") as fh:
            writer = csv.writer(fh, delimiter=sep)
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
    return folder


def cli(*args: str) -> tuple[int, str, str]:
    """Run ``cs-reports ARGS`` in this process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def assert_clean_error(code: int, err: str) -> None:
    """Non-zero exit, an ``error:`` message, never a traceback or an internal error."""
    assert code != 0, err
    assert err.startswith("error: "), err
    assert "Traceback" not in err, err
    assert "internal error" not in err, err

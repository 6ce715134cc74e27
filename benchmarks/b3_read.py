"""B3: reading a data workbook with 1,000,000 MRR rows.

Target: ``load_book`` (python-calamine, then typed validation of every cell) at least 5x
faster than only reading the same cells with openpyxl's read-only mode.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._harness import Result, best_of

QUICK = {"rows": 50_000}


def make_workbook(folder: Path, rows: int, months: int = 36) -> Path:
    """Clients + MRR (``rows`` rows: clients x months) written with openpyxl's write-only mode."""
    from openpyxl import Workbook

    clients = -(-rows // months)
    rng = np.random.default_rng(3)
    ids = [f"C{i:07d}" for i in range(clients)]
    month_list = [d.to_pydatetime() for d in pd.date_range("2023-11-01", periods=months, freq="MS")]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Clients")
    ws.append(["client_id", "name", "segment", "contract_start", "currency"])
    for cid in ids:
        ws.append([cid, f"Client {cid}", "SMB", month_list[0], "BRL"])
    ws = wb.create_sheet("MRR")
    ws.append(["client_id", "month", "mrr"])
    amounts = rng.gamma(2.0, 400.0, rows).round(2).tolist()
    for k in range(rows):
        ws.append([ids[k // months % clients], month_list[k % months], amounts[k]])
    path = folder / "big.xlsx"
    wb.save(path)
    return path


def openpyxl_read_only(path: Path) -> int:
    """Every cell of every sheet, as values, with openpyxl's read-only mode (no checks at all)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    n = 0
    for ws in wb.worksheets:
        n += len(list(ws.iter_rows(values_only=True)))
    wb.close()
    return n


def run(rows: int = 1_000_000) -> list[Result]:
    from cs_reports.data import load_book
    from cs_reports.data.reader import read_tables

    with tempfile.TemporaryDirectory() as tmp:
        path = make_workbook(Path(tmp), rows)
        ours, book = best_of(lambda: load_book(path), repeat=3)
        raw, _ = best_of(lambda: read_tables(path), repeat=3)
        base, n = best_of(lambda: openpyxl_read_only(path), repeat=1)
    assert n == rows + len(book.clients) + 2, n  # every row read (with headers)
    assert len(book.mrr) == rows, (len(book.mrr), rows)
    size = f"{rows:,} MRR rows"
    return [
        Result(
            "B3",
            f"load_book (read + validate), {size}",
            ours,
            "openpyxl read-only, values only",
            base,
            ">= 5x faster",
            base >= 5 * ours,
        ),
        Result(
            "B3",
            f"read_tables (calamine, no checks), {size}",
            raw,
            "openpyxl read-only, values only",
            base,
            "context",
            True,
        ),
    ]

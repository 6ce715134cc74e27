"""Rebuild the shipped workbook templates from the sample portfolio (``make templates``).

``cs_metrics.xlsx`` is ``cs-reports excel new-workbook`` on the deterministic sample data:
run this after changing :mod:`cs_reports.excel.template` or the sample generator.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from cs_reports.data import load_book
from cs_reports.data.sample import write_sample
from cs_reports.excel.template import TEMPLATE_NAME, write_workbook

HERE = Path(__file__).resolve().parent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        book = load_book(write_sample(Path(tmp) / "sample.xlsx"))
    path = write_workbook(HERE / TEMPLATE_NAME, book)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The clean sample (30 clients) and its headline numbers: what every accepted variant must give."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from cs_reports.data import load_book
from cs_reports.data.sample import make_sample_tables
from cs_reports.data.summary import portfolio_summary
from tests.intake.builders import rows, write_xlsx

#: Run date of every load (the sample's invoices are all before it).
TODAY = "2026-11-29"


def numbers(path: Path) -> dict[str, Any]:
    """The portfolio's headline numbers (what ``cs-reports metrics`` prints), NaN as None."""
    book = load_book(path, today=TODAY)
    out = portfolio_summary(book).as_dict()
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}


@pytest.fixture(scope="session")
def clean_tables():
    return make_sample_tables(clients=30)


@pytest.fixture(scope="session")
def clean_path(clean_tables, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clean")
    return write_xlsx(folder / "clean.xlsx", {name: rows(frame) for name, frame in clean_tables.items()})


@pytest.fixture(scope="session")
def clean_numbers(clean_path) -> dict[str, Any]:
    return numbers(clean_path)

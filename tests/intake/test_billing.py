"""Billing truths: recognised vs scheduled MRR, exact cents, day-based spreading, pre-flight notes.

Reference values are worked by hand in each test (cents of 1,000.00 over 12 months; days of
January..March 2026), and the library is checked against the numbers the reports print.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from cs_reports import metrics as m
from cs_reports.data import invoices_to_mrr, load_book
from cs_reports.data.summary import portfolio_summary
from tests.intake.builders import rows, write_xlsx
from tests.intake.conftest import TODAY


def _invoice(amount: float, start: str, end: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": ["a"],
            "amount": [amount],
            "period_start": [pd.Timestamp(start)],
            "period_end": [pd.Timestamp(end)],
            "_row": [2],
        }
    )


def test_equal_months_add_up_to_the_invoice_to_the_cent():
    # 1,000.00 / 12 = 83.333...: 100,000 cents = 8,333 x 12 + 4; the 4 remainder cents go to the first
    # service month (one documented month), so the other eleven are equal (not 12 x 83.33 = 999.96).
    out = invoices_to_mrr(_invoice(1000.0, "2026-01-01", "2026-12-31"))
    assert out["mrr"].tolist() == [83.37] + [83.33] * 11
    assert round(out["mrr"].sum() * 100) == 100_000


@pytest.mark.parametrize("spreading", ["months", "days"])
def test_a_credit_note_mirrors_its_invoice_cent_by_cent(spreading):
    # +1,000.00 and -1,000.00 over one service year cancel in every month (floor division of the
    # negative amount would put the odd cents in other months and leave +-0.01 in eight of them).
    both = pd.concat([_invoice(1000.0, "2025-10-03", "2026-10-02"), _invoice(-1000.0, "2025-10-03", "2026-10-02")])
    out = invoices_to_mrr(both, spreading=spreading)
    assert (out.groupby("month")["mrr"].sum().round(2) == 0).all()


def test_day_based_spreading_follows_service_days():
    # 2026-01-16..2026-03-15 = 16 + 28 + 15 = 59 days; 590.00 -> 160.00, 280.00, 150.00.
    out = invoices_to_mrr(_invoice(590.0, "2026-01-16", "2026-03-15"), spreading="days")
    assert out["month"].dt.strftime("%Y-%m").tolist() == ["2026-01", "2026-02", "2026-03"]
    assert out["mrr"].tolist() == [160.0, 280.0, 150.0]


def test_day_based_pieces_add_up_exactly():
    out = invoices_to_mrr(_invoice(1000.0, "2026-01-15", "2027-01-14"), spreading="days")
    assert len(out) == 13  # a partial first and last month
    assert round(out["mrr"].sum() * 100) == 100_000


def test_book_mrr_stops_at_the_reporting_month_and_keeps_the_rest_scheduled(clean_tables, tmp_path):
    # The invoice client's next annual invoice, issued in the reporting month: 11 of its 12 service
    # months lie after it (the 30-client sample itself may have none running past the last month).
    tables = {n: f.copy() for n, f in clean_tables.items()}
    last = tables["MRR"]["month"].max()
    inv = tables["Invoices"]
    renewal = inv.iloc[[0]].assign(
        period_start=last, period_end=last + pd.DateOffset(years=1) - pd.Timedelta(days=1), invoice_id="NF-NEXT"
    )
    tables["Invoices"] = pd.concat([inv, renewal], ignore_index=True)
    path = write_xlsx(tmp_path / "b.xlsx", {n: rows(f) for n, f in tables.items()})
    book = load_book(path, today=TODAY)
    assert book.mrr["month"].max() == book.last_month
    scheduled = book.scheduled_mrr
    assert len(scheduled[scheduled["_row"] == scheduled["_row"].max()]) == 11  # the added invoice's row
    assert (book.scheduled_mrr["month"] > book.last_month).all()
    # The library called on book.mrr gives the reports' numbers: no movement after the month.
    bridge = m.mrr_movements(book.mrr).set_index("month")
    assert bridge.index.max() == book.last_month
    summary = portfolio_summary(book)
    assert bridge.loc[book.last_month, "churn"] == summary.churn
    assert bridge.loc[book.last_month, "end"] == summary.mrr


def test_invoices_after_the_run_date_are_flagged(clean_tables, tmp_path):
    path = write_xlsx(tmp_path / "b.xlsx", {n: rows(f) for n, f in clean_tables.items()})
    book = load_book(path, today="2025-01-01")
    assert any("start after the run date 2025-01-01" in n for n in book.notes)
    assert not any("after the run date" in n for n in load_book(path, today=TODAY).notes)


def test_days_policy_is_a_note_and_an_option_of_the_cli(clean_path):
    book = load_book(clean_path, spreading="days", today=TODAY)
    assert book.spreading == "days"
    assert any("spread by the service days in each month (policy 'days')" in n for n in book.notes)
    done = subprocess.run(
        [sys.executable, "-m", "cs_reports.cli", "validate", str(clean_path), "--spreading", "days"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_unknown_policy_and_time_zone_are_clear_errors(clean_path):
    with pytest.raises(ValueError, match="The 'spreading' parameter of load_book must be one of 'months', 'days'"):
        load_book(clean_path, spreading="weeks")
    with pytest.raises(ValueError, match="The 'timezone' parameter of load_book must be an IANA time zone"):
        load_book(clean_path, timezone="Mars/Olympus")


def test_validate_ends_with_a_table_and_gives_json(clean_tables, tmp_path):
    s = {n: rows(f) for n, f in clean_tables.items()}
    s["Receita Mensal"] = s.pop("MRR")
    s["Notas"] = [["Valores sem impostos."]]
    path = write_xlsx(tmp_path / "b.xlsx", s)
    done = subprocess.run(
        [sys.executable, "-m", "cs_reports.cli", "validate", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("Receita Mensal") and " MRR " in line for line in lines)
    assert any(line.startswith("Notas") and "(ignored: a notes sheet)" in line for line in lines)
    assert "    columns: client_id -> client_id, month -> month, mrr -> mrr" in lines
    done = subprocess.run(
        [sys.executable, "-m", "cs_reports.cli", "validate", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    out = json.loads(done.stdout)
    assert out["valid"] is True
    by_source = {s["source"]: s for s in out["sheets"]}
    assert by_source["Receita Mensal"]["table"] == "MRR"
    assert by_source["Receita Mensal"]["rows"] == len(clean_tables["MRR"])
    assert by_source["Notas"]["table"] is None


def test_validate_json_lists_the_problems_of_an_invalid_book(clean_tables, tmp_path):
    m = clean_tables["MRR"].astype({"mrr": object})
    m.loc[0, "mrr"] = "abc"
    path = write_xlsx(tmp_path / "b.xlsx", {**{n: rows(f) for n, f in clean_tables.items()}, "MRR": rows(m)})
    done = subprocess.run(
        [sys.executable, "-m", "cs_reports.cli", "validate", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["valid"] is False
    assert out["problems"] == ["Sheet 'MRR', row 2, column 'mrr': expected an amount >= 0, got 'abc'."]

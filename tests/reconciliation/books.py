"""Small generated books for the reconciliation suite (a few clients each, written with ``write_tables``).

* ``minimal``: only Clients (id, name) and MRR, three clients, one churns, one is new in the last quarter.
* ``invoices``: an Invoices sheet of annual and monthly invoices with credit notes (amounts that
  spread to whole cents, so the independent spreading in the test is exact).
* ``segment_churn``: every high-touch client churns inside the window; blank touch models whose
  MRR at the window's start differs from today's (growth and contraction across a threshold).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cs_reports.data.writer import write_tables

MONTHS = pd.date_range("2025-01-01", "2026-06-01", freq="MS")


def _mrr(series: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        (cid, month.strftime("%Y-%m"), value)
        for cid, values in series.items()
        for month, value in zip(MONTHS, values, strict=True)
        if value > 0
    ]
    return pd.DataFrame(rows, columns=["client_id", "month", "mrr"])


def _flat(value: float, first: int = 0, last: int = len(MONTHS)) -> list[float]:
    return [value if first <= i < last else 0.0 for i in range(len(MONTHS))]


def minimal(path: Path) -> None:
    """Three clients: one steady, one churning in the window, one new in the last quarter."""
    clients = pd.DataFrame({"client_id": ["A", "B", "C"], "name": ["Alfa", "Beta", "Gama"]})
    mrr = _mrr({"A": _flat(1500.0), "B": _flat(800.0, 0, 12), "C": _flat(2500.0, 16)})
    write_tables({"Clients": clients, "MRR": mrr}, path)


def invoices(path: Path) -> None:
    """Annual and monthly invoices, credit notes netting against the same client and month."""
    clients = pd.DataFrame(
        {
            "client_id": ["P", "Q", "R", "S"],
            "name": ["Pi", "Qui", "Rô", "Sigma"],
            "gross_margin": [0.8, 0.7, None, 0.9],
            "cac": [12000.0, 5000.0, 3000.0, None],
        }
    )
    rows = [
        ("P", 24000.0, "2025-01-01", "2025-12-31", "P1"),
        ("P", 15000.0, "2026-01-01", "2026-06-30", "P2"),  # half-year: expansion to 2,500 a month
        ("Q", 12000.0, "2025-01-01", "2025-12-31", "Q1"),  # annual, not renewed: churns in 2026-01
        ("S", 3600.0, "2025-07-01", "2026-06-30", "S1"),
        ("S", -600.0, "2026-01-01", "2026-06-30", "S1-CN"),  # credit note: contraction
    ]
    rows += [("R", 900.0, f"{m:%Y-%m-01}", f"{m + pd.offsets.MonthEnd(0):%Y-%m-%d}", f"R{m:%y%m}") for m in MONTHS]
    frame = pd.DataFrame(rows, columns=["client_id", "amount", "period_start", "period_end", "invoice_id"])
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    write_tables({"Clients": clients, "Invoices": frame}, path)


def segment_churn(path: Path) -> None:
    """Both high-touch clients churn in the window; blank touch models cross thresholds over time."""
    clients = pd.DataFrame(
        {
            "client_id": ["H1", "H2", "L1", "T1", "X1", "X2"],
            "name": ["Hotel 1", "Hotel 2", "Lima", "Tango", "Xis 1", "Xis 2"],
            "touch_model": ["high", "high", "low", "tech", None, None],
            "gross_margin": [0.75, 0.75, 0.8, 0.9, 0.8, 0.8],
        }
    )
    grow = [800.0 if i < 10 else 6000.0 for i in range(len(MONTHS))]  # tech at the window's start, mid today
    shrink = [30000.0 if i < 12 else 400.0 for i in range(len(MONTHS))]  # high at the start, tech today
    mrr = _mrr(
        {
            "H1": _flat(25000.0, 0, 9),
            "H2": _flat(22000.0, 0, 14),
            "L1": _flat(1500.0),
            "T1": _flat(300.0),
            "X1": grow,
            "X2": shrink,
        }
    )
    write_tables({"Clients": clients, "MRR": mrr}, path)


BOOKS: dict[str, Callable[[Path], None]] = {
    "minimal": minimal,
    "invoices": invoices,
    "segment_churn": segment_churn,
}

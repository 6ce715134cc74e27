"""B1: MRR movements on 100,000 clients x 36 months (3.6M rows).

Targets: within 10x of one vectorised numpy pass over the same columns (the memory
floor), and at least 20x faster than a straightforward per-client pandas groupby-apply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks._harness import Result, best_of
from cs_reports.metrics import mrr_movements


def make_portfolio(clients: int = 100_000, months: int = 36, seed: int = 7) -> pd.DataFrame:
    """Random portfolio: staggered starts, churn, gaps (reactivation), expansions."""
    rng = np.random.default_rng(seed)
    # most clients are there from the first month (about 3.4M rows for 100,000 x 36)
    start = np.where(rng.random(clients) < 0.9, 0, rng.integers(0, months, clients))
    base = rng.gamma(2.0, 400.0, clients).round(2)
    month_idx = np.tile(np.arange(months), clients)
    client_idx = np.repeat(np.arange(clients), months)
    active = month_idx >= start[client_idx]
    active &= rng.random(clients * months) > 0.03  # gaps and churn
    growth = 1 + rng.normal(0, 0.05, clients * months)  # month-to-month expansion and contraction
    mrr = np.where(active, (base[client_idx] * growth).round(2), 0.0)
    keep = mrr > 0
    months_ts = pd.date_range("2023-11-01", periods=months, freq="MS")
    return pd.DataFrame(
        {
            "client_id": pd.Index([f"C{i:06d}" for i in range(clients)])[client_idx[keep]],
            "month": months_ts[month_idx[keep]],
            "mrr": mrr[keep],
        }
    )


def numpy_floor(frame: pd.DataFrame) -> np.ndarray:
    """One vectorised pass over the same columns: total MRR per month."""
    codes, _ = pd.factorize(frame["month"], sort=True)
    return np.bincount(codes, weights=frame["mrr"].to_numpy())


def groupby_apply(frame: pd.DataFrame) -> pd.DataFrame:
    """The straightforward pandas way: classify each client's months in a Python function."""
    months = pd.Index(sorted(frame["month"].unique()))

    def per_client(g: pd.DataFrame) -> pd.DataFrame:
        s = g.set_index("month")["mrr"].reindex(months, fill_value=0.0)
        prev = s.shift(1, fill_value=0.0)
        seen = (prev.cumsum() > 0).shift(1, fill_value=False)
        out = pd.DataFrame(index=months)
        out["new"] = np.where((prev == 0) & (s > 0) & ~seen, s, 0.0)
        out["reactivation"] = np.where((prev == 0) & (s > 0) & seen, s, 0.0)
        out["churn"] = np.where((prev > 0) & (s == 0), prev, 0.0)
        out["expansion"] = np.where((prev > 0) & (s > prev), s - prev, 0.0)
        out["contraction"] = np.where((prev > 0) & (s > 0) & (s < prev), prev - s, 0.0)
        return out

    return frame.groupby("client_id").apply(per_client).groupby(level=1).sum()


QUICK = {"clients": 10_000}


def run(clients: int = 100_000, months: int = 36) -> list[Result]:
    frame = make_portfolio(clients, months)
    ours, bridge = best_of(lambda: mrr_movements(frame), repeat=3)
    floor, _ = best_of(lambda: numpy_floor(frame), repeat=3)
    ids, _ = best_of(lambda: pd.factorize(frame["client_id"]), repeat=3)
    naive, reference = best_of(lambda: groupby_apply(frame), repeat=1)
    # Same answer, or the comparison is meaningless.
    for col in ("new", "expansion", "contraction", "churn", "reactivation"):
        np.testing.assert_allclose(bridge[col].to_numpy(), reference[col].to_numpy(), rtol=1e-9, atol=0.02)
    rows = f"{len(frame):,} rows"
    return [
        Result("B1", f"mrr_movements, {rows}", ours, "one numpy pass (bincount)", floor, "<= 10x", ours <= 10 * floor),
        Result(
            "B1", f"mrr_movements, {rows}", ours, "per-client groupby-apply", naive, ">= 20x faster", naive >= 20 * ours
        ),
        # What limits the first row: encoding the text client ids, which any per-client result needs.
        Result("B1", "pd.factorize(client_id) alone", ids, "one numpy pass (bincount)", floor, "context", True),
    ]

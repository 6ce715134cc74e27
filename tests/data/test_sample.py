"""The sample portfolio: deterministic, realistic, and valid against the contract."""

from __future__ import annotations

import pandas as pd

from cs_reports import metrics as m
from cs_reports.data.contract import SHEETS
from cs_reports.data.sample import make_sample_tables


def test_same_seed_same_data_other_seed_other_data():
    a, b = make_sample_tables(7), make_sample_tables(7)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not make_sample_tables(8)["MRR"].equals(a["MRR"])


def test_sample_covers_every_sheet_and_is_realistic(sample_book):
    assert len(sample_book.clients) == 200
    assert set(sample_book.sheets()) == {s.name for s in SHEETS}
    assert all(len(frame) for frame in sample_book.sheets().values())
    assert len(sample_book.months) >= 36
    assert sample_book.last_month == pd.Timestamp("2026-10-01")
    assert set(sample_book.clients["locale"]) == {"pt-BR", "en"}
    assert sample_book.clients["touch_model"].isna().any()  # some left for derivation
    bridge = m.mrr_movements(sample_book.mrr, end=sample_book.last_month)
    for movement in ("new", "expansion", "contraction", "churn", "reactivation"):
        assert bridge[movement].sum() > 0, movement
    assert (sample_book.mrr["source"] == "invoice").any()  # annual invoices
    assert set(sample_book.renewals["outcome"]) == {"renewed", "churned", "pending"} or set(
        sample_book.renewals["outcome"]
    ) >= {"renewed", "pending"}
    assert set(sample_book.milestones["owner_side"]) == {"client", "vendor"}


def test_sample_nps_and_churn_are_in_a_plausible_b2b_range(sample_book):
    nps = m.net_promoter_score(sample_book.nps["score"])
    assert 0 < nps.score < 60
    churn = m.logo_churn_rate(sample_book.mrr, start="2025-11", end="2026-10")
    assert 0.05 < churn < 0.4

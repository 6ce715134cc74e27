"""The sample portfolio: deterministic, realistic, and valid against the contract."""

from __future__ import annotations

import pandas as pd
import pytest

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
    assert set(sample_book.sheets()) == {s.name for s in SHEETS} - {"FX"}  # one currency: no FX sheet
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


def test_large_samples_have_unique_names_by_construction():
    # make_sample_tables(clients=3000) used to run out of unique names and never return
    tables = make_sample_tables(3, clients=3000)
    clients = tables["Clients"]
    assert len(clients) == 3000
    assert clients["name"].is_unique
    assert clients["client_id"].is_unique
    assert tables["Tickets"]["ticket_id"].is_unique
    # beyond the name pools a unit number keeps names unique (English pool: 480 + 4,800 names)
    many = make_sample_tables(3, clients=30_000)["Clients"]
    assert many["name"].is_unique
    assert many["csm"].nunique() >= 500  # about one CSM per 60 accounts, not 8 for everyone


def test_sample_looks_like_a_real_portfolio(sample_book):
    mrr = sample_book.mrr
    monthly = [m.logo_churn_rate(mrr, start=month) for month in pd.date_range("2025-11", "2026-10", freq="MS")]
    assert 0.01 < sum(monthly) / 12 < 0.05  # a few percent monthly logo churn
    r = sample_book.renewals
    resolved = r[r["outcome"] != "pending"]
    years = resolved.groupby(resolved["due_date"].dt.year)["outcome"].agg(lambda s: (s == "churned").sum())
    assert (years.loc[[2024, 2025, 2026]] >= 5).all()  # churned renewals in each of the last years
    assert 0.7 < (resolved["outcome"] == "renewed").mean() < 0.95
    # accounts at risk: adoption falling over the quarter, detractors, overdue milestones, contraction
    u = sample_book.usage
    rate = (u["active_users"] / u["licensed_users"]).groupby([u["client_id"], u["month"]]).sum().unstack()
    fall = rate[pd.Timestamp("2026-07-01")] - rate[pd.Timestamp("2026-10-01")]
    assert (fall > 0.1).sum() >= 10
    recent = sample_book.nps[sample_book.nps["date"] >= "2026-05-01"]
    detractor_share = (recent["score"] <= 6).groupby(recent["client_id"]).mean()
    assert (detractor_share >= 0.5).sum() >= 10
    ms = sample_book.milestones
    assert ms.loc[ms["status"] == "late", "client_id"].nunique() >= 10
    moves = m.customer_movements(mrr, start="2026-08", end="2026-10")
    assert moves.loc[moves["movement"] == "contraction", "client_id"].nunique() >= 5


def test_sample_cli_writes_a_csv_book_of_any_size_that_validates(tmp_path):
    from tests.adversarial.helpers import cli  # the CLI in this process: its output is what is checked

    out = tmp_path / "big"
    code, printed, err = cli("sample", str(out), "--clients", "600", "--seed", "5")
    assert code == 0, err
    assert "600 clients" in printed
    assert {p.name for p in out.iterdir()} >= {"Clients.csv", "MRR.csv", "Renewals.csv", "Usage.csv"}
    code, printed, err = cli("validate", str(out))
    assert code == 0, err
    assert "Clients            600 rows" in printed
    code, _, err = cli("sample", str(out), "--clients", "0")
    assert code == 2
    assert "expected a whole number >= 1, got '0'" in err
    assert "Traceback" not in err


def test_a_sample_too_big_for_excel_is_a_clear_error(tmp_path, monkeypatch):
    from cs_reports.data import sample
    from cs_reports.errors import InvalidInputError

    monkeypatch.setattr(sample, "EXCEL_MAX_ROWS", 500)  # stands for 1,048,576 at 50,000+ clients
    with pytest.raises(InvalidInputError, match=r"more than an Excel sheet holds .*folder of CSVs"):
        sample.write_sample(tmp_path / "s.xlsx", clients=60)
    assert not (tmp_path / "s.xlsx").exists()


@pytest.mark.parametrize(("seed", "clients"), [(1, 3), (1, 4), (2, 4), (3, 5), (5, 3), (11, 3), (0, 1), (7, 2)])
def test_a_small_sample_bills_every_month(tmp_path, seed, clients):
    # These seeds used to churn every client of a small book at once: a month with no billing
    # at all, which the reader rightly refuses (`cs-reports sample --clients 3` gave an invalid book).
    from cs_reports.data import load_book
    from cs_reports.data.sample import write_sample

    book = load_book(write_sample(tmp_path / "b", seed=seed, clients=clients))
    billed = book.mrr.loc[book.mrr["mrr"] > 0, "month"].unique()
    assert len(billed) == len(book.months)

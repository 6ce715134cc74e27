"""MRR movements: hand-built cases, a slow obviously-correct reference, and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_reports import metrics as m
from cs_reports.errors import InvalidInputError

COLS = list(m.MOVEMENT_COLUMNS)


def frame(rows):
    return pd.DataFrame(rows, columns=["client_id", "month", "mrr"])


def slow_bridge(df: pd.DataFrame) -> pd.DataFrame:
    """Per-client, per-month loop straight from ChartMogul's definitions."""
    df = df.assign(month=pd.to_datetime(df["month"]).dt.to_period("M").dt.to_timestamp())
    months = pd.date_range(df["month"].min(), df["month"].max(), freq="MS")
    per = df.groupby(["client_id", "month"])["mrr"].sum()
    rows = []
    for t, month in enumerate(months):
        acc = dict.fromkeys(COLS[1:], 0.0)
        for client in df["client_id"].unique():
            cur = round(per.get((client, month), 0.0), 2)
            prev = round(per.get((client, months[t - 1]), 0.0), 2) if t else 0.0
            seen = any(per.get((client, months[k]), 0.0) > 0 for k in range(t))
            acc["start"] += prev
            acc["end"] += cur
            if prev == 0 and cur > 0:
                acc["reactivation" if seen else "new"] += cur
            elif prev > 0 and cur == 0:
                acc["churn"] += prev
            elif cur > prev > 0:
                acc["expansion"] += cur - prev
            elif 0 < cur < prev:
                acc["contraction"] += prev - cur
        rows.append({"month": month, **acc})
    return pd.DataFrame(rows, columns=COLS)


def test_each_movement_kind_in_a_hand_built_portfolio():
    df = frame(
        [
            ("a", "2026-01", 100),
            ("a", "2026-02", 150),
            ("a", "2026-03", 120),  # new, expansion, contraction
            ("b", "2026-01", 50),  # churns in Feb
            ("b", "2026-04", 70),  # reactivates after a gap
            ("c", "2026-03", 30),
            ("c", "2026-03", 20),  # two subscriptions merged: new 50
            ("c", "2026-04", 30),  # one subscription cancelled: contraction, not churn
        ]
    )
    got = m.mrr_movements(df).set_index("month")
    assert got.loc[pd.Timestamp("2026-01-01")].tolist() == [0, 150, 0, 0, 0, 0, 150]
    assert got.loc[pd.Timestamp("2026-02-01")].tolist() == [150, 0, 50, 0, 50, 0, 150]
    assert got.loc[pd.Timestamp("2026-03-01")].tolist() == [150, 50, 0, 30, 0, 0, 170]
    assert got.loc[pd.Timestamp("2026-04-01")].tolist() == [170, 0, 0, 20, 120, 70, 100]  # c -20, a churns 120, b back
    # a's churn in April: absent month means 0
    cm = m.customer_movements(df)
    assert cm[(cm.client_id == "a") & (cm.movement == "churn")]["month"].tolist() == [pd.Timestamp("2026-04-01")]


def test_history_before_start_tells_reactivation_from_new():
    df = frame([("a", "2026-01", 10), ("a", "2026-03", 10), ("b", "2026-03", 5)])
    got = m.mrr_movements(df, start="2026-03")
    assert got["month"].tolist() == [pd.Timestamp("2026-03-01")]
    assert got.loc[0, "reactivation"] == 10
    assert got.loc[0, "new"] == 5
    assert got.loc[0, "start"] == 0


def test_end_extends_the_range_with_churn_in_the_following_month():
    df = frame([("a", "2026-01", 10)])
    got = m.mrr_movements(df, end="2026-02")
    assert got["churn"].tolist() == [0, 10]
    assert got["end"].tolist() == [10, 0]


def test_end_before_start_is_an_error():
    with pytest.raises(InvalidInputError, match="'end' parameter of mrr_movements must be a month on or after start"):
        m.mrr_movements(frame([("a", "2026-01", 10)]), start="2026-03", end="2026-01")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("a", "2026-01", -1)], r"MRR >= 0 in column 'mrr'. Got -1.0 at row 1"),
        (
            [("a", "2026-01", 1), ("a", "jan/26", 1)],
            r"'frame\['month'\]' parameter of mrr_matrix must be dates or months",
        ),
        ([(None, "2026-01", 1)], r"a client id in column 'client_id'. Got a blank at row 1"),
    ],
)
def test_bad_frames_give_one_line_errors_with_the_row(rows, message):
    with pytest.raises(InvalidInputError, match=message):
        m.mrr_movements(frame(rows))


def test_mrr_frame_from_excel_columns():
    got = m.mrr_frame([[1001.0], ["b"], [None]], [[46023.0], ["2026-01"], [None]], [[10], [20.5], [None]])
    assert got["client_id"].tolist() == ["1001", "b"]
    assert got["month"].tolist() == [pd.Timestamp("2026-01-01")] * 2
    with pytest.raises(InvalidInputError, match=r"'months' parameter of mrr_frame .* Got a blank at position 2"):
        m.mrr_frame(["a", "b"], ["2026-01", None], [1, 2])


months_st = st.integers(0, 11)
rows_st = st.lists(
    st.tuples(st.sampled_from(list("abcdef")), months_st, st.sampled_from([0, 0.01, 9.99, 10, 33.33, 100, 250.5])),
    min_size=1,
    max_size=60,
)


def _to_frame(rows):
    return frame([(c, pd.Timestamp("2025-01-01") + pd.DateOffset(months=k), v) for c, k, v in rows])


@settings(max_examples=150, deadline=None)
@given(rows_st)
def test_property_bridge_reconciles_exactly_and_matches_the_slow_reference(rows):
    df = _to_frame(rows)
    got = m.mrr_movements(df)
    cents = (got[COLS[1:]] * 100).round().astype("int64")
    identity = cents["start"] + cents["new"] + cents["expansion"] + cents["reactivation"] - cents["contraction"]
    assert (identity - cents["churn"] == cents["end"]).all()
    assert (cents["end"].iloc[:-1].to_numpy() == cents["start"].iloc[1:].to_numpy()).all()
    assert (got[COLS[1:]] >= 0).all().all()
    ref = slow_bridge(df)
    np.testing.assert_allclose(got[COLS[1:]].to_numpy(), ref[COLS[1:]].to_numpy(), atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(rows_st, st.integers(1, 6))
def test_property_nrr_at_least_grr_and_grr_at_most_1(rows, window):
    df = _to_frame(rows)
    as_of = df["month"].max()
    base = as_of - pd.DateOffset(months=window)
    if not ((df["month"] == base) & (df["mrr"] > 0)).any():
        return
    nrr = m.net_revenue_retention_rate(df, as_of=as_of, window=window)
    grr = m.gross_revenue_retention_rate(df, as_of=as_of, window=window)
    assert 0 <= grr <= 1 + 1e-12
    assert nrr >= grr - 1e-12


@settings(max_examples=100, deadline=None)
@given(rows_st)
def test_property_one_month_churn_plus_retained_share_is_1(rows):
    df = _to_frame(rows)
    month = df["month"].max()
    before = month - pd.DateOffset(months=1)
    base = set(df[(df["month"] == before) & (df["mrr"] > 0)]["client_id"])
    if not base:
        return
    kept = set(df[(df["month"] == month) & (df["mrr"] > 0)]["client_id"]) & base
    for policy in ("exclude", "include"):
        churn = m.logo_churn_rate(df, start=month, same_period=policy)
        assert churn + len(kept) / len(base) == pytest.approx(1.0)


@pytest.mark.parametrize("window", [1, 3, 12])
def test_nrr_grr_windows(window):
    as_of = pd.Timestamp("2026-12-01")
    base = as_of - pd.DateOffset(months=window)
    df = frame(
        [("a", base, 100), ("b", base, 100), ("c", base, 100), ("a", as_of, 180), ("b", as_of, 50), ("d", as_of, 999)]
    )
    assert m.net_revenue_retention_rate(df, as_of=as_of, window=window) == pytest.approx(230 / 300)
    assert m.gross_revenue_retention_rate(df, as_of=as_of, window=window) == pytest.approx(150 / 300)


def test_cohort_tables():
    df = frame(
        [
            ("a", "2026-01", 10),
            ("a", "2026-02", 20),
            ("a", "2026-03", 20),
            ("b", "2026-01", 10),
            ("b", "2026-03", 10),
            ("c", "2026-02", 5),
            ("c", "2026-03", 0),
        ]
    )
    logo = m.cohort_retention(df)
    assert logo.rates.loc[pd.Timestamp("2026-01-01")].tolist() == [1.0, 0.5, 1.0]  # b reactivates at age 2
    assert np.isnan(logo.rates.loc[pd.Timestamp("2026-02-01"), 2])
    assert logo.sizes.tolist() == [2, 1]
    revenue = m.cohort_retention(df, kind="revenue", max_age=1)
    assert revenue.rates.loc[pd.Timestamp("2026-01-01")].tolist() == [1.0, 1.0]  # 20 of 20
    assert list(revenue.rates.columns) == [0, 1]

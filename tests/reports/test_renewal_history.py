"""The renewal history in one vectorised pass equals the per-month definition, on generated books.

The reference is the definition the vectorised pass replaced: for each signal month, every
client's signals (``forecast._signals``: health scores, ``trends.trends_at``) looked up for the
clients renewing the month after. Both must give the same rows, in the same order, with the
same numbers (exactly: the fit reads them), under any ``min_csat_answers`` setting (the
history and the current signals gate ``csat_change`` with the same value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cs_reports.reports.content import forecast as rf
from cs_reports.reports.settings import DEFAULT_SETTINGS, ReportSettings
from tests.reports.generated_books import BOOK_ARGS, generated_book


def per_month_history(book, month: pd.Timestamp, settings: ReportSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Every client's signals at each signal month, looked up per renewal (the former ``_history``)."""
    columns = ["client_id", "due", "renewed", "band", *rf.FEATURES]
    if book.renewals is None:  # every row of the Renewals sheet removed
        return pd.DataFrame(columns=columns)
    r = book.renewals
    end = month + pd.offsets.MonthEnd(0)
    r = r[r["outcome"].isin(["renewed", "churned"]) & (r["due_date"] <= end)]
    signal_month = r["due_date"].dt.to_period("M").dt.to_timestamp() - pd.DateOffset(months=1)
    r = r[signal_month >= book.months[0]]
    signal_month = signal_month[r.index]
    parts = []
    for sm, group in r.groupby(signal_month):
        sig = rf._signals(book, pd.Timestamp(sm), settings).reindex(group["client_id"])
        part = pd.DataFrame(
            {
                "client_id": group["client_id"].to_numpy(),
                "due": group["due_date"].to_numpy(),
                "renewed": (group["outcome"] == "renewed").to_numpy().astype(float),
                "band": sig["band"].to_numpy(),
                **{name: sig[name].to_numpy() for name in rf.FEATURES if name != "first_renewal"},
                "first_renewal": rf._first_renewal(book, pd.Index(group["client_id"]), group["due_date"]),
            }
        )
        parts.append(part[columns])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def assert_same_history(book, month: pd.Timestamp, settings: ReportSettings = DEFAULT_SETTINGS) -> None:
    got, expected = rf._history(book, month, settings), per_month_history(book, month, settings)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    np.testing.assert_array_equal(got["client_id"].to_numpy(), expected["client_id"].to_numpy())
    np.testing.assert_array_equal(pd.to_datetime(got["due"]).to_numpy(), pd.to_datetime(expected["due"]).to_numpy())
    assert got["band"].fillna("-").tolist() == expected["band"].fillna("-").tolist()
    for name in ("renewed", *rf.FEATURES):
        np.testing.assert_array_equal(
            got[name].to_numpy(dtype=float), expected[name].to_numpy(dtype=float), err_msg=f"{name} at {month:%Y-%m}"
        )


def test_the_sample_at_its_last_month_and_a_year_before(sample_book):
    assert_same_history(sample_book, sample_book.last_month)
    assert_same_history(sample_book, sample_book.last_month - pd.DateOffset(months=12))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(**BOOK_ARGS, back=st.integers(0, 20), answers=st.sampled_from([0.0, 1.0, 2.5, 3.0, 6.0]))
def test_generated_books_with_rows_removed_and_answers_blanked(
    tmp_path_factory, seed, clients, drop, blank, back, answers
):
    """Other seeds and sizes; rows removed from every per-client sheet, CSAT answers blanked, another month and setting."""
    book = generated_book(tmp_path_factory.mktemp("book") / "b", seed=seed, clients=clients, drop=drop, blank=blank)
    assert_same_history(book, book.last_month - pd.DateOffset(months=back), ReportSettings(min_csat_answers=answers))

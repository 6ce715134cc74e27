"""Report contexts at the edges: clients outside the quarter, portfolio figures computed once."""

from __future__ import annotations

import pandas as pd
import pytest

from cs_reports.errors import InvalidInputError
from cs_reports.reports import build, common


def test_qbr_for_a_quarter_before_the_client_started_is_a_clear_error(sample_book):
    firsts = sample_book.mrr[sample_book.mrr["mrr"] > 0].groupby("client_id")["month"].min()
    cid, first = firsts.idxmax(), firsts.max()
    before = first - pd.DateOffset(months=3)
    quarter = f"{before.year}Q{(before.month - 1) // 3 + 1}"
    with pytest.raises(InvalidInputError) as err:
        build.build_qbr_context(sample_book, quarter, cid, "en")
    assert str(err.value) == (
        f"Client '{cid}' has no MRR in {quarter} (first MRR in {first:%Y-%m}); a QBR covers a quarter the client paid for."
    )


def test_portfolio_figures_are_computed_once_per_book_and_month(sample_book, monkeypatch):
    month = sample_book.last_month
    first = build.renewal_model(sample_book, month)
    monkeypatch.setattr(common, "_fit_renewal_model", lambda *a: pytest.fail("fitted twice"))
    assert build.renewal_model(sample_book, month) is first

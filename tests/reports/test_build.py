"""Report contexts at the edges: clients outside the quarter, portfolio figures computed once."""

from __future__ import annotations

import pandas as pd
import pytest

from cs_reports.errors import InvalidInputError
from cs_reports.reports import build
from cs_reports.reports.content import common


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


def test_portfolio_figures_are_computed_once_per_book_and_month(sample_book):
    from cs_reports.reports.content.portfolio import figures_of

    month = sample_book.last_month
    figures = figures_of(sample_book)
    assert figures_of(sample_book) is figures
    assert common.health_at(sample_book, month) is common.health_at(sample_book, month)
    assert figures.health_by_client(month).index.name == "client_id"
    assert "client_id" in figures.health_by_client(month).columns  # one meaning, whoever asks first
    assert figures.summary(month) is figures.summary(month)

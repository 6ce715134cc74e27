"""Portfolio figures: the one-pass panel equals the per-month definition, month by month, on generated books."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cs_reports.data import load_book
from cs_reports.data.sample import write_sample
from cs_reports.data.summary import client_health_inputs
from cs_reports.reports.content import portfolio
from cs_reports.reports.content.portfolio import COMPONENTS, figures_of, health_inputs_panel


def assert_panel_is_the_definition(book) -> None:
    months = book.months
    panel = health_inputs_panel(book, months)
    for j, month in enumerate(months):
        expected = client_health_inputs(book, month)
        for name in COMPONENTS:
            np.testing.assert_array_equal(
                panel[name][:, j], expected[name].to_numpy(dtype=float), err_msg=f"{name} {month:%Y-%m}"
            )


def test_every_month_of_the_sample(sample_book):
    assert_panel_is_the_definition(sample_book)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), clients=st.integers(3, 12), drop=st.floats(0.0, 0.6))
def test_generated_books_with_rows_removed(tmp_path_factory, seed, clients, drop):
    """Other seeds, sizes, and rows removed at random from every per-client sheet (gaps in every window)."""
    folder = tmp_path_factory.mktemp("book") / "b"
    write_sample(folder, seed=seed, clients=clients)
    rng = np.random.default_rng(seed)
    for sheet in ("NPS", "Usage", "Tickets", "Milestones"):
        path = folder / f"{sheet}.csv"
        if path.exists():
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            frame[rng.random(len(frame)) >= drop].to_csv(path, index=False)
    assert_panel_is_the_definition(load_book(folder))


def test_a_month_outside_the_book_is_computed_alone(sample_book):
    before = sample_book.months[0] - pd.DateOffset(months=4)
    pd.testing.assert_frame_equal(
        figures_of(sample_book).health_inputs_at(before), client_health_inputs(sample_book, before)
    )


def test_the_figures_go_with_their_book(sample_book_path):
    book = load_book(sample_book_path)
    key = id(book)
    figures_of(book)
    assert key in portfolio._FIGURES
    del book
    gc.collect()
    assert key not in portfolio._FIGURES


@pytest.mark.parametrize("month", ["2026-03-01", "2026-09-01"])
def test_health_scores_are_the_metric_of_the_inputs(sample_book, month):
    from cs_reports import metrics as m

    month = pd.Timestamp(month)
    pd.testing.assert_frame_equal(
        figures_of(sample_book).health_at(month), m.health_scores(client_health_inputs(sample_book, month))
    )

"""The trends: one definition, read the same by the forecast, its history and the risk rules.

The reference here is the definition written one client at a time, by direct filtering of the
client's own rows (no grid, no group-by): tickets opened in the three months ending at the month
and the three before, their resolution hours and median, CSAT answers and the share of 4-5, NPS
answers and detractors of the twelve months; then the three derived numbers by their formulas
(docs/reports.md). :func:`trends_at` must give exactly these numbers for every client, column
and ``min_csat_answers`` setting, at months inside and outside the book. The second half checks
that the setting reaches every reader: the forecast's current signals, its history (also
``test_renewal_history.py``), the risk rules and a QBR built with it.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cs_reports.errors import CsReportsError
from cs_reports.reports.build import build_qbr_context
from cs_reports.reports.content import forecast as rf
from cs_reports.reports.content.renewal_history import renewal_history
from cs_reports.reports.content.risks import ClientSignals, assess_risks
from cs_reports.reports.content.trends import TREND_COLUMNS, trend_figures, trends_at
from cs_reports.reports.settings import ReportSettings
from cs_reports.reports.vocabulary import of_quarter
from tests.reports.generated_books import BOOK_ARGS, generated_book

NAN = math.nan


def _in_months(dates: pd.Series, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    """Whether each date falls in the months ``first`` .. ``last`` (NaT: no)."""
    month = dates.dt.to_period("M")
    return (month >= first.to_period("M")) & (month <= last.to_period("M"))


def reference(book, month: pd.Timestamp, min_csat_answers: float) -> pd.DataFrame:
    """Every client's trends at ``month``, one client at a time from its own rows (the definition)."""
    out = {}
    for cid in book.clients["client_id"]:
        r = dict.fromkeys(TREND_COLUMNS, NAN)
        if book.tickets is not None:
            own = book.tickets[book.tickets["client_id"] == cid]
            for label, back in (("now", 0), ("before", 3)):
                last = month - pd.DateOffset(months=back)
                q = own[_in_months(own["opened_at"], last - pd.DateOffset(months=2), last)]
                hours = [h for h in (q["resolved_at"] - q["opened_at"]).dt.total_seconds() / 3600 if not math.isnan(h)]
                answers = [float(x) for x in q["csat"] if not pd.isna(x)]
                r[f"tickets_{label}"] = float(len(q))
                r[f"resolved_{label}"] = float(len(hours))
                r[f"resolution_{label}"] = statistics.median(hours) if hours else NAN
                r[f"csat_answers_{label}"] = float(len(answers))
                r[f"csat_{label}"] = sum(a >= 4 for a in answers) / len(answers) if answers else NAN
            r["ticket_growth"] = float(np.log2((r["tickets_now"] + 1) / (r["tickets_before"] + 1)))
            fewest = min(r["csat_answers_now"], r["csat_answers_before"])
            r["csat_change"] = r["csat_now"] - r["csat_before"] if fewest >= max(min_csat_answers, 1) else NAN
        if book.nps is not None:
            own = book.nps[book.nps["client_id"] == cid]
            year = own[_in_months(own["date"], month - pd.DateOffset(months=11), month)]
            r["nps_answers"] = float(len(year))
            r["nps_detractors"] = float(sum(s <= 6 for s in year["score"] if not pd.isna(s)))
            r["detractor_share"] = r["nps_detractors"] / r["nps_answers"] if r["nps_answers"] else NAN
        out[cid] = r
    frame = pd.DataFrame.from_dict(out, orient="index", columns=list(TREND_COLUMNS)).astype(float)
    frame.index.name = "client_id"
    return frame


def assert_is_the_definition(book, month: pd.Timestamp, answers: float) -> None:
    got = trends_at(book, month, ReportSettings(min_csat_answers=answers))
    expected = reference(book, month, answers)
    assert list(got.columns) == list(TREND_COLUMNS)
    assert got.index.tolist() == expected.index.tolist()
    for name in TREND_COLUMNS:
        np.testing.assert_array_equal(
            got[name].to_numpy(), expected[name].to_numpy(), err_msg=f"{name} at {month:%Y-%m}, {answers} answers"
        )


@pytest.mark.parametrize("back", [0, 3, 14])
def test_the_sample_is_the_definition(sample_book, back):
    assert_is_the_definition(sample_book, sample_book.last_month - pd.DateOffset(months=back), 3.0)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    **BOOK_ARGS,
    back=st.integers(-2, 40),
    answers=st.sampled_from([0.0, 1.0, 2.0, 2.5, 3.0, 5.0, 8.0]),
)
def test_generated_books_are_the_definition(tmp_path_factory, seed, clients, drop, blank, back, answers):
    """Other seeds and sizes, gaps in every window, any month (also before the book and after it), any setting."""
    book = generated_book(tmp_path_factory.mktemp("book") / "b", seed=seed, clients=clients, drop=drop, blank=blank)
    assert_is_the_definition(book, book.last_month - pd.DateOffset(months=back), answers)


def test_a_book_without_tickets_or_nps_has_no_trends(sample_book):
    import dataclasses

    book = dataclasses.replace(sample_book, tickets=None, nps=None)
    got = trends_at(book, book.last_month)
    assert got.isna().all().all()
    assert got.equals(reference(book, book.last_month, 3.0))


# --- the min_csat_answers setting reaches every reader ------------------------------------------


SETTINGS = [ReportSettings(min_csat_answers=a) for a in (1.0, 3.0, 10.0)]


@pytest.fixture(scope="module")
def month() -> pd.Timestamp:
    return of_quarter("2026Q2").end


def test_the_setting_changes_csat_change_and_nothing_else(sample_book, month):
    frames = [trends_at(sample_book, month, s) for s in SETTINGS]
    known = [int(f["csat_change"].notna().sum()) for f in frames]
    assert known[0] > known[1] > known[2] > 0, known  # the sample has clients between the settings
    for s, f in zip(SETTINGS, frames, strict=True):
        fewest = f[["csat_answers_now", "csat_answers_before"]].min(axis=1)
        assert (f["csat_change"].notna() == (fewest >= s.min_csat_answers)).all()
        pd.testing.assert_frame_equal(f.drop(columns="csat_change"), frames[0].drop(columns="csat_change"))


@pytest.mark.parametrize("s", SETTINGS, ids=lambda s: f"{s.min_csat_answers:g}")
def test_the_forecast_reads_the_setting_in_its_signals_and_its_history(sample_book, month, s):
    trends = trends_at(sample_book, month, s)
    model = rf.renewal_forecast_model(sample_book, month, s)
    signals = model.forecasts.reindex(trends.index)
    for name in ("csat_change", "ticket_growth", "detractor_share"):
        np.testing.assert_array_equal(signals[name].to_numpy(), trends[name].to_numpy(), err_msg=name)
    history = renewal_history(sample_book, month, s)
    # each renewal's csat_change is NaN exactly where its quarter pair has too few answers for this setting
    for due_month, rows in history.groupby(pd.to_datetime(history["due"]).dt.to_period("M")):
        at = trends_at(sample_book, due_month.to_timestamp() - pd.DateOffset(months=1), s)
        np.testing.assert_array_equal(
            rows["csat_change"].to_numpy(), at["csat_change"].reindex(rows["client_id"]).to_numpy()
        )


def test_the_forecast_is_fitted_per_setting(sample_book, month):
    loose, strict = (rf.renewal_forecast_model(sample_book, month, s) for s in (SETTINGS[0], SETTINGS[2]))
    assert loose is not strict
    assert loose.forecasts["csat_change"].notna().sum() > strict.forecasts["csat_change"].notna().sum()
    assert rf.renewal_forecast_model(sample_book, month, SETTINGS[0]) is loose  # cached per value


@pytest.mark.parametrize("s", SETTINGS, ids=lambda s: f"{s.min_csat_answers:g}")
def test_the_risk_rules_read_the_same_csat_change_and_detractor_share(sample_book, month, s):
    trends = trends_at(sample_book, month, s)
    for cid, row in trends.iterrows():
        counts = {k: row[k] for k in TREND_COLUMNS if k in ClientSignals.__dataclass_fields__}
        signals = ClientSignals(2026, 2, months_since_nps=0.0, **counts)
        keys = {r.key for r in assess_risks(signals, s)}
        change, share = row["csat_change"], row["detractor_share"]
        assert ("csat_falling" in keys) == (change <= -s.csat_drop_points + 1e-12), cid
        enough = row["nps_answers"] >= max(s.min_nps_answers, 1)
        assert ("detractors" in keys) == bool(enough and share >= s.detractor_share), cid
        derived = trend_figures(counts, min_csat_answers=s.min_csat_answers)
        np.testing.assert_array_equal(
            [float(derived[k]) for k in ("ticket_growth", "csat_change", "detractor_share")],
            [row["ticket_growth"], change, share],
        )


def test_a_qbr_built_with_the_setting_shows_the_forecast_and_risks_of_that_setting(sample_book, month):
    """The QBR passes its settings to the forecast and the risk rules (no silent default)."""
    period = of_quarter("2026Q2")
    seen = 0
    for cid in sample_book.clients["client_id"].tolist()[:40]:
        for s in (SETTINGS[0], SETTINGS[2]):
            try:
                ctx = build_qbr_context(sample_book, "2026Q2", cid, "en", audience="internal", settings=s)
            except CsReportsError:
                continue
            model = rf.renewal_forecast_model(sample_book, period.end, s)
            assert ctx.forecast is not None
            assert ctx.risks is not None
            if ctx.forecast.renewal_date is not None:
                assert ctx.forecast.probability == float(model.forecasts.loc[cid, "probability"]), cid
            change = float(trends_at(sample_book, period.end, s).loc[cid, "csat_change"])
            falling = any(r.key == "csat_falling" for r in ctx.risks.risks)
            assert falling == (change <= -s.csat_drop_points + 1e-12), cid
            seen += 1
    assert seen >= 20

"""Forecast and risks tell one story (issue 23): a client with two or more high-severity decline
risks is not "likely" to renew unless the drivers printed beside the probability say why.

Also: the renewal countdown runs from the report's date, and a date already past is never
printed as "in N days"; the probability is never printed as 0% or 100%.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from cs_reports.reports.content import client_figures, sections
from cs_reports.reports.content.common import client_info
from cs_reports.reports.content.forecast import SHOWN_BOUNDS
from cs_reports.reports.content.risks import DECLINE_RULES, assess_risks
from cs_reports.reports.content.sections import Period, Subject
from cs_reports.reports.settings import DEFAULT_SETTINGS

END = pd.Timestamp("2026-09-01")  # 2026Q3
PERIOD = Period(END)
REPORT_DATE = date(2026, 12, 2)


@pytest.fixture(scope="module")
def paying(sample_book):
    mrr = sample_book.mrr
    return sorted(mrr.loc[(mrr["month"] == END) & (mrr["mrr"] > 0), "client_id"].unique())


@pytest.fixture
def report_date(monkeypatch):
    monkeypatch.setattr(sections, "today", lambda: REPORT_DATE)
    return REPORT_DATE


def subject(book, cid, lang="en"):
    return Subject(cid, client_info(book, cid, END), lang)


def test_no_likely_renewal_with_two_high_decline_risks_unless_the_drivers_say_why(sample_book, report_date):
    checked = 0
    for end in (pd.Timestamp("2026-06-01"), END):
        checked += _story(sample_book, Period(end))
    assert checked >= 5  # the sample has clients in decline: the property is not vacuous


def _story(book, period):
    mrr = book.mrr
    checked = 0
    for cid in sorted(mrr.loc[(mrr["month"] == period.end) & (mrr["mrr"] > 0), "client_id"].unique()):
        client = Subject(cid, client_info(book, cid, period.end), "en")
        s = client_figures.signals(book, client, period, DEFAULT_SETTINGS)
        high = [r.key for r in assess_risks(s, DEFAULT_SETTINGS) if r.severity == "high" and r.key in DECLINE_RULES]
        if len(high) < 2:
            continue
        checked += 1
        f = client_figures.renewal_forecast(book, client, period, DEFAULT_SETTINGS)
        if f.band == "likely":
            assert any("raises it" in d for d in f.drivers), (cid, high, f.shown, f.drivers)
    return checked


def test_the_countdown_runs_from_the_report_date_and_a_past_date_is_past(sample_book, paying, report_date):
    seen_past = seen_future = False
    for cid in paying:
        f = client_figures.renewal_forecast(sample_book, subject(sample_book, cid), PERIOD, DEFAULT_SETTINGS)
        if f.renewal_date is None:
            continue
        assert f.days_to_renewal == (f.renewal_date - report_date).days
        seen_past |= f.days_to_renewal < 0
        seen_future |= f.days_to_renewal > 0
    assert seen_future
    assert seen_past  # the sample's renewal dates start in 2026-11: some are before a later report date


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_probabilities_are_bounded_and_come_with_an_interval_and_drivers(sample_book, paying, report_date, lang):
    low, high = SHOWN_BOUNDS
    for cid in paying:
        f = client_figures.renewal_forecast(sample_book, subject(sample_book, cid, lang), PERIOD, DEFAULT_SETTINGS)
        if f.renewal_date is None:
            continue
        assert f.shown not in {"0%", "100%"}
        if f.probability > high:
            assert f.shown.startswith(">")
        if f.probability < low:
            assert f.shown.startswith("<")
        assert f.interval
        assert len(f.drivers) <= 3
        if f.band != "likely":  # a probability away from the portfolio's usual one always says why
            assert f.drivers, (cid, f.shown)
        words = ("raises it", "lowers it") if lang == "en" else ("aumenta em", "reduz em")
        assert all(any(w in d for w in words) for d in f.drivers)


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_a_client_first_paid_in_the_quarter_is_new_not_improved_from_zero(sample_book, report_date, lang):
    from cs_reports.reports.build import build_qbr_context
    from cs_reports.reports.deck.qbr_deck import qbr_deck
    from cs_reports.reports.render import Templates, load_branding, strings

    mrr = sample_book.mrr
    paying_now = set(mrr.loc[(mrr["month"] == END) & (mrr["mrr"] > 0), "client_id"])
    paid_before = set(mrr.loc[(mrr["month"] <= PERIOD.prev_end) & (mrr["mrr"] > 0), "client_id"])
    new = sorted(paying_now - paid_before)
    assert new  # the sample has new business every quarter
    t = strings("qbr", lang)
    ctx = build_qbr_context(sample_book, "2026Q3", new[0], lang, audience="internal")
    assert math.isnan(ctx.commercial.mrr.before)  # no previous quarter, never "R$ 0,00 before"
    s = client_figures.signals(sample_book, subject(sample_book, new[0], lang), PERIOD, DEFAULT_SETTINGS)
    assert "mrr_contraction" not in {r.key for r in assess_risks(s)}
    html = Templates().render("qbr", ctx, lang=lang, branding=load_branding(None))
    assert t["no_before"] in html  # the one way every surface says "no previous quarter" (issue 22)
    cards = [
        v.note
        for slide in qbr_deck(ctx, lang, audience="internal").slides
        for v in slide.values.values()
        if getattr(v, "label", None) == t["mrr"]
    ]
    assert cards
    assert all(t["no_before"] in c for c in cards)

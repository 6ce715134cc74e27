"""A health component without data at one end of the quarter is said so, not shown as a decline.

A component with no data (no tickets in the window, no survey answer, no milestone due) drops
out of the Health Score and its weight is spread over the others (``metrics.health_score``), so
its contribution falls to 0 (or rises from 0) without the client doing worse (or better). The
QBR's driver table, the deck's health slide and the attachment mark such a row and say why.

Over every client of the sample portfolio in 2026Q3 (about 100 of 260 have such a row): a row is
marked exactly when a sub-score is missing at one end, and the changes still add up to the
score's change.
"""

from __future__ import annotations

import io
import math
import re

import pytest
from pptx import Presentation

from cs_reports.errors import InvalidInputError
from cs_reports.reports.content.portfolio import figures_of
from cs_reports.reports.content.qbr import build_qbr_context
from cs_reports.reports.content.sections.health import table
from cs_reports.reports.deck.presentation import render_deck
from cs_reports.reports.deck.qbr_deck import qbr_deck
from cs_reports.reports.kinds import produce
from cs_reports.reports.render import Templates, load_branding, strings
from cs_reports.reports.vocabulary import of_quarter
from tests.conftest import pdf_text

QUARTER = "2026Q3"


@pytest.fixture(scope="module")
def contexts(sample_book):
    out = {}
    for cid in sample_book.clients["client_id"]:
        try:
            out[cid] = build_qbr_context(sample_book, QUARTER, cid, "en", audience="internal")
        except InvalidInputError:  # no MRR in the quarter (churned before it)
            continue
    return out


def test_a_row_is_marked_exactly_when_a_subscore_is_missing_at_one_end(sample_book, contexts):
    figures = figures_of(sample_book)
    period = of_quarter(QUARTER)
    now = figures.health_by_client(period.end)
    before = figures.health_by_client(period.prev_end)
    marked = 0
    for cid, ctx in contexts.items():
        h = ctx.health
        for d in h.drivers:
            sub_now = float(now.loc[cid, f"{d.key}_subscore"])
            sub_before = float(before.loc[cid, f"{d.key}_subscore"])
            compared = not math.isnan(h.change)  # a new client: nothing before to lack
            expected = (
                "no_data_now"
                if math.isnan(sub_now)
                else "no_data_before"
                if compared and math.isnan(sub_before)
                else ""
            )
            assert d.data == expected, (cid, d)
            if d.data == "no_data_now":
                assert d.contribution == 0
                assert math.isnan(d.subscore)
            marked += bool(d.data)
        if not math.isnan(h.change) and h.drivers:
            assert sum(d.change for d in h.drivers) == pytest.approx(h.change, abs=1e-9), cid
    assert marked >= 50  # the sample has many: the test looks at real cases


def _client_with(contexts, key, data):
    return next(
        cid for cid, ctx in sorted(contexts.items()) if any(d.key == key and d.data == data for d in ctx.health.drivers)
    )


@pytest.mark.parametrize(("key", "data"), [("support", "no_data_now"), ("support", "no_data_before")])
@pytest.mark.parametrize("lang", ["pt-BR", "en"])
def test_pdf_deck_and_attachment_say_why(sample_book, contexts, key, data, lang):
    cid = _client_with(contexts, key, data)
    t = strings("qbr", lang)
    sentence = t[f"driver_{data}"].format(component=t[f"component_{key}"])
    ctx = build_qbr_context(sample_book, QUARTER, cid, lang, audience="internal")
    pdf, _ = produce(
        sample_book, "qbr", QUARTER, cid, lang, templates=Templates(), branding=load_branding(None), audience="internal"
    )
    raw = pdf_text(pdf)
    text = " ".join(re.sub(r"[\u2010\u00ad]\s*\n", "", raw).split())  # words hyphenated at a line end
    assert " ".join(sentence.split()) in text
    prs = Presentation(io.BytesIO(render_deck(qbr_deck(ctx, lang, audience="internal", company="Acme SaaS"))))
    deck_text = " ".join(
        sh.text_frame.text for s in prs.slides for sh in s.shapes if sh.has_text_frame and sh.text_frame.text
    )
    assert sentence in " ".join(deck_text.split())
    health = table(ctx.health)["Health"]
    assert health.loc[health["component"] == key, "data"].item() == data

"""Every number a report shows comes from cs_reports.metrics: contexts checked against the
library, then the PDFs' extracted text checked against the contexts, in both languages."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from cs_reports import metrics as m
from cs_reports.data.summary import client_health_inputs, portfolio_summary
from cs_reports.reports.build import build_finance_context, build_qbr_context, build_success_map_context
from cs_reports.reports.content.finance_xlsx import finance_tables
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.kinds import produce
from cs_reports.reports.render import Templates, load_branding
from tests.conftest import pdf_text

QUARTER, QUARTER_END, MONTH = "2026Q3", pd.Timestamp("2026-09-01"), pd.Timestamp("2026-10-01")


def text_of(pdf: bytes) -> str:
    text = pdf_text(pdf)
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


def _norm(s: str) -> str:
    return re.sub(r"[ \u00a0\u202f]+", " ", s)


@pytest.fixture(scope="module")
def clients(sample_book):
    """One paying client per locale."""
    paying = set(
        sample_book.mrr.loc[(sample_book.mrr["month"] == QUARTER_END) & (sample_book.mrr["mrr"] > 0), "client_id"]
    )
    c = sample_book.clients[sample_book.clients["client_id"].isin(paying)]
    return {lang: c.loc[c["locale"] == lang, "client_id"].iloc[0] for lang in ("pt-BR", "en")}


@pytest.fixture(scope="module")
def rendered(sample_book, clients):
    templates, branding = Templates(), load_branding(None)
    out = {}
    for lang in ("pt-BR", "en"):
        out[("qbr", lang)] = produce(
            sample_book, "qbr", QUARTER, clients[lang], lang, templates=templates, branding=branding
        )
        out[("qbr-internal", lang)] = produce(
            sample_book,
            "qbr",
            QUARTER,
            clients[lang],
            lang,
            templates=templates,
            branding=branding,
            audience="internal",
        )
        out[("finance", lang)] = produce(
            sample_book, "finance", f"{MONTH:%Y-%m}", None, lang, templates=templates, branding=branding
        )
        out[("success_map", lang)] = produce(
            sample_book, "success-map", f"{MONTH:%Y-%m}", clients[lang], lang, templates=templates, branding=branding
        )
    return out


def test_qbr_context_is_the_library(sample_book, clients):
    cid = clients["en"]
    ctx = build_qbr_context(sample_book, QUARTER, cid, "en", audience="internal")
    own = sample_book.mrr[sample_book.mrr["client_id"] == cid]
    assert ctx.commercial.mrr.now == pytest.approx(own.loc[own["month"] == QUARTER_END, "mrr"].sum())
    assert ctx.commercial.arr == pytest.approx(12 * ctx.commercial.mrr.now)
    nps = sample_book.nps[
        (sample_book.nps["client_id"] == cid)
        & (sample_book.nps["date"] >= QUARTER_END - pd.DateOffset(months=2))
        & (sample_book.nps["date"] < QUARTER_END + pd.offsets.MonthBegin(1))
    ]
    if len(nps):  # the summary's NPS is the quarter's answers
        assert ctx.summary.nps.now == pytest.approx(m.net_promoter_score(nps["score"]).score)
    assert ctx.summary.nps_answers.now == len(nps)
    health = m.health_scores(client_health_inputs(sample_book, QUARTER_END)).set_index("client_id")
    assert ctx.health.score == pytest.approx(health.loc[cid, "score"])
    assert ctx.health.band == health.loc[cid, "band"]
    assert 0 <= ctx.forecast.probability <= 1


def test_finance_context_is_the_library(sample_book):
    ctx = build_finance_context(sample_book, MONTH, "en")
    assert ctx.summary == portfolio_summary(sample_book, MONTH)
    expected = m.mrr_movements(sample_book.mrr, end=MONTH).set_index("month")
    for row in ctx.bridge:
        got = expected.loc[row["month"]]
        for col in ("start", "new", "expansion", "contraction", "churn", "reactivation", "end"):
            assert row[col] == pytest.approx(got[col]), (row["month"], col)
    table = m.cohort_retention(sample_book.mrr[sample_book.mrr["month"] <= MONTH], kind="logo")
    for cohort, size, rates in ctx.cohorts:
        assert size == table.sizes[cohort]
        np.testing.assert_allclose(rates, table.rates.loc[cohort].to_numpy(dtype=float)[: len(rates)], equal_nan=True)
    assert sum(r.mrr for r in ctx.by_touch) == pytest.approx(ctx.summary.mrr)
    assert sum(r.customers for r in ctx.by_csm) == ctx.summary.customers


@pytest.mark.parametrize("lang", ["pt-BR", "en"])
def test_qbr_pdf_shows_the_context_numbers(rendered, lang):
    f = Formatter(lang)
    pdf, ctx = rendered[("qbr", lang)]
    text = text_of(pdf)
    assert ctx.client.name in text
    for shown in (
        f.percent(ctx.summary.adoption.now, 0),
        f.number(ctx.summary.tickets.now),
        f.number(ctx.summary.nps_answers.now),
    ):
        assert _norm(shown) in text, (lang, shown)
    if ctx.summary.nps_answers.now:
        assert _norm(f.number(ctx.summary.nps.now, 0)) in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 3
    pdf, ctx = rendered[("qbr-internal", lang)]
    text, cur = text_of(pdf), ctx.client.currency
    for shown in (
        f.money(ctx.commercial.mrr.now, cur),
        f.money(ctx.commercial.arr, cur),
        f.number(ctx.health.score, 0),
        ctx.forecast.shown,  # the probability as printed: never 0% or 100% (issue 23)
    ):
        assert _norm(shown) in text, (lang, shown)
    assert ("R$" in text) == (cur == "BRL")


@pytest.mark.parametrize("lang", ["pt-BR", "en"])
def test_finance_pdf_and_xlsx_show_the_same_numbers(rendered, lang):
    pdf, ctx = rendered[("finance", lang)]
    text = text_of(pdf)
    f, s = Formatter(lang), ctx.summary
    cur = s.currency
    for shown in (
        f.money(s.mrr, cur, cents=False),
        f.money(s.arr, cur, cents=False),
        f.percent(s.nrr, 1),
        f.percent(s.grr, 1),
        f.percent(s.logo_churn_rate, 2),
        f.money(s.arpa, cur, cents=False),
        f.money(s.ltv, cur, cents=False),
        f.number(s.quick_ratio, 2),
        f.percent(s.pareto_top20, 1),
    ):
        assert _norm(shown) in text, (lang, shown)
    if lang == "pt-BR":
        assert re.search(r"R\$ \d{1,3}(\.\d{3})+", text), "pt-BR money like R$ 1.234"
    else:
        assert re.search(r"R\$\d{1,3}(,\d{3})+|BRL", text)
    # the attached/companion xlsx carries the very same numbers
    tables = finance_tables(ctx, lang)
    frame = tables["summary"].frame  # columns: label, value, previous month, change, key
    summary = dict(zip(frame.iloc[:, -1], frame.iloc[:, 1], strict=True))
    for key in ("mrr", "arr", "nrr", "grr", "logo_churn_rate", "arpa", "ltv", "quick_ratio", "pareto_top20"):
        assert summary[key] == pytest.approx(getattr(s, key)), key
    assert len(tables["bridge"].frame) == len(ctx.bridge)
    for policy in ("exclude", "60"):
        assert policy in text or policy in " ".join(map(str, tables["policies"].frame.iloc[:, 1]))


@pytest.mark.parametrize("lang", ["pt-BR", "en"])
def test_success_map_pdf(rendered, lang, sample_book, clients):
    pdf, ctx = rendered[("success_map", lang)]
    text = text_of(pdf)
    assert ctx.client.name in text
    direct = build_success_map_context(sample_book, MONTH, clients[lang], lang)
    assert (ctx.done, ctx.total) == (direct.done, direct.total)
    assert f"{ctx.done}" in text
    assert f"{ctx.total}" in text
    for goal in ctx.goals[:3]:
        assert _norm(goal.objective)[:25] in text


@pytest.mark.parametrize("kind", ["qbr", "finance"])
def test_pdfa_with_the_data_attached_and_metadata(rendered, kind):
    pdf, ctx = rendered[(kind, "en")]
    reader = PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == (
        ["finance_2026-10.xlsx"] if kind == "finance" else [f"{ctx.client.client_id.lower()}_client_data.xlsx"]
    )
    data = reader.attachments[next(iter(reader.attachments))][0]
    assert data[:2] == b"PK"
    assert reader.metadata.title
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in xmp  # PDF/A identification in the XMP metadata
    assert b"pdfaid:part>3<" in xmp or b'pdfaid:part="3"' in xmp

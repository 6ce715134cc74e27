"""The internal QBR deck round trip: built from the internal edition's context, read back with
python-pptx, every number checked against the context (formatted by the PDF's Formatter) and
against the internal PDF's own text, in pt-BR and en.

Clients (sample portfolio, ``cs-reports sample``): C0035 (pt-BR) has six risks, a red Health
Score, an 'unlikely' renewal, two opportunities and survey comments; C0011 (en) has three risks,
a lost opportunity and comments: every internal slide has content.
"""

from __future__ import annotations

import io
import re

import pytest
from pptx import Presentation

from cs_reports.reports.content.qbr import build_qbr_context
from cs_reports.reports.deck.presentation import TAG, number_format, render_deck
from cs_reports.reports.deck.qbr_deck import EDITION_LAYOUTS, LAYOUTS, check_deck_template, qbr_deck
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.kinds import produce
from cs_reports.reports.render import Templates, load_branding, strings
from tests.conftest import pdf_text
from tests.reports.test_deck_qbr import company_template, norm, shapes_by_name, texts

QUARTER = "2026Q3"
# Clients with three or more risks, opportunities and survey comments in 2026Q3; re-picked when
# issue 23 changed the sample's churn law (C0035 and C0011 no longer had opportunities).
CLIENTS = {"pt-BR": "C0034", "en": "C0177"}
NUMBER = re.compile(r"\d(?:[\d.,]*\d)?")


@pytest.fixture(scope="module")
def decks(sample_book):
    """lang -> (internal context, deck read back, internal PDF text) of the same client and quarter."""
    out = {}
    for lang, cid in CLIENTS.items():
        ctx = build_qbr_context(sample_book, QUARTER, cid, lang, audience="internal")
        prs = Presentation(io.BytesIO(render_deck(qbr_deck(ctx, lang, audience="internal", company="Acme SaaS"))))
        pdf, _ = produce(
            sample_book,
            "qbr",
            QUARTER,
            cid,
            lang,
            templates=Templates(),
            branding=load_branding(None),
            audience="internal",
        )
        text = pdf_text(pdf)
        out[lang] = (ctx, prs, norm(text))
    return out


def slide_titled(prs, title):
    (slide,) = [s for s in prs.slides if s.shapes.title is not None and norm(s.shapes.title.text_frame.text) == title]
    return slide


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_every_number_on_every_slide_is_in_the_internal_pdf(decks, lang):
    ctx, prs, pdf_text = decks[lang]
    charts = " ".join(c.alt for c in (ctx.adoption.usage_chart, ctx.support.nps_chart, ctx.commercial.mrr_chart))
    allowed = set(NUMBER.findall(pdf_text)) | set(NUMBER.findall(charts))
    seen = 0
    for number, slide in enumerate(prs.slides, 1):
        for text in texts(slide):
            assert not TAG.search(text), f"slide {number}: {text!r}"
            for token in NUMBER.findall(text):
                seen += 1
                assert token in allowed, f"slide {number}: {token!r} (in {text!r}) is not in the internal PDF"
    assert seen > 60


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_health_slide_is_the_health_section(decks, lang):
    ctx, prs, pdf_text = decks[lang]
    fmt, t, h = Formatter(lang), strings("qbr", lang), ctx.health
    slide = slide_titled(prs, t["health_title"])
    shapes = shapes_by_name(slide)
    card = [norm(p.text) for p in shapes["score"].text_frame.paragraphs]
    # Reference: report_templates/qbr/report.html.j2, block health.
    assert card[0] == fmt.number(h.score, 0)
    assert card[2] == norm(f"{t[h.band]} · {fmt.number(h.change, 1, signed=True)} {t['vs_previous']}")
    assert card[2] in pdf_text
    rows = [[norm(c.text) for c in row.cells] for row in shapes["table"].table.rows]
    assert rows[0] == [t["component"], t["subscore"], t["points"], t["change"]]
    assert rows[1:] == [
        [
            norm(t[f"component_{d.key}"]),
            fmt.number(d.subscore, 0),
            fmt.number(d.contribution, 1),
            norm(fmt.number(d.change, 1, signed=True)),
        ]
        for d in h.drivers
    ]


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_risks_on_the_slide_and_their_evidence_in_the_notes(decks, lang):
    ctx, prs, _ = decks[lang]
    t = strings("qbr", lang)
    slide = slide_titled(prs, t["risks"])
    body = [norm(p.text) for p in shapes_by_name(slide)["body"].text_frame.paragraphs]
    risks = ctx.risks.risks
    assert len(risks) >= 3
    assert body == [norm(f"{r.title} ({t[f'severity_{r.severity}']})") for r in risks]
    notes = slide.notes_slide.notes_text_frame.text
    for r in risks:
        assert f"{r.title}: {r.evidence}" in notes
    points = slide_titled(prs, t["talking_points"])
    said = points.notes_slide.notes_text_frame.text
    assert [norm(p.text) for p in shapes_by_name(points)["body"].text_frame.paragraphs] == [
        norm(p) for p in ctx.talking_points.points
    ]
    for p in ctx.talking_points.points:
        assert p in said


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_forecast_slide_has_the_probability_and_its_band(decks, lang):
    ctx, prs, pdf_text = decks[lang]
    fmt, t, f = Formatter(lang), {**strings("qbr", lang), **strings("deck", lang)}, ctx.forecast
    shapes = shapes_by_name(slide_titled(prs, t["forecast"]))
    card = [norm(p.text) for p in shapes["score"].text_frame.paragraphs]
    assert card == [norm(f.shown), t["probability"], norm(f"{t[f.band]} · {t['interval'].format(interval=f.interval)}")]
    assert norm(f.shown) in pdf_text
    rows = [(norm(r.cells[0].text), norm(r.cells[1].text)) for r in shapes["table"].table.rows]
    cells = dict(rows)
    assert cells[t["forecast_band"]] == t[f.band]
    assert cells[t["renewal"]] == norm(fmt.date(f.renewal_date))
    assert cells[t["days_to_renewal"]] == (str(f.days_to_renewal) if f.days_to_renewal >= 0 else "—")
    # the drivers in words, as the PDF prints them (issue 23)
    assert [v for k, v in rows if k == t["driver_label"]] == [norm(d) for d in f.drivers]
    for d in f.drivers:
        assert norm(d) in pdf_text
    assert norm(shapes["caption"].text_frame.text) == norm(f.basis)


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_commercial_cards_and_the_native_mrr_chart(decks, lang):
    ctx, prs, pdf_text = decks[lang]
    fmt, t, k, cur = Formatter(lang), strings("qbr", lang), ctx.commercial, ctx.client.currency
    slide = slide_titled(prs, t["commercial"])
    shapes = shapes_by_name(slide)
    values = {key: norm(shapes[key].text_frame.paragraphs[0].text) for key in ("mrr", "ltv", "cac", "gross_margin")}
    # Reference: report_templates/qbr/report.html.j2, block commercial.
    assert values == {
        "mrr": norm(fmt.money(k.mrr.now, cur)),
        "ltv": norm(fmt.money(k.ltv, cur, cents=False)),
        "cac": norm(fmt.money(k.cac, cur, cents=False)),
        "gross_margin": norm(fmt.percent(k.gross_margin, 0)),
    }
    for value in values.values():
        assert value in pdf_text
    chart = shapes["chart"].chart
    assert chart.chart_type.name == "LINE_MARKERS"
    plot = chart.plots[0]
    assert list(plot.categories) == list(k.mrr_chart.labels)
    assert list(plot.series[0].values) == pytest.approx(list(k.mrr_chart.values))
    assert plot.series[0].values[-1] == pytest.approx(k.mrr.now)
    assert chart.value_axis.tick_labels.number_format == number_format(lang, currency=cur)
    opportunities = shapes_by_name(slide_titled(prs, t["opportunities"]))["table"].table
    rows = [[norm(c.text) for c in r.cells] for r in opportunities.rows][1:]
    assert rows == [
        [t[o.kind], fmt.date(o.opened, "short"), norm(fmt.money(o.mrr_delta, cur)), t[f"opp_{o.status}"]]
        for o in k.opportunities
    ]


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_survey_comments_are_the_verbatims(decks, lang):
    ctx, prs, _ = decks[lang]
    t = strings("qbr", lang)
    table = shapes_by_name(slide_titled(prs, t["verbatims"]))["table"].table
    rows = [[c.text for c in r.cells] for r in table.rows][1:]
    assert [(int(r[1]), r[2]) for r in rows] == [(v.score, v.comment) for v in ctx.verbatims.comments]


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_cover_says_internal_and_slides_follow_the_edition(decks, lang):
    _, prs, _ = decks[lang]
    t = strings("qbr", lang)
    cover = shapes_by_name(prs.slides[0])
    assert cover["details"].text_frame.paragraphs[0].text == t["internal_banner"]
    assert t["edition_internal"] in cover["subtitle"].text_frame.text
    assert t["edition_internal"] in prs.core_properties.title
    titles = [norm(s.shapes.title.text_frame.text) for s in list(prs.slides)[1:]]
    first = [t["health_title"], t["risks"], t["forecast"], t["talking_points"], t["commercial"]]
    assert titles[:5] == [norm(x) for x in first]
    assert titles.index(norm(t["verbatims"])) < titles.index(norm(t["summary"]))  # the edition's order
    for slide in prs.slides:
        assert slide.notes_slide.notes_text_frame.text.strip()


def test_every_slide_fills_exactly_the_declared_layout(decks, sample_book):
    """LAYOUTS (what --deck-template is checked against up front) is what the decks really use."""
    import dataclasses

    from cs_reports.reports.content.sections.verbatims import VerbatimsSection

    specs = []
    for lang, (ctx, _, _) in decks.items():
        specs.append(("internal", qbr_deck(ctx, lang, audience="internal")))
        empty = dataclasses.replace(ctx, verbatims=VerbatimsSection(()))
        specs.append(("internal", qbr_deck(empty, lang, audience="internal")))
        client = build_qbr_context(sample_book, QUARTER, CLIENTS[lang], lang)
        specs.append(("client", qbr_deck(client, lang)))
    for audience, spec in specs:
        for slide in spec.slides:
            assert slide.layout in EDITION_LAYOUTS[audience]
            assert set(slide.values) == set(LAYOUTS[slide.layout]), slide.layout


def test_a_company_template_without_the_internal_layouts_is_refused_up_front(tmp_path):
    template = company_template(tmp_path / "company.pptx")
    check_deck_template(template, "client")  # enough for the client deck
    with pytest.raises(ValueError, match=r"has no slide layout named 'Score' \(needed by the internal QBR deck\)"):
        check_deck_template(template, "internal")
    prs = Presentation(template)
    for old, new in (("Title Only", "Score"), ("Blank", "Commercial")):
        (layout,) = [x for x in prs.slide_layouts if x.name == old]
        layout._element.cSld.set("name", new)
    prs.save(template)
    with pytest.raises(ValueError, match=r"layout 'Score': no placeholder named 'score' or holding the tag"):
        check_deck_template(template, "internal")

"""The QBR deck round trip: built from the sample's QBR context, read back with python-pptx,
every number checked against the context (formatted by the PDF's Formatter) and against the
PDF's own text, in pt-BR and en."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from pptx import Presentation

from cs_reports.reports.content.qbr import build_qbr_context
from cs_reports.reports.deck.presentation import TAG, number_format, render_deck
from cs_reports.reports.deck.qbr_deck import qbr_deck
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.kinds import produce
from cs_reports.reports.render import Templates, load_branding, strings
from tests.conftest import pdf_text
from tests.reports.test_pdf_numbers import clients  # noqa: F401  (fixture: one paying client per locale)

QUARTER = "2026Q3"
NUMBER = re.compile(r"\d(?:[\d.,]*\d)?")
LANGS = ("pt-BR", "en")


def norm(text: str) -> str:
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


@pytest.fixture(scope="module")
def decks(sample_book, clients):  # noqa: F811 (imported fixture)
    """lang -> (context, deck read back, PDF text) for the same client, quarter and language."""
    out = {}
    for lang in LANGS:
        ctx = build_qbr_context(sample_book, QUARTER, clients[lang], lang)
        prs = Presentation(io.BytesIO(render_deck(qbr_deck(ctx, lang, company="Acme SaaS"))))
        pdf, _ = produce(
            sample_book, "qbr", QUARTER, clients[lang], lang, templates=Templates(), branding=load_branding(None)
        )
        text = pdf_text(pdf)
        out[lang] = (ctx, prs, norm(text))
    return out


def shapes_by_name(slide) -> dict:
    return {s.name: s for s in slide.shapes}


def texts(slide) -> list[str]:
    out = []
    for s in slide.shapes:
        if s.has_text_frame:
            out.append(norm(s.text_frame.text))
        if s.has_table:
            out.extend(norm(c.text) for row in s.table.rows for c in row.cells)
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_kpi_cards_are_the_summary_sections_values(decks, lang):
    ctx, prs, pdf_text = decks[lang]
    fmt, s = Formatter(lang), ctx.summary
    kpis = shapes_by_name(prs.slides[1])
    value = {
        k: norm(kpis[k].text_frame.paragraphs[0].text)
        for k in ("adoption", "active_users", "goals", "nps", "tickets", "csat")
    }
    # Reference: the summary section's fields, formatted as report_templates/qbr/report.html.j2 formats them.
    assert value == {
        "adoption": fmt.percent(s.adoption.now, 0),
        "active_users": fmt.number(s.active_users.now),
        "goals": fmt.number(s.goals_achieved),
        "nps": fmt.number(s.nps.now, 0),
        "tickets": fmt.number(s.tickets.now),
        "csat": fmt.percent(s.csat.now, 0),
    }
    flat = re.sub(r"\s+", " ", pdf_text)
    for key in value:  # the note under each card ("72 no trimestre anterior") is the PDF's
        assert norm(kpis[key].text_frame.paragraphs[2].text) in flat, key


@pytest.mark.parametrize("lang", LANGS)
def test_every_number_on_every_slide_is_in_the_pdf(decks, lang):
    """Each number printed on a slide (cards, tables, captions) is printed in the PDF of the same QBR."""
    ctx, prs, pdf_text = decks[lang]
    in_pdf = set(NUMBER.findall(pdf_text))
    charts = " ".join(c.alt for c in (ctx.adoption.usage_chart, ctx.support.nps_chart))  # the PDF's <img alt>
    allowed = in_pdf | set(NUMBER.findall(charts))
    seen = []
    for number, slide in enumerate(prs.slides, 1):
        for text in texts(slide):
            for token in NUMBER.findall(text):
                seen.append(token)
                assert token in allowed, f"slide {number}: {token!r} (in {text!r}) is not in the PDF"
    assert len(seen) > 30, "the deck prints the QBR's numbers"


@pytest.mark.parametrize("lang", LANGS)
def test_tables_hold_the_contexts_rows(decks, lang):
    ctx, prs, pdf_text = decks[lang]
    fmt, t = Formatter(lang), strings("qbr", lang)
    tables = {norm(s.shapes.title.text_frame.text): s for s in prs.slides if any(x.has_table for x in s.shapes)}
    goals = shapes_by_name(tables[t["goals"]])["table"].table
    rows = [[norm(c.text) for c in row.cells] for row in goals.rows]
    assert rows[0] == [
        t[k] for k in ("objective", "kpi", "baseline", "target", "actual", "label_goal_progress", "status")
    ]
    assert [(r[0], r[1], r[-1]) for r in rows[1:]] == [(g.objective, g.kpi, t[g.status]) for g in ctx.goals.goals]
    for row, goal in zip(rows[1:], ctx.goals.goals, strict=True):
        assert row[5] == fmt.percent(goal.progress, 0)
        for cell in row[2:6]:  # baseline, target, actual with their unit, progress: as the PDF prints them
            assert cell in pdf_text, cell
    support = shapes_by_name(tables[t["support"]])["table"].table
    sup = ctx.support
    assert [norm(row.cells[1].text) for row in support.rows][1:] == [
        fmt.number(sup.tickets.now),
        fmt.number(sup.open_tickets),
        norm(fmt.hours(sup.first_response_hours.now)),
        norm(fmt.hours(sup.first_response_median_hours)),
        norm(fmt.hours(sup.resolution_hours.now)),
        fmt.percent(sup.csat.now, 0),
        fmt.number(sup.ces.now, 1),
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_charts_are_native_with_the_pdfs_data(decks, lang):
    ctx, prs, _ = decks[lang]
    charts = [s for slide in prs.slides for s in slide.shapes if s.has_chart]
    assert [c.chart.chart_type.name for c in charts] == ["COLUMN_CLUSTERED", "COLUMN_CLUSTERED"]
    usage, nps = (c.chart.plots[0] for c in charts)
    assert list(usage.categories) == list(ctx.adoption.usage_chart.labels)
    assert list(usage.series[0].values) == pytest.approx([u.rate for u in ctx.adoption.usage])
    assert list(nps.categories) == list(ctx.support.nps_chart.labels)
    assert list(nps.series[0].values) == pytest.approx(list(ctx.support.nps_chart.values))
    formats = [c.chart.value_axis.tick_labels.number_format for c in charts]
    assert formats == [number_format(lang, percent=True), number_format(lang)]
    assert formats[0] == ("[$-416]0%" if lang == "pt-BR" else "[$-409]0%")


@pytest.mark.parametrize("lang", LANGS)
def test_no_tags_left_and_notes_on_every_slide(decks, lang):
    _, prs, _ = decks[lang]
    for number, slide in enumerate(prs.slides, 1):
        for text in texts(slide):
            assert not TAG.search(text), f"slide {number}: {text!r}"
        assert slide.has_notes_slide, f"slide {number} has notes"
        assert slide.notes_slide.notes_text_frame.text.strip(), f"slide {number} has notes"


@pytest.mark.parametrize("lang", LANGS)
def test_client_deck_shows_nothing_internal(decks, lang):
    _ctx, prs, _ = decks[lang]
    t = strings("qbr", lang)
    everything = " ".join(
        [*(x for s in prs.slides for x in texts(s)), *(s.notes_slide.notes_text_frame.text for s in prs.slides)]
    )
    for key in (
        "health",
        "probability",
        "health_drivers",
        "risks",
        "opportunities",
        "mrr",
        "ltv",
        "cac",
        "gross_margin",
    ):
        if key in t:
            assert t[key] not in everything, key
    assert "Health" not in everything
    assert "probab" not in everything.lower()


@pytest.mark.parametrize(
    "name", ["=cmd|' /C calc'!A0", "<script>alert('x')</script>", 'Ação & Cia "Ltda" ' + "x" * 300]
)
def test_hostile_client_names_stay_text(decks, name):
    ctx, _, _ = decks["pt-BR"]
    hostile = dataclasses.replace(ctx, client=dataclasses.replace(ctx.client, name=name))
    prs = Presentation(io.BytesIO(render_deck(qbr_deck(hostile, "pt-BR"))))
    assert norm(prs.slides[0].shapes.title.text_frame.text) == norm(name)
    assert name[:200] in prs.core_properties.title


def test_a_deck_is_made_only_for_its_contexts_edition(decks):
    """A client context can never be drawn as the internal deck (nor the other way round)."""
    ctx, _, _ = decks["en"]
    with pytest.raises(
        ValueError, match=r"^Deck audience must be one of \['client', 'internal'\] and match the context's"
    ):
        qbr_deck(ctx, "en", audience="internal")


def company_template(path):
    """PowerPoint's stock master turned into a QBR template as docs/decks.md describes: layouts renamed,
    placeholders renamed in the selection pane or given tags."""
    prs = Presentation()
    layouts = {layout.name: layout for layout in prs.slide_layouts}

    def setup(old, new, names=None, texts=None):
        layout = layouts[old]
        layout._element.cSld.set("name", new)
        for ph in layout.placeholders:
            idx = ph.placeholder_format.idx
            if names and idx in names:
                ph.name = names[idx]
            if texts and idx in texts:
                ph.text_frame.text = texts[idx]

    setup("Title Slide", "Cover", texts={1: "{{ subtitle }}\n{{ details }}"})
    setup(
        "Title and Content",
        "KPIs",
        texts={
            1: "Adoção {{ adoption }} · {{ active_users }} usuários · {{ goals }} objetivos\nNPS {{ nps }} · {{ tickets }} chamados · CSAT {{ csat }}"
        },
    )
    setup("Content with Caption", "Chart", names={1: "chart", 2: "caption"})
    setup("Two Content", "Table", names={1: "table"})
    setup("Section Header", "Bullets", names={1: "body"})
    prs.save(path)
    return path


def test_a_company_template_made_as_documented(decks, tmp_path):
    ctx, _, _ = decks["pt-BR"]
    fmt = Formatter("pt-BR")
    spec = qbr_deck(ctx, "pt-BR")
    prs = Presentation(io.BytesIO(render_deck(spec, company_template(tmp_path / "company.pptx"))))
    assert [s.slide_layout.name for s in prs.slides] == [s.layout for s in spec.slides]
    kpis = [norm(s.text_frame.text) for s in prs.slides[1].shapes if s.has_text_frame]
    s = ctx.summary
    assert kpis[1] == (
        f"Adoção {fmt.percent(s.adoption.now, 0)} · {fmt.number(s.active_users.now)} usuários · "
        f"{fmt.number(s.goals_achieved)} objetivos\n"
        f"NPS {fmt.number(s.nps.now, 0)} · {fmt.number(s.tickets.now)} chamados · CSAT {fmt.percent(s.csat.now, 0)}"
    )
    charts = [s for slide in prs.slides for s in slide.shapes if s.has_chart]
    assert len(charts) == 2
    assert all(c.name == "chart" for c in charts)
    for number, slide in enumerate(prs.slides, 1):
        for text in texts(slide):
            assert not TAG.search(text), f"slide {number}: {text!r}"


def test_a_chart_without_data_becomes_a_nothing_recorded_slide(decks):
    """A client without Usage rows: the PDF draws an empty frame; the deck says 'nothing recorded' instead."""
    from cs_reports.reports.content.charts import bar_chart

    ctx, _, _ = decks["en"]
    section = dataclasses.replace(ctx.adoption, usage=(), usage_chart=bar_chart([], lang="en", alt="none"))
    empty = dataclasses.replace(ctx, adoption=section)
    spec = qbr_deck(empty, "en")
    t = strings("qbr", "en")
    (adoption,) = [s for s in spec.slides if s.values.get("title") == t["adoption"]]
    assert adoption.layout == "Bullets"
    prs = Presentation(io.BytesIO(render_deck(spec)))
    assert len([s for slide in prs.slides for s in slide.shapes if s.has_chart]) == 1
    assert t["none"] in [x for slide in prs.slides for x in texts(slide)]


def test_produce_applies_branding_to_the_builtin_template_only(sample_book, clients, tmp_path):  # noqa: F811
    import base64
    import zipfile

    from PIL import Image

    from cs_reports.reports.deck.qbr_deck import produce_qbr_deck
    from cs_reports.reports.render import Branding

    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), "#FFD166").save(buffer, "PNG")
    brand = Branding(
        "Acme CS", "#6A1B9A", "#00897B", "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    )
    data, ctx = produce_qbr_deck(sample_book, QUARTER, clients["en"], "en", branding=brand)
    assert ctx.client.client_id == clients["en"]
    theme = zipfile.ZipFile(io.BytesIO(data)).read("ppt/theme/theme1.xml").decode()
    assert '<a:accent1><a:srgbClr val="6A1B9A"/></a:accent1>' in theme
    cover = {s.name: s for s in Presentation(io.BytesIO(data)).slides[0].shapes}
    assert cover["company"].text_frame.text == "Acme CS"
    assert cover["logo"].shape_type.name == "PICTURE"
    own, _ = produce_qbr_deck(
        sample_book, QUARTER, clients["en"], "en", template=company_template(tmp_path / "c.pptx"), branding=brand
    )
    assert "6A1B9A" not in zipfile.ZipFile(io.BytesIO(own)).read("ppt/theme/theme1.xml").decode()

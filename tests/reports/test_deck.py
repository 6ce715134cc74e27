"""The deck engine on its own: layouts and placeholders by name or tag, clear template errors,
native charts and tables, hostile text, atomic writes. Templates are built here with python-pptx
the way a company would make one in PowerPoint (rename a layout, type a tag into a placeholder)."""

from __future__ import annotations

import copy
import importlib.util
import io
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from pptx.util import Inches

from cs_reports.errors import InvalidInputError
from cs_reports.reports.deck.presentation import (
    Bullets,
    ChartSpec,
    DeckSpec,
    DeckTemplateError,
    Kpi,
    Picture,
    Series,
    SlideSpec,
    TableSpec,
    default_template,
    number_format,
    render_deck,
    write_deck,
)

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ("=cmd|' /C calc'!A0", "<script>alert(1)</script>", "+SUM(A1:A9)", '@import & "quotes"')


def open_deck(data: bytes):
    return Presentation(io.BytesIO(data))


def slide_texts(slide) -> list[str]:
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return out


def company_template(
    tmp_path: Path, *, body_text: str = "MRR {{ mrr }} · NPS {{ nps }}", rename: dict | None = None
) -> Path:
    """A company template: python-pptx's stock master with 'Title and Content' renamed to 'Resumo'
    and a tagged body placeholder, as a user would type it in PowerPoint's slide-master view."""
    prs = Presentation()
    layout = prs.slide_layouts.get_by_name("Title and Content")
    layout._element.cSld.set("name", "Resumo")
    body = next(ph for ph in layout.placeholders if ph.placeholder_format.idx == 1)
    body.text_frame.text = body_text
    for ph in layout.placeholders:
        if rename and ph.name in rename:
            ph.name = rename[ph.name]
    path = tmp_path / "company.pptx"
    prs.save(path)
    return path


# --------------------------------------------------------------------------- built-in template


def test_default_template_has_the_documented_layouts():
    prs = Presentation(default_template())
    found = {layout.name: sorted(ph.name for ph in layout.placeholders) for layout in prs.slide_layouts}
    # The table in report_templates/deck/build_default.py and docs/decks.md.
    assert found == {
        "Cover": sorted(["title", "subtitle", "details", "company", "logo"]),
        "KPIs": sorted(["title", "adoption", "active_users", "goals", "nps", "tickets", "csat"]),
        "Chart": ["caption", "chart", "title"],
        "Table": ["caption", "table", "title"],
        "Bullets": ["body", "title"],
        "Score": ["caption", "score", "table", "title"],
        "Commercial": sorted(["title", "mrr", "ltv", "cac", "gross_margin", "chart", "caption"]),
    }
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
    assert len(prs.slides) == 0


def test_default_template_is_what_its_script_builds():
    spec = importlib.util.spec_from_file_location("build_default", ROOT / "report_templates/deck/build_default.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == default_template().read_bytes(), "run report_templates/deck/build_default.py"


# --------------------------------------------------------------------------- filling


def test_placeholders_by_name_kpis_bullets_and_notes():
    deck = DeckSpec(
        (
            SlideSpec(
                "KPIs",
                {"title": "Resumo", "adoption": Kpi("69%", "Taxa de adoção", "63% no trimestre anterior")},
                notes="Abrir pelo MRR.",
            ),
            SlideSpec("Bullets", {"title": "Agenda", "body": Bullets(("Resultados", "Próximos passos"))}),
        ),
        title="Deck de teste",
    )
    prs = open_deck(render_deck(deck))
    kpis, agenda = prs.slides
    shapes = {s.name: s for s in kpis.shapes}
    assert set(shapes) == {"title", "adoption"}, "placeholders the spec does not fill are removed"
    assert [p.text for p in shapes["adoption"].text_frame.paragraphs] == [
        "69%",
        "Taxa de adoção",
        "63% no trimestre anterior",
    ]
    assert [p.level for p in shapes["adoption"].text_frame.paragraphs] == [0, 1, 2]
    assert kpis.notes_slide.notes_text_frame.text == "Abrir pelo MRR."
    assert slide_texts(agenda) == ["Agenda", "Resultados\nPróximos passos"]
    assert not agenda.has_notes_slide
    assert prs.core_properties.title == "Deck de teste"


def test_tags_are_replaced_inside_the_placeholder_text(tmp_path):
    template = company_template(tmp_path)
    deck = DeckSpec(
        (SlideSpec("Resumo", {"title": "Resumo do trimestre", "mrr": "R$ 1.234,56", "nps": Kpi("42", "NPS")}),)
    )
    (slide,) = open_deck(render_deck(deck, template)).slides
    assert slide_texts(slide) == ["Resumo do trimestre", "MRR R$ 1.234,56 · NPS 42"]


def test_the_templates_own_slides_are_dropped(tmp_path):
    template = company_template(tmp_path)
    prs = Presentation(template)
    prs.slides.add_slide(prs.slide_layouts[0]).shapes.title.text = "Exemplo da marca"
    prs.save(template)
    deck = DeckSpec((SlideSpec("Resumo", {"mrr": "1", "nps": "2"}),))
    out = open_deck(render_deck(deck, template))
    assert len(out.slides) == 1
    assert "Exemplo da marca" not in " ".join(t for s in out.slides for t in slide_texts(s))


# --------------------------------------------------------------------------- template errors


def test_missing_layout_names_it_and_lists_the_layouts(tmp_path):
    template = company_template(tmp_path)
    deck = DeckSpec((SlideSpec("Resumo", {"mrr": "1", "nps": "2"}), SlideSpec("KPIs", {"mrr": "1"})))
    with pytest.raises(DeckTemplateError) as err:
        render_deck(deck, template)
    assert str(err.value) == (
        f"Deck template '{template}' has no slide layout named 'KPIs' (needed by slide 2); layouts: "
        "['Blank', 'Comparison', 'Content with Caption', 'Picture with Caption', 'Resumo', 'Section Header', "
        "'Title Only', 'Title Slide', 'Title and Vertical Text', 'Two Content', 'Vertical Title and Text']."
    )


def test_renamed_placeholder_names_layout_and_placeholder(tmp_path):
    template = company_template(tmp_path, body_text="MRR {{ receita }}")
    deck = DeckSpec((SlideSpec("Resumo", {"title": "x", "mrr": "R$ 1"}),))
    with pytest.raises(DeckTemplateError) as err:
        render_deck(deck, template)
    assert str(err.value) == (
        f"Deck template '{template}', layout 'Resumo': no placeholder named 'mrr' or holding the tag '{{{{ mrr }}}}' "
        "(needed by slide 1); placeholders: ['Title 1', \"Content Placeholder 2 ['receita']\", 'Date Placeholder 3', "
        "'Footer Placeholder 4', 'Slide Number Placeholder 5']."
    )


def test_a_chart_needs_a_named_placeholder(tmp_path):
    template = company_template(tmp_path, body_text="{{ chart }}")
    chart = ChartSpec("line", ("a", "b"), (Series("MRR", (1.0, 2.0)),))
    with pytest.raises(
        DeckTemplateError, match=r"layout 'Resumo': 'chart' is a chart and needs a placeholder named 'chart'"
    ):
        render_deck(DeckSpec((SlideSpec("Resumo", {"chart": chart}),)), template)
    template = company_template(tmp_path, body_text="anything", rename={"Content Placeholder 2": "chart"})
    (slide,) = open_deck(render_deck(DeckSpec((SlideSpec("Resumo", {"chart": chart}),)), template)).slides
    assert [s.name for s in slide.shapes if s.has_chart] == ["chart"]


def test_a_tag_left_without_value_is_an_error(tmp_path):
    template = company_template(tmp_path, body_text="MRR {{ mrr }} · churn {{ churn }}")
    with pytest.raises(DeckTemplateError) as err:
        render_deck(DeckSpec((SlideSpec("Resumo", {"mrr": "R$ 1"}),)), template)
    assert str(err.value) == (
        f"Deck template '{template}', layout 'Resumo', placeholder 'Content Placeholder 2': tag '{{{{ churn }}}}' "
        "has no value on slide 1; values given: ['mrr']."
    )


@pytest.mark.parametrize(
    "text",
    [
        "Olá {{primeiro_nome}}, obrigado!",  # a survey tool's unfilled merge field in an NPS comment
        "{{ mrr }}",  # looks exactly like one of the template's own tags
        "{{",
        "a }} b {{ c",
        "{{{{ nested }}}}",
    ],
)
def test_client_text_that_looks_like_a_tag_is_data_not_a_tag(tmp_path, text):
    # Issue 27: a goal or a comment holding {{ ... }} failed that client's deck (and its PDF).
    template = company_template(tmp_path, body_text="MRR {{ mrr }} · churn {{ churn }}")
    deck = render_deck(DeckSpec((SlideSpec("Resumo", {"mrr": text, "churn": "2%", "title": text}),)), template)
    (slide,) = open_deck(deck).slides
    shown = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    assert f"MRR {text} · churn 2%" in shown
    assert text in shown.splitlines()[0] or text in shown
    deck = render_deck(DeckSpec((SlideSpec("Bullets", {"title": text, "body": Bullets((text, "ok"))}),)))
    (slide,) = open_deck(deck).slides
    assert text in "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def test_an_unfilled_placeholder_with_a_tag_is_an_error(tmp_path):
    template = company_template(tmp_path, body_text="NPS {{ nps }}")
    with pytest.raises(DeckTemplateError) as err:
        render_deck(DeckSpec((SlideSpec("Resumo", {"title": "x"}),)), template)
    assert str(err.value) == (
        f"Deck template '{template}', layout 'Resumo', placeholder 'Content Placeholder 2': tag '{{{{ nps }}}}' "
        "has no value on slide 1; values given: ['title']."
    )


def test_a_tag_in_a_layout_text_box_is_an_error(tmp_path):
    template = company_template(tmp_path)
    prs = Presentation(template)
    layout = prs.slide_layouts.get_by_name("Resumo")
    scratch = prs.slides.add_slide(layout)  # python-pptx adds text boxes to slides only: draw it there, move it
    box = scratch.shapes.add_textbox(Inches(1), Inches(6), Inches(4), Inches(0.5))
    box.name = "Rodapé"
    box.text_frame.text = "Cliente: {{ client }}"
    layout.shapes._spTree.append(copy.deepcopy(box._element))
    prs.save(template)
    with pytest.raises(
        DeckTemplateError, match=r"layout 'Resumo', shape 'Rodapé': tag '\{\{ client \}\}' is left unfilled"
    ):
        render_deck(DeckSpec((SlideSpec("Resumo", {"mrr": "1", "nps": "2"}),)), template)


def test_two_layouts_with_one_name_is_ambiguous(tmp_path):
    prs = Presentation()
    for layout in list(prs.slide_layouts)[:2]:
        layout._element.cSld.set("name", "Resumo")
    prs.save(tmp_path / "twice.pptx")
    with pytest.raises(DeckTemplateError, match="has 2 slide layouts named 'Resumo' .*rename all but one"):
        render_deck(DeckSpec((SlideSpec("Resumo", {}),)), tmp_path / "twice.pptx")


def test_a_template_that_is_not_a_pptx(tmp_path):
    bad = tmp_path / "company.pptx"
    bad.write_text("not a deck")
    with pytest.raises(InvalidInputError, match=r"^Deck template '.*company.pptx' is not a PowerPoint .pptx file"):
        render_deck(DeckSpec(()), bad)
    with pytest.raises(InvalidInputError, match=r"^Deck template '.*nowhere.pptx' does not exist.$"):
        render_deck(DeckSpec(()), tmp_path / "nowhere.pptx")


def test_spec_shapes_are_checked():
    with pytest.raises(InvalidInputError, match=r"^TableSpec row 2 has 1 cells; expected 2 \(the header's\).$"):
        TableSpec(("a", "b"), (("1", "2"), ("3",)))
    with pytest.raises(InvalidInputError, match=r"series 'MRR' has 1 values; expected 2 \(one per category\)"):
        ChartSpec("line", ("jan", "fev"), (Series("MRR", (1.0,)),))
    with pytest.raises(InvalidInputError, match=r"^ChartSpec needs at least one category"):
        ChartSpec("line", (), ())
    with pytest.raises(InvalidInputError, match="kind must be 'line' or 'column', got 'pie'"):
        ChartSpec("pie", ("a",), ())  # type: ignore[arg-type]


# --------------------------------------------------------------------------- native content


def test_native_chart_with_embedded_data_and_locale_format():
    fmt = number_format("pt-BR", currency="BRL")
    chart = ChartSpec(
        "column", ("jul/26", "ago/26", "set/26"), (Series("MRR", (1200.5, None, 1500.0)),), fmt, data_labels=True
    )
    (slide,) = open_deck(render_deck(DeckSpec((SlideSpec("Chart", {"title": "MRR", "chart": chart}),)))).slides
    (frame,) = [s for s in slide.shapes if s.has_chart]
    c = frame.chart
    assert c.chart_type.name == "COLUMN_CLUSTERED"
    assert list(c.plots[0].categories) == ["jul/26", "ago/26", "set/26"]
    assert list(c.plots[0].series[0].values) == [1200.5, None, 1500.0]
    assert c.value_axis.tick_labels.number_format == "[$R$-416] #,##0"
    assert not c.value_axis.tick_labels.number_format_is_linked
    assert c.plots[0].data_labels.number_format == "[$R$-416] #,##0"
    assert c.value_axis.minimum_scale == 0
    workbook = openpyxl.load_workbook(io.BytesIO(c.part.chart_workbook.xlsx_part.blob))
    sheet = workbook.active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        [None, "MRR"],
        ["jul/26", 1200.5],
        ["ago/26", None],
        ["set/26", 1500],
    ]
    assert sheet["B2"].number_format == "[$R$-416] #,##0"


def test_nps_by_quarter_shows_gaps_and_answer_counts(sample_book):
    """A quarter without answers is a gap, not an NPS of 0; each bar says its answers, as the PDF does."""
    from cs_reports.reports.content.qbr import build_qbr_context
    from cs_reports.reports.deck.qbr_deck import qbr_deck

    # the sample's C0082 (C0011 before issue 23 changed the sample): no answers for four quarters, then NPS 0, 0
    ctx = build_qbr_context(sample_book, "2026Q3", "C0082", "en")
    quarters = ctx.support.nps_quarters
    assert [q.answers for q in quarters][:4] == [0, 0, 0, 0]
    charts = [v for slide in qbr_deck(ctx, "en").slides for v in slide.values.values() if isinstance(v, ChartSpec)]
    (spec,) = [c for c in charts if c.series[0].name == "NPS"]
    assert spec.series[0].values == tuple(None if q.answers == 0 else q.score for q in quarters)
    assert spec.point_labels == ("— (0)",) * 4 + ("0 (1)", "0 (2)")
    (slide,) = open_deck(render_deck(DeckSpec((SlideSpec("Chart", {"title": "NPS", "chart": spec}),)))).slides
    (frame,) = [s for s in slide.shapes if s.has_chart]
    points = frame.chart.plots[0].series[0].points
    assert [points[i].data_label.text_frame.text for i in range(6)] == list(spec.point_labels)
    assert frame.chart.value_axis.major_unit == 1  # all-zero scores: whole steps, not "0, 0, 1, 1"


def test_a_share_axis_stops_at_100_percent():
    chart = ChartSpec("column", ("jun", "jul"), (Series("Adoption", (0.93, 0.98)),), number_format("en", percent=True))
    (slide,) = open_deck(render_deck(DeckSpec((SlideSpec("Chart", {"title": "A", "chart": chart}),)))).slides
    (frame,) = [s for s in slide.shapes if s.has_chart]
    assert (frame.chart.value_axis.minimum_scale, frame.chart.value_axis.maximum_scale) == (0, 1)


def test_native_table_right_aligns_numbers():
    table = TableSpec(("Indicador", "Valor"), (("Chamados", "12"), ("CSAT", "91%")), numeric=(1,))
    (slide,) = open_deck(render_deck(DeckSpec((SlideSpec("Table", {"title": "Suporte", "table": table}),)))).slides
    (frame,) = [s for s in slide.shapes if s.has_table]
    assert frame.name == "table"
    cells = [[cell.text for cell in row.cells] for row in frame.table.rows]
    assert cells == [["Indicador", "Valor"], ["Chamados", "12"], ["CSAT", "91%"]]
    assert frame.table.cell(1, 1).text_frame.paragraphs[0].alignment.name == "RIGHT"


@pytest.mark.parametrize("text", [*HOSTILE, "x" * 2000])
def test_hostile_text_stays_text_everywhere(text):
    chart = ChartSpec("line", (text, "b"), (Series(text, (1.0, 2.0)),))
    deck = DeckSpec(
        (
            SlideSpec("Cover", {"title": text, "company": text}, notes=text),
            SlideSpec("Table", {"title": "t", "table": TableSpec(("a",), ((text,),))}),
            SlideSpec("Chart", {"title": "c", "chart": chart}),
        ),
        title=text,
    )
    data = render_deck(deck)
    prs = open_deck(data)
    cover, table, chart_slide = prs.slides
    assert slide_texts(cover) == [text, text]
    assert cover.notes_slide.notes_text_frame.text == text
    assert text in slide_texts(table)
    (frame,) = [s for s in chart_slide.shapes if s.has_chart]
    assert list(frame.chart.plots[0].categories) == [text, "b"]
    assert frame.chart.plots[0].series[0].name == text
    sheet = openpyxl.load_workbook(io.BytesIO(frame.chart.part.chart_workbook.xlsx_part.blob)).active
    assert (sheet["A2"].value, sheet["A2"].data_type) == (text, "s"), "a label is never a formula in the embedded data"
    assert (sheet["B1"].value, sheet["B1"].data_type) == (text, "s")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert "<script>" not in xml, "markup is escaped in the XML"


def test_control_characters_stay_visible_as_escapes():
    deck = DeckSpec((SlideSpec("Cover", {"title": "Acme\x1b[31m\x07 Ltda"}),))
    (slide,) = open_deck(render_deck(deck)).slides
    assert slide_texts(slide) == ["Acme_x001B_[31m_x0007_ Ltda"]


# --------------------------------------------------------------------------- writing


def test_write_deck_is_atomic(tmp_path):
    ok = DeckSpec((SlideSpec("Cover", {"title": "Acme"}),))
    out = write_deck(ok, tmp_path / "out" / "deck.pptx")
    before = out.read_bytes()
    assert re.match(rb"PK\x03\x04", before)
    with pytest.raises(DeckTemplateError):
        write_deck(DeckSpec((SlideSpec("Nope", {}),)), out)
    assert out.read_bytes() == before, "a failed render leaves the previous deck untouched"
    assert sorted(p.name for p in out.parent.iterdir()) == ["deck.pptx"], "no temporary file is left behind"


def test_write_deck_creates_files_with_normal_permissions(tmp_path):
    out = write_deck(DeckSpec((SlideSpec("Cover", {"title": "Acme"}),)), tmp_path / "deck.pptx")
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


# --------------------------------------------------------------------------- branding


def png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#C0392B").save(buffer, "PNG")
    return buffer.getvalue()


def test_theme_colours_and_logo_on_the_cover():
    deck = DeckSpec((SlideSpec("Cover", {"title": "Acme", "logo": Picture(png(400, 100), "Vendor logo")}),))
    data = render_deck(deck, theme_colors={"accent1": "#aa3300", "dk2": "#112233"})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        theme = z.read("ppt/theme/theme1.xml").decode()
    assert re.search(r'<a:accent1><a:srgbClr val="AA3300"/></a:accent1>', theme)
    assert re.search(r'<a:dk2><a:srgbClr val="112233"/></a:dk2>', theme)
    (slide,) = open_deck(data).slides
    (logo,) = [s for s in slide.shapes if s.name == "logo"]
    box = next(ph for ph in slide.slide_layout.placeholders if ph.name == "logo")
    assert logo.shape_type.name == "PICTURE"
    assert logo.width == box.width, "a wide logo fills the box's width"
    assert logo.width / logo.height == pytest.approx(4, rel=0.01), "and keeps its proportions"
    assert box.top <= logo.top
    assert logo.top + logo.height <= box.top + box.height


def test_bad_logo_and_colours_are_clear_errors():
    svg = Picture(b'<svg xmlns="http://www.w3.org/2000/svg"/>')
    with pytest.raises(
        InvalidInputError, match=r"^The image for slide 1, 'logo' must be PNG, JPEG or GIF; got something else.$"
    ):
        render_deck(DeckSpec((SlideSpec("Cover", {"logo": svg}),)))
    with pytest.raises(
        InvalidInputError, match=r"Theme colours must map .* to '#RRGGBB'; got \{'accent9': '#000000'\}"
    ):
        render_deck(DeckSpec(()), theme_colors={"accent9": "#000000"})


def test_long_text_is_scaled_to_fit_where_the_layout_asks_for_it():
    """The Cover title shrinks on overflow (normAutofit): a 300-character name gets a stored font scale,
    because LibreOffice uses the stored one and PowerPoint recomputes only on edit."""

    def title_fit(name: str):
        (slide,) = open_deck(render_deck(DeckSpec((SlideSpec("Cover", {"title": name}),)))).slides
        fit = slide.shapes.title.text_frame._txBody.bodyPr.find(
            "{http://schemas.openxmlformats.org/drawingml/2006/main}normAutofit"
        )
        return None if fit is None else int(fit.get("fontScale"))

    assert title_fit("Evergreen Foods Ltd.") is None
    scale = title_fit("Comércio de Alimentos Naturais e Orgânicos do Vale do Paraíba Ltda. " * 4)
    assert scale is not None
    assert 25_000 <= scale < 100_000

"""Editable PowerPoint decks: a neutral deck specification filled into a slide master.

A :class:`DeckSpec` is an ordered list of :class:`SlideSpec`; each names a layout of the
template and gives values for its placeholders: plain text, a :class:`Kpi`, :class:`Bullets`,
a :class:`TableSpec` or a :class:`ChartSpec`, plus speaker notes. :func:`render_deck` puts it
on a template (the built-in ``report_templates/deck/default.pptx`` or a company's own
``.pptx``) with python-pptx:

* a slide's layout is found by its name (``Cover``, ``KPIs``...), in every slide master;
* a value ``key`` goes into the layout placeholder *named* ``key`` (the whole text is
  replaced), else into each placeholder whose text holds the tag ``{{ key }}`` (the tag is
  replaced, the rest of the text stays); ``title`` also finds the layout's title placeholder;
* text stays editable text, KPIs are paragraphs in their placeholder, tables are native
  tables and charts native charts with their data embedded (an xlsx PowerPoint's "Edit
  Data" opens), placed where the placeholder was.

Nothing is guessed: a missing layout or placeholder, a layout name found twice, or a tag left
without a value after filling is a :class:`DeckTemplateError` naming the layout and the
placeholder and listing what the template has. Slides already in the template are dropped
(the deck holds only the spec's slides); placeholders a slide does not fill are removed.

Text is written as text only: a client called ``=cmd|' /C calc'!A0`` or ``<script>`` stays
those characters on the slide, and the workbook embedded in a chart is written with formula
and URL conversion off, so a label is never a formula there either. Control characters are
kept visible as ``_x001B_``-style escapes by python-pptx.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cs_reports._io import atomic_output
from cs_reports._resources import report_templates_dir
from cs_reports.errors import CsReportsError, InvalidInputError

__all__ = [
    "Bullets",
    "ChartSpec",
    "DeckSpec",
    "DeckTemplateError",
    "Kpi",
    "Picture",
    "Series",
    "SlideSpec",
    "TableSpec",
    "Value",
    "default_template",
    "number_format",
    "render_deck",
    "write_deck",
]

#: A ``{{ name }}`` tag in a template's text.
TAG = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


class DeckTemplateError(InvalidInputError):
    """A deck template lacks a layout or placeholder the deck needs, or keeps an unfilled tag."""


@dataclass(frozen=True)
class Kpi:
    """A KPI card: the value (first paragraph), its label and an optional note (smaller)."""

    value: str
    label: str = ""
    note: str = ""


@dataclass(frozen=True)
class Bullets:
    """Paragraphs, one per item (the placeholder's bullet style applies)."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    """A native table: header cells and rows of text; ``numeric`` columns are right-aligned."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for i, row in enumerate(self.rows, 1):
            if len(row) != len(self.header):
                raise InvalidInputError(
                    f"TableSpec row {i} has {len(row)} cells; expected {len(self.header)} (the header's)."
                )


@dataclass(frozen=True)
class Series:
    """One series of a chart; ``None`` is a gap."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class ChartSpec:
    """A native chart: ``line`` or ``column`` over ``categories``.

    ``number_format`` is an Excel number format code in its stored (en-US) syntax, used on the
    value axis and the data labels, e.g. ``'[$R$-416] #,##0'``; see :func:`number_format`.
    """

    kind: Literal["line", "column"]
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    number_format: str = "General"
    data_labels: bool = False
    legend: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("line", "column"):
            raise InvalidInputError(f"ChartSpec kind must be 'line' or 'column', got {self.kind!r}.")
        if not self.categories:
            raise InvalidInputError("ChartSpec needs at least one category; show an empty state instead of a chart.")
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise InvalidInputError(
                    f"ChartSpec series {s.name!r} has {len(s.values)} values; expected {len(self.categories)} "
                    "(one per category)."
                )


@dataclass(frozen=True)
class Picture:
    """An image (PNG, JPEG or GIF bytes) fitted inside its placeholder, keeping its proportions."""

    data: bytes
    description: str = ""


Value = str | Kpi | Bullets | TableSpec | ChartSpec | Picture


@dataclass(frozen=True)
class SlideSpec:
    """One slide: the layout's name, placeholder values by key, and speaker notes."""

    layout: str
    values: Mapping[str, Value] = field(default_factory=dict)
    notes: str = ""


@dataclass(frozen=True)
class DeckSpec:
    """A deck: its slides in order and the document title (file properties)."""

    slides: tuple[SlideSpec, ...]
    title: str = ""


#: Windows locale ids (LCID) of the report languages, for ``[$symbol-LCID]`` in number formats.
_LCID = {"pt-BR": "416", "en": "409"}


def number_format(lang: str, *, currency: str | None = None, percent: bool = False, digits: int = 0) -> str:
    r"""An Excel/PowerPoint number format code for chart axes and labels in ``lang``.

    Format codes are stored in one syntax whatever the language (``,`` groups thousands,
    ``.`` marks decimals, ECMA-376 Part 1 §18.8.31): PowerPoint and Excel then show the
    separators of the viewer's system, LibreOffice those of the locale tag in the code. So a
    pt-BR deck carries ``#,##0.00`` tagged ``-416`` (pt-BR), never the literal ``#.##0,00``,
    which would be read as a decimal point followed by grouping. The currency symbol and its
    spacing come from CLDR (Babel), as in the PDF.

    Examples
    --------
    >>> number_format("pt-BR", currency="BRL"), number_format("en", currency="USD", digits=2)
    ('[$R$-416] #,##0', '[$$-409]#,##0.00')
    >>> number_format("pt-BR", percent=True, digits=1), number_format("en")
    ('[$-416]0.0%', '[$-409]#,##0')
    """
    from babel import Locale
    from babel import numbers as bnumbers

    from cs_reports.reports.formatting import LANGUAGES

    if lang not in _LCID:
        raise InvalidInputError(f"Deck language must be one of {list(_LCID)}, got {lang!r}.")
    body = ("0" if percent else "#,##0") + ("." + "0" * digits if digits else "") + ("%" if percent else "")
    if currency is None:
        return f"[$-{_LCID[lang]}]{body}"
    symbol = bnumbers.get_currency_symbol(currency, locale=LANGUAGES[lang])
    pattern = Locale.parse(LANGUAGES[lang]).currency_formats["standard"].pattern  # pt-BR: '¤\xa0#,##0.00'
    gap = pattern.split("#")[0].replace("¤", "").replace("\xa0", " ")  # a plain space is a literal in any reader
    return f"[${symbol}-{_LCID[lang]}]{gap}{body}"


def default_template() -> Path:
    """The built-in template, ``report_templates/deck/default.pptx``."""
    return report_templates_dir() / "deck" / "default.pptx"


# --------------------------------------------------------------------------- template lookup


def _ph_text(shape: Any) -> str:
    return str(shape.text_frame.text) if shape.has_text_frame else ""


def _layouts(prs: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for master in prs.slide_masters:
        for layout in master.slide_layouts:
            found.setdefault(layout.name, []).append(layout)
    return found


def _layout(prs: Any, name: str, where: str, template: str) -> Any:
    layouts = _layouts(prs)
    matches = layouts.get(name, [])
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise DeckTemplateError(
            f"Deck template '{template}' has no slide layout named '{name}' (needed by {where}); "
            f"layouts: {sorted(layouts)}."
        )
    raise DeckTemplateError(
        f"Deck template '{template}' has {len(matches)} slide layouts named '{name}' (needed by {where}); "
        "rename all but one in the slide master."
    )


def _targets(layout: Any, values: Mapping[str, Value], where: str, template: str) -> dict[int, tuple[bool, list[str]]]:
    """Layout placeholder idx -> (matched by name?, keys it receives: one by name, or the tags it holds)."""
    placeholders = list(layout.placeholders)
    out: dict[int, tuple[bool, list[str]]] = {}
    for key in values:
        named = [ph for ph in placeholders if ph.name == key]
        if not named and key == "title":
            named = [ph for ph in placeholders if ph.placeholder_format.type in (1, 3)]  # TITLE, CENTER_TITLE
        if len(named) > 1:
            raise DeckTemplateError(
                f"Deck template '{template}', layout '{layout.name}': {len(named)} placeholders named '{key}' "
                f"(needed by {where}); rename all but one."
            )
        if named:
            idx = named[0].placeholder_format.idx
            if idx in out:
                raise DeckTemplateError(
                    f"Deck template '{template}', layout '{layout.name}', placeholder '{named[0].name}' would "
                    f"receive both '{key}' and {out[idx][1]} (needed by {where}); give each its own placeholder."
                )
            out[idx] = (True, [key])
            continue
        tagged = [ph for ph in placeholders if key in TAG.findall(_ph_text(ph))]
        if tagged and isinstance(values[key], (ChartSpec, TableSpec, Picture)):
            raise DeckTemplateError(
                f"Deck template '{template}', layout '{layout.name}': '{key}' is a "
                f"{type(values[key]).__name__.removesuffix('Spec').lower()} and needs a placeholder named "
                f"'{key}', not a tag (needed by {where})."
            )
        if not tagged:
            listing = [f"{ph.name} {TAG.findall(_ph_text(ph)) or ''}".strip() for ph in placeholders]
            raise DeckTemplateError(
                f"Deck template '{template}', layout '{layout.name}': no placeholder named '{key}' or holding "
                f"the tag '{{{{ {key} }}}}' (needed by {where}); placeholders: {listing}."
            )
        for ph in tagged:
            by_name, keys = out.setdefault(ph.placeholder_format.idx, (False, []))
            if by_name:
                continue  # filled whole by its name; its own tags are then gone
            keys.append(key)
    return out


# --------------------------------------------------------------------------- filling


def _plain(value: Value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Kpi):
        return value.value
    if isinstance(value, Bullets):
        return "; ".join(value.items)
    raise TypeError(f"no text form for {type(value).__name__}")


def _paragraphs(frame: Any, lines: Sequence[tuple[str, int]]) -> None:
    """Replace ``frame``'s text by ``(text, level)`` paragraphs."""
    frame.text = lines[0][0] if lines else ""
    first = frame.paragraphs[0]
    first.level = lines[0][1] if lines else 0
    for text, level in lines[1:]:
        p = frame.add_paragraph()
        p.text = text
        p.level = level


def _fill_text(shape: Any, value: Value) -> None:
    frame = shape.text_frame
    if isinstance(value, Kpi):
        _paragraphs(frame, [(value.value, 0)] + [(x, i) for i, x in ((1, value.label), (2, value.note)) if x])
    elif isinstance(value, Bullets):
        _paragraphs(frame, [(x, 0) for x in value.items])
    else:
        _paragraphs(frame, [(line, 0) for line in str(value).split("\n")])


def _shrink_to_fit(shape: Any, source: Any) -> None:
    """Scale the text down when it overflows, if the layout asks for it (``normAutofit``).

    PowerPoint recomputes the scale only when the text is edited and LibreOffice uses the stored
    one, so a long client name would run off the slide: estimate the lines the text needs at the
    layout's font size (average glyph 0.55 em, line 1.2 em) and store the largest scale, in steps
    of 5%, at which they fit.
    """
    a = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    body = source._element.find(f".//{a}bodyPr")
    size = source._element.find(f".//{a}lstStyle/{a}lvl1pPr/{a}defRPr")
    if body is None or body.find(f"{a}normAutofit") is None or size is None or not size.get("sz"):
        return
    points = int(size.get("sz")) / 100
    width, height = shape.width / 12700 - 21, shape.height / 12700 - 7
    texts = [p.text for p in shape.text_frame.paragraphs]
    for percent in range(100, 20, -5):
        glyph = 0.55 * points * percent / 100
        per_line = max(1, int(width / glyph))
        lines = sum(max(1, -(-len(text) // per_line)) for text in texts)
        if lines * 1.2 * points * percent / 100 <= height:
            break
    if percent < 100:
        fit = shape.text_frame._txBody.bodyPr.get_or_change_to_normAutofit()
        fit.set("fontScale", str(percent * 1000))
        fit.set("lnSpcReduction", "10000")


def _fill_tags(shape: Any, layout_ph: Any, values: Mapping[str, Value]) -> None:
    """Copy the layout placeholder's paragraphs onto the slide with each tag replaced."""
    frame = shape.text_frame
    body = frame._txBody
    for p in list(body.iterchildren("{http://schemas.openxmlformats.org/drawingml/2006/main}p")):
        body.remove(p)
    for source in layout_ph.text_frame.paragraphs:
        p = copy.deepcopy(source._p)
        body.append(p)
        text = TAG.sub(lambda m: _plain(values[m.group(1)]) if m.group(1) in values else m.group(0), source.text)
        runs = list(p.iterchildren("{http://schemas.openxmlformats.org/drawingml/2006/main}r"))
        for extra in runs[1:]:
            p.remove(extra)
        if runs:
            runs[0].text = text
        else:
            frame.paragraphs[-1].text = text


def _chart_data(spec: ChartSpec) -> Any:
    """python-pptx chart data whose embedded workbook never turns a label into a formula or link.

    python-pptx writes the workbook with XlsxWriter's defaults, which store a text starting
    with ``=`` as a formula: a category named ``=cmd|' /C calc'!A0`` would become a DDE
    formula in the data PowerPoint's "Edit Data" opens. This writer turns that off.
    """
    from pptx.chart.data import CategoryChartData
    from pptx.chart.xlsx import CategoryWorkbookWriter
    from xlsxwriter import Workbook

    class Writer(CategoryWorkbookWriter):  # type: ignore[misc]
        @contextmanager
        def _open_worksheet(self, xlsx_file: Any) -> Iterator[tuple[Any, Any]]:
            options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
            workbook = Workbook(xlsx_file, options)
            yield workbook, workbook.add_worksheet()
            workbook.close()

    class Data(CategoryChartData):  # type: ignore[misc]
        @property
        def _workbook_writer(self) -> Any:
            writer: Any = Writer
            return writer(self)

    make: Any = Data
    data = make(number_format=spec.number_format)
    data.categories = list(spec.categories)
    for s in spec.series:
        data.add_series(s.name, list(s.values))
    return data


def _add_chart(slide: Any, box: tuple[int, int, int, int], key: str, spec: ChartSpec) -> None:
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
    from pptx.util import Pt

    kind = XL_CHART_TYPE.LINE_MARKERS if spec.kind == "line" else XL_CHART_TYPE.COLUMN_CLUSTERED
    frame = slide.shapes.add_chart(kind, *box, _chart_data(spec))
    frame.name = key
    chart = frame.chart
    chart.has_title = False  # the slide's title says what the chart is
    chart.has_legend = spec.legend or len(spec.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    axis = chart.value_axis
    axis.tick_labels.number_format = spec.number_format
    axis.tick_labels.number_format_is_linked = False
    axis.has_major_gridlines = True
    known = [v for s in spec.series for v in s.values if v is not None]
    if known and min(known) >= 0:
        axis.minimum_scale = 0  # bars and MRR stand on zero, as in the PDF's charts
    chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # below negative bars too
    chart.font.size = Pt(12)
    if spec.data_labels:
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.number_format = spec.number_format
        plot.data_labels.number_format_is_linked = False


def _add_table(slide: Any, box: tuple[int, int, int, int], key: str, spec: TableSpec) -> None:
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    x, y, w, _h = box
    rows = len(spec.rows) + 1
    row_height = Pt(30)
    frame = slide.shapes.add_table(rows, len(spec.header), x, y, w, row_height * rows)
    frame.name = key
    table = frame.table
    weights = [1 if c in spec.numeric else 2 for c in range(len(spec.header))]
    for c, weight in enumerate(weights):
        table.columns[c].width = int(w * weight / sum(weights))
    for r, cells in enumerate((spec.header, *spec.rows)):
        for c, text in enumerate(cells):
            cell = table.cell(r, c)
            cell.text = text
            for p in cell.text_frame.paragraphs:
                p.font.size = Pt(14)
                if c in spec.numeric:
                    p.alignment = PP_ALIGN.RIGHT


def _add_picture(slide: Any, box: tuple[int, int, int, int], key: str, spec: Picture, where: str) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(spec.data)) as image:
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError):
        kind, width, height = None, 0, 0
    if kind not in ("PNG", "JPEG", "GIF") or not width or not height:
        raise InvalidInputError(f"The image for {where} must be PNG, JPEG or GIF; got {kind or 'something else'}.")
    x, y, w, h = box
    scale = min(w / width, h / height)
    cx, cy = int(width * scale), int(height * scale)
    picture = slide.shapes.add_picture(io.BytesIO(spec.data), x + (w - cx) // 2, y + (h - cy) // 2, cx, cy)
    picture.name = key
    if spec.description:
        picture._element.nvPicPr.cNvPr.set("descr", spec.description)


def _box(shape: Any) -> tuple[int, int, int, int]:
    return int(shape.left), int(shape.top), int(shape.width), int(shape.height)


def _fill_slide(prs: Any, number: int, spec: SlideSpec, template: str) -> Any:
    where = f"slide {number}"
    layout = _layout(prs, spec.layout, where, template)
    targets = _targets(layout, spec.values, where, template)
    layout_phs = {ph.placeholder_format.idx: ph for ph in layout.placeholders}
    slide = prs.slides.add_slide(layout)
    for shape in list(slide.placeholders):
        idx = shape.placeholder_format.idx
        by_name, keys = targets.get(idx, (False, []))
        source = layout_phs.get(idx)
        if not keys:
            left = TAG.findall(_ph_text(source)) if source is not None else []
            if source is not None and left:
                raise DeckTemplateError(
                    f"Deck template '{template}', layout '{layout.name}', placeholder '{source.name}': tag "
                    f"'{{{{ {left[0]} }}}}' has no value on {where}; values given: {sorted(spec.values)}."
                )
            shape._element.getparent().remove(shape._element)
            continue
        shape.name = source.name if source is not None else shape.name
        value = spec.values[keys[0]]
        if isinstance(value, ChartSpec):
            _add_chart(slide, _box(shape), keys[0], value)
            shape._element.getparent().remove(shape._element)
        elif isinstance(value, TableSpec):
            _add_table(slide, _box(shape), keys[0], value)
            shape._element.getparent().remove(shape._element)
        elif isinstance(value, Picture):
            _add_picture(slide, _box(shape), keys[0], value, f"{where}, '{keys[0]}'")
            shape._element.getparent().remove(shape._element)
        else:
            if not by_name and source is not None:
                _fill_tags(shape, source, spec.values)
            else:
                _fill_text(shape, value)
            if source is not None:
                _shrink_to_fit(shape, source)
    if spec.notes:
        slide.notes_slide.notes_text_frame.text = spec.notes
    return slide


def _leftover_tags(prs: Any, template: str) -> None:
    """Raise if any ``{{ }}`` tag is visible on a slide, its layout or master after filling."""

    def texts(shapes: Any) -> Iterator[tuple[str, str]]:
        for shape in shapes:
            if shape.has_text_frame:
                yield shape.name, shape.text_frame.text
            if getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    for cell in row.cells:
                        yield shape.name, cell.text

    for number, slide in enumerate(prs.slides, 1):
        layout = slide.slide_layout
        sources = [(f"slide {number}", slide.shapes)]
        sources.append((f"layout '{layout.name}'", [s for s in layout.shapes if not s.is_placeholder]))
        sources.append(("slide master", [s for s in layout.slide_master.shapes if not s.is_placeholder]))
        for where, shapes in sources:
            for name, text in texts(shapes):
                tag = TAG.search(text)
                if tag:
                    raise DeckTemplateError(
                        f"Deck template '{template}', {where}, shape '{name}': tag '{tag.group(0)}' is left unfilled "
                        f"(seen on slide {number}); only placeholders are filled: move the tag into a placeholder "
                        "of the layout or remove it."
                    )


#: Theme colour slots :func:`render_deck` may set (DrawingML ``a:clrScheme`` children).
THEME_SLOTS = ("dk1", "lt1", "dk2", "lt2", "accent1", "accent2", "accent3", "accent4", "accent5", "accent6")


def _theme_colors(prs: Any, colors: Mapping[str, str]) -> None:
    """Set theme colour slots (e.g. ``{"accent1": "#1F4E79"}``) in every slide master's theme."""
    from lxml import etree
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    bad = {k: v for k, v in colors.items() if k not in THEME_SLOTS or not re.fullmatch(r"#[0-9A-Fa-f]{6}", v)}
    if bad:
        raise InvalidInputError(f"Theme colours must map {list(THEME_SLOTS)} to '#RRGGBB'; got {bad}.")
    a = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    for master in prs.slide_masters:
        part = master.part.part_related_by(RT.THEME)
        root = etree.fromstring(part.blob)
        scheme = root.find(f".//{a}clrScheme")
        for slot, value in colors.items():
            element = scheme.find(f"{a}{slot}") if scheme is not None else None
            if element is None:
                continue
            for child in list(element):
                element.remove(child)
            etree.SubElement(element, f"{a}srgbClr", val=value[1:].upper())
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def render_deck(
    spec: DeckSpec, template: str | Path | None = None, *, theme_colors: Mapping[str, str] | None = None
) -> bytes:
    """Fill ``spec`` into ``template`` (default: the built-in one) and return the .pptx bytes.

    ``theme_colors`` overrides colours of the template's theme (``{"accent1": "#1F4E79"}``);
    shapes, tables and charts drawn in theme colours follow it (the built-in template draws
    everything in ``accent1``/``dk2``, and charts use ``accent1`` first).

    Raises :class:`DeckTemplateError` for a missing layout/placeholder or a leftover tag, and
    :class:`InvalidInputError` when ``template`` is not a readable .pptx.

    Examples
    --------
    >>> deck = DeckSpec((SlideSpec("Bullets", {"title": "Agenda", "body": Bullets(("Results", "Next steps"))}),))
    >>> render_deck(deck)[:2]
    b'PK'
    """
    try:
        from pptx import Presentation
    except ImportError:
        raise CsReportsError("PowerPoint decks need python-pptx: pip install 'cs-reports[pptx]'.") from None

    path = Path(template) if template is not None else default_template()
    shown = path.name if template is None else str(template)
    if not path.is_file():
        raise InvalidInputError(f"Deck template '{shown}' does not exist.")
    try:
        prs = Presentation(str(path))
    except Exception as exc:  # python-pptx raises several types for a file that is not a .pptx
        raise InvalidInputError(f"Deck template '{shown}' is not a PowerPoint .pptx file ({exc}).") from None
    if theme_colors:
        _theme_colors(prs, theme_colors)
    slide_ids = prs.slides._sldIdLst
    for sld in list(slide_ids):  # the template's own sample slides
        prs.part.drop_rel(sld.rId)
        slide_ids.remove(sld)
    for number, slide in enumerate(spec.slides, 1):
        _fill_slide(prs, number, slide, shown)
    _leftover_tags(prs, shown)
    if spec.title:  # file properties hold at most 255 characters
        prs.core_properties.title = spec.title if len(spec.title) <= 255 else spec.title[:254] + "…"
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


def write_deck(
    spec: DeckSpec,
    path: str | Path,
    template: str | Path | None = None,
    *,
    theme_colors: Mapping[str, str] | None = None,
) -> Path:
    """Render ``spec`` and write it atomically to ``path`` (see :func:`cs_reports._io.atomic_output`)."""
    data = render_deck(spec, template, theme_colors=theme_colors)
    with atomic_output(path) as fh:
        fh.write(data)
    return Path(path)

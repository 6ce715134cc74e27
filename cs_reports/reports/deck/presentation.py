"""Editable PowerPoint decks: a neutral deck specification filled into a slide master.

A :class:`DeckSpec` (:mod:`cs_reports.reports.content.slide_spec`) is an ordered list of :class:`SlideSpec`; each names a layout of the
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
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from cs_reports._io import atomic_output
from cs_reports._resources import report_templates_dir
from cs_reports._zip import check_zip_limits
from cs_reports.errors import CsReportsError, InvalidInputError
from cs_reports.reports.content.slide_spec import (
    Bullets,
    ChartSpec,
    DeckSpec,
    Kpi,
    Picture,
    Series,
    SlideSpec,
    TableSpec,
    Value,
    number_format,
)
from cs_reports.reports.deck.shapes import add_chart, add_picture, add_table, box_of, shrink_to_fit

__all__ = [
    "THEME_SLOTS",
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
    "check_template",
    "default_template",
    "number_format",
    "render_deck",
    "write_deck",
]

#: A ``{{ name }}`` tag in a template's text.
TAG = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


class DeckTemplateError(InvalidInputError):
    """A deck template lacks a layout or placeholder the deck needs, or keeps an unfilled tag."""


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


def _fill_tags(shape: Any, layout_ph: Any, values: Mapping[str, Value], where: str, template: str, layout: str) -> None:
    """Copy the layout placeholder's paragraphs onto the slide with each tag replaced.

    Tags are looked for in the **template's** text only: a value is data, never a tag, so a
    client's text that holds ``{{ ... }}`` (a survey tool's unfilled merge field) is shown as
    it is. A template tag without a value is a :class:`DeckTemplateError`.
    """
    for source in layout_ph.text_frame.paragraphs:
        missing = [m.group(1) for m in TAG.finditer(source.text) if m.group(1) not in values]
        if missing:
            raise DeckTemplateError(
                f"Deck template '{template}', layout '{layout}', placeholder '{layout_ph.name}': tag "
                f"'{{{{ {missing[0]} }}}}' has no value on {where}; values given: {sorted(values)}."
            )
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


def _fill_slide(prs: Any, where: str, spec: SlideSpec, template: str) -> Any:
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
            add_chart(slide, box_of(shape), keys[0], value)
            shape._element.getparent().remove(shape._element)
        elif isinstance(value, TableSpec):
            add_table(slide, box_of(shape), keys[0], value)
            shape._element.getparent().remove(shape._element)
        elif isinstance(value, Picture):
            add_picture(slide, box_of(shape), keys[0], value, f"{where}, '{keys[0]}'")
            shape._element.getparent().remove(shape._element)
        else:
            if not by_name and source is not None:
                _fill_tags(shape, source, spec.values, where, template, layout.name)
            else:
                _fill_text(shape, value)
            if source is not None:
                shrink_to_fit(shape, source)
    if spec.notes:
        slide.notes_slide.notes_text_frame.text = spec.notes
    return slide


def _leftover_tags(prs: Any, template: str, seen: Callable[[int], str]) -> None:
    """Raise if a ``{{ }}`` tag of the template is visible on a layout or master (never filled).

    Only the template's own shapes are searched: the slides' placeholders hold values, which
    are data (a tag left in a placeholder's template text is :func:`_fill_tags`'s error).
    """

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
        sources = [(f"layout '{layout.name}'", [s for s in layout.shapes if not s.is_placeholder])]
        sources.append(("slide master", [s for s in layout.slide_master.shapes if not s.is_placeholder]))
        for where, shapes in sources:
            for name, text in texts(shapes):
                tag = TAG.search(text)
                if tag:
                    raise DeckTemplateError(
                        f"Deck template '{template}', {where}, shape '{name}': tag '{tag.group(0)}' is left unfilled "
                        f"(seen on {seen(number)}); only placeholders are filled: move the tag into a placeholder "
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


#: Unpacked bytes a deck template may hold: every deck sent to a client copies its parts.
DECK_TEMPLATE_MAX_UNPACKED = 256 * 1024**2
_TEMPLATES: dict[tuple[str, int, int], bytes] = {}


def _template_bytes(path: Path, shown: str) -> bytes:
    """The template's bytes, read and checked against the zip limits once per process and file version.

    The limits (:mod:`cs_reports._zip`: parts, unpacked size, ratio) apply before python-pptx
    sees the file, so a zip bomb, or a real template carrying a huge image, is refused in one
    line from its directory alone.
    """
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
        if key not in _TEMPLATES:
            check_zip_limits(path, f"Deck template '{shown}'", max_unpacked=DECK_TEMPLATE_MAX_UNPACKED)
            _TEMPLATES.clear()  # one template at a time per process
            _TEMPLATES[key] = path.read_bytes()
        return _TEMPLATES[key]
    except OSError as exc:
        raise InvalidInputError(f"Deck template '{shown}' cannot be read: {exc.strerror or exc}.") from None


def _open(template: str | Path | None, theme_colors: Mapping[str, str] | None) -> tuple[Any, str]:
    """The template as a python-pptx presentation without its own slides, and its name for messages."""
    try:
        from pptx import Presentation
    except ImportError:
        raise CsReportsError("PowerPoint decks need python-pptx: pip install 'cs-reports[pptx]'.") from None

    path = Path(template) if template is not None else default_template()
    shown = path.name if template is None else str(template)
    if not path.exists():
        raise InvalidInputError(f"Deck template '{shown}' does not exist.")
    if not path.is_file():
        raise InvalidInputError(f"Deck template '{shown}' is not a file; expected a PowerPoint .pptx file.")
    data = _template_bytes(path, shown)
    try:
        prs = Presentation(io.BytesIO(data))
    except Exception as exc:  # python-pptx raises several types for a file that is not a .pptx
        raise InvalidInputError(f"Deck template '{shown}' is not a PowerPoint .pptx file ({exc}).") from None
    if theme_colors:
        _theme_colors(prs, theme_colors)
    slide_ids = prs.slides._sldIdLst
    for sld in list(slide_ids):  # the template's own sample slides
        prs.part.drop_rel(sld.rId)
        slide_ids.remove(sld)
    return prs, shown


def check_template(
    template: str | Path | None,
    probe: DeckSpec,
    *,
    needed_by: str,
    theme_colors: Mapping[str, str] | None = None,
) -> None:
    """Raise the error a deck on ``template`` would meet, up front, without writing anything.

    ``probe`` holds one slide per layout and set of values a deck may use (see
    :func:`cs_reports.reports.deck.qbr_deck.probe_deck`); each is filled as a real slide would be,
    so a missing layout or placeholder, a tag left without a value or an unusable logo is one
    :class:`DeckTemplateError` (or :class:`InvalidInputError`) naming ``needed_by``, before
    any deck of a batch is rendered.

    Examples
    --------
    >>> probe = DeckSpec((SlideSpec("Agenda", {"title": "x"}),))
    >>> check_template(None, probe, needed_by="the agenda")
    Traceback (most recent call last):
    ...
    cs_reports.reports.deck.presentation.DeckTemplateError: Deck template 'default.pptx' has no slide layout named 'Agenda' (needed by the agenda); layouts: [...].
    """
    prs, shown = _open(template, theme_colors)
    for slide in probe.slides:
        _fill_slide(prs, needed_by, slide, shown)
    _leftover_tags(prs, shown, lambda number: needed_by)


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
    prs, shown = _open(template, theme_colors)
    for number, slide in enumerate(spec.slides, 1):
        _fill_slide(prs, f"slide {number}", slide, shown)
    _leftover_tags(prs, shown, lambda number: f"slide {number}")
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

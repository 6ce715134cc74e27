"""Native PowerPoint content drawn where a placeholder was: charts, tables, pictures; text fitting."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cs_reports.errors import InvalidInputError
from cs_reports.reports.content.slide_spec import ChartSpec, Picture, TableSpec

__all__ = ["add_chart", "add_picture", "add_table", "box_of", "shrink_to_fit"]


def shrink_to_fit(shape: Any, source: Any) -> None:
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


def add_chart(slide: Any, box: tuple[int, int, int, int], key: str, spec: ChartSpec) -> None:
    """A native chart named ``key`` in ``box``: no title (the slide has one), value axis in the spec's format.

    The value axis starts at zero when no value is negative (bars and MRR stand on zero, as in
    the PDF); category labels sit below the plot, also under negative bars.
    """
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
        axis.minimum_scale = 0
    if known and "%" in spec.number_format and 0 <= min(known) and max(known) <= 1:
        axis.maximum_scale = 1  # a share tops out at 100% (the automatic scale went to 120%)
    if known and max(abs(v) for v in known) < 1 and "%" not in spec.number_format:
        axis.major_unit = 1  # whole steps: an all-zero NPS would otherwise read "0, 0, 1, 1" in a whole-number format
    chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # below negative bars too
    chart.font.size = Pt(12)
    if spec.data_labels:
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.number_format = spec.number_format
        plot.data_labels.number_format_is_linked = False
        for point, text in zip(plot.series[0].points, spec.point_labels, strict=False):
            point.data_label.text_frame.text = text  # "0 (2)": the score and its answers, as the PDF writes it


def add_table(slide: Any, box: tuple[int, int, int, int], key: str, spec: TableSpec) -> None:
    """A native table named ``key`` at ``box``'s top, as wide as it; text columns twice as wide as numbers."""
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


def add_picture(slide: Any, box: tuple[int, int, int, int], key: str, spec: Picture, where: str) -> None:
    """The picture named ``key``, fitted and centred in ``box`` with its proportions (PNG, JPEG, GIF only)."""
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


def box_of(shape: Any) -> tuple[int, int, int, int]:
    """``(left, top, width, height)`` of a shape in EMU (inherited from its layout for a placeholder)."""
    return int(shape.left), int(shape.top), int(shape.width), int(shape.height)

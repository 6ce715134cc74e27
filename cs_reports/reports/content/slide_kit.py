"""The client sections' slides of the QBR deck, and the kit every section's ``slides`` face receives.

Each function maps one section context of a :class:`QBRContext` to its slides, with the PDF's
strings and :class:`Formatter`; the section registry (``sections.SECTIONS``) names each as the
section's ``slides`` face and :func:`cs_reports.reports.deck.qbr_deck.qbr_deck` loops over it. The
internal sections' slides are in :mod:`cs_reports.reports.content.internal_slides`. Only
:mod:`cs_reports.reports.content.slide_spec` is imported (no python-pptx): building a context never needs
the deck extra.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cs_reports.reports.content.charts import Chart
from cs_reports.reports.content.context import Compare
from cs_reports.reports.content.slide_spec import Bullets, ChartSpec, Kpi, Series, SlideSpec, number_format
from cs_reports.reports.formatting import DASH, Formatter

__all__ = ["DeckKit", "chart_slide", "chart_spec", "nothing", "with_unit"]


@dataclass(frozen=True)
class DeckKit:
    """What every section's slides are made with: the language, its strings and its formatter."""

    lang: str
    t: dict[str, str]
    fmt: Formatter

    def compare(self, label: str, x: Compare, kind: str, note: str = "") -> Kpi:
        """A KPI card next to the previous quarter: the templates' ``kpi_compare()`` (``Formatter.versus``)."""
        return Kpi(self.fmt.value(x.now, kind), label, self.fmt.versus(x, kind, self.t, note))


def chart_spec(chart: Chart, name: str, lang: str, kind: str, *, labels: bool) -> ChartSpec:
    """A column or line chart of the deck from a report chart's data (its own number format)."""
    unit = chart.unit
    fmt = number_format(lang, percent=True) if unit == "percent" else number_format(lang, currency=unit or None)
    return ChartSpec(
        "line" if kind == "line" else "column",
        chart.labels,
        (Series(name, chart.values),),
        number_format=fmt,
        data_labels=labels,
        point_labels=chart.point_labels if labels else (),
    )


def _ends(chart: Chart, show: Callable[[float], str]) -> dict[str, str]:
    """First and last known point of a chart, formatted (for the speaker notes)."""
    known = [(label, v) for label, v in zip(chart.labels, chart.values, strict=True) if v is not None]
    if not known:
        return {"first": DASH, "last": DASH, "first_month": DASH, "last_month": DASH, "last_label": DASH}
    (l0, v0), (l1, v1) = known[0], known[-1]
    return {"first": show(v0), "last": show(v1), "first_month": l0, "last_month": l1, "last_label": l1}


def chart_slide(
    chart: Chart | None, title: str, name: str, lang: str, t: dict[str, str], notes: str, show: Callable[[float], str]
) -> list[SlideSpec]:
    """A chart slide (a 'nothing recorded' slide without data; none without a chart)."""
    if chart is None:
        return []
    if not chart.labels:  # e.g. no Usage rows: the PDF draws an empty frame, the deck says so
        return [nothing(title, t)]
    spec = chart_spec(chart, name, lang, "column", labels=True)
    return [
        SlideSpec(
            "Chart",
            {"title": title, "chart": spec, "caption": chart.alt},
            notes=t[notes].format(**_ends(chart, show)),
        )
    ]


def nothing(title: str, t: dict[str, str]) -> SlideSpec:
    """A slide saying the period has nothing recorded for ``title`` (never an empty chart or table)."""
    return SlideSpec("Bullets", {"title": title, "body": Bullets((t["none"],))}, notes=t["notes_none"])


def with_unit(v: float, unit: str, fmt: Formatter) -> str:
    """``74,4%`` for percent units, ``18,2 erros`` (no-break space) otherwise (report_templates/base/macros.html.j2: with_unit)."""
    number = fmt.number(v, 1)
    return f"{number}%" if unit == "%" else f"{number}\xa0{unit}" if unit else number

"""Charts for the reports: small SVG documents written here, shown as ``<img>`` data URIs.

Three shapes only (a line over months, vertical bars, an MRR waterfall), so they are written
by hand: each costs well under a millisecond, where rendering the same charts through
Vega-Lite (vl-convert) cost 25-60 ms each, a fifth of a QBR (see docs/scale.md). Axis
numbers and months use the report's locale through :class:`Formatter` (Babel), the same
strings as the tables. Each chart carries its alt text (``<img alt>``, which WeasyPrint tags
for accessibility). Labels are escaped; nothing in a chart is fetched.

Axis ticks follow the "nice numbers" rule (steps of 1, 2 or 5 times a power of ten; Heckbert,
"Nice numbers for graph labels", Graphics Gems, 1990), as d3 and Vega do.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from cs_reports.reports.formatting import Formatter

__all__ = ["Chart", "bar_chart", "line_chart", "nice_ticks", "waterfall_chart"]

_FONT = "DejaVu Sans"
_FONT_SIZE = 11
_GRID = "#e6e9ef"
_AXIS = "#9aa3b2"
_LABEL = "#4a5568"
_UP, _DOWN, _TOTAL = "#2E8B57", "#C0392B", "#1F4E79"


@dataclass(frozen=True)
class Chart:
    """A chart: ``svg`` text, ``uri`` for ``<img src>``, ``alt`` for ``<img alt>``, size in CSS px.

    ``labels`` and ``values`` are the plotted data (x labels as printed, values as plotted, None
    for a gap) and ``unit`` their unit (``""``, ``"percent"`` or a currency code), so another
    renderer (the PowerPoint deck) draws the same numbers natively.

    Attributes
    ----------
    svg : str
        the chart as SVG text
    alt : str
        text alternative for <img alt>, in the report language
    width : int
        width in CSS px
    height : int
        height in CSS px
    labels : tuple of str
        x labels as printed
    values : tuple of float or None
        values as plotted, None for a gap
    unit : str
        unit of the values: '' (a count or a score), 'percent' or a currency code
    point_labels : tuple of str
        the text written on each bar, when not its value ('0 (2)'); empty otherwise
    """

    svg: str
    alt: str
    width: int
    height: int
    labels: tuple[str, ...] = ()
    values: tuple[float | None, ...] = ()
    unit: str = ""
    point_labels: tuple[str, ...] = ()  #: the text written on each bar, when not its value (``"0 (2)"``)

    @property
    def uri(self) -> str:
        """The SVG as a base64 ``data:`` URI."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering ``[low, high]`` (first <= low, last >= high).

    Steps are 1, 2 or 5 times a power of ten. An empty range is widened around its value.

    Examples
    --------
    >>> nice_ticks(0, 6167.44)
    [0.0, 2000.0, 4000.0, 6000.0, 8000.0]
    >>> nice_ticks(-12, 47)
    [-20.0, 0.0, 20.0, 40.0, 60.0]
    >>> nice_ticks(0.45, 0.8)
    [0.4, 0.5, 0.6, 0.7, 0.8]
    >>> nice_ticks(5, 5)
    [4.0, 4.5, 5.0, 5.5, 6.0]
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"nice_ticks needs finite bounds, got {low!r} and {high!r}")
    low, high = min(low, high), max(low, high)
    if high - low <= 1e-12 * max(1.0, abs(low), abs(high)):  # empty, or too narrow to draw (e.g. 0..5e-324)
        pad = abs(low) * 0.2 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    digits = max(0, -math.floor(math.log10(step)) + 1)
    return [round(i * step, digits) + 0.0 for i in range(first, last + 1)]


def _text_width(text: str) -> float:
    """Approximate advance width in px of ``text`` in DejaVu Sans at the chart's font size."""
    narrow = sum(1 for ch in text if ch in ".,:;'|!il\u00a0 ")
    wide = sum(1 for ch in text if ch in "%MWmw")
    return _FONT_SIZE * (0.32 * narrow + 0.95 * wide + 0.64 * (len(text) - narrow - wide))


def _tick_labels(ticks: list[float], fmt: Formatter, *, money: str | None, percent: bool) -> list[str]:
    """Tick labels in the report's locale, with just the decimals the step needs."""
    step = (ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    if money:
        return [fmt.money(t, money, cents=False) for t in ticks]
    if percent:
        digits = max(0, -math.floor(math.log10(step * 100) + 1e-9))
        return [fmt.percent(t, digits) for t in ticks]
    digits = max(0, -math.floor(math.log10(step) + 1e-9))
    return [fmt.number(t, digits) for t in ticks]


class _Frame:
    """Plot area, y scale, gridlines and axes of one chart, collecting SVG elements.

    The y axis gets nice ticks covering ``[low, high]``, labelled in ``lang`` (as money in
    ``money`` or as percentages), with a gridline each.
    """

    def __init__(
        self, width: int, height: int, low: float, high: float, lang: str, *, money: str | None, percent: bool
    ) -> None:
        self.fmt = Formatter(lang)
        self.unit = money or ("percent" if percent else "")
        self.width, self.height = width, height
        self.ticks = nice_ticks(low, high)
        labels = _tick_labels(self.ticks, self.fmt, money=money, percent=percent)
        self.left = max(_text_width(s) for s in labels) + 10
        self.top, self.right, self.bottom = 8.0, 6.0, height - 20.0
        self.parts: list[str] = [f'<rect width="{width}" height="{height}" fill="white"/>']
        for tick, label in zip(self.ticks, labels, strict=True):
            self.rule(tick, _GRID)
            self.text(self.left - 5, self.y(tick) + 4, label, "end")

    def y(self, value: float) -> float:
        low, high = self.ticks[0], self.ticks[-1]
        return self.bottom - (value - low) / (high - low) * (self.bottom - self.top)

    def text(self, x: float, y: float, text: str, anchor: str, size: int = _FONT_SIZE) -> None:
        font = "" if size == _FONT_SIZE else f' font-size="{size}"'
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{font}>{escape(text)}</text>')

    def x_labels(self, centres: Sequence[float], labels: Sequence[str], *, shrink: bool) -> None:
        """Labels under the plot, thinned or shrunk where they would overlap.

        Category labels (``shrink``) first get a smaller font (down to 8 px); then, as month
        labels do at once, only every k-th label shows, always including the latest.
        """
        if not labels:
            return
        room = (centres[1] - centres[0]) if len(centres) > 1 else float(self.width)
        widest = max(_text_width(s) for s in labels) + 6
        size = _FONT_SIZE
        if shrink and widest > room:
            size = max(8, math.floor(_FONT_SIZE * room / widest))
            widest *= size / _FONT_SIZE
        every = max(1, math.ceil(widest / room)) if room > 0 else 1
        last = len(labels) - 1
        for i, (x, label) in enumerate(zip(centres, labels, strict=True)):
            if (last - i) % every == 0:  # the latest label always shows
                self.text(x, self.bottom + 14, label, "middle", size)

    def rule(self, value: float, colour: str) -> None:
        """A horizontal line across the plot at ``value``."""
        y = self.y(value)
        self.parts.append(
            f'<line x1="{self.left:.1f}" y1="{y:.1f}" x2="{self.width - self.right:.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )

    def bar(self, x: float, width: float, start: float, end: float, color: str) -> None:
        """A bar centred on ``x`` from value ``start`` to ``end`` (at least 1 px tall)."""
        y0, y1 = self.y(start), self.y(end)
        top, height = min(y0, y1), max(abs(y1 - y0), 1.0)
        self.parts.append(
            f'<rect x="{x - width / 2:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{color}"/>'
        )

    def bands(self, n: int, padding: float = 0.25) -> tuple[list[float], float]:
        """Centres and bar width of ``n`` equal bands across the plot."""
        band = (self.width - self.right - self.left) / max(n, 1)
        return [self.left + band * (i + 0.5) for i in range(n)], band * (1 - padding)

    def chart(
        self, alt: str, labels: Sequence[str], values: Sequence[float | None], point_labels: Sequence[str] = ()
    ) -> Chart:
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
            f'viewBox="0 0 {self.width} {self.height}" font-family="{_FONT}" font-size="{_FONT_SIZE}" '
            f'fill="{_LABEL}">' + "".join(self.parts) + "</svg>"
        )
        return Chart(svg, alt, self.width, self.height, tuple(labels), tuple(values), self.unit, tuple(point_labels))


def line_chart(
    points: Sequence[tuple[Any, float | None]],
    *,
    lang: str,
    alt: str,
    color: str = "#1F4E79",
    money: str | None = None,
    percent: bool = False,
    width: int = 460,
    height: int = 150,
    y_zero: bool = True,
) -> Chart:
    r"""Line over months: ``points`` are ``(month, value)``; a missing value breaks the line.

    ``money`` is a currency code for the axis labels; ``y_zero`` starts the axis at 0.

    Examples
    --------
    >>> import pandas as pd
    >>> c = line_chart([(pd.Timestamp("2026-01-01"), 10.0), (pd.Timestamp("2026-02-01"), 12.5)],
    ...                lang="pt-BR", money="BRL", alt="MRR")
    >>> "R$\u00a010" in c.svg, "fev/26" in c.svg, c.uri.startswith("data:image/svg+xml")
    (True, True, True)
    """
    values = [None if v is None or not math.isfinite(float(v)) else float(v) for _, v in points]
    known = [v for v in values if v is not None] or [0.0]
    low, high = min(known), max(known)
    if y_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    frame = _Frame(width, height, low, high, lang, money=money, percent=percent)
    centres, _ = frame.bands(len(points), 0)
    labels = [frame.fmt.month(m, short=True) for m, _ in points]
    frame.x_labels(centres, labels, shrink=False)
    path, pen_down = [], False
    for x, v in zip(centres, values, strict=True):
        if v is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{x:.1f} {frame.y(v):.1f}")
        pen_down = True
    if path:
        frame.parts.append(
            f'<path d="{" ".join(path)}" fill="none" stroke="{color}" stroke-width="2.5" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    for x, v in zip(centres, values, strict=True):
        if v is not None:
            frame.parts.append(f'<circle cx="{x:.1f}" cy="{frame.y(v):.1f}" r="3" fill="{color}"/>')
    return frame.chart(alt, labels, values)


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    lang: str,
    alt: str,
    colors: Sequence[str] | None = None,
    money: str | None = None,
    percent: bool = False,
    width: int = 460,
    height: int = 150,
    labels: Sequence[str] | None = None,
) -> Chart:
    """Vertical bars in the given order from a zero baseline; ``colors`` per bar (optional).

    ``labels`` are written on each bar's end (above a positive or zero bar, below a negative
    one), so a zero or an empty quarter is visible as text, not as a missing bar.

    Examples
    --------
    >>> c = bar_chart([("T1", 40.0), ("T2", -10.0)], lang="en", alt="NPS by quarter")
    >>> c.svg.count("<rect"), ">-10<" in c.svg
    (3, True)
    >>> ">0 (3)<" in bar_chart([("T1", 0.0)], lang="en", alt="NPS", labels=["0 (3)"]).svg
    True
    >>> bar_chart([("T1", float("nan")), ("T2", 0.0)], lang="en", alt="NPS").values  # no answers: a gap
    (None, 0.0)
    """
    values = [float(v) if math.isfinite(float(v)) else 0.0 for _, v in bars]
    low, high = min([0.0, *values]), max([0.0, *values])
    frame = _Frame(width, height, low, high, lang, money=money, percent=percent)
    centres, bar_width = frame.bands(len(bars))
    frame.x_labels(centres, [k for k, _ in bars], shrink=True)
    for i, (x, v) in enumerate(zip(centres, values, strict=True)):
        frame.bar(x, bar_width, 0.0, v, colors[i % len(colors)] if colors else _TOTAL)
        if labels:
            _bar_label(frame, x, v, labels[i])
    frame.rule(0.0, _AXIS)
    # The data as plotted, a quarter without a value as a gap (None), not as the 0 drawn for it.
    plotted = [float(v) if math.isfinite(float(v)) else None for _, v in bars]
    return frame.chart(alt, [k for k, _ in bars], plotted, labels or ())


def _bar_label(frame: _Frame, x: float, value: float, label: str) -> None:
    """A bar's label: beyond its end where there is room, else inside a tall bar (white), else across the zero line."""
    end, zero = frame.y(value), frame.y(0.0)
    up = value >= 0
    outside = end - 4 if up else end + 12
    if frame.top + 9 <= outside <= frame.bottom - 2:
        frame.text(x, outside, label, "middle", 10)
    elif abs(zero - end) >= 16:
        inside = end + 12 if up else end - 4
        frame.parts.append(
            f'<text x="{x:.1f}" y="{inside:.1f}" text-anchor="middle" font-size="10" fill="white">{escape(label)}</text>'
        )
    else:  # a short bar at the plot's edge: the label goes on the other side of the zero line
        frame.text(x, zero + 12 if up else zero - 4, label, "middle", 10)


def waterfall_chart(
    steps: Sequence[tuple[str, float, str]],
    *,
    lang: str,
    alt: str,
    currency: str = "BRL",
    width: int = 680,
    height: int = 190,
) -> Chart:
    """MRR bridge as a waterfall: ``(label, amount, kind)`` with kind ``total``, ``up`` or ``down``.

    Totals stand on a floor below the lowest level, so small movements stay visible;
    movements float from the running level, joined by thin connectors.

    Examples
    --------
    >>> c = waterfall_chart([("Start", 100.0, "total"), ("New", 20.0, "up"), ("Churn", 5.0, "down"),
    ...                      ("End", 115.0, "total")], lang="en", alt="MRR bridge")
    >>> c.svg.count('fill="#2E8B57"'), c.svg.count('fill="#C0392B"')
    (1, 1)
    """
    spans, level = [], 0.0
    for _label, amount, kind in steps:
        if kind not in ("total", "up", "down"):
            raise ValueError(f"waterfall_chart: kind must be 'total', 'up' or 'down', got {kind!r}")
        start = level
        level = float(amount) if kind == "total" else level + float(amount) * (1 if kind == "up" else -1)
        spans.append((start, level, kind))
    levels = [end for _, end, _ in spans]
    low, high = min(levels), max(levels)
    moved = sum(abs(float(a)) for _, a, k in steps if k != "total")
    floor = max(0.0, low - max(moved, high - low, 1.0) * 1.5)
    frame = _Frame(width, height, floor, high, lang, money=currency, percent=False)
    floor = frame.ticks[0]
    centres, bar_width = frame.bands(len(steps))
    frame.x_labels(centres, [label for label, _, _ in steps], shrink=True)
    colors = {"total": _TOTAL, "up": _UP, "down": _DOWN}
    for i, (x, (start, end, kind)) in enumerate(zip(centres, spans, strict=True)):
        frame.bar(x, bar_width, floor if kind == "total" else start, end, colors[kind])
        if i + 1 < len(centres):
            y = frame.y(end)
            frame.parts.append(
                f'<line x1="{x + bar_width / 2:.1f}" y1="{y:.1f}" x2="{centres[i + 1] - bar_width / 2:.1f}" '
                f'y2="{y:.1f}" stroke="{_AXIS}" stroke-width="1" stroke-dasharray="2 2"/>'
            )
    return frame.chart(alt, [label for label, _, _ in steps], [float(a) for _, a, _ in steps])

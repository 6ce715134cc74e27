"""Charts for the reports: Vega-Lite specs rendered to PNG data URIs by vl-convert.

No browser and no network: ``allowed_base_urls=[]`` blocks external data; data are
inlined in the spec. Axis numbers and dates use the report's locale. Each chart carries
its alt text (used as ``<img alt>``, which WeasyPrint tags for accessibility).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Chart", "bar_chart", "line_chart", "waterfall_chart"]

_FONT = "DejaVu Sans"
_D3_LOCALES = {"pt-BR": "pt-BR", "en": "en-US"}
_CURRENCY_FORMAT = {"pt-BR": {"BRL": "$,.0f", "USD": "$,.0f"}, "en": {"BRL": "$,.0f", "USD": "$,.0f"}}


@dataclass(frozen=True)
class Chart:
    """A rendered chart: ``uri`` for ``<img src>``, ``alt`` for ``<img alt>``."""

    uri: str
    alt: str
    width: int
    height: int


def _locale(lang: str, currency: str) -> dict[str, Any]:
    symbol = {"BRL": ["R$\u00a0", ""], "USD": ["US$\u00a0", ""] if lang == "pt-BR" else ["$", ""]}.get(
        currency, ["", ""]
    )
    if lang == "pt-BR":
        return {"decimal": ",", "thousands": ".", "grouping": [3], "currency": symbol}
    return {"decimal": ".", "thousands": ",", "grouping": [3], "currency": symbol}


def _render(spec: dict[str, Any], *, lang: str, currency: str, alt: str, width: int, height: int) -> Chart:
    import vl_convert

    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width,
        "height": height,
        "background": "white",
        "config": {
            "font": _FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 11, "gridColor": "#e6e9ef", "domainColor": "#9aa3b2"},
            "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom"},
        },
        **spec,
    }
    png = vl_convert.vegalite_to_png(
        spec,
        scale=2,
        format_locale=_locale(lang, currency),
        time_format_locale="pt-BR" if lang == "pt-BR" else "en-US",
        allowed_base_urls=[],
    )
    return Chart("data:image/png;base64," + base64.b64encode(png).decode("ascii"), alt, width, height)


def line_chart(
    points: Sequence[tuple[Any, float]],
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
    """Line over months: ``points`` are ``(month, value)``; ``money`` is a currency code for the axis."""
    data = [{"m": f"{m:%Y-%m-%d}", "v": None if v is None else float(v)} for m, v in points]
    fmt = "$,.0f" if money else ".0%" if percent else ",.0f"
    spec = {
        "data": {"values": data},
        "mark": {"type": "line", "point": {"size": 28, "filled": True}, "color": color, "strokeWidth": 2.5},
        "encoding": {
            "x": {
                "field": "m",
                "type": "temporal",
                "title": None,
                "axis": {"format": "%b/%y" if lang == "pt-BR" else "%b %y", "tickCount": "month"},
            },
            "y": {
                "field": "v",
                "type": "quantitative",
                "title": None,
                "axis": {"format": fmt},
                "scale": {"zero": y_zero},
            },
        },
    }
    return _render(spec, lang=lang, currency=money or "BRL", alt=alt, width=width, height=height)


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
) -> Chart:
    """Vertical bars in the given order; ``colors`` per bar (optional)."""
    data = [{"k": k, "v": float(v), "i": i} for i, (k, v) in enumerate(bars)]
    fmt = "$,.0f" if money else ".0%" if percent else ",.0f"
    color: dict[str, Any] = {"value": "#1F4E79"}
    if colors:
        color = {
            "field": "k",
            "type": "nominal",
            "legend": None,
            "scale": {"domain": [k for k, _ in bars], "range": list(colors)},
        }
    spec = {
        "data": {"values": data},
        "mark": {"type": "bar", "cornerRadiusEnd": 2},
        "encoding": {
            "x": {"field": "k", "type": "nominal", "sort": {"field": "i"}, "title": None, "axis": {"labelAngle": 0}},
            "y": {"field": "v", "type": "quantitative", "title": None, "axis": {"format": fmt}},
            "color": color,
        },
    }
    return _render(spec, lang=lang, currency=money or "BRL", alt=alt, width=width, height=height)


def waterfall_chart(
    steps: Sequence[tuple[str, float, str]],
    *,
    lang: str,
    alt: str,
    currency: str = "BRL",
    width: int = 500,
    height: int = 170,
) -> Chart:
    """MRR bridge as a waterfall: ``(label, amount, kind)`` with kind ``total``, ``up`` or ``down``."""
    levels, level = [], 0.0
    for _label, amount, kind in steps:
        level = float(amount) if kind == "total" else level + float(amount) * (1 if kind == "up" else -1)
        levels.append(level)
    low, high = min(levels), max(levels)
    moved = sum(float(a) for _, a, k in steps if k != "total")
    floor = max(0.0, low - max(moved, high - low, 1.0) * 1.5)  # totals start here so movements stay visible
    data, level = [], 0.0
    for i, (label, amount, kind) in enumerate(steps):
        if kind == "total":
            start, end, level = floor, float(amount), float(amount)
        elif kind == "up":
            start, end = level, level + float(amount)
            level = end
        else:
            start, end = level, level - float(amount)
            level = end
        data.append({"k": label, "i": i, "a": start, "b": end, "kind": kind})
    spec = {
        "data": {"values": data},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "k", "type": "nominal", "sort": {"field": "i"}, "title": None, "axis": {"labelAngle": 0}},
            "y": {
                "field": "a",
                "type": "quantitative",
                "title": None,
                "axis": {"format": "$,.0f"},
                "scale": {"zero": False},
            },
            "y2": {"field": "b"},
            "color": {
                "field": "kind",
                "type": "nominal",
                "legend": None,
                "scale": {"domain": ["total", "up", "down"], "range": ["#1F4E79", "#2E8B57", "#C0392B"]},
            },
        },
    }
    return _render(spec, lang=lang, currency=currency, alt=alt, width=width, height=height)

"""The hand-written SVG charts: ticks, geometry, locale labels, escaping."""

from __future__ import annotations

import base64
import math
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cs_reports.reports.content.charts import _text_width, bar_chart, line_chart, nice_ticks, waterfall_chart

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = list(pd.date_range("2025-10-01", periods=12, freq="MS"))


def _parse(chart):
    root = ET.fromstring(chart.svg)
    assert root.tag == f"{SVG}svg"
    assert base64.b64decode(chart.uri.split(",", 1)[1]).decode() == chart.svg
    return root


def _texts(root):
    return [t.text for t in root.iter(f"{SVG}text")]


def _bars(root):
    """Bars only (the first rect is the background)."""
    return [{k: float(v) for k, v in r.attrib.items() if k in "xywidthheight"} for r in root.iter(f"{SVG}rect")][1:]


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


@given(finite, finite)
def test_nice_ticks_cover_the_range_with_round_steps(a, b):
    ticks = nice_ticks(a, b)
    low, high = min(a, b), max(a, b)
    step = ticks[1] - ticks[0]
    assert ticks[0] <= low + 1e-6 * step  # within a millionth of a step: not visible
    assert ticks[-1] >= high - 1e-6 * step
    assert 2 <= len(ticks) <= 12
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-6


@pytest.mark.parametrize(("a", "b"), [(0.0, 5e-324), (5e-324, 5e-324), (1.0, 1.0 + 1e-15)])
def test_nice_ticks_widen_a_range_too_narrow_to_draw(a, b):
    # hypothesis found 0..5e-324: the step underflowed to 0 and log10 raised
    ticks = nice_ticks(a, b)
    assert ticks[0] <= a
    assert ticks[-1] >= b
    assert len(ticks) >= 2


def test_nice_ticks_refuses_infinite_bounds():
    with pytest.raises(ValueError, match="finite"):
        nice_ticks(0, math.inf)


def test_line_chart_axis_uses_the_report_locale():
    points = [(m, 1_250_000.0 + 10_000 * i) for i, m in enumerate(MONTHS)]
    pt = _texts(_parse(line_chart(points, lang="pt-BR", money="BRL", alt="MRR", y_zero=False)))
    en = _texts(_parse(line_chart(points, lang="en", money="BRL", alt="MRR", y_zero=False)))
    assert "R$\u00a01.300.000" in pt
    assert "set/26" in pt
    assert "R$1,300,000" in en
    assert "Sep 26" in en


def test_line_chart_draws_every_point_and_breaks_at_a_gap():
    values = [100.0, 110.0, None, 130.0, 120.0]
    root = _parse(line_chart(list(zip(MONTHS, values, strict=False)), lang="en", alt="x"))
    path = next(root.iter(f"{SVG}path")).attrib["d"]
    assert path.count("M") == 2
    assert path.count("L") == 2
    circles = [float(c.attrib["cy"]) for c in root.iter(f"{SVG}circle")]
    assert len(circles) == 4
    assert circles[0] > circles[1] > circles[3]  # higher value, smaller y


def test_line_chart_of_nothing_known_is_still_a_chart():
    root = _parse(line_chart([(m, None) for m in MONTHS[:3]], lang="pt-BR", alt="x"))
    assert list(root.iter(f"{SVG}path")) == []


def test_month_labels_are_thinned_but_the_latest_shows():
    months = list(pd.date_range("2024-01-01", periods=36, freq="MS"))
    texts = _texts(_parse(line_chart([(m, 1.0) for m in months], lang="en", alt="x", width=320)))
    labels = [t for t in texts if re.fullmatch(r"[A-Z][a-z]{2} \d\d", t)]
    assert 3 <= len(labels) < 36
    assert labels[-1] == "Dec 26"


def test_bar_heights_are_proportional_and_negative_bars_hang_below_zero():
    root = _parse(bar_chart([("A", 40.0), ("B", 20.0), ("C", -10.0)], lang="en", alt="x"))
    a, b, c = _bars(root)
    assert a["height"] == pytest.approx(2 * b["height"], abs=0.2)
    assert c["y"] == pytest.approx(b["y"] + b["height"], abs=0.2)  # C starts at the zero line
    assert c["height"] == pytest.approx(b["height"] / 2, abs=0.2)


def test_bar_colours_follow_the_bars():
    chart = bar_chart([("A", 1.0), ("B", 2.0)], lang="en", alt="x", colors=["#111111", "#222222"])
    assert chart.svg.index("#111111") < chart.svg.index("#222222")


def test_percent_axis_has_the_decimals_its_step_needs():
    wide = _texts(_parse(bar_chart([("a", 0.66), ("b", 0.69)], lang="pt-BR", percent=True, alt="x")))
    narrow = _texts(_parse(bar_chart([("a", 0.011), ("b", 0.013)], lang="pt-BR", percent=True, alt="x")))
    assert "60%" in wide
    assert "0,5%" in narrow


def test_long_category_labels_shrink_and_all_show():
    labels = ["Inicial", "Novo", "Expansão", "Reativação", "Contração", "Churn", "Final"]
    root = _parse(bar_chart([(k, 1.0) for k in labels], lang="pt-BR", alt="x", width=460))
    texts = _texts(root)
    assert all(k in texts for k in labels)
    sizes = {t.attrib.get("font-size") for t in root.iter(f"{SVG}text") if t.text in labels}
    assert sizes
    assert None not in sizes
    assert all(8 <= int(s) < 11 for s in sizes)


def test_waterfall_bars_float_between_levels():
    steps = [("Start", 1000.0, "total"), ("New", 200.0, "up"), ("Churn", 50.0, "down"), ("End", 1150.0, "total")]
    root = _parse(waterfall_chart(steps, lang="en", alt="bridge"))
    start, new, churn, end = _bars(root)
    assert new["y"] + new["height"] == pytest.approx(start["y"], abs=0.2)  # New rises from Start's top
    assert churn["y"] == pytest.approx(new["y"], abs=0.2)  # Churn falls from New's top
    assert end["y"] == pytest.approx(churn["y"] + churn["height"], abs=0.2)  # End is where Churn stops
    assert new["height"] == pytest.approx(4 * churn["height"], abs=0.5)
    assert len(root.findall(f"{SVG}line[@stroke-dasharray]")) == 3  # connectors


def test_waterfall_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be"):
        waterfall_chart([("x", 1.0, "sideways")], lang="en", alt="x")


def test_labels_are_escaped():
    chart = bar_chart([("<b>&amp;", 1.0), ('"q"', 2.0)], lang="en", alt="x")
    assert "<b>&amp;" in _texts(_parse(chart))


def test_text_width_estimate_is_close_for_dejavu_sans():
    # DejaVu Sans advance widths (units per em 2048): digits 1303, "R" 1423, "$" 1303, "." 651.
    assert _text_width("R$ 1.320.000") == pytest.approx(11 * (1423 + 1303 * 8 + 651 * 3) / 2048, rel=0.1)

"""Built-in stylesheets stay clear of CSS that makes WeasyPrint 70 leak memory."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "report_templates"
# Each text run with an OpenType feature makes WeasyPrint 70 create a Pango attribute list it
# never frees: with `font-variant-numeric: tabular-nums` on table numbers a worker grew 55 MB over
# 1,000 QBRs (benchmarks B2), and stayed flat without it.
LEAKY = re.compile(r"font-variant(-[a-z-]+)?\s*:|font-feature-settings\s*:")


@pytest.mark.parametrize("css", sorted(ROOT.rglob("*.css")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_opentype_feature_properties(css):
    text = re.sub(r"/\*.*?\*/", "", css.read_text(encoding="utf-8"), flags=re.S)
    assert not LEAKY.search(text), f"{css}: font-variant/font-feature-settings leak memory in WeasyPrint 70"


def test_the_pattern_catches_what_it_should():
    assert LEAKY.search("td { font-variant-numeric: tabular-nums }")
    assert LEAKY.search('p { font-feature-settings: "tnum" }')
    assert not LEAKY.search("p { font-size: 10pt }")

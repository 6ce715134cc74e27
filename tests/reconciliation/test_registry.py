"""The metric registry: complete in every language, read by every report, documented from itself;
segments by their start; new clients without a previous quarter (generated cases)."""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cs_reports.data import load_book
from cs_reports.data.summary import segment_touch_models
from cs_reports.data.writer import write_tables
from cs_reports.metrics.registry import LANGUAGES, REGISTRY, markdown
from cs_reports.reports.content.context import Compare
from cs_reports.reports.content.qbr import build_qbr_context
from cs_reports.reports.render import strings
from cs_reports.reports.vocabulary import LANGUAGES as REPORT_LANGUAGES
from tests.reconciliation import independent as ind

ROOT = Path(__file__).parents[2]


def test_docs_metrics_is_generated_from_the_registry():
    doc = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert doc == markdown(), "docs/metrics.md is stale: run `python -m cs_reports.metrics.registry > docs/metrics.md`"


@pytest.mark.parametrize("metric_id", sorted(REGISTRY))
def test_every_entry_is_complete_and_computable(metric_id):
    entry = REGISTRY[metric_id]
    assert set(entry.labels) == set(LANGUAGES) == set(entry.sentences)
    for lang in [*LANGUAGES, *REPORT_LANGUAGES]:
        text = entry.sentence(lang)
        assert "{" not in text, f"{metric_id} ({lang}): a knob is not filled: {text}"
        assert entry.label(lang)
    module = importlib.import_module(entry.compute.__module__)
    assert getattr(module, entry.compute.__name__) is entry.compute  # docs/metrics.md names a real function
    for knob in entry.knobs:
        assert all(f"{{{knob}}}" in s for s in entry.sentences.values()), f"{metric_id}: knob {knob} unprinted"


@pytest.mark.parametrize("kind", ["qbr", "finance", "success_map", "deck"])
@pytest.mark.parametrize("lang", list(REPORT_LANGUAGES))
def test_every_report_reads_labels_and_sentences_from_the_registry(kind, lang):
    t = strings(kind, lang)
    for entry in REGISTRY.values():
        assert t[f"label_{entry.id}"] == entry.label(lang)
        assert t[f"policy_{entry.id}"].format(**entry.knobs) == entry.sentence(lang)


def test_license_adoption_and_goal_progress_have_different_names():
    for lang in LANGUAGES:
        assert REGISTRY["license_adoption"].label(lang) != REGISTRY["goal_progress"].label(lang)


MONTHS = pd.date_range("2025-01-01", "2026-06-01", freq="MS")
START = MONTHS[-1] - pd.DateOffset(months=12)


def _book(tmp: Path, series: dict[str, list[float]], touch: dict[str, str | None]) -> Path:
    rows = [(c, f"{m:%Y-%m}", v) for c, vs in series.items() for m, v in zip(MONTHS, vs, strict=True) if v > 0]
    clients = pd.DataFrame({"client_id": list(series), "name": list(series), "touch_model": [touch[c] for c in series]})
    path = tmp / "book.xlsx"
    write_tables({"Clients": clients, "MRR": pd.DataFrame(rows, columns=["client_id", "month", "mrr"])}, path)
    return path


amounts = st.sampled_from([0.0, 300.0, 999.0, 1000.0, 4000.0, 5000.0, 19_999.0, 20_000.0, 35_000.0])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.lists(amounts, min_size=len(MONTHS), max_size=len(MONTHS)),
    later=st.lists(amounts, min_size=len(MONTHS), max_size=len(MONTHS)),
)
def test_a_blank_touch_model_is_the_segment_at_the_window_start(tmp_path, path, later):
    """Changing the MRR after the window's start (growth, contraction, churn) never moves the client."""
    cut = list(MONTHS).index(START)
    changed = path[: cut + 1] + later[cut + 1 :]
    paid_at_start = path[cut] > 0
    books = {}
    for name, series in (("a", path), ("b", changed)):
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        p = _book(folder, {"X": series, "K": [100.0] * len(MONTHS)}, {"X": None, "K": "low"})
        books[name] = segment_touch_models(load_book(p), MONTHS[-1])
        sheets = ind.raw_sheets(str(p))
        expected = ind.touch_at_window_start(sheets, ind.mrr_table(sheets), MONTHS[-1])
        assert books[name].loc["X", "touch_model"] == expected["X"]
        assert bool(books[name].loc["X", "derived"])
        assert not bool(books[name].loc["K", "derived"])
    if paid_at_start:
        assert books["a"].loc["X", "touch_model"] == books["b"].loc["X", "touch_model"]


def _compares(section: object) -> list[Compare]:
    return [v for f in dataclasses.fields(section) if isinstance(v := getattr(section, f.name), Compare)]


@pytest.mark.parametrize("first_paid", range(-3, 3))
def test_a_client_first_paid_in_the_quarter_has_no_previous_quarter(tmp_path, first_paid):
    """Months from the quarter's start (2026-04) at which client N first pays: new iff >= 0."""
    q_start = list(MONTHS).index(pd.Timestamp("2026-04-01"))
    series = {"N": [2500.0 if i >= q_start + first_paid else 0.0 for i in range(len(MONTHS))], "K": [900.0] * 18}
    book = load_book(_book(tmp_path, series, {"N": None, "K": None}))
    ctx = build_qbr_context(book, "2026Q2", "N", "pt-BR", audience="internal")
    new = first_paid >= 0
    sections = [ctx.summary, ctx.commercial, ctx.support, ctx.adoption]
    compares = [c for s in sections if s is not None for c in _compares(s)]
    assert compares
    assert ctx.health is not None
    if new:  # every comparison says "no comparison", never a rise from zero
        assert all(math.isnan(c.before) and math.isnan(c.change) for c in compares)
        assert math.isnan(ctx.health.change)
        assert all(math.isnan(d.change) for d in ctx.health.drivers)
    else:
        assert ctx.commercial is not None
        assert ctx.commercial.mrr.before == 2500.0


def test_no_previous_quarter_is_one_sentence_per_language():
    for lang in ("pt-BR", "en"):
        t = strings("qbr", lang)
        phrases = [v for k, v in t.items() if re.search(r"(trimestre anterior|last quarter|previous quarter)", v)]
        assert t["no_before"] in phrases
        assert not any(re.search(r"sem dado|no data last quarter", v) for v in phrases)

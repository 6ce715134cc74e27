"""The renewal model recovers the direction of three different churn laws (data.sample.CHURN_LAWS).

Each book is the sample generated with another law (same seed, 200 clients): ``cs`` (the
sample's own: satisfaction, adoption and above all a recent decline), ``level`` (only the level
of satisfaction and adoption matters) and ``trend`` (only their 3-month falls). The time-split
backtests are the figures docs/reports.md prints; this test recomputes them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cs_reports.data import load_book
from cs_reports.data.sample import CHURN_LAWS, write_sample
from cs_reports.reports.content import forecast as rf

DOCS = Path(__file__).parents[2] / "docs" / "reports.md"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    out = {}
    for law in ("cs", "level", "trend"):
        folder = write_sample(tmp_path_factory.mktemp(law) / "book", churn_law=law)
        out[law] = rf.renewal_forecast_model(load_book(folder), "2026-10")
    return out


def coef(model):
    return dict(zip(rf.FEATURES, model.fit.coef, strict=True))


def test_the_three_laws_are_documented():
    assert set(CHURN_LAWS) == {"cs", "level", "trend"}
    doc = DOCS.read_text(encoding="utf-8")
    for law in CHURN_LAWS:
        assert f"`{law}`" in doc


def test_each_law_direction_is_recovered(models):
    cs, level, trend = coef(models["cs"]), coef(models["level"]), coef(models["trend"])
    # cs: low health / adoption, detractors and ticket spikes lower the odds
    assert cs["health_score"] > 0
    assert cs["adoption"] > 0
    assert cs["detractor_share"] < 0
    assert cs["ticket_growth"] < 0
    # level: the level of health and adoption carries it
    assert level["health_score"] > 0
    assert level["adoption"] > 0
    assert level["health_score"] + level["adoption"] > 5 * abs(level["health_change_3m"])
    # trend: the 3-month fall of health carries it, the level of health does not
    assert trend["health_change_3m"] > 0
    assert trend["health_change_3m"] > trend["health_score"]


def test_each_backtest_beats_the_flat_rate_and_the_constraints_cost_little(models):
    for law, model in models.items():
        bt = model.backtest
        assert bt is not None, law
        assert bt.brier <= bt.brier_flat, law
        assert bt.auc > 0.55, law
        assert sum(r.n for r in bt.reliability) == bt.n_test
    sample = models["cs"].backtest
    assert abs(sample.brier - sample.brier_free) <= 0.01


def test_the_docs_print_these_backtests(models):
    doc = DOCS.read_text(encoding="utf-8")
    for law, model in models.items():
        bt = model.backtest
        line = re.search(rf"^\| `{law}` \|.*$", doc, flags=re.MULTILINE)
        assert line is not None, law
        cells = [c.strip() for c in line.group(0).strip("|").split("|")]
        assert cells[1:] == [
            str(model.n_outcomes),
            str(model.n_churned),
            str(bt.n_test),
            f"{bt.brier:.3f}",
            f"{bt.brier_free:.3f}",
            f"{bt.brier_flat:.3f}",
            f"{bt.auc:.2f}",
            f"{bt.auc_free:.2f}",
        ], law

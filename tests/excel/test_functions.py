"""The CS_ registry as plain Python: Excel's calling convention, blanks, errors in the cell."""

from __future__ import annotations

import keyword
import math
import re
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from cs_reports import metrics as m
from cs_reports.excel.functions import REGISTRY, call, host_rows, to_serial

REQUIRED = """CS_NPS CS_NPS_CI CS_CSAT CS_CES CS_CHURN_RATE CS_REVENUE_CHURN CS_NET_CHURN CS_RENEWAL_RATE
CS_RETENTION CS_GRR CS_NRR CS_MRR_MOVEMENTS CS_ARR CS_ARPA CS_QUICK_RATIO CS_CLV CS_LTV_CAC CS_CAC_PAYBACK
CS_TMR CS_ADOPTION CS_HEALTH CS_PARETO CS_TOUCH_MODEL CS_LTV_TIER CS_CAPACITY CS_COHORTS CS_SBG_FIT
CS_SBG_SURVIVAL CS_DERL""".split()

# VBA (the classic add-in writes one VBA wrapper per function) and LibreOffice Basic keywords
# that would make a wrapper fail to compile if used as a parameter name.
VBA_RESERVED = set(
    """and as boolean byref byte byval call case close const currency date debug declare dim do double each
else elseif empty end enum eqv erase error event exit false for friend function get global gosub goto if imp
implements in input integer is let lib like line load lock long loop lset me mod name new next not nothing null
object on open option optional or paramarray preserve print private property public put raiseevent redim rem
resume return rset seek select set single static step stop string sub then time to true type typeof unload
until variant wend while with withevents write xor""".split()
)


def test_every_required_function_is_registered():
    assert set(REQUIRED) <= set(REGISTRY)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_entry_is_documented_and_safe_to_declare(name):
    entry = REGISTRY[name]
    assert re.fullmatch(r"CS_[A-Z0-9]+(_[A-Z0-9]+)*", name)
    assert entry.doc
    assert "\n" not in entry.doc
    assert len(entry.doc) <= 255
    assert entry.args, "every function takes at least one argument"
    for arg, doc in entry.args:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", arg)
        assert not keyword.iskeyword(arg)
        assert arg not in VBA_RESERVED, f"{name}({arg}) would break the VBA wrapper"
        assert doc
        assert len(doc) <= 255
    optional = [a for a, _ in entry.args if a in entry.optional]
    assert [a for a, _ in entry.args][len(entry.args) - len(optional) :] == optional, "optional args come last"


def test_fixed_signatures():
    assert [a for a, _ in REGISTRY["CS_NPS"].args] == ["answers"]
    assert [a for a, _ in REGISTRY["CS_NPS_CI"].args] == ["answers", "confidence"]
    assert [a for a, _ in REGISTRY["CS_MRR_MOVEMENTS"].args] == ["client_ids", "months", "mrr"]
    assert [a for a, _ in REGISTRY["CS_SBG_FIT"].args] == ["active"]
    assert [a for a, _ in REGISTRY["CS_ARPA"].args] == ["mrr"]


def test_blanks_are_skipped_never_zero():
    # Excel passes a column as a list of rows, blanks as None; formulas returning "" count as blank.
    answers = [[10.0], [None], [9.0], [""], [3.0], [None]]
    assert call("CS_NPS", answers) == m.net_promoter_score([10, 9, 3]).score
    assert call("CS_ARPA", [100.0, None, 300.0]) == 200.0
    assert call("CS_CSAT", [[5.0, None], [None, 3.0]]) == 0.5


def test_nps_ci_spills_one_row_score_low_high_n():
    (row,) = call("CS_NPS_CI", [10, 9, 8, 7, 6, 0, 10, None], 0.9)
    r = m.net_promoter_score([10, 9, 8, 7, 6, 0, 10], confidence=0.9)
    assert row == [r.score, r.ci_low, r.ci_high, float(r.n)]


def test_text_numbers_and_out_of_range_give_one_line_with_argument_and_position():
    assert call("CS_NPS", [[10.0], ["9"]]) == (
        "#VALUE! CS_NPS: argument 'answers' must be whole numbers 0-10; got text '9' at position 2."
    )
    assert call("CS_NPS", [10.0, 9.5]) == (
        "#VALUE! CS_NPS: argument 'answers' must be whole numbers 0-10; got 9.5 at position 2."
    )
    # 2-D ranges are numbered row by row
    assert "at position 3" in call("CS_NPS", [[1.0, 2.0], [11.0, None]])
    out = call("CS_NPS_CI", [10, 9], 1.5)
    assert isinstance(out, str)
    assert out.startswith("#VALUE! CS_NPS_CI: argument 'confidence'")


def test_undefined_metric_is_na_with_reason():
    out = call("CS_NPS", [None, None])
    assert out.startswith("#N/A CS_NPS: ")
    assert "\n" not in out


def test_whole_column_reference_is_trimmed_not_counted():
    column = [[None]] * 1_048_576
    column[:4] = [[10.0], [9.0], [0.0], [None]]
    column[10] = [7.0]
    assert call("CS_NPS", column) == m.net_promoter_score([10, 9, 0, 7]).score
    assert call("CS_NPS", tuple(tuple(r) for r in column)) == call("CS_NPS", column)  # LibreOffice passes tuples


@pytest.mark.parametrize("name", sorted(REGISTRY))
@pytest.mark.parametrize(
    "garbage", [None, "abc", [[None]], [["x", 1.0]], [[1.0, 2.0], [3.0]], -1.0, 1e308, float("nan"), True]
)
def test_no_input_raises_or_returns_garbage(name, garbage):
    entry = REGISTRY[name]
    args = [garbage] * len(entry.args)
    out = entry(*args)
    if isinstance(out, str):
        assert "\n" not in out
        if out.startswith("#"):
            assert out.startswith((f"#VALUE! {name}", f"#N/A {name}", f"#NUM! {name}"))
            assert "internal error" not in out, out
    elif isinstance(out, list):
        assert all(isinstance(row, list) for row in out)
    else:
        assert out is None or isinstance(out, float)
        assert out is None or math.isfinite(out)


def test_mrr_movements_spills_the_bridge_with_header():
    ids = ["a", "a", "b", "b", "c"]
    months = [
        datetime(2026, 1, 1),
        datetime(2026, 2, 1),
        datetime(2026, 1, 1),
        datetime(2026, 2, 1),
        datetime(2026, 2, 1),
    ]
    mrr = [100.0, 120.0, 50.0, 0.0, 10.0]
    table = call("CS_MRR_MOVEMENTS", ids, months, mrr)
    assert call("CS_MRR_MOVEMENTS", ids, months, [100.0, 120.0, 50.0, None, 10.0]) == (
        "#VALUE! CS_MRR_MOVEMENTS: argument 'mrr' must be a value in every row that has data; got a blank at position 4."
    )
    assert table[0] == ["month", "start", "new", "expansion", "contraction", "churn", "reactivation", "end"]
    feb = table[2]
    assert feb[0] == datetime(2026, 2, 1)
    assert feb[1:] == [150.0, 10.0, 20.0, 0.0, 50.0, 0.0, 130.0]
    # LibreOffice passes dates as serial numbers: same table, months as serials on the way out
    serial = call("CS_MRR_MOVEMENTS", ids, [to_serial(d) for d in months], mrr)
    assert host_rows(serial) == host_rows(table)


def test_mrr_family_matches_the_library_on_the_sample(sample_book):
    mrr = sample_book.mrr.groupby(["client_id", "month"], as_index=False)["mrr"].sum()
    ids, months, values = list(mrr["client_id"]), [d.to_pydatetime() for d in mrr["month"]], list(mrr["mrr"])
    month = sample_book.last_month
    assert call("CS_GRR", ids, months, values, month.to_pydatetime()) == pytest.approx(
        m.gross_revenue_retention_rate(mrr, as_of=month, window=12), rel=1e-12
    )
    assert call("CS_NRR", ids, months, values, to_serial(month.to_pydatetime()), 6) == pytest.approx(
        m.net_revenue_retention_rate(mrr, as_of=month, window=6), rel=1e-12
    )
    bridge = m.mrr_movements(mrr)
    table = call("CS_MRR_MOVEMENTS", ids, months, values)
    assert len(table) == len(bridge) + 1
    np.testing.assert_allclose([r[1:] for r in table[1:]], bridge.drop(columns="month").to_numpy(dtype=float))
    cohorts = call("CS_COHORTS", ids, months, values, "revenue", 6)
    expected = m.cohort_retention(mrr, kind="revenue", max_age=6)
    assert cohorts[0][:3] == ["cohort", "size", "0"] or cohorts[0][:2] == ["cohort", "size"]
    np.testing.assert_allclose(
        np.array([r[2:] for r in cohorts[1:]], dtype=float), expected.rates.to_numpy(dtype=float), equal_nan=True
    )


def test_clv_methods_and_health():
    assert call("CS_CLV", "fee_months", 100, 24) == 2400.0
    assert call("CS_CLV", "margin_churn", 100, 0.02, 0.8) == pytest.approx(4000.0)
    assert call("CS_CLV", "nope", 1, 2).startswith("#VALUE! CS_CLV: argument 'method'")
    values, weights, names = [[80.0, None, 60.0]], [[0.5], [0.3], [0.2]], ["nps", "adoption", "support"]
    table = call("CS_HEALTH", values, weights, names)
    assert table[0] == ["component", "subscore", "weight", "contribution"]
    assert table[-1][0] == "score"
    assert table[-1][3] == pytest.approx(m.health_score([80, None, 60], [0.5, 0.3, 0.2]))
    assert sum(r[3] for r in table[1:-1]) == pytest.approx(table[-1][3])


def test_sbg_fit_spills_alpha_beta_loglik_on_the_paper_cohort():
    # Fader & Hardie (2007), "regular" cohort: alpha 0.704, beta 1.182 (METRICS_REFERENCE.md)
    regular = [1000, 631, 468, 382, 326, 289, 262, 241]
    ((alpha, beta, ll),) = call("CS_SBG_FIT", [[v] for v in regular])
    assert alpha == pytest.approx(0.704, abs=1e-3)
    assert beta == pytest.approx(1.182, abs=1e-3)
    assert ll < 0
    survival = call("CS_SBG_SURVIVAL", alpha, beta, [[0], [1], [2]])
    assert [r[0] for r in survival] == pytest.approx(list(m.sbg_survival(alpha, beta, [0, 1, 2])))


def test_pandas_free_results_are_plain_python():
    for name, args in {
        "CS_NPS": ([9, 10],),
        "CS_ARR": ([1, 2],),
        "CS_TOUCH_MODEL": (100_000.0,),
        "CS_LTV_TIER": ([[100.0], [50.0], [10.0]], [[0.0], [0.5], [None]]),
    }.items():
        out = call(name, *args)
        cells = [v for row in out for v in row] if isinstance(out, list) else [out]
        assert all(v is None or type(v) in (float, str, datetime) for v in cells), (name, out)


def test_to_serial_round_trip():
    assert to_serial(datetime(1900, 3, 1)) == 61.0
    assert pd.Timestamp("1899-12-30") + pd.Timedelta(days=to_serial(datetime(2026, 10, 1))) == pd.Timestamp(
        "2026-10-01"
    )


def test_docs_excel_lists_every_function_with_its_signature():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "excel.md").read_text(encoding="utf-8")
    for entry in REGISTRY.values():
        sig = ", ".join(f"[{a}]" if a in entry.optional else a for a, _ in entry.args)
        assert f"`{entry.name}({sig})`" in doc, entry.name
        for arg, text in entry.args:
            assert f"- `{arg}`: {text}" in doc, (entry.name, arg)

"""Headless recalculation with LibreOffice: the template's CS_ cells equal cs_reports.metrics.

The shipped template is recalculated once; every cell whose formula calls a CS_ function
is then checked against the library computed directly on the same data (the template
read back as a data book), and native formulas that depend on CS_ cells are checked too.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula
from python_calamine import CalamineWorkbook

from cs_reports import metrics as m
from cs_reports._resources import workbook_templates_dir
from cs_reports.cli import main
from cs_reports.data import load_book
from cs_reports.data.summary import client_health_inputs, portfolio_summary
from cs_reports.errors import InvalidInputError, OutputError
from cs_reports.excel import dynamic
from cs_reports.excel.dashboard import address
from cs_reports.excel.recalc import find_soffice, recalc
from tests.conftest import assert_unchanged
from tests.excel.test_recalc_cli import _wait_until_gone

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"),
]

TEMPLATE = workbook_templates_dir() / "cs_metrics.xlsx"
REL = 1e-9


class Sheet:
    """Values of one recalculated sheet by A1 address, and which addresses were checked."""

    def __init__(self, rows: list[list], checked: set[str], name: str) -> None:
        self.rows, self.checked, self.name = rows, checked, name

    def __getitem__(self, address: str):
        col = "".join(ch for ch in address if ch.isalpha())
        row = int(address[len(col) :])
        c = 0
        for ch in col:
            c = c * 26 + ord(ch) - 64
        self.checked.add(f"{self.name}!{address}")
        value = self.rows[row - 1][c - 1] if row - 1 < len(self.rows) and c - 1 < len(self.rows[row - 1]) else None
        return None if value == "" else value

    def column(self, letter: str, first: int, last: int) -> list:
        return [self[f"{letter}{r}"] for r in range(first, last + 1)]


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    out = tmp_path_factory.mktemp("recalc") / "cs_metrics_recalculated.xlsx"
    with assert_unchanged(TEMPLATE):
        result = recalc(TEMPLATE, out, timeout=600)
    return result, out


@pytest.fixture(scope="module")
def sheets(recalculated):
    _, out = recalculated
    wb = CalamineWorkbook.from_path(str(out))
    checked: set[str] = set()
    data = {
        name: Sheet(wb.get_sheet_by_name(name).to_python(skip_empty_area=False), checked, name)
        for name in wb.sheet_names
    }
    return data, checked


@pytest.fixture(scope="module")
def book(recalculated):
    _, out = recalculated
    return load_book(out)  # the recalculated template is itself a valid data book: the same data


def _close(got, expected, rel=REL):
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        assert got is None, f"expected blank, got {got!r}"
    else:
        assert got == pytest.approx(float(expected), rel=rel, abs=1e-9), (got, expected)


def test_recalc_reports_no_cs_errors(recalculated):
    result, out = recalculated
    assert result.errors == ()
    assert result.output == out
    assert result.seconds > 0


def test_formulas_are_kept(recalculated):
    _, out = recalculated
    wb = load_workbook(out)
    assert wb["Dashboard"][address("arr")].value.startswith("=CS_ARR(")
    nps = wb["Dashboard"][address("nps")].value
    assert isinstance(nps, ArrayFormula)
    assert nps.ref == "C11:F11"
    assert nps.text == "=CS_NPS_CI(tNPS[score_in_period])"
    assert wb["NPS"].tables["tNPS"].ref.startswith("A1:")


def test_dashboard_equals_the_portfolio_summary(sheets, book):
    data, _ = sheets
    d = data["Dashboard"]
    s = portfolio_summary(book)
    assert d[address("month")] is not None
    assert pd.Timestamp(d[address("month")]) == s.month
    for cell, value in {
        address("nps"): s.nps,
        address("nps", "D"): s.nps_low,
        address("nps", "E"): s.nps_high,
        address("nps", "F"): s.nps_answers,
        address("csat"): s.csat,
        address("tmr_first_response"): s.tmr_first_response_hours,
        address("tmr_resolution"): s.tmr_resolution_hours,
        address("renewal_rate"): s.renewal_rate,
        address("adoption"): s.adoption,
        address("start_mrr"): s.start_mrr,
        address("new"): s.new,
        address("expansion"): s.expansion,
        address("contraction"): s.contraction,
        address("churn"): s.churn,
        address("reactivation"): s.reactivation,
        address("end_mrr"): s.mrr,
        address("arr"): s.arr,
        address("customers"): s.customers,
        address("arpa"): s.arpa,
        address("logo_churn"): s.logo_churn_rate,
        address("gross_revenue_churn"): s.gross_revenue_churn_rate,
        address("net_revenue_churn"): s.net_revenue_churn_rate,
        address("grr"): s.grr,
        address("nrr"): s.nrr,
        address("quick_ratio"): s.quick_ratio,
        address("ltv"): s.ltv,
        address("ltv_cac"): s.ltv_cac,
        address("cac_payback"): s.cac_payback_months,
        address("pareto_top20"): s.pareto_top20,
    }.items():
        _close(d[cell], value)
    # the cells not in the summary, straight from the library
    tickets = book.tickets[
        (book.tickets["opened_at"] >= s.month - pd.DateOffset(months=2))
        & (book.tickets["opened_at"] < s.month + pd.DateOffset(months=1))
    ]
    _close(d[address("ces")], m.customer_effort_score(tickets["ces"]))
    net = m.net_churn_rate(s.start_mrr, s.churn, s.contraction, s.expansion, reactivation=s.reactivation)
    _close(d[address("net_mrr_churn")], net)
    _close(
        d[address("logo_churn_12m")],
        m.logo_churn_rate(book.mrr, start=s.month - pd.DateOffset(months=11), end=s.month, same_period="include"),
    )


def test_native_formulas_that_depend_on_cs_cells(sheets, book):
    from cs_reports.data.summary import portfolio_summary

    data, _ = sheets
    d, acc = data["Dashboard"], data["Accounts"]
    _close(d[address("nps_margin")], (d[address("nps", "E")] - d[address("nps", "D")]) / 2)
    assert abs(d[address("bridge_check")]) < 1e-6  # start + movements - end: the bridge reconciles
    # the portfolio LTV's churn: one definition (the registry's), the finance report's number
    _close(d[address("monthly_churn")], portfolio_summary(book, pd.Timestamp(d[address("month")])).ltv_monthly_churn)
    _close(d[address("ltv_churn")], max(d[address("monthly_churn")], 1 / d[address("lifetime_cap")]))
    _close(d[address("arr")], 12 * d[address("end_mrr")])  # ARR (over Accounts) = 12 x end MRR (from the bridge spill)
    for r in range(5, 10):
        _close(acc[f"F{r}"], 12 * acc[f"E{r}"])


def test_accounts_equal_the_library(sheets, book):
    data, _ = sheets
    acc, d = data["Accounts"], data["Dashboard"]
    month = book.last_month
    ids = book.clients["client_id"].tolist()
    last = 4 + len(ids)
    assert acc.column("A", 5, last) == ids
    current = book.mrr[book.mrr["month"] == month].groupby("client_id")["mrr"].sum().reindex(ids).fillna(0.0)
    np.testing.assert_allclose(acc.column("E", 5, last), current.to_numpy(), rtol=REL)
    assert acc.column("D", 5, last) == [m.touch_model(12 * v) for v in current]
    churn, margin = d[address("ltv_churn")], d[address("gross_margin")]
    ltv = [m.clv_margin_churn(v, churn, gross_margin=margin) for v in current]
    np.testing.assert_allclose(acc.column("H", 5, last), ltv, rtol=REL)
    potential = acc.column("I", 5, last)
    tiers = m.ltv_tiers(pd.DataFrame({"ltv": ltv, "potential": potential}, dtype=object))["tier"]
    assert acc.column("J", 5, last) == [float(t) for t in tiers]
    health = m.health_scores(client_health_inputs(book, month))["score"].to_numpy()
    np.testing.assert_allclose(np.array(acc.column("P", 5, last), dtype=float), health, rtol=REL)


def test_bridge_cohorts_and_sbg_equal_the_library(sheets, book):
    data, _ = sheets
    bridge, coh = data["MRR bridge"], data["Cohorts"]
    mrr = book.mrr[book.mrr["month"] <= book.last_month]
    expected = m.mrr_movements(mrr)
    n = len(expected)
    assert [bridge[f"{c}1"] for c in "ABCDEFGH"] == [
        "month",
        "start",
        "new",
        "expansion",
        "contraction",
        "churn",
        "reactivation",
        "end",
    ]
    assert [pd.Timestamp(v) for v in bridge.column("A", 2, n + 1)] == list(expected["month"])
    for c, col in zip(
        "BCDEFGH", ["start", "new", "expansion", "contraction", "churn", "reactivation", "end"], strict=True
    ):
        np.testing.assert_allclose(bridge.column(c, 2, n + 1), expected[col].to_numpy(), rtol=REL, atol=1e-6)

    table = m.cohort_retention(mrr, kind="logo", max_age=12)
    k = len(table.rates)
    top = 34  # the cohort table's header row (the sBG block sits above it; the table grows down)
    header = [coh[f"{chr(ord('A') + i)}{top}"] for i in range(15)]
    assert header[:2] == ["cohort", "size"]
    assert [float(v) for v in header[2:]] == [float(a) for a in table.rates.columns]
    assert [pd.Timestamp(v) for v in coh.column("A", top + 1, k + top)] == list(table.rates.index)
    np.testing.assert_allclose(coh.column("B", top + 1, k + top), table.sizes.to_numpy(dtype=float))
    letters = [chr(ord("C") + i) for i in range(13)]
    got = np.array(
        [
            [coh[f"{c}{r}"] if coh[f"{c}{r}"] is not None else np.nan for c in letters]
            for r in range(top + 1, k + top + 1)
        ],
        dtype=float,
    )
    np.testing.assert_allclose(got, table.rates.to_numpy(dtype=float), rtol=REL, equal_nan=True)

    row = 2  # the sBG block: active counts, then the fit, DERL and the survival curve
    active = [coh[f"{c}{row}"] for c in letters]
    assert active == sorted(active, reverse=True)
    assert active[0] == table.sizes.iloc[0]
    fit = m.sbg_fit(active)
    for c, v in zip("CDE", [fit.alpha, fit.beta, fit.log_likelihood], strict=True):
        _close(coh[f"{c}{row + 1}"], v, rel=1e-6)
    _close(coh[f"C{row + 2}"], m.sbg_derl(fit.alpha, fit.beta, discount_rate=0.1, renewals=1), rel=1e-6)
    survival = m.sbg_survival(fit.alpha, fit.beta, list(range(25)))
    np.testing.assert_allclose(coh.column("B", row + 4, row + 28), survival, rtol=1e-6)


def test_capacity_and_health_breakdown(sheets, book):
    data, _ = sheets
    d, acc = data["Dashboard"], data["Accounts"]
    touch = acc.column("D", 5, 4 + len(book.clients))
    counts = pd.Series(touch).value_counts().to_dict()
    r = m.csm_capacity(counts, csm_count=d[address("csms")])
    top = int(address("capacity")[1:])
    names = ["workload_hours", "capacity_hours", "gap_hours", "csms_needed", "accounts_per_csm"]
    assert [d[f"B{top + i}"] for i in range(len(names))] == names  # the spilled labels
    for i, name in enumerate(names):
        _close(d[f"C{top + i}"], getattr(r, name))
    client = d[address("client")]
    model = m.HealthModel.from_frame(book.health_model)
    row = 5 + book.clients["client_id"].tolist().index(client)
    subs = [acc[f"{c}{row}"] for c in "KLMNO"]
    table = m.health_breakdown(subs, [c.weight for c in model.components], model.names)
    assert [d[f"{c}61"] for c in "BCDE"] == ["component", "subscore", "weight", "contribution"]
    for i, rec in enumerate(table.itertuples(index=False), start=62):
        assert d[f"B{i}"] == rec.component
        for c, v in zip("CDE", [rec.subscore, rec.weight, rec.contribution], strict=True):
            _close(d[f"{c}{i}"], v)
    last = 62 + len(table)
    assert d[f"B{last}"] == "score"
    _close(d[f"E{last}"], m.health_score(subs, [c.weight for c in model.components]))
    _close(d[f"E{last}"], acc[f"P{row}"])
    d[f"C{last}"], d[f"D{last}"]


def test_every_cs_cell_was_checked(recalculated, sheets, book):
    """No CS_ cell left unchecked (pytest runs a module's tests in file order: this one follows the checks)."""
    _, out = recalculated
    _data, checked = sheets
    wb = load_workbook(out)
    cs_cells = set()
    for ws in wb.worksheets:
        if ws.title not in ("Dashboard", "Accounts", "MRR bridge", "Cohorts"):
            continue
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                text = v.text if isinstance(v, ArrayFormula) else v
                if isinstance(text, str) and text.startswith("=") and "CS_" in text:
                    if isinstance(v, ArrayFormula):
                        for block in ws[v.ref]:
                            for c in block if isinstance(block, tuple) else (block,):
                                cs_cells.add(f"{ws.title}!{c.coordinate}")
                    else:
                        cs_cells.add(f"{ws.title}!{cell.coordinate}")
    missing = sorted(cs_cells - checked)
    assert len(cs_cells) > 1000
    assert not missing, f"{len(missing)} CS_ cells not compared, e.g. {missing[:5]}"


def _tiny(path: Path, *formulas: str) -> Path:
    wb = Workbook()
    ws = wb.active
    for i, v in enumerate([10, "dez", 8, None, 9], start=1):
        ws.cell(i, 1, v)
    for i, f in enumerate(formulas, start=1):
        ws.cell(i, 3, f)
    wb.save(path)
    return path


def _batch_books(folder: Path) -> list[Path]:
    """Three books that take different routes through recalc: error cells, a spill that grows, one that shrinks."""
    errors = _tiny(folder / "in.xlsx", "=CS_NPS(A1:A5)", "=CS_NPS(A3:A5)", "=CS_NPS(B1:B5)", "=CS_NOPE(A1)")
    wb = Workbook()
    ws = wb.active
    for i in range(1, 6):
        ws.cell(i, 1, i - 1)
    ws["C1"] = ArrayFormula("C1", "=CS_SBG_SURVIVAL(0.7,1.3,A1:A5)")  # saved 1x1, spills 5 rows: a second pass
    ws["E1"] = ArrayFormula("E1:H1", "=CS_NPS_CI(A1:A5)")
    wb.save(folder / "grows.xlsx")
    wb = Workbook()
    ws = wb.active
    for i, v in enumerate([10, 9, "x", 6], start=1):
        ws.cell(i, 1, v)
    ws["C1"] = ArrayFormula("C1:F1", "=CS_NPS_CI(A1:A4)")  # an error: shrinks to its anchor
    ws["C3"] = ArrayFormula("C3:F3", "=CS_NPS_CI(A1:A2)")
    wb.save(folder / "shrinks.xlsx")
    parts = dynamic.read_parts(folder / "shrinks.xlsx")
    dynamic.mark_dynamic(parts)  # as Excel 365 saves them
    dynamic.write_parts(folder / "shrinks.xlsx", parts)
    return [errors, folder / "grows.xlsx", folder / "shrinks.xlsx"]


def _listed(printed: str, output: Path) -> list[str]:
    """The lines ``recalc`` printed under ``wrote OUTPUT``: the error count and the error cells."""
    return printed.split(f"wrote {output} (LibreOffice ", 1)[1].split("\nwrote ", 1)[0].splitlines()[1:]


def test_errors_are_cells_listed_and_the_cli_exits_3(tmp_path, capsys):
    """One ``recalc ... --out-dir`` launch for three books: each lists its own errors and sizes its own spills.

    The books take different routes: error cells; a spill saved at one cell that grows over a
    second pass; a spill whose result is an error, shrunk to its anchor over a second pass, as
    Excel shows it, its old cells emptied (the first book leaves the batch after one pass).
    """
    (tmp_path / "in").mkdir()
    books = _batch_books(tmp_path / "in")
    out = tmp_path / "out"
    with assert_unchanged(*books):
        code = main(["recalc", *map(str, books), "--out-dir", str(out), "--timeout", "300"])
    assert code == 3
    text = capsys.readouterr().out
    assert _listed(text, out / "in.xlsx") == [
        "3 cell(s) show an error:",
        "  Sheet!C1: #VALUE! CS_NPS: argument 'answers' must be whole numbers 0-10; got text 'dez' at position 2.",
        "  Sheet!C3: #N/A CS_NPS: there are no answers.",
        "  Sheet!C4: #NAME?",
    ]
    values = CalamineWorkbook.from_path(str(out / "in.xlsx")).get_sheet_by_index(0).to_python()
    assert values[1][2] == 50.0  # A3:A5 = 8, blank, 9: the blank is skipped, not a detractor (else 0)
    unknown = load_workbook(out / "in.xlsx", data_only=True).active["C4"].value
    assert unknown in ("#NAME?", "#NAME? CS_NOPE is not a cs-reports function.")

    assert _listed(text, out / "grows.xlsx") == []
    spills = {s.cell: s for s in dynamic.find_spills(dynamic.read_parts(out / "grows.xlsx"))}
    assert {c: s.ref for c, s in spills.items()} == {"C1": "C1:C5", "E1": "E1:H1"}
    grown = CalamineWorkbook.from_path(str(out / "grows.xlsx")).get_sheet_by_index(0).to_python()
    np.testing.assert_allclose([row[2] for row in grown], m.sbg_survival(0.7, 1.3, [0, 1, 2, 3, 4]), rtol=1e-12)
    nps = m.net_promoter_score([0, 1, 2, 3, 4], confidence=0.95)
    assert grown[0][4:8] == pytest.approx([nps.score, nps.ci_low, nps.ci_high, nps.n])

    assert _listed(text, out / "shrinks.xlsx") == [
        "1 cell(s) show an error:",
        "  Sheet!C1: #VALUE! CS_NPS_CI: argument 'answers' must be whole numbers 0-10; got text 'x' at position 3.",
    ]
    spills = {s.cell: s.ref for s in dynamic.find_spills(dynamic.read_parts(out / "shrinks.xlsx"))}
    assert spills == {"C1": "C1", "C3": "C3:F3"}
    rows = CalamineWorkbook.from_path(str(out / "shrinks.xlsx")).get_sheet_by_name("Sheet").to_python()
    assert rows[0][3:6] == ["", "", ""]
    assert rows[2][2] == 100.0


def test_batch_refusals(tmp_path):
    from cs_reports.excel.recalc import recalc_many

    src = _tiny(tmp_path / "in.xlsx", "=1")
    assert recalc_many([]) == []
    with pytest.raises(InvalidInputError, match="same output"):
        recalc_many([(src, tmp_path / "o.xlsx"), (src, tmp_path / "o.xlsx")])
    with pytest.raises(InvalidInputError, match="2 values flag"):
        recalc_many([(src, tmp_path / "o.xlsx")], values=[True, False])
    with pytest.raises(InvalidInputError, match="does not exist"):
        recalc_many([(src, tmp_path / "o.xlsx"), (tmp_path / "missing.xlsx", tmp_path / "p.xlsx")])
    other = _tiny(tmp_path / "other.xlsx", "=2")
    with pytest.raises(Exception, match="input"):
        recalc_many([(src, tmp_path / "o.xlsx"), (other, src)])  # an output over another pair's input
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx", "other.xlsx"]


def test_timeout_kills_the_process_tree_and_writes_nothing(tmp_path, monkeypatch):
    src = _tiny(tmp_path / "in.xlsx", "=CS_NPS(A1:A5)")
    out = tmp_path / "out.xlsx"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # this run's cs-reports-recalc-* folder goes here
    with pytest.raises(OutputError, match="did not finish recalculating within 1 s"):
        recalc(src, out, timeout=1)
    assert not out.exists()
    assert sorted(tmp_path.iterdir()) == [src, scratch]
    assert list(scratch.iterdir()) == []
    assert _wait_until_gone(scratch) == []


def test_refusals(tmp_path, monkeypatch):
    src = _tiny(tmp_path / "in.xlsx", "=1")
    with pytest.raises(InvalidInputError, match="does not exist"):
        recalc(tmp_path / "missing.xlsx", tmp_path / "o.xlsx")
    with pytest.raises(InvalidInputError, match="writes .xlsx"):
        recalc(src, tmp_path / "o.ods")
    with pytest.raises(Exception, match="input"):
        recalc(src, src)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CS_REPORTS_SOFFICE", raising=False)
    with pytest.raises(InvalidInputError, match="libreoffice-calc-nogui"):
        find_soffice(root=tmp_path)  # no LibreOffice on PATH nor in a (fake, empty) install tree

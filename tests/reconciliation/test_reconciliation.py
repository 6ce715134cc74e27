"""One number everywhere: every printed figure equals its registry value, and each printed sentence,
applied by the independent implementation of ``independent.py`` to the raw sheets, gives that number.

Books: the sample and three generated ones (``books.py``). Surfaces: ``cs-reports metrics --format
json``, the finance PDF (pypdf) and xlsx (openpyxl), the QBR in both editions as PDF and deck
(python-pptx). One client per book for the QBR; the renders are made once per book.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation

from cs_reports.cli import main
from cs_reports.metrics.registry import REGISTRY
from cs_reports.reports.formatting import Formatter
from tests.conftest import pdf_pages
from tests.reconciliation import independent as ind
from tests.reconciliation.books import BOOKS

LANG = "pt-BR"

pytestmark = pytest.mark.slow  # 4 books x (finance + 2 QBR editions + 2 success maps): about a minute


def _flat(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def _pdf_text(path: Path) -> str:
    text = " ".join(pdf_pages(path))
    return _flat(re.sub(r"[\u2010\u00ad]\s*\n", "", text))  # words hyphenated at a line end


def _deck_text(path: Path) -> str:
    parts = []
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return _flat(" ".join(parts))


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.rglob(pattern))
    assert len(found) == 1, f"expected one {pattern} under {folder}, got {found}"
    return found[0]


@dataclass
class Case:
    name: str
    path: Path
    sheets: dict[str, pd.DataFrame]
    table: pd.DataFrame
    month: pd.Timestamp
    quarter_end: pd.Timestamp
    client: str
    metrics: dict[str, object]
    out: Path


@pytest.fixture(scope="module", params=["sample", *BOOKS])
def case(request, tmp_path_factory, sample_book_path) -> Case:
    name = request.param
    root = tmp_path_factory.mktemp(f"reconcile-{name}")
    if name == "sample":
        path = sample_book_path
    else:
        path = root / f"{name}.xlsx"
        BOOKS[name](path)
    assert main(["metrics", str(path), "--format", "json", "--out", str(root / "metrics.json")]) == 0
    metrics = json.loads((root / "metrics.json").read_text(encoding="utf-8"))["metrics"]
    month = pd.Timestamp(f"{metrics['month']}-01")  # the book's last month (invoices may run past it)
    sheets = ind.raw_sheets(str(path))
    table = ind.mrr_table(sheets)
    table = table[[c for c in table.columns if c <= month]]
    quarter = month.to_period("Q") - (0 if month.month % 3 == 0 else 1)
    quarter_end = quarter.end_time.to_period("M").to_timestamp()
    paying = table[quarter_end]
    client = str(paying[paying > 0].index[-1])
    out = root / "out"
    assert main(["finance", str(path), "--out", str(out / "finance"), "--lang", LANG, "--quiet"]) == 0
    for audience in ("internal", "client"):
        args = ["qbr", str(path), "--out", str(out / audience), "--client", client, "--audience", audience]
        args += ["--quarter", f"{quarter.year}Q{quarter.quarter}", "--format", "pdf,pptx", "--lang", LANG, "--quiet"]
        assert main(args) == 0
        args = ["success-map", str(path), "--out", str(out / f"map-{audience}"), "--client", client]
        assert main([*args, "--audience", audience, "--month", f"{quarter_end:%Y-%m}", "--lang", LANG, "--quiet"]) == 0
    return Case(name, path, sheets, table, month, quarter_end, client, metrics, out)


def test_metrics_json_is_what_the_sentences_say(case):
    m, t, mo = case.metrics, case.table, case.month
    assert m["ltv_monthly_churn"] == pytest.approx(ind.mean_monthly_churn(t, mo), rel=1e-9)
    assert m["ltv"] == pytest.approx(ind.portfolio_ltv(case.sheets, t, mo), rel=1e-9)
    assert m["logo_churn_rate"] == pytest.approx(ind.logo_churn(t, mo), rel=1e-9, abs=1e-12)
    assert m["arpa"] == pytest.approx(ind.arpa(t, mo), rel=1e-9)
    assert m["gross_revenue_churn_rate"] == pytest.approx(ind.revenue_churn(t, mo), rel=1e-9, abs=1e-12)
    for key, gross in (("nrr", False), ("grr", True)):
        expected = ind.nrr(t, mo, gross=gross)
        assert (m[key] is None and math.isnan(expected)) or m[key] == pytest.approx(expected, rel=1e-9)


def test_finance_xlsx_and_pdf_print_the_registry_values(case):
    m = case.metrics
    book = openpyxl.load_workbook(_one(case.out / "finance", "*.xlsx"), read_only=True, data_only=True)
    rows = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            if row and isinstance(row[-1], str) and row[-1] in m:
                rows[row[-1]] = row[1]
            if row and row[0] == "ltv_definition":
                rows["ltv_definition"] = row[1]
    for key in ("ltv", "arpa", "nrr", "grr", "logo_churn_rate", "gross_revenue_churn_rate", "customers", "mrr"):
        expected = m[key]
        assert (rows[key] is None) if expected is None else rows[key] == pytest.approx(expected, rel=1e-12), key
    sentence = REGISTRY["portfolio_ltv"].sentence(LANG, n=12, cap=60)
    assert rows["ltv_definition"] == sentence
    text = _pdf_text(_one(case.out / "finance", "*.pdf"))
    fmt = Formatter(LANG)
    assert _flat(sentence) in text
    assert REGISTRY["portfolio_ltv"].label(LANG).upper() in text.upper()  # a card label, upper-cased by CSS
    for shown in (
        fmt.money(m["ltv"], "BRL", cents=False),
        fmt.money(m["arpa"], "BRL", cents=False),
        fmt.percent(m["logo_churn_rate"], 2),
    ):
        assert _flat(shown) in text, shown


def test_segments_count_as_the_clients_sheet_and_keep_their_start_segment(case):
    from cs_reports.data import load_book
    from cs_reports.reports.content.finance import build_finance_context

    ctx = build_finance_context(load_book(case.path), None, LANG)
    clients = case.sheets["Clients"].assign(client_id=lambda c: c["client_id"].astype(str)).set_index("client_id")
    now = case.table[case.month]
    paying = set(now[now > 0].index)
    given = clients["touch_model"] if "touch_model" in clients else pd.Series(None, index=clients.index, dtype=object)
    segments = ind.touch_at_window_start(case.sheets, case.table, case.month)
    text = _pdf_text(_one(case.out / "finance", "*.pdf"))
    fmt = Formatter(LANG)
    for row in ctx.by_touch:
        model = row.group.removeprefix("derived_")
        derived = row.group != model
        members = [c for c in clients.index if segments[c] == model and pd.isna(given.get(c)) == derived]
        assert row.customers == len(paying & set(members)), row.group  # given rows: the Clients sheet's count
        cohort = case.table.loc[[c for c in members if c in case.table.index]]
        expected = ind.nrr(cohort, case.month)
        assert (math.isnan(row.nrr) and math.isnan(expected)) or row.nrr == pytest.approx(expected, rel=1e-9)
        if math.isfinite(row.nrr):
            assert _flat(fmt.percent(row.nrr, 1)) in text


def test_qbr_internal_pdf_and_deck_print_the_client_ltv(case):
    expected = ind.client_ltv(case.sheets, case.table, case.client, case.quarter_end)
    fmt = Formatter(LANG)
    shown = _flat(fmt.money(expected, "BRL", cents=False))
    sentence = _flat(REGISTRY["client_ltv"].sentence(LANG, n=12, cap=60))
    pdf = _pdf_text(_one(case.out / "internal", "*.pdf"))
    assert shown in pdf
    assert sentence in pdf
    assert REGISTRY["client_ltv"].label(LANG).upper() in pdf.upper()
    deck = _deck_text(_one(case.out / "internal", "*.pptx"))
    assert shown in deck
    assert sentence in deck


def test_both_editions_say_no_previous_quarter_one_way(case):
    first_paid = case.table.loc[case.client].gt(0).idxmax()
    new = first_paid > case.quarter_end - pd.DateOffset(months=3)
    assert new or case.name != "minimal"  # the minimal book's client C first pays in the quarter
    no_before = "sem comparação com o trimestre anterior"
    for audience in ("client", "internal"):
        for text in (
            _pdf_text(_one(case.out / audience, "*.pdf")),
            _deck_text(_one(case.out / audience, "*.pptx")),
            _pdf_text(_one(case.out / f"map-{audience}", "*.pdf")),
        ):
            assert "sem dado no trimestre anterior" not in text
            if new:
                assert not re.search(r"R\$ 0(,00)? no trimestre anterior", text)
                assert "vs. trimestre anterior" not in text
                assert no_before in text or "trimestre anterior" not in text  # the client map compares nothing


def test_success_maps_print_each_goal_progress_as_its_sentence_says(case):
    if "Goals" not in case.sheets:
        pytest.skip(f"the {case.name} book has no Goals sheet")
    goals = case.sheets["Goals"].assign(client_id=lambda g: g["client_id"].astype(str))
    own = goals[goals["client_id"] == case.client]
    fmt = Formatter(LANG)
    for audience in ("client", "internal"):
        text = _pdf_text(_one(case.out / f"map-{audience}", "*.pdf"))
        for g in own.itertuples():
            progress = (g.actual - g.baseline) / (g.target - g.baseline)  # the goal_progress sentence
            if math.isfinite(progress) and progress > 0:
                assert f"({_flat(fmt.percent(progress, 0))} da meta atingida)" in text, (g.objective, progress)


def test_survey_and_adoption_figures_are_what_their_sentences_say(case):
    if "NPS" not in case.sheets:
        pytest.skip(f"the {case.name} book has no surveys or usage")
    m, fmt = case.metrics, Formatter(LANG)
    assert m["nps"] == pytest.approx(ind.nps(case.sheets, case.month), rel=1e-9)
    assert m["csat"] == pytest.approx(ind.csat(case.sheets, case.month), rel=1e-9)
    assert m["adoption"] == pytest.approx(ind.license_adoption(case.sheets, case.month), rel=1e-9)
    finance = _pdf_text(_one(case.out / "finance", "*.pdf"))
    assert f"NPS {_flat(fmt.number(m['nps'], 0))}" in finance
    own = ind.license_adoption(case.sheets, case.quarter_end, case.client)
    label = REGISTRY["license_adoption"].label(LANG).upper()
    for audience in ("client", "internal"):
        for text in (_pdf_text(_one(case.out / audience, "*.pdf")), _deck_text(_one(case.out / audience, "*.pptx"))):
            assert label in text.upper()
            assert _flat(fmt.percent(own, 0)) in text
            assert "TAXA DE ADOÇÃO" not in text.upper()  # one name for license adoption


def test_mrr_movements_and_quick_ratio_are_what_their_sentences_say(case):
    """metrics JSON, the finance xlsx bridge (every month) and PDF, against the movements' printed sentence."""
    m, fmt = case.metrics, Formatter(LANG)
    expected = ind.movements(case.table, case.month)
    for key in ("new", "expansion", "contraction", "churn", "reactivation"):
        assert m[key] == pytest.approx(expected[key], abs=0.005), key
    assert m["start_mrr"] == pytest.approx(expected["start"], abs=0.005)
    qr = ind.quick_ratio(case.table, case.month)
    assert (m["quick_ratio"] is None and math.isnan(qr)) or m["quick_ratio"] == pytest.approx(qr, rel=1e-9)
    book = openpyxl.load_workbook(_one(case.out / "finance", "*.xlsx"), read_only=True, data_only=True)
    bridge = [list(r) for r in book["Movimentação do MRR"].iter_rows(values_only=True)]
    header, rows = bridge[0], bridge[1:]
    assert len(header) == 8  # month, start, new, expansion, reactivation, contraction, churn, end
    assert rows
    for month, start, new, expansion, reactivation, contraction, churn, end in rows:
        want = ind.movements(case.table, pd.Timestamp(f"{month}-01"))
        got = {"start": start, "new": new, "expansion": expansion, "reactivation": reactivation}
        got |= {"contraction": -contraction, "churn": -churn, "end": end}  # losses printed negative
        assert got == pytest.approx(want, abs=0.005), month
    policies = {r[0]: r[1] for r in book["Políticas"].iter_rows(values_only=True)}
    assert policies["mrr_movements_definition"] == REGISTRY["mrr_movements"].sentence(LANG)
    assert policies["quick_ratio_definition"] == REGISTRY["quick_ratio"].sentence(LANG)
    text = _pdf_text(_one(case.out / "finance", "*.pdf"))
    assert _flat(REGISTRY["mrr_movements"].sentence(LANG)) in text
    assert _flat(REGISTRY["quick_ratio"].sentence(LANG)) in text
    if math.isfinite(qr):
        assert f"{REGISTRY['quick_ratio'].label(LANG).lower()} {_flat(fmt.number(qr, 2))}" in text.lower()

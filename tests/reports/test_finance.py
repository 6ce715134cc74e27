"""The finance report for finance: changes, movers, renewals with forecast bands, calibration, xlsx.

Reference values come from the library (portfolio_summary, customer_movements, the renewal
model) computed on the same sample; the PDF's extracted text and the xlsx are checked against them.
"""

from __future__ import annotations

import io
import math
import re

import openpyxl
import pandas as pd
import pytest

from cs_reports import metrics as m
from cs_reports.data.summary import Policies, portfolio_summary
from cs_reports.reports.content.finance import build_finance_context
from cs_reports.reports.content.finance_xlsx import finance_tables, finance_xlsx
from cs_reports.reports.formatting import Formatter
from cs_reports.reports.kinds import produce
from cs_reports.reports.render import Templates, load_branding
from tests.conftest import pdf_text

MONTH = pd.Timestamp("2026-10-01")


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", pdf_text(pdf))


@pytest.fixture(scope="module")
def finance(sample_book):
    templates, branding = Templates(), load_branding(None)
    return {
        lang: produce(sample_book, "finance", "2026-10", None, lang, templates=templates, branding=branding)
        for lang in ("pt-BR", "en")
    }


def test_every_card_has_its_month_on_month_change(sample_book, finance):
    pdf, ctx = finance["pt-BR"]
    assert ctx.previous == portfolio_summary(sample_book, "2026-09")
    text = _text(pdf)
    assert text.count("vs. mês anterior") == 8  # one per KPI card
    f, s, p = Formatter("pt-BR"), ctx.summary, ctx.previous
    change = s.mrr - p.mrr
    shown = ("+" if change > 0 else "−") + f.money(abs(change), "BRL", cents=False)
    assert re.sub(r"\s", " ", shown) in text
    assert "vs. previous month" in _text(finance["en"][0])


def test_cac_margin_and_payback_are_over_paying_clients(sample_book, finance):
    _, ctx = finance["en"]
    s = ctx.summary
    current = sample_book.mrr[(sample_book.mrr["month"] == MONTH)].groupby("client_id")["mrr"].sum()
    paying = sample_book.clients[sample_book.clients["client_id"].isin(current[current > 0].index)]
    assert len(paying) < len(sample_book.clients)  # churned clients exist and are left out
    assert s.cac == pytest.approx(paying["cac"].mean())
    assert s.gross_margin == pytest.approx(paying["gross_margin"].mean())
    assert s.ltv_cac == pytest.approx(s.ltv / s.cac)
    assert s.cac_payback_months == pytest.approx(s.cac / (s.arpa * s.gross_margin))


def test_ltv_says_when_its_cap_binds(sample_book):
    capped = build_finance_context(sample_book, MONTH, "en", policies=Policies(max_lifetime_months=6))
    s = capped.summary
    assert s.ltv_capped
    assert s.ltv_lifetime_months == 6
    assert s.ltv == pytest.approx(s.arpa * s.gross_margin * 6)
    free = portfolio_summary(sample_book, MONTH, policies=Policies(max_lifetime_months=600))
    assert not free.ltv_capped
    assert free.ltv_lifetime_months == pytest.approx(1 / free.ltv_monthly_churn)
    assert free.ltv == pytest.approx(free.arpa * free.gross_margin * free.ltv_lifetime_months)
    policies = finance_tables(capped, "en")["policies"].frame
    assert ("ltv_capped", "True") in set(map(tuple, policies.to_numpy().tolist()))


def test_the_clients_behind_each_movement(sample_book, finance):
    pdf, ctx = finance["en"]
    moves = m.customer_movements(sample_book.mrr, start=MONTH, end=MONTH)
    names = sample_book.clients.set_index("client_id")["name"]
    text = _text(pdf)
    for kind in ("new", "expansion", "contraction", "churn"):
        expected = moves[moves["movement"] == kind].sort_values("amount", ascending=False).head(5)
        got = [r for r in ctx.movers if r.movement == kind]
        assert [r.client_id for r in got] == expected["client_id"].tolist(), kind
        assert [r.amount for r in got] == pytest.approx(expected["amount"].tolist())
        for r in got:
            assert names[r.client_id] in text
    assert {r.movement for r in ctx.movers} >= {"new", "contraction", "churn"}


def test_renewals_by_value_with_bands_totals_and_flags(finance):
    _, ctx = finance["en"]
    rows = ctx.renewals
    assert len(rows) >= 20
    assert [r.mrr for r in rows] == sorted((r.mrr for r in rows), reverse=True)
    for r in rows:
        assert r.expected_mrr == pytest.approx(r.probability * r.mrr)
        assert r.band == ("likely" if r.probability >= 0.8 else "uncertain" if r.probability >= 0.6 else "unlikely")
        if not math.isnan(r.health_score) and r.health_score < 40:
            assert "health_low" in r.flags
    total = ctx.renewal_bands[-1]
    assert total.band == "total"
    assert total.renewals == len(rows)
    assert total.mrr == pytest.approx(sum(r.mrr for r in rows))
    assert total.expected_mrr == pytest.approx(sum(r.expected_mrr for r in rows))
    assert sum(b.renewals for b in ctx.renewal_bands[:-1]) == total.renewals
    assert {b.band for b in ctx.renewal_bands} >= {"likely", "uncertain", "unlikely"}


def test_the_spread_of_probabilities_reflects_health(finance):
    _, ctx = finance["en"]
    rows = [r for r in ctx.renewals if not math.isnan(r.health_score)]
    healthy = [r.probability for r in rows if r.health_score >= 70]
    weak = [r.probability for r in rows if r.health_score < 60]
    assert healthy
    assert weak
    assert sum(weak) / len(weak) < sum(healthy) / len(healthy) - 0.2
    assert max(r.probability for r in rows) - min(r.probability for r in rows) > 0.4
    assert min(r.probability for r in rows) < 0.6  # not "all likely at 98-100%" any more


def test_calibration_is_printed_for_finance(finance):
    for lang, words in (
        ("pt-BR", ("Brier", "Teste retroativo", "Uso interno")),
        ("en", ("Brier", "Backtest", "Internal")),
    ):
        pdf, ctx = finance[lang]
        text = _text(pdf)
        bt = ctx.forecast.backtest
        assert bt is not None
        f = Formatter(lang)
        for word in (*words, f.number(bt.brier, 3), f.number(bt.brier_flat, 3)):
            assert word in text, (lang, word)


def test_glossary_wording(finance):
    pt, en = _text(finance["pt-BR"][0]), _text(finance["en"][0])
    assert "Ponte de MRR" not in pt
    assert "Movimentação do MRR" in pt
    assert pt.count("Receita Recorrente Mensal (MRR)") == 1
    assert en.count("Monthly Recurring Revenue (MRR)") == 1
    assert "Health Score" in pt
    assert not re.search(r"\d %", pt)  # no space before % (docs/glossary.md)


def test_finance_xlsx_is_formatted_for_finance(finance):
    for lang, sheets in (
        ("pt-BR", ("Resumo", "Movimentação do MRR", "Quem movimentou", "Renovações 90 dias", "Previsão de renovação")),
        ("en", ("Summary", "MRR movements", "Movers", "Renewals 90 days", "Renewal forecast")),
    ):
        _, ctx = finance[lang]
        wb = openpyxl.load_workbook(io.BytesIO(finance_xlsx(ctx, lang)))
        assert set(sheets) <= set(wb.sheetnames), wb.sheetnames
        for ws in wb.worksheets:
            assert ws.freeze_panes == "A2"
            assert ws["A1"].font.bold
        bridge = wb[sheets[1]]
        headers = [c.value for c in bridge[1]]
        assert headers[0] == ("Mês" if lang == "pt-BR" else "Month")
        contraction = headers.index("Contração" if lang == "pt-BR" else "Contraction")
        last = bridge.max_row
        assert bridge.cell(last, contraction + 1).value == pytest.approx(-ctx.bridge[-1]["contraction"])
        assert '"R$"' in bridge.cell(last, 2).number_format
        assert bridge.column_dimensions["B"].width >= 10
        summary = wb[sheets[0]]
        rows = {r[-1].value: r for r in summary.iter_rows(min_row=2)}
        assert rows["mrr"][1].value == pytest.approx(ctx.summary.mrr)
        assert '"R$"' in rows["mrr"][1].number_format
        assert rows["nrr"][1].number_format == "0.0%"
        assert rows["churn"][1].value == pytest.approx(-ctx.summary.churn)  # the PDF's sign convention
        assert rows["mrr"][3].value == pytest.approx(ctx.summary.mrr - ctx.previous.mrr)
        renewals = wb[sheets[3]]
        assert renewals.max_row == len(ctx.renewals) + 1
        assert next(c.value for c in renewals[2]) == ctx.renewals[0].client_id

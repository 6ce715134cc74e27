"""The wrong-number cases of issue 21, each as a class: right numbers and a declared assumption, or a refusal.

Every test compares with the clean book (the same tables and metrics, computed by the library
from the clean file) and checks that what the reader inferred is in ``book.assumptions`` with
the figures it touches; refusals name the sheet, row and column.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs_reports.cli import main
from cs_reports.data import invoices_to_mrr, load_book
from cs_reports.data.assumptions import Assumptions
from cs_reports.data.sample import make_sample_tables
from cs_reports.data.summary import client_summary, portfolio_summary
from cs_reports.errors import DataContractError
from tests.intake.builders import rows, write_csv, write_xlsx
from tests.intake.conftest import TODAY

T = make_sample_tables(clients=12)


def sheets(**replace: Any) -> dict[str, list[list[Any]]]:
    out = {name: rows(frame) for name, frame in T.items()}
    out.update(replace)
    return out


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return load_book(write_xlsx(tmp_path_factory.mktemp("c") / "b.xlsx", sheets()), today=TODAY)


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal summaries: floats to 1e-12 (NaN equals NaN), everything else exactly."""
    assert a.keys() == b.keys()
    for key, x in a.items():
        y = b[key]
        if isinstance(x, float) and isinstance(y, float):
            assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=1e-12), key
        else:
            assert x == y, key
    return True


def kinds(book: Any, *wanted: str) -> list[Any]:
    return list(book.assumptions.of_kind(*wanted))


def test_midnight_utc_months_are_the_month_written_and_declared(clean, tmp_path):
    m = rows(T["MRR"])
    m[1:] = [[c, d.strftime("%Y-%m-%dT00:00:00.000Z"), v] for c, d, v in m[1:]]
    book = load_book(write_xlsx(tmp_path / "b.xlsx", sheets(MRR=m)), today=TODAY)
    assert book.last_month == clean.last_month
    assert portfolio_summary(book).logo_churn_rate == portfolio_summary(clean).logo_churn_rate
    (zone,) = kinds(book, "timezone")
    assert "read as the date written" in zone.text
    assert "mrr" in zone.touches


def test_instants_with_a_time_of_day_are_converted_and_declared(tmp_path):
    t = rows(T["Tickets"])
    t[1:] = [[c, i, o.strftime("%Y-%m-%dT%H:%M:%SZ"), *rest] for c, i, o, *rest in t[1:]]
    book = load_book(write_xlsx(tmp_path / "b.xlsx", sheets(Tickets=t)), today=TODAY)
    opened = T["Tickets"]["opened_at"] - pd.Timedelta(hours=3)  # São Paulo is UTC-3
    assert book.tickets["opened_at"].tolist() == opened.tolist()
    assert any("converted to America/Sao_Paulo" in a.text for a in kinds(book, "timezone"))


def test_foreign_currency_is_refused_with_its_rows_unless_an_fx_sheet_converts_it(clean, tmp_path):
    m = rows(T["MRR"])
    m[0].append("Moeda")
    first = m[1][0]
    for row in m[1:]:
        usd = row[0] == first
        row.append("USD" if usd else None)
        row[2] = round(row[2] * 2, 2) if usd else row[2]
    with pytest.raises(DataContractError) as info:
        load_book(write_xlsx(tmp_path / "a.xlsx", sheets(MRR=m)), today=TODAY)
    usd_rows = [k + 2 for k, row in enumerate(m[1:]) if row[-1] == "USD"]
    named = [p.row for p in info.value.problems if p.column == "mrr"]
    assert named == usd_rows[: len(named)]
    assert named
    assert "or an FX sheet (month, currency, rate)" in str(info.value)
    months = sorted({row[1] for row in m[1:] if row[-1] == "USD"})
    fx = [["month", "currency", "rate"]] + [[d, "USD", 0.5] for d in months]
    book = load_book(write_xlsx(tmp_path / "b.xlsx", sheets(MRR=m, FX=fx)), today=TODAY)
    assert portfolio_summary(book).mrr == portfolio_summary(clean).mrr
    (conv,) = kinds(book, "currency")
    assert conv.rows == len(usd_rows)
    assert "mrr" in conv.touches


def test_a_dollar_amount_in_a_brl_book_is_refused_not_summed(tmp_path):
    m = rows(T["MRR"])
    m[3][2] = "US$ 1.200,00"
    with pytest.raises(
        DataContractError, match=r"Sheet 'MRR', row 4, column 'mrr': expected an amount in the client's"
    ):
        load_book(write_xlsx(tmp_path / "b.xlsx", sheets(MRR=m)), today=TODAY)


def test_headers_with_units_are_read_and_a_missing_margin_is_declared(clean, tmp_path):
    c = rows(T["Clients"])
    head = c[0]
    head[head.index("cac")] = "CAC (R$)"
    j = head.index("gross_margin")
    head[j] = "Margem Bruta (%)"
    for row in c[1:]:
        row[j] = round(row[j] * 100, 6)
    book = load_book(write_xlsx(tmp_path / "b.xlsx", sheets(Clients=c)), today=TODAY)
    assert portfolio_summary(book).ltv == pytest.approx(portfolio_summary(clean).ltv, rel=1e-12)
    assert {a.column for a in kinds(book, "unit")} >= {"CAC (R$)", "Margem Bruta (%)"}
    assert not [a for a in book.assumptions.touching("ltv") if a.kind == "default"]
    for row in c[1:]:
        row[j] = None
    blank = load_book(write_xlsx(tmp_path / "c.xlsx", sheets(Clients=c)), today=TODAY)
    (default,) = [a for a in blank.assumptions.touching("ltv") if a.kind == "default"]
    assert "100% margin" in default.text
    assert default.rows == len(c) - 1


def test_ids_are_normalised_one_way_in_every_sheet(clean, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    spellings = ['="{}"', "{}\u200b", "\u00a0{} "]
    for k, (name, frame) in enumerate(T.items()):
        data = rows(frame)
        if "client_id" in data[0]:
            j = data[0].index("client_id")
            for row in data[1:]:
                row[j] = spellings[k % 3].format(row[j])
        write_csv(folder / f"{name}.csv", data)
    book = load_book(folder, today=TODAY)
    assert book.clients["client_id"].tolist() == clean.clients["client_id"].tolist()
    assert same(client_summary(book, "C0001").as_dict(), client_summary(clean, "C0001").as_dict())
    assert {a.sheet for a in kinds(book, "id")} == {f"{n}.csv" for n, f in T.items() if "client_id" in f.columns}


def test_mixed_encodings_are_decoded_per_line_and_declared(clean, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    for name, frame in T.items():
        write_csv(folder / f"{name}.csv", rows(frame))
    data = rows(T["Clients"])
    head = write_csv(tmp_path / "h.csv", data[:6]).read_bytes()
    tail = write_csv(tmp_path / "t.csv", data[6:], encoding="cp1252").read_bytes()
    (folder / "Clients.csv").write_bytes(head + tail)
    book = load_book(folder, today=TODAY)
    assert book.clients["name"].tolist() == clean.clients["name"].tolist()  # never mojibake
    (enc,) = kinds(book, "encoding")
    assert "mixes encodings" in enc.text
    assert "Windows-1252" in enc.text
    (folder / "Clients.csv").write_bytes(head + b"C0099,Caf\x81,x\n")
    with pytest.raises(DataContractError) as info:
        load_book(folder, today=TODAY)
    found = [(p.sheet, p.row, p.expected) for p in info.value.problems]
    assert ("Clients.csv", 7, "text in UTF-8 or Windows-1252") in found, found


def test_date_and_time_columns_are_combined_or_refused(clean, tmp_path):
    t = rows(T["Tickets"])
    t[0][2:3] = ["Data de Abertura", "Hora de Abertura"]
    t[1:] = [[c, i, o.strftime("%d/%m/%Y"), o.strftime("%H:%M"), *rest] for c, i, o, *rest in t[1:]]
    book = load_book(write_xlsx(tmp_path / "b.xlsx", sheets(Tickets=t)), today=TODAY)
    assert book.tickets["opened_at"].tolist() == T["Tickets"]["opened_at"].tolist()
    got, want = portfolio_summary(book), portfolio_summary(clean)
    assert got.tmr_first_response_hours == want.tmr_first_response_hours
    assert kinds(book, "datetime")
    t[0][3] = "Horário"  # not named after the date column: the pair is not certain
    with pytest.raises(DataContractError, match=r"Sheet 'Tickets', row 1, column 'opened_at': expected a time of day"):
        load_book(write_xlsx(tmp_path / "c.xlsx", sheets(Tickets=t)), today=TODAY)


@pytest.mark.parametrize(
    ("text", "value"),
    [("-R$ 1.000,00", -1000.0), ("R$ -1.000,00", -1000.0), (" R$ -   ", 0.0), ("(R$ 1.000,00)", -1000.0)],
)
def test_excel_pt_br_currency_formats_are_read(text, value, tmp_path):
    from cs_reports.data.coerce import parse_number

    assert parse_number(text) == value


def test_excel_data_subtotal_output_is_read_and_its_rows_declared(clean, tmp_path):
    m = rows(T["MRR"])
    data = sorted(m[1:], key=lambda r: r[0])
    out, total = [m[0]], 0.0
    for k, row in enumerate(data):
        out.append(row)
        if k + 1 == len(data) or data[k + 1][0] != row[0]:
            group = sum(r[2] for r in data if r[0] == row[0])
            total += group
            out.append([f"{row[0]} Total", None, round(group, 2)])
    out.append(["Total Geral", None, round(total, 2)])
    book = load_book(write_xlsx(tmp_path / "b.xlsx", sheets(MRR=out)), today=TODAY)
    assert same(portfolio_summary(book).as_dict(), portfolio_summary(clean).as_dict())
    skipped = [a for a in kinds(book, "skipped_rows") if "Data > Subtotal" in a.text]
    assert skipped
    assert "mrr" in skipped[0].touches


def test_a_pipe_separated_folder_is_read_without_decimal_advice(clean, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    for name, frame in T.items():
        write_csv(folder / f"{name}.csv", rows(frame), sep="|")
    book = load_book(folder, today=TODAY)
    assert portfolio_summary(book).mrr == portfolio_summary(clean).mrr
    assert len(kinds(book, "separator")) == len(T)


# --- billing truths ---------------------------------------------------------------------------


def _renewal_in_advance(last: pd.Timestamp) -> pd.DataFrame:
    start = last + pd.DateOffset(months=1)
    renewal = (
        T["Invoices"]
        .iloc[[0]]
        .assign(
            period_start=start, period_end=start + pd.DateOffset(years=1) - pd.Timedelta(days=1), invoice_id="NF-NEXT"
        )
    )
    return pd.concat([T["Invoices"], renewal], ignore_index=True)


def test_an_annual_renewal_invoiced_in_advance_does_not_move_the_reporting_month(clean, tmp_path):
    last = clean.last_month
    path = write_xlsx(tmp_path / "b.xlsx", sheets(Invoices=rows(_renewal_in_advance(last))))
    run = last + pd.DateOffset(months=1, days=5)  # the run date lies in the renewal's first month
    book = load_book(path, today=run)
    assert book.last_month == last
    (why,) = [a for a in kinds(book, "reporting_month") if a.text.startswith("Reporting month")]
    assert "Visibly partial" in why.text
    before_run = load_book(path, today=last + pd.DateOffset(days=20))  # the renewal starts after the run date
    assert before_run.last_month == last
    assert "after the run date" in " ".join(before_run.notes)


def test_credits_are_checked_in_recognised_months_only_and_quarantined_per_client(clean, tmp_path):
    last = clean.last_month
    inv = T["Invoices"]
    future = last + pd.DateOffset(months=2)
    credit = inv.iloc[[0]].assign(amount=-(10**6), period_start=future, period_end=future + pd.Timedelta(days=27))
    book = load_book(write_xlsx(tmp_path / "a.xlsx", sheets(Invoices=rows(pd.concat([inv, credit])))), today=TODAY)
    assert book.last_month == last  # a scheduled month netting below zero is not a recognised month
    now = inv.iloc[[0]].assign(amount=-(10**6), period_start=last, period_end=last + pd.Timedelta(days=27))
    path = write_xlsx(tmp_path / "b.xlsx", sheets(Invoices=rows(pd.concat([inv, now]))))
    with pytest.raises(DataContractError, match="credit notes larger than the invoices"):
        load_book(path, today=TODAY)
    book = load_book(path, today=TODAY, quarantine=True)
    assert set(book.quarantined) == {inv.iloc[0]["client_id"]}
    assert kinds(book, "quarantine")


@settings(max_examples=60, deadline=None)
@given(cents=st.integers(-(10**9), 10**9), months=st.integers(1, 24), day=st.integers(1, 28))
def test_equal_periods_give_equal_months_and_the_remainder_goes_to_the_first(cents, months, day):
    start = pd.Timestamp(2026, 1, day)
    end = start + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    frame = pd.DataFrame(
        {"client_id": ["a", "a"], "amount": [cents / 100] * 2, "period_start": [start, end + pd.Timedelta(days=1)]}
    )
    frame["period_end"] = [end, end + pd.DateOffset(months=months)]
    out = invoices_to_mrr(frame)
    pieces = (out["mrr"] * 100).round().astype(int).tolist()
    n = len(pieces) // 2
    assert pieces[:n] == pieces[n:]  # equal periods, equal months
    assert len(set(pieces[1:n])) <= 1  # every month but the first is equal
    assert sum(pieces[:n]) == cents


@settings(max_examples=60, deadline=None)
@given(
    cents=st.integers(-(10**7), 10**7),
    start=st.dates(min_value=pd.Timestamp(2024, 1, 1).date(), max_value=pd.Timestamp(2027, 1, 1).date()),
    days=st.integers(0, 800),
)
def test_day_spreading_is_the_integer_largest_remainder(cents, start, days):
    s = pd.Timestamp(start)
    e = s + pd.Timedelta(days=days)
    out = invoices_to_mrr(
        pd.DataFrame({"client_id": ["a"], "amount": [cents / 100], "period_start": [s], "period_end": [e]}),
        spreading="days",
    )
    months = pd.date_range(s.to_period("M").to_timestamp(), e, freq="MS")
    share = [((min(e, m + pd.offsets.MonthEnd(0)) - max(s, m)).days + 1) for m in months]
    exact = [Fraction(abs(cents) * d, sum(share)) for d in share]
    base = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda k: (-(exact[k] - base[k]), k))
    for k in order[: abs(cents) - sum(base)]:
        base[k] += 1
    sign = -1 if cents < 0 else 1
    assert (out["mrr"] * 100).round().astype(int).tolist() == [sign * b for b in base]


# --- where the record is printed --------------------------------------------------------------


def test_validate_prints_the_record_and_metrics_json_includes_it(tmp_path, capsys):
    c = rows(T["Clients"])
    c[0][c[0].index("gross_margin")] = "Margem Bruta (%)"
    path = write_xlsx(tmp_path / "b.xlsx", sheets(Clients=c))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "assumptions (" in out
    assert "unit: 'Clients', 'Margem Bruta (%)'" in out
    assert main(["metrics", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    book = load_book(path)
    assert Assumptions.from_records(data["assumptions"]) == book.assumptions
    assert data["metrics"]["mrr"] == portfolio_summary(book).mrr


def test_every_note_of_the_book_is_an_assumption(tmp_path: Path):
    m = rows(T["MRR"])
    path = write_xlsx(tmp_path / "b.xlsx", sheets(MRR=[["Receita mensal"], [None], *m]))
    book = load_book(path, today=TODAY)
    texts = {a.text for a in book.assumptions}
    assert all(n in texts or (n.endswith(".") and n.split(": ignored, ")[0]) for n in book.notes)
    assert any(a.kind == "skipped_rows" and "a title" in a.text for a in book.assumptions)


def test_the_finance_policies_and_the_internal_talking_points_print_the_assumptions_of_their_figures(tmp_path):
    from cs_reports.reports.content.finance import build_finance_context
    from cs_reports.reports.content.qbr import build_qbr_context

    c = rows(T["Clients"])
    j = c[0].index("gross_margin")
    for row in c[1:]:
        row[j] = None
    book = load_book(write_xlsx(tmp_path / "b.xlsx", sheets(Clients=c)), today=TODAY)
    (margin,) = [a.line() for a in book.assumptions if a.kind == "default" and a.column == "gross_margin"]
    assert margin in build_finance_context(book, None, "en").assumptions
    from cs_reports.reports.vocabulary import last_complete_quarter

    period = last_complete_quarter(book.last_month)
    quarter = period.label
    paid = book.mrr[(book.mrr["month"] == book.mrr["month"].max()) & (book.mrr["mrr"] > 0)]["client_id"]
    client = sorted(set(paid))[0]  # a client who paid in the quarter (a QBR covers such a quarter)
    ctx = build_qbr_context(book, quarter, client, "en", audience="internal")
    assert margin in ctx.talking_points.assumptions
    assert build_qbr_context(book, quarter, client, "en").talking_points is None  # not in the client edition

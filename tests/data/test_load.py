"""Reading and validating books: shapes, pt-BR conventions, every problem kind, exact messages."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from cs_reports.data import load_book
from cs_reports.data.writer import write_tables
from cs_reports.errors import DataContractError, InvalidInputError, MissingDataError
from tests.conftest import assert_unchanged

CLIENTS = pd.DataFrame({"client_id": ["A", "B"], "name": ["Alfa Ltda.", "Beta S.A."]})
MRR = pd.DataFrame(
    {"client_id": ["A", "A", "B"], "month": ["2026-09", "2026-10", "2026-10"], "mrr": [100.0, 120.0, 50.0]}
)


def book(tmp_path: Path, **sheets: pd.DataFrame) -> Path:
    tables = {"Clients": CLIENTS, "MRR": MRR} | sheets
    tables = {k: v for k, v in tables.items() if v is not None}
    return write_tables(tables, tmp_path / "book.xlsx")


def problems(path: Path) -> list[str]:
    with pytest.raises(DataContractError) as info:
        load_book(path)
    return [str(p) for p in info.value.problems]


def test_minimal_book_loads_with_defaults(tmp_path):
    b = load_book(book(tmp_path))
    assert b.clients["currency"].tolist() == ["BRL", "BRL"]
    assert b.clients["locale"].tolist() == ["pt-BR", "pt-BR"]
    assert b.mrr["month"].tolist() == [pd.Timestamp("2026-09-01"), pd.Timestamp("2026-10-01")] * 1 + [
        pd.Timestamp("2026-10-01")
    ]
    assert b.last_month == pd.Timestamp("2026-10-01")
    with pytest.raises(MissingDataError, match="NPS by client needs the 'NPS' sheet, which book.xlsx does not have"):
        b.require("NPS", feature="NPS by client")


def test_pt_br_sheet_names_headers_numbers_and_dates(tmp_path):
    clientes = pd.DataFrame({"Cliente": ["A", "B"], "Nome": ["Alfa", "Beta"], "Idioma": ["Português", "English"]})
    receita = pd.DataFrame(
        {"ID do cliente": ["A", "B"], "Mês": ["09/2026", "2026-10"], "Valor": ["R$ 1.234,56", "1234.5"]}
    )
    nps = pd.DataFrame(
        {"cliente": ["A", "B"], "data": ["05/10/2026", "31/10/2026"], "nota": [10, 6], "Comentário": ["ótimo", None]}
    )
    path = write_tables({"Clientes": clientes, "Receita": receita, "Pesquisa NPS": nps}, tmp_path / "livro.xlsx")
    b = load_book(path)
    assert b.clients["locale"].tolist() == ["pt-BR", "en"]
    assert b.mrr["mrr"].tolist() == [1234.56, 1234.5]
    assert b.mrr["month"].tolist() == [pd.Timestamp("2026-09-01"), pd.Timestamp("2026-10-01")]
    assert b.nps["date"].tolist() == [pd.Timestamp("2026-10-05"), pd.Timestamp("2026-10-31")]
    assert b.nps["comment"].tolist() == ["ótimo", None]


def test_month_first_dates_are_detected_when_a_column_proves_it(tmp_path):
    nps = pd.DataFrame({"client_id": ["A", "B"], "date": ["10/05/2026", "10/31/2026"], "score": [9, 9]})
    b = load_book(book(tmp_path, NPS=nps))
    assert b.nps["date"].tolist() == [pd.Timestamp("2026-10-05"), pd.Timestamp("2026-10-31")]


def test_every_problem_is_collected_with_sheet_row_column_expected_got(tmp_path):
    clients = pd.DataFrame({"client_id": ["A", "B", "A"], "name": ["x", "y", "z"], "gross_margin": [0.8, 1.7, None]})
    mrr = pd.DataFrame(
        {
            "client_id": ["A", "Z", "B", "B"],
            "month": ["2026-10", "2026-10", "outubro", "2026-10"],
            "mrr": [-5, 1, 1, "1.234"],
        }
    )
    nps = pd.DataFrame({"client_id": ["A"] * 5, "date": ["2026-10-01"] * 5, "score": [11, -1, 9.5, "dez", None]})
    got = problems(book(tmp_path, Clients=clients, MRR=mrr, NPS=nps))
    assert got == [
        "Sheet 'Clients', row 3, column 'gross_margin': expected a number from 0 to 1 (or a percentage like '80%'), got 1.7.",
        "Sheet 'Clients', row 4, column 'client_id': expected a unique client_id, got a repeat of client_id=A.",
        "Sheet 'MRR', row 2, column 'mrr': expected an amount >= 0, got -5.",
        "Sheet 'MRR', row 3, column 'client_id': expected a client_id listed in the Clients sheet, got 'Z'.",
        "Sheet 'MRR', row 4, column 'month': expected a month (date cell, YYYY-MM, MM/YYYY or a date), got 'outubro' (not a date).",
        "Sheet 'MRR', row 5, column 'mrr': expected an amount >= 0, got '1.234' (ambiguous (write 1234 or 1.234,00)).",
        "Sheet 'NPS', row 2, column 'score': expected a whole number 0-10, got 11.",
        "Sheet 'NPS', row 3, column 'score': expected a whole number 0-10, got -1.",
        "Sheet 'NPS', row 4, column 'score': expected a whole number 0-10, got 9.5 (not a whole number).",
        "Sheet 'NPS', row 5, column 'score': expected a whole number 0-10, got 'dez'.",
    ]


def test_missing_columns_and_sheets(tmp_path):
    mrr = pd.DataFrame({"cliente": ["A"], "mes": ["2026-10"], "total": [1]})
    got = problems(write_tables({"MRR": mrr}, tmp_path / "b.xlsx"))
    assert got == [
        "Sheet 'Clients': expected a 'Clients' sheet (or 'Clientes'), got no such sheet.",
        "Sheet 'MRR': expected columns ['client_id', 'month', 'mrr'] (missing ['mrr']), got columns ['cliente', 'mes', 'total'].",
    ]
    got = problems(write_tables({"Clients": CLIENTS}, tmp_path / "c.xlsx"))
    assert got == ["Sheet 'MRR': expected an 'MRR' or 'Invoices' sheet, got neither."]


def test_blank_rows_in_the_middle_are_skipped_and_row_numbers_stay_true(tmp_path):
    mrr = pd.DataFrame({"client_id": ["A", None, "B"], "month": ["2026-10", None, "2026-10"], "mrr": [1.0, None, 12]})
    b = load_book(book(tmp_path, MRR=mrr))
    assert b.mrr["_row"].tolist() == [2, 4]
    bad = mrr.assign(mrr=[1.0, None, -1])
    assert problems(book(tmp_path, MRR=bad)) == ["Sheet 'MRR', row 4, column 'mrr': expected an amount >= 0, got -1."]


def test_invoices_replace_mrr_without_phantom_churn(tmp_path):
    inv = pd.DataFrame(
        {"client_id": ["B"], "amount": [2400.0], "period_start": ["2026-01-01"], "period_end": ["2026-12-31"]}
    )
    b = load_book(book(tmp_path, MRR=MRR[MRR.client_id == "A"], Invoices=inv))
    b_rows = b.mrr[b.mrr.client_id == "B"]
    assert len(b_rows) == 10  # recognised up to the reporting month 2026-10...
    assert set(b_rows["mrr"]) == {200.0}
    scheduled = b.scheduled_mrr[b.scheduled_mrr.client_id == "B"]
    assert scheduled["month"].dt.strftime("%Y-%m").tolist() == ["2026-11", "2026-12"]  # ...the rest scheduled
    assert b.last_month == pd.Timestamp("2026-10-01")  # future service months do not move the reporting month
    both = problems(book(tmp_path, Invoices=inv))
    assert both == [
        "Sheet 'Invoices', column 'client_id': expected each client in either MRR or Invoices, not both, got 'B'."
    ]


def test_csv_folder_with_semicolons_latin1_and_pt_br_decimals(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "Clientes.csv").write_bytes("cliente;nome\nA;Padaria São João\n".encode("cp1252"))
    (folder / "MRR.csv").write_text("cliente;mês;valor\nA;2026-10;1.500,75\n", encoding="utf-8")
    b = load_book(folder)
    assert b.clients["name"].tolist() == ["Padaria São João"]
    assert b.mrr["mrr"].tolist() == [1500.75]
    assert b.notes[0] == "Clientes.csv is not UTF-8; read it as Windows-1252 (Latin-1)."
    assert [a.text for a in b.assumptions.of_kind("encoding")] == [b.notes[0]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "is an old Excel 97-2003 (.xls) file; open it in Excel and save it as .xlsx",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"), "is password-protected"),
        (b"client_id,name\nA,x\n", "is not an Excel workbook (.xlsx)"),
        (b"PK\x03\x04garbage", "is damaged (not a valid zip/xlsx container)"),
    ],
)
def test_files_that_are_not_xlsx_get_a_clear_error(tmp_path, content, message):
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        load_book(path)


def test_ods_renamed_to_xlsx(tmp_path):
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(InvalidInputError, match=r"OpenDocument spreadsheet \(.ods\); save it as .xlsx"):
        load_book(path)


def test_loading_never_modifies_the_input(sample_book_path):
    with assert_unchanged(sample_book_path):
        load_book(sample_book_path)


def test_whole_column_fast_path_gives_the_same_frames_as_the_cell_by_cell_path(sample_book_path, monkeypatch):
    from cs_reports.data import validate

    fast = load_book(sample_book_path)
    monkeypatch.setattr(validate, "_fast_column", lambda col, cells: None)
    slow = load_book(sample_book_path)
    for name, frame in fast.sheets().items():
        pd.testing.assert_frame_equal(frame, slow.sheets()[name], check_dtype=True, obj=name)

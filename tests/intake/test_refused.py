"""Variants that must be refused, each with the exact line the user sees (never silently wrong).

Built from the 30-client sample like ``test_accepted``; the row/line numbers in the expected
lines are the spreadsheet's own rows and the CSV file's own lines, counted in the builder.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from cs_reports.data import load_book
from cs_reports.errors import DataContractError
from tests.intake.builders import fmt_rows, iso, rows, set_cached, write_csv, write_xlsx
from tests.intake.conftest import TODAY

Case = Callable[[dict[str, pd.DataFrame], Path], tuple[Path, list[str]]]
CASES: dict[str, Case] = {}


def case(func: Case) -> Case:
    CASES[func.__name__] = func
    return func


def sheets(t: dict[str, pd.DataFrame], **replace) -> dict:
    out = {name: rows(frame) for name, frame in t.items()}
    out.update(replace)
    return out


def folder_of(t: dict[str, pd.DataFrame], d: Path) -> Path:
    folder = d / "csv"
    folder.mkdir()
    for name, frame in t.items():
        write_csv(folder / f"{name}.csv", fmt_rows(rows(frame), iso))
    return folder


@case
def two_columns_for_mrr(t, d):
    m = t["MRR"].rename(columns={"mrr": "Valor"}).assign(MRR=t["MRR"]["mrr"])
    path = write_xlsx(d / "b.xlsx", sheets(t, MRR=rows(m)))
    return path, [
        "Sheet 'MRR', row 1, column 'mrr': expected one column for 'mrr' (rename or delete one of them), got 2 columns: 'Valor' and 'MRR'."
    ]


@case
def copy_of_mrr_sheet(t, d):
    s = sheets(t)
    s["MRR (2)"] = s["MRR"]
    return write_xlsx(d / "b.xlsx", s), [
        "Sheet 'MRR (2)': expected one 'MRR' table per book ('MRR' holds it already), got a second 'MRR' table "
        "(its header matches); delete or rename one of the two."
    ]


@case
def header_fits_two_tables(t, d):
    # An export sheet with a neutral name whose pt-BR header has all of MRR's and all of NPS's
    # required columns (cliente, mes, valor / cliente, data, nota): which table is it?
    s = sheets(t)
    s["Exportacao"] = [["cliente", "mes", "valor", "data", "nota"], ["C0001", "2026-01", 100.0, "2026-01-10", 9]]
    return write_xlsx(d / "b.xlsx", s), [
        "Sheet 'Exportacao': expected a header that fits one table (rename the sheet to 'MRR' or 'NPS'), "
        "got a header that fits both 'MRR' and 'NPS'."
    ]


@case
def csv_unquoted_decimal_comma(t, d):
    folder = folder_of(t, d)
    data = fmt_rows(rows(t["MRR"]), iso)
    data[5][2] = str(data[5][2]).replace(".", ",") if "." in str(data[5][2]) else f"{data[5][2]},50"
    text = "\n".join(",".join(str(v) for v in r) for r in data) + "\n"
    (folder / "MRR.csv").write_text(text, encoding="utf-8")
    return folder, [
        "File 'MRR.csv', line 6: expected 3 fields like the header (line 1), got 4 fields (an unquoted ',' inside a value, e.g. a decimal comma? quote it)."
    ]


@case
def csv_semicolon_in_name(t, d):
    folder = folder_of(t, d)
    data = fmt_rows(rows(t["Clients"]), iso)
    data[3][1] = "Alfa; Beta Ltda."
    text = "\n".join(";".join("" if v is None else str(v) for v in r) for r in data) + "\n"
    (folder / "Clients.csv").write_text(text, encoding="utf-8")
    return folder, [
        f"File 'Clients.csv', line 4: expected {len(data[0])} fields like the header (line 1), got {len(data[0]) + 1} fields (an unquoted ';' inside a value? quote it)."
    ]


@case
def csv_unbalanced_quote(t, d):
    folder = folder_of(t, d)
    lines = (folder / "NPS.csv").read_text(encoding="utf-8").splitlines()
    # the first answer from line 10 on without a comment (a quoted comment would close the quote)
    i = next(k for k in range(9, len(lines)) if lines[k].endswith(","))
    parts = lines[i].split(",")
    parts[3] = '"Ótimo, mas caro'
    lines[i] = ",".join(parts)
    (folder / "NPS.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder, [
        f"File 'NPS.csv', line {i + 1}: expected well-formed CSV (every quote closed), got an unbalanced quote: a "
        "value opened with '\"' runs on into the following lines."
    ]


@case
def csv_nul_bytes(t, d):
    folder = folder_of(t, d)
    raw = (folder / "MRR.csv").read_bytes().split(b"\n")
    raw[6] = raw[6] + b"\x00\x00"
    (folder / "MRR.csv").write_bytes(b"\n".join(raw))
    return folder, ["File 'MRR.csv', line 7: expected text (a CSV file), got a NUL byte (a binary or damaged file)."]


@case
def excel_div0_in_mrr(t, d):
    m = rows(t["MRR"])
    m[10][2] = "=1/0"
    path = write_xlsx(d / "b.xlsx", sheets(t, MRR=m))
    set_cached(path, list(t).index("MRR") + 1, {"C11": "#DIV/0!"}, error=True)
    return path, ["Sheet 'MRR', row 11, column 'mrr': expected an amount >= 0, got #DIV/0! (an Excel error value)."]


@case
def excel_na_in_optional_column(t, d):
    c = rows(t["Clients"])
    col = c[0].index("cac")
    c[4][col] = "=NA()"
    path = write_xlsx(d / "b.xlsx", sheets(t, Clients=c))
    set_cached(path, 1, {f"{chr(65 + col)}5": "#N/A"}, error=True)
    return path, ["Sheet 'Clients', row 5, column 'cac': expected an amount >= 0, got #N/A (an Excel error value)."]


@case
def csv_ref_error_text(t, d):
    folder = folder_of(t, d)
    data = fmt_rows(rows(t["Usage"]), iso)
    data[7][3] = "#REF!"
    write_csv(folder / "Usage.csv", data)
    return folder, [
        "File 'Usage.csv', line 8, column 'licensed_users': expected a whole number, got #REF! (an Excel error value)."
    ]


@case
def formulas_never_calculated(t, d):
    m = rows(t["MRR"])
    for i in range(1, len(m)):
        m[i][2] = f"={m[i][2]}*1"
    path = write_xlsx(d / "b.xlsx", sheets(t, MRR=m))
    n = len(m) - 1
    return path, [
        f"File 'b.xlsx': expected formulas with saved values (open the workbook in Excel or LibreOffice Calc, let it "
        f"calculate and save it, then read it again), got {n:,} formula cell(s) without a saved value in sheet(s) "
        "'MRR' (a workbook written by a program and never opened in a spreadsheet)."
    ]


@case
def month_missing_from_the_export(t, d):
    # An MRR-only book (the sample's annual invoices would bill the month) missing June 2025.
    gap = pd.Timestamp("2025-06-01")
    s = sheets(t, MRR=rows(t["MRR"][t["MRR"]["month"] != gap]))
    s.pop("Invoices")
    return write_xlsx(d / "b.xlsx", s), [
        "Sheet 'MRR', column 'month': expected billing in every month from 2023-11 to 2026-10, got "
        "no billing at all in 2025-06 (a missing export? every client would churn and come back)."
    ]


@case
def credit_note_larger_than_invoice(t, d):
    inv = t["Invoices"]
    credit = inv.head(1).assign(amount=-2 * float(inv["amount"].iloc[0]), invoice_id="NC-1")
    data = pd.concat([inv, credit], ignore_index=True)
    path = write_xlsx(d / "b.xlsx", sheets(t, Invoices=rows(data)))
    first = inv.iloc[0]
    net = float(first["amount"]) / 12 * -1
    return path, [
        f"Sheet 'Invoices', row 2, column 'amount': expected invoices of client '{first['client_id']}' for "
        f"{first['period_start']:%Y-%m} that net to >= 0, got a net of {net:,.2f} (credit notes larger than the invoices)."
    ]


@case
def bad_value_below_title_rows(t, d):
    m = rows(t["MRR"])
    m[500][2] = "abc"
    s = sheets(t, MRR=[["Receita por cliente"], [], *m])
    return write_xlsx(d / "b.xlsx", s), ["Sheet 'MRR', row 503, column 'mrr': expected an amount >= 0, got 'abc'."]


@case
def header_only_clients(t, d):
    return write_xlsx(d / "b.xlsx", sheets(t, Clients=[list(t["Clients"].columns)])), [
        "Sheet 'Clients': expected at least one data row, got only a header."
    ]


@case
def ambiguous_thousands_in_xlsx_text(t, d):
    m = t["MRR"].astype({"mrr": object})
    m.loc[3, "mrr"] = "33.490"
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=rows(m))), [
        "Sheet 'MRR', row 5, column 'mrr': expected an amount >= 0, got '33.490' (ambiguous (write 1234 or 1.234,00))."
    ]


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_with_the_exact_line(name, clean_tables, tmp_path):
    path, expected = CASES[name]({k: v.copy() for k, v in clean_tables.items()}, tmp_path)
    with pytest.raises(DataContractError) as info:
        load_book(path, today=TODAY)
    lines = [str(p) for p in info.value.problems]
    assert lines[: len(expected)] == expected


def test_the_cli_says_it_in_one_line_per_problem(clean_tables, tmp_path):
    path, expected = CASES["csv_unquoted_decimal_comma"]({k: v.copy() for k, v in clean_tables.items()}, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "cs_reports.cli", "validate", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert f"  {expected[0]}" in done.stderr.splitlines()
    assert "Traceback" not in done.stderr


def test_a_workbook_with_only_unknown_sheets_says_so(tmp_path):
    wb = Workbook()
    wb.active.title = "Plan1"
    wb.active.append(["a", "b"])
    wb.save(tmp_path / "b.xlsx")
    with pytest.raises(DataContractError) as info:
        load_book(tmp_path / "b.xlsx")
    assert [str(p) for p in info.value.problems][:2] == [
        "Sheet 'Clients': expected a 'Clients' sheet (or 'Clientes'), got no such sheet.",
        "Sheet 'MRR': expected an 'MRR' or 'Invoices' sheet, got neither.",
    ]

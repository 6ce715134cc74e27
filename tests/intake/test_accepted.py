"""Variants a user expects to be accepted: the headline numbers equal the clean sample's exactly.

Each variant is the 30-client sample (``make_sample_tables(clients=30)``) written the way a team
keeps or exports it; the reference numbers come from the same tables written as a plain workbook
(``conftest.clean_numbers``), so any difference is the intake reading something differently.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from cs_reports.data import load_book
from tests.intake.builders import (
    PT_HEADERS,
    PT_SHEETS,
    Rows,
    excel_serial,
    fmt_rows,
    iso,
    money_pt,
    plain,
    pt,
    rows,
    set_cached,
    write_csv,
    write_xlsx,
)
from tests.intake.conftest import TODAY, numbers

Builder = Callable[[dict[str, pd.DataFrame], Path], Path]
VARIANTS: dict[str, Builder] = {}


def variant(func: Builder) -> Builder:
    VARIANTS[func.__name__] = func
    return func


def sheets(t: dict[str, pd.DataFrame], **replace: Rows) -> dict[str, Rows]:
    out = {name: rows(frame) for name, frame in t.items()}
    out.update(replace)
    return out


def csv_folder(t: dict[str, pd.DataFrame], d: Path, fmt=iso, ext=".csv", names=None, **kw) -> Path:
    folder = d / "export"
    folder.mkdir()
    for name, frame in t.items():
        write_csv(folder / f"{(names or {}).get(name, name)}{ext}", fmt_rows(rows(frame), fmt), **kw)
    return folder


def pt_rows(t: dict[str, pd.DataFrame], name: str) -> Rows:
    return fmt_rows(rows(t[name], PT_HEADERS.get(name)), pt)


# --- workbooks as teams keep them -------------------------------------------------------------


@variant
def xlsx_plain(t, d):
    return write_xlsx(d / "b.xlsx", sheets(t))


@variant
def xlsx_pt_names_and_headers(t, d):
    return write_xlsx(d / "b.xlsx", {PT_SHEETS[n]: rows(f, PT_HEADERS.get(n)) for n, f in t.items()})


@variant
def xlsx_sheet_order_shuffled(t, d):
    s = sheets(t)
    return write_xlsx(d / "b.xlsx", dict(reversed(list(s.items()))))


@variant
def xlsx_title_rows_above_headers(t, d):
    s = {n: [["Relatório mensal de CS"], ["Gerado em 01/11/2026"], [], *r] for n, r in sheets(t).items()}
    return write_xlsx(d / "b.xlsx", s)


@variant
def xlsx_table_starts_at_b3(t, d):
    s = {n: [[], [], *[[None, *row] for row in r]] for n, r in sheets(t).items()}
    return write_xlsx(d / "b.xlsx", s)


@variant
def xlsx_mrr_sheet_receita_mensal(t, d):
    s = sheets(t)
    s["Receita Mensal"] = s.pop("MRR")
    return write_xlsx(d / "b.xlsx", s)


@variant
def xlsx_nps_sheet_nps_2026(t, d):
    s = sheets(t)
    s["NPS 2026"] = s.pop("NPS")
    return write_xlsx(d / "b.xlsx", s)


@variant
def xlsx_clientes_with_spaces(t, d):
    s = sheets(t)
    s[" Clientes "] = s.pop("Clients")
    return write_xlsx(d / "b.xlsx", s)


@variant
def xlsx_notes_sheets(t, d):
    s = sheets(t)
    s["Notas"] = [["Como preencher"], ["Valores em R$, sem impostos."], ["Atualizado toda segunda."]]
    s["Observações"] = [["Cliente C0003 pediu desconto em 2025."]]
    return write_xlsx(d / "b.xlsx", s)


@variant
def xlsx_dashboard_sheet_ignored(t, d):
    s = sheets(t)
    s["Dashboard"] = [["Indicador", "Valor"], ["MRR total", 123456.0], ["Clientes", 30]]
    return write_xlsx(d / "b.xlsx", s)


@variant
def xlsx_codigo_and_cliente_columns(t, d):
    c = t["Clients"].rename(columns={"client_id": "Código", "name": "Cliente"})
    return write_xlsx(d / "b.xlsx", sheets(t, Clients=rows(c)))


@variant
def xlsx_id_and_cliente_columns(t, d):
    c = t["Clients"].rename(columns={"client_id": "ID", "name": "Cliente"})
    return write_xlsx(d / "b.xlsx", sheets(t, Clients=rows(c)))


@variant
def xlsx_mrr_with_codigo_cliente_and_name(t, d):
    names = t["Clients"].set_index("client_id")["name"]
    m = t["MRR"].assign(nome=t["MRR"]["client_id"].map(names))
    m = m[["client_id", "nome", "month", "mrr"]].rename(columns={"client_id": "Código Cliente", "nome": "Cliente"})
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=rows(m)))


@variant
def xlsx_merged_client_ids(t, d):
    m = rows(t["MRR"].sort_values(["client_id", "month"]))
    merges, start = [], 1
    for i in range(2, len(m) + 1):
        if i == len(m) or m[i][0] != m[start][0]:
            if i - start > 1:
                merges.append(f"A{start + 1}:A{i}")
                for k in range(start + 1, i):
                    m[k][0] = None
            start = i
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=m), merges={"MRR": merges})


@variant
def xlsx_total_row_at_end(t, d):
    m = rows(t["MRR"])
    m.append(["Total", None, float(t["MRR"]["mrr"].sum())])
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=m))


@variant
def xlsx_subtotal_formula_row(t, d):
    m = rows(t["MRR"])
    n = len(m)
    m.append([None, None, f"=SUBTOTAL(9,C2:C{n})"])
    path = write_xlsx(d / "b.xlsx", sheets(t, MRR=m))
    set_cached(path, list(t).index("MRR") + 1, {f"C{n + 1}": repr(float(t["MRR"]["mrr"].sum()))})
    return path


@variant
def xlsx_blank_rows_between_blocks(t, d):
    m = rows(t["MRR"])
    spaced = [m[0]]
    for i, row in enumerate(m[1:]):
        spaced.append(row)
        if i % 50 == 49:
            spaced += [[], []]
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=spaced))


@variant
def xlsx_numeric_ids_with_text_copies(t, d):
    ids = {cid: 1000 + int(cid[1:]) for cid in t["Clients"]["client_id"]}  # same sort order as 'C0001'...
    out = {}
    for name, frame in t.items():
        if "client_id" in frame.columns:
            mapped = frame["client_id"].map(ids).astype(object)
            if name in ("NPS", "Tickets"):
                mapped = mapped.map(lambda v: f"{v}.0")  # another export wrote them as text '1.0'
            frame = frame.assign(client_id=mapped)
        out[name] = rows(frame)
    return write_xlsx(d / "b.xlsx", out)


@variant
def xlsx_months_as_pt_text(t, d):
    names = "jan fev mar abr mai jun jul ago set out nov dez".split()
    m = t["MRR"].assign(month=t["MRR"]["month"].map(lambda ts: f"{names[ts.month - 1]}/{ts.year}"))
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=rows(m)))


@variant
def xlsx_months_two_digit_years(t, d):
    names = "jan fev mar abr mai jun jul ago set out nov dez".split()
    m = t["MRR"].assign(month=t["MRR"]["month"].map(lambda ts: f"{names[ts.month - 1]}/{ts.year % 100:02d}"))
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=rows(m)))


@variant
def xlsx_months_long_pt_names(t, d):
    names = "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro".split()
    m = t["MRR"].assign(month=t["MRR"]["month"].map(lambda ts: f"{names[ts.month - 1]} de {ts.year}"))
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=rows(m)))


@variant
def xlsx_months_title_case_dash(t, d):
    names = "Jan Fev Mar Abr Mai Jun Jul Ago Set Out Nov Dez".split()
    m = t["MRR"].assign(month=t["MRR"]["month"].map(lambda ts: f"{names[ts.month - 1]}-{ts.year % 100:02d}"))
    u = t["Usage"].assign(month=t["Usage"]["month"].map(lambda ts: f"{names[ts.month - 1]}-{ts.year % 100:02d}"))
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=rows(m), Usage=rows(u)))


@variant
def xlsx_months_yyyymm_numbers(t, d):
    m = t["MRR"].assign(month=t["MRR"]["month"].map(lambda ts: ts.year * 100 + ts.month))
    u = t["Usage"].assign(month=t["Usage"]["month"].map(lambda ts: ts.year * 100 + ts.month))
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=rows(m), Usage=rows(u)))


@variant
def xlsx_dates_as_excel_serials(t, d):
    n = t["NPS"].assign(date=t["NPS"]["date"].map(lambda ts: excel_serial(ts)))
    return write_xlsx(d / "b.xlsx", sheets(t, NPS=rows(n)))


@variant
def xlsx_amounts_as_brl_text(t, d):
    m = t["MRR"].assign(mrr=t["MRR"]["mrr"].map(lambda x: "R$ " + money_pt(float(x))))
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=rows(m)))


@variant
def xlsx_survey_labels(t, d):
    labels = {10: "Muito provável", 9: "Provável", 0: "Nada provável"}
    n = t["NPS"].assign(score=t["NPS"]["score"].map(lambda s: f"{s} - {labels.get(int(s), 'Neutro')}"))
    return write_xlsx(d / "b.xlsx", sheets(t, NPS=rows(n)))


@variant
def xlsx_survey_non_answers(t, d):
    extra = t["NPS"].head(3).assign(score=["N/A", "-", None])
    n = pd.concat([t["NPS"].astype({"score": object}), extra], ignore_index=True)
    return write_xlsx(d / "b.xlsx", sheets(t, NPS=rows(n)))


@variant
def xlsx_csat_survey_labels(t, d):
    tk = t["Tickets"].assign(csat=t["Tickets"]["csat"].map(lambda v: "N/A" if pd.isna(v) else f"{int(v)} - Satisfeito"))
    return write_xlsx(d / "b.xlsx", sheets(t, Tickets=rows(tk)))


@variant
def xlsx_header_only_goals(t, d):
    return write_xlsx(d / "b.xlsx", sheets(t, Goals=[list(t["Goals"].columns)]))


@variant
def xlsx_empty_template_tab(t, d):
    s = sheets(t)
    s.pop("Opportunities")
    s["Oportunidades"] = []
    return write_xlsx(d / "b.xlsx", s)


@variant
def xlsx_upper_case_headers(t, d):
    return write_xlsx(d / "b.xlsx", {n: [[str(h).upper() for h in r[0]], *r[1:]] for n, r in sheets(t).items()})


@variant
def xlsx_columns_reordered(t, d):
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=rows(t["MRR"][["mrr", "month", "client_id"]])))


@variant
def xlsx_ids_with_spaces(t, d):
    m = t["MRR"].assign(client_id=t["MRR"]["client_id"].map(lambda c: f" {c} "))
    return write_xlsx(d / "b.xlsx", sheets(t, MRR=rows(m)))


@variant
def xlsx_iso_zoned_timestamps(t, d):
    def z(ts):
        return None if pd.isna(ts) else (ts + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    tk = t["Tickets"].assign(**{c: t["Tickets"][c].map(z) for c in ("opened_at", "first_response_at", "resolved_at")})
    return write_xlsx(d / "b.xlsx", sheets(t, Tickets=rows(tk)))


@variant
def xlsx_iso_offset_timestamps(t, d):
    def z(ts):
        return None if pd.isna(ts) else ts.strftime("%Y-%m-%dT%H:%M:%S-03:00")

    tk = t["Tickets"].assign(**{c: t["Tickets"][c].map(z) for c in ("opened_at", "first_response_at", "resolved_at")})
    n = t["NPS"].assign(date=t["NPS"]["date"].map(lambda ts: (ts + timedelta(hours=15)).strftime("%Y-%m-%dT%H:%M:%SZ")))
    return write_xlsx(d / "b.xlsx", sheets(t, Tickets=rows(tk), NPS=rows(n)))


@variant
def xlsx_month_first_dates(t, d):
    n = t["NPS"].assign(date=t["NPS"]["date"].map(lambda ts: ts.strftime("%m/%d/%Y")))
    return write_xlsx(d / "b.xlsx", sheets(t, NPS=rows(n)))


@variant
def xlsx_two_digit_year_dates(t, d):
    n = t["NPS"].assign(date=t["NPS"]["date"].map(lambda ts: ts.strftime("%d/%m/%y")))
    return write_xlsx(d / "b.xlsx", sheets(t, NPS=rows(n)))


def _split(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each invoice as two lines whose first part is whole cents per service month (same spreading)."""
    inv = t["Invoices"]
    months = ((inv["period_end"] - inv["period_start"]).dt.days + 1).div(365.25 / 12).round().clip(lower=1)
    part = (inv["amount"] * 100 // 2 // months * months / 100).round(2)
    first = inv.assign(amount=part)
    second = inv.assign(amount=(inv["amount"] - part).round(2))
    return pd.concat([first, second], ignore_index=True)


@variant
def xlsx_split_invoices(t, d):
    return write_xlsx(d / "b.xlsx", sheets(t, Invoices=rows(_split(t))))


@variant
def xlsx_credit_note_nets(t, d):
    inv = t["Invoices"]
    extra = inv.head(1).assign(amount=1200.0, invoice_id="NF-extra")
    credit = inv.head(1).assign(amount=-1200.0, invoice_id="NC-extra")
    return write_xlsx(d / "b.xlsx", sheets(t, Invoices=rows(pd.concat([inv, extra, credit], ignore_index=True))))


# --- CSV exports ------------------------------------------------------------------------------


@variant
def csv_en_comma(t, d):
    return csv_folder(t, d)


@variant
def csv_en_crlf_bom(t, d):
    return csv_folder(t, d, encoding="utf-8-sig", newline="\r\n")


def _pt_folder(t, d, *, encoding="cp1252", first=None, ext=".csv", sep=";", names=PT_SHEETS):
    folder = d / "exportacao"
    folder.mkdir()
    for name in t:
        write_csv(folder / f"{names[name]}{ext}", pt_rows(t, name), sep=sep, encoding=encoding, first=first)
    return folder


@variant
def csv_pt_semicolon_cp1252(t, d):
    return _pt_folder(t, d)


@variant
def csv_pt_utf8(t, d):
    return _pt_folder(t, d, encoding="utf-8")


@variant
def csv_pt_sep_line(t, d):
    return _pt_folder(t, d, first="sep=;")


@variant
def csv_pt_utf16_unicode_text_txt(t, d):
    return _pt_folder(t, d, encoding="utf-16", ext=".txt", sep="\t")


@variant
def csv_pt_utf16_named_csv(t, d):
    return _pt_folder(t, d, encoding="utf-16", sep="\t")


@variant
def csv_en_tab_txt(t, d):
    return csv_folder(t, d, ext=".tsv", sep="\t")


@variant
def csv_title_lines(t, d):
    folder = d / "bi"
    folder.mkdir()
    for name, frame in t.items():
        data = fmt_rows(rows(frame), iso)
        write_csv(folder / f"{name}.csv", [["Relatório gerado pelo BI"], ["Período: 2024-2026"], [], *data])
    return folder


@variant
def csv_totals_row(t, d):
    folder = csv_folder(t, d, fmt=pt, sep=";")
    data = [*fmt_rows(rows(t["MRR"]), pt), ["Totais", "", money_pt(float(t["MRR"]["mrr"].sum()))]]
    write_csv(folder / "MRR.csv", data, sep=";")
    return folder


@variant
def csv_pt_amounts_with_currency_symbol(t, d):
    folder = _pt_folder(t, d, encoding="utf-8")
    m = t["MRR"].assign(mrr=t["MRR"]["mrr"].map(lambda x: "R$ " + money_pt(float(x))))
    write_csv(folder / "Receita.csv", rows(m, PT_HEADERS["MRR"]), sep=";")
    return folder


@variant
def csv_bi_yyyymm_text(t, d):
    folder = csv_folder(t, d)
    m = t["MRR"].assign(month=t["MRR"]["month"].map(lambda ts: f"{ts:%Y%m}"))
    write_csv(folder / "MRR.csv", fmt_rows(rows(m, {"client_id": "Client ID", "month": "Month", "mrr": "MRR"}), iso))
    return folder


@variant
def csv_helpdesk_export(t, d):
    folder = csv_folder(t, d)
    tk = t["Tickets"].copy()
    for c in ("opened_at", "first_response_at", "resolved_at"):
        tk[c] = tk[c].map(lambda ts: None if pd.isna(ts) else (ts + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    tk["csat"] = tk["csat"].map(lambda v: "-" if pd.isna(v) else str(int(v)))
    tk["ces"] = tk["ces"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    write_csv(folder / "Tickets.csv", rows(tk, PT_HEADERS["Tickets"]))
    return folder


@variant
def csv_survey_export(t, d):
    folder = csv_folder(t, d)
    n = t["NPS"].assign(score=t["NPS"]["score"].map(lambda s: f"{s} - Muito provável" if s >= 9 else str(s)))
    extra = t["NPS"].head(2).assign(score=["Não respondeu", "N/A"])
    n = pd.concat([n, extra], ignore_index=True)
    n["date"] = n["date"].map(lambda ts: ts.strftime("%d/%m/%Y"))
    write_csv(folder / "Respostas NPS.csv", rows(n, PT_HEADERS["NPS"]), sep=";")
    (folder / "NPS.csv").unlink()
    return folder


@variant
def csv_empty_optional_file(t, d):
    folder = csv_folder(t, d)
    (folder / "Goals.csv").write_text("", encoding="utf-8")
    (folder / "Opportunities.csv").write_text("client_id,kind,opened\n", encoding="utf-8")
    return folder


@variant
def csv_other_files_in_folder(t, d):
    folder = csv_folder(t, d)
    (folder / "LEIAME.txt").write_text("Exportado do ERP em 01/11/2026.\n", encoding="utf-8")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return folder


@variant
def csv_amounts_accounting_credit_note(t, d):
    folder = _pt_folder(t, d, encoding="utf-8")
    inv = t["Invoices"]
    extra = inv.head(1).assign(amount=1000.0, invoice_id="NF-extra")
    credit = inv.head(1).assign(amount=-1000.0, invoice_id="NC-extra")
    data = pt_rows({"Invoices": pd.concat([inv, extra], ignore_index=True)}, "Invoices")
    data.append([pt(plain(v)) if k != 1 else "(1.000,00)" for k, v in enumerate(credit.iloc[0])])
    write_csv(folder / "Faturas.csv", data, sep=";")
    return folder


@variant
def csv_pt_mixed_numeric_ids(t, d):
    folder = csv_folder(t, d)
    for name, frame in t.items():
        if "client_id" in frame.columns:
            frame = frame.assign(
                client_id=frame["client_id"].map(
                    lambda c, suffix=".0" if name == "MRR" else "": f"{1000 + int(c[1:])}{suffix}"
                )
            )
            write_csv(folder / f"{name}.csv", fmt_rows(rows(frame), iso))
    return folder


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_gives_the_clean_numbers(name, clean_tables, clean_numbers, tmp_path):
    tables = {k: v.copy() for k, v in clean_tables.items()}
    path = VARIANTS[name](tables, tmp_path)
    assert numbers(path) == clean_numbers


def test_there_are_enough_accepted_variants():
    assert len(VARIANTS) >= 45


def _cli_metrics(book: Path) -> str:
    """``cs-reports metrics BOOK --format csv`` as a real process (its stdout)."""
    done = subprocess.run(
        [sys.executable, "-m", "cs_reports.cli", "metrics", str(book), "--format", "csv"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def clean_cli_metrics(clean_path) -> str:
    return _cli_metrics(clean_path)


@pytest.mark.parametrize(
    "name", ["csv_pt_semicolon_cp1252", "xlsx_title_rows_above_headers", "csv_pt_utf16_unicode_text_txt"]
)
def test_cli_metrics_equal_the_clean_books(name, clean_tables, clean_cli_metrics, tmp_path):
    path = VARIANTS[name]({k: v.copy() for k, v in clean_tables.items()}, tmp_path)
    assert _cli_metrics(path) == clean_cli_metrics


def test_notes_name_what_was_assumed(clean_tables, tmp_path):
    t = {k: v.copy() for k, v in clean_tables.items()}
    book = load_book(VARIANTS["xlsx_title_rows_above_headers"](t, tmp_path), today=TODAY)
    assert "The header is in row 4; rows 1-2 above it (a title) ignored." in book.notes
    t = {k: v.copy() for k, v in clean_tables.items()}
    (tmp_path / "x").mkdir()
    book = load_book(VARIANTS["xlsx_mrr_sheet_receita_mensal"](t, tmp_path / "x"), today=TODAY)
    assert "Sheet 'Receita Mensal' read as the 'MRR' table by its header (its name is not 'MRR')." in book.notes
    assert any("MRR comes from sheet 'Receita Mensal'" in n for n in book.notes)

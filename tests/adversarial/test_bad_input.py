"""Malformed workbooks and CSVs: each gets a clear error naming where, or a documented normalisation.

Hand-made cases cover what users really send (docs/reliability.md lists them); a
hypothesis search then breaks a small valid book in random ways, 200 times, through
the CLI, and requires a clean outcome every time: exit 0, or exit 1 with ``error:`` and
sheet/row/column, never a traceback.
"""

from __future__ import annotations

import re
import zipfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.adversarial.helpers import assert_clean_error, base_sheets, cli, write_csv_folder, write_xlsx
from tests.conftest import assert_unchanged


def _edit(**changes: Any) -> dict[str, list[list[Any]]]:
    """The base book with cells replaced: ``changes`` maps 'Sheet:row:col' (0-based rows, header 0)."""
    sheets = base_sheets()
    for key, value in changes.items():
        sheet, row, col = key.split(":")
        sheets[sheet][int(row)][int(col)] = value
    return sheets


def _without(sheet: str) -> dict[str, list[list[Any]]]:
    sheets = base_sheets()
    del sheets[sheet]
    return sheets


def _drop_column(sheet: str, col: int) -> dict[str, list[list[Any]]]:
    sheets = base_sheets()
    sheets[sheet] = [[v for j, v in enumerate(r) if j != col] for r in sheets[sheet]]
    return sheets


def _add_rows(sheet: str, *rows: list[Any]) -> dict[str, list[list[Any]]]:
    sheets = base_sheets()
    sheets[sheet].extend(list(r) for r in rows)
    return sheets


def _kw(key: str, value: Any) -> dict[str, Any]:
    return {key: value}


# (id, sheets, expected error fragment or None for a documented normalisation)
ERRORS: list[tuple[str, dict[str, list[list[Any]]], str]] = [
    ("no Clients sheet", _without("Clients"), "a 'Clients' sheet (or 'Clientes')"),
    ("no MRR sheet", _without("MRR"), "an 'MRR' or 'Invoices' sheet"),
    ("no client_id column in MRR", _drop_column("MRR", 0), "Sheet 'MRR': expected columns"),
    ("no mrr column", _drop_column("MRR", 2), "(missing ['mrr'])"),
    ("no score column", _drop_column("NPS", 2), "(missing ['score'])"),
    ("renamed header", _edit(**_kw("MRR:0:2", "revenue")), "(missing ['mrr'])"),
    ("score 11", _edit(**_kw("NPS:1:2", 11)), "Sheet 'NPS', row 2, column 'score'"),
    ("score -1", _edit(**_kw("NPS:1:2", -1)), "Sheet 'NPS', row 2, column 'score'"),
    ("score 9.5", _edit(**_kw("NPS:2:2", 9.5)), "Sheet 'NPS', row 3, column 'score'"),
    ("score 'dez'", _edit(**_kw("NPS:3:2", "dez")), "got 'dez'"),
    ("score as text '-1'", _edit(**_kw("NPS:1:2", "-1")), "column 'score'"),
    ("score TRUE", _edit(**_kw("NPS:1:2", True)), "column 'score'"),
    # openpyxl writes the text as a formula without a saved value: one file-level error with the fix
    ("formula-looking text", _edit(**_kw("NPS:1:3", '=HYPERLINK("http://x")')), "without a saved value"),
    ("negative MRR", _edit(**_kw("MRR:2:2", -120.0)), "Sheet 'MRR', row 3, column 'mrr'"),
    ("MRR as words", _edit(**_kw("MRR:2:2", "cem reais")), "got 'cem reais'"),
    ("MRR = NaN text", _edit(**_kw("MRR:2:2", "NaN")), "column 'mrr'"),
    ("MRR = inf text", _edit(**_kw("MRR:2:2", "inf")), "column 'mrr'"),
    ("MRR formula error", _edit(**_kw("MRR:2:2", "#DIV/0!")), "column 'mrr'"),
    ("month 2026-13", _edit(**_kw("MRR:1:1", "2026-13")), "column 'month'"),
    ("month as words", _edit(**_kw("MRR:1:1", "setembro")), "column 'month'"),
    ("date 31/02/2026", _edit(**_kw("NPS:1:1", "31/02/2026")), "column 'date'"),
    ("serial date out of range", _edit(**_kw("NPS:1:1", -5)), "column 'date'"),
    (
        "dd/mm and mm/dd in one column",
        _edit(**_kw("NPS:1:1", "13/09/2026"), **_kw("NPS:2:1", "09/14/2026")),
        "day/month order is mixed",
    ),
    ("duplicated client id", _add_rows("Clients", ["A", "Alfa de novo", "pt-BR"]), "a repeat of"),
    ("duplicated client month", _add_rows("MRR", ["A", "2026-09", 5.0]), "a repeat of"),
    ("MRR for an unknown client", _add_rows("MRR", ["ZZ", "2026-09", 5.0]), "'ZZ'"),
    ("NPS for an unknown client", _add_rows("NPS", ["ZZ", "2026-09-01", 9, None]), "'ZZ'"),
    ("blank client id in MRR", _edit(**_kw("MRR:2:0", None)), "column 'client_id'"),
    ("only headers", {"Clients": [base_sheets()["Clients"][0]], "MRR": [base_sheets()["MRR"][0]]}, "only a header"),
    ("empty sheets", {"Clients": [], "MRR": []}, "an empty sheet"),
    ("unknown locale", _edit(**_kw("Clients:1:2", "klingon")), "column 'locale'"),
    ("merged header text in a cell", _edit(**_kw("MRR:0:0", "client_id month")), "Sheet 'MRR': expected columns"),
]

NORMALISED: list[tuple[str, dict[str, list[list[Any]]], str]] = [
    (
        "blank rows in the middle",
        _add_rows("MRR", [None, None, None], ["C", "2026-08", 70.0]),
        "MRR                  5",
    ),
    ("pt-BR text number", _edit(**_kw("MRR:2:2", "R$ 1.234,56")), "valid"),
    ("dd/mm/yyyy text date", _edit(**_kw("NPS:2:1", "20/09/2026")), "valid"),
    ("mm/dd/yyyy proven by a day > 12", _edit(**_kw("NPS:2:1", "09/20/2026"), **_kw("NPS:3:1", "09/21/2026")), "valid"),
    ("Excel serial date", _edit(**_kw("NPS:1:1", 46270)), "valid"),
    ("month as mm/yyyy", _edit(**_kw("MRR:1:1", "08/2026")), "valid"),
    ("score as text '10'", _edit(**_kw("NPS:1:2", "10")), "valid"),
    ("numeric client ids", _edit(**_kw("Clients:3:0", 7), **_kw("MRR:4:0", "7"), **_kw("NPS:3:0", 7.0)), "valid"),
    ("spaces around ids", _edit(**_kw("MRR:1:0", "  A  ")), "valid"),
    ("pt-BR headers", _edit(**_kw("MRR:0:1", "Mês"), **_kw("MRR:0:2", "Valor")), "valid"),
    ("extra unknown column", {**base_sheets(), "MRR": [[*r, "x"] for r in base_sheets()["MRR"]]}, "valid"),
    ("unknown extra sheet", {**base_sheets(), "Rascunho": [["qualquer", "coisa"], [1, 2]]}, "valid"),
    ("very long name", _edit(**_kw("Clients:1:1", "x" * 100_000)), "valid"),
    ("blank score (a survey non-answer)", _edit(**_kw("NPS:1:2", None)), "non-answer"),
]


@pytest.mark.parametrize(("case", "sheets", "fragment"), ERRORS, ids=[c[0] for c in ERRORS])
def test_bad_workbook_gives_a_clear_error(tmp_path, case, sheets, fragment):
    path = write_xlsx(tmp_path / "book.xlsx", sheets)
    with assert_unchanged(path):
        code, _, err = cli("validate", str(path))
    assert_clean_error(code, err)
    assert fragment in err, err


@pytest.mark.parametrize(("case", "sheets", "fragment"), ERRORS, ids=[c[0] for c in ERRORS])
def test_bad_csv_folder_gives_a_clear_error(tmp_path, case, sheets, fragment):
    if case in ("score TRUE", "MRR formula error", "serial date out of range", "empty sheets", "formula-looking text"):
        pytest.skip("no such cell type in a CSV")
    folder = write_csv_folder(tmp_path / "book", sheets)
    code, _, err = cli("validate", str(folder))
    assert_clean_error(code, err)
    assert re.search(r"Sheet '\w+'|sheet|expected", err), err


@pytest.mark.parametrize(("case", "sheets", "fragment"), NORMALISED, ids=[c[0] for c in NORMALISED])
def test_documented_normalisations_load(tmp_path, case, sheets, fragment):
    path = write_xlsx(tmp_path / "book.xlsx", sheets)
    code, out, err = cli("validate", str(path))
    assert code == 0, err
    assert fragment in out, out


def test_merged_header_cells(tmp_path):
    sheets = base_sheets()
    sheets["MRR"][0][1] = None  # a merged A1:B1 keeps the text in A1 only
    path = write_xlsx(tmp_path / "book.xlsx", sheets, merge=[("MRR", "A1:B1")])
    code, _, err = cli("validate", str(path))
    assert_clean_error(code, err)
    assert "(missing ['month'])" in err


def test_latin1_csv_is_read_with_a_note(tmp_path):
    folder = write_csv_folder(tmp_path / "book", base_sheets(), encoding="cp1252", sep=";")
    code, out, err = cli("validate", str(folder))
    assert code == 0, err
    assert "not UTF-8; read it as Windows-1252" in out


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old Excel 97-2003 (.xls)"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "EncryptedPackage".encode("utf-16-le"),
            "password-protected",
        ),
        (b"client_id;name\nA;x\n", "is not an Excel workbook"),
        (b"", "is not an Excel workbook"),
        (b"PK\x03\x04broken", "is damaged"),
        (b"%PDF-1.7\n", "is not an Excel workbook"),
    ],
    ids=["xls", "password", "text", "empty file", "broken zip", "pdf"],
)
def test_files_that_are_not_workbooks(tmp_path, content, fragment):
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)
    code, _, err = cli("validate", str(path))
    assert_clean_error(code, err)
    assert fragment in err


def test_ods_and_plain_zip_renamed_xlsx(tmp_path):
    ods = tmp_path / "a.xlsx"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    plain = tmp_path / "b.xlsx"
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("readme.txt", "hello")
    for path, fragment in ((ods, "OpenDocument"), (plain, "zip archive")):
        code, _, err = cli("validate", str(path))
        assert_clean_error(code, err)
        assert fragment in err


def test_workbook_without_any_contract_sheet(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})
    code, _, err = cli("validate", str(path))
    assert_clean_error(code, err)
    assert "a 'Clients' sheet" in err


def test_a_50_mb_workbook_loads(tmp_path):
    """A big file is not an error: 50 MB of embedded media next to the data sheets."""
    path = write_xlsx(tmp_path / "book.xlsx", base_sheets())
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_STORED) as z:
        z.writestr("xl/media/image1.png", bytes(50 * 1024 * 1024))
    assert path.stat().st_size > 50 * 1024 * 1024
    code, out, err = cli("validate", str(path))
    assert code == 0, err
    assert "valid" in out


# ---------------------------------------------------------------- generated cases

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "dez", "11", "-1", "9,5", "1.234,56", "R$ 10", "31/02/2026", "2026-13", "13/13/13"]),
    st.sampled_from(["=1+1", "+SUM(A1)", "@x", "#N/A", "NaN", "∞", "\x00", "ZZ", "A", "2026-09", "09/2026"]),
    st.text(max_size=12),
)


@st.composite
def broken_books(draw: st.DrawFn) -> dict[str, list[list[Any]]]:
    sheets = base_sheets()
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(sheets)))
        rows = sheets[name]
        action = draw(st.sampled_from(["cell", "cell", "cell", "header", "drop_row", "dup_row", "blank_row", "sheet"]))
        if action == "sheet" and len(sheets) > 1:
            del sheets[name]
            continue
        if not rows:
            continue
        i = draw(st.integers(0, len(rows) - 1))
        j = draw(st.integers(0, len(rows[0]) - 1))
        if action == "cell" and len(rows) > 1:
            rows[draw(st.integers(1, len(rows) - 1))][j] = draw(JUNK)
        elif action == "header":
            rows[0][j] = draw(st.one_of(JUNK, st.sampled_from(["Cliente", "mês", "valor", "nota", "data"])))
        elif action == "drop_row":
            del rows[i]
        elif action == "dup_row":
            rows.append(rows[i][:])
        elif action == "blank_row":
            rows.insert(i, [None] * len(rows[0]))
    return sheets


def _xlsx_safe(value: Any) -> Any:
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")  # openpyxl refuses control chars
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return float(value)
    return value


def _assert_clean_outcome(code: int, out: str, err: str) -> None:
    """Valid (exit 0), or a clean one-message error (exit 1)."""
    assert code in (0, 1), err
    if code:
        assert_clean_error(code, err)
    else:
        assert "valid" in out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheets=broken_books())
def test_randomly_broken_workbooks_never_give_a_traceback(tmp_path_factory, sheets):
    clean = {k: [[_xlsx_safe(v) for v in r] for r in rows] for k, rows in sheets.items()}
    path = write_xlsx(tmp_path_factory.mktemp("b") / "book.xlsx", clean)
    _assert_clean_outcome(*cli("validate", str(path)))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheets=broken_books(), encoding=st.sampled_from(["utf-8", "cp1252"]), sep=st.sampled_from([",", ";"]))
def test_randomly_broken_csv_folders_never_give_a_traceback(tmp_path_factory, sheets, encoding, sep):
    folder = write_csv_folder(tmp_path_factory.mktemp("c") / "book", sheets, encoding=encoding, sep=sep)
    _assert_clean_outcome(*cli("validate", str(folder)))

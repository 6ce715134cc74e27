"""The data commands through the CLI runner: exit codes, messages, no tracebacks, inputs untouched."""

from __future__ import annotations

import pandas as pd
import pytest

from cs_reports.cli import main
from cs_reports.data import load_book
from cs_reports.data.summary import portfolio_summary
from cs_reports.data.writer import write_tables
from tests.conftest import assert_unchanged


def test_sample_then_validate(tmp_path, capsys):
    out = tmp_path / "s.xlsx"
    assert main(["sample", str(out), "--csv-dir", str(tmp_path / "csv")]) == 0
    assert (tmp_path / "csv" / "Clients.csv").exists()
    capsys.readouterr()
    with assert_unchanged(out):
        assert main(["validate", str(out)]) == 0
    text = capsys.readouterr().out
    assert "valid" in text
    assert "Clients" in text
    assert "200 rows" in text
    assert main(["validate", str(tmp_path / "csv")]) == 0


def test_validate_lists_every_problem_and_exits_1(tmp_path, capsys):
    clients = pd.DataFrame({"client_id": ["A"], "name": ["x"]})
    nps = pd.DataFrame({"client_id": ["A"] * 3, "date": ["2026-10-01"] * 3, "score": [11, 12, 13]})
    mrr = pd.DataFrame({"client_id": ["A"], "month": ["2026-10"], "mrr": [1]})
    path = write_tables({"Clients": clients, "MRR": mrr, "NPS": nps}, tmp_path / "bad.xlsx")
    with assert_unchanged(path):
        assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: bad.xlsx: 3 problem(s) found\n")
    assert "  Sheet 'NPS', row 4, column 'score': expected a whole number 0-10, got 13." in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [["validate", "/nonexistent.xlsx"], ["metrics", "/nonexistent.xlsx"]])
def test_missing_file_is_one_line(args, capsys):
    assert main(args) == 1
    assert capsys.readouterr().err == "error: file not found: /nonexistent.xlsx\n"


def test_metrics_table_csv_xlsx_match_the_library(sample_book_path, tmp_path, capsys):
    expected = portfolio_summary(load_book(sample_book_path), "2026-09")
    with assert_unchanged(sample_book_path):
        assert main(["metrics", str(sample_book_path), "--month", "2026-09"]) == 0
        table = capsys.readouterr().out
        assert f"mrr                         {expected.mrr:,.2f}" in table
        assert main(["metrics", str(sample_book_path), "--month", "2026-09", "--format", "csv"]) == 0
        rows = dict(line.split(",", 1) for line in capsys.readouterr().out.splitlines()[1:])
        assert float(rows["mrr"]) == expected.mrr
        assert float(rows["nps"]) == expected.nps
        out = tmp_path / "m.xlsx"
        assert (
            main(["metrics", str(sample_book_path), "--month", "2026-09", "--format", "xlsx", "--out", str(out)]) == 0
        )
    sheet = pd.read_excel(out, sheet_name="Metrics", engine="calamine").set_index("metric")["value"]
    assert float(sheet["arr"]) == pytest.approx(expected.arr)


def test_metrics_for_one_client_and_unknown_client(sample_book_path, capsys):
    assert main(["metrics", str(sample_book_path), "--client", "C0001"]) == 0
    assert "client_id                 C0001" in capsys.readouterr().out
    assert main(["metrics", str(sample_book_path), "--client", "NOPE"]) == 1
    assert capsys.readouterr().err == "error: Client 'NOPE' is not in the Clients sheet of sample.xlsx.\n"


def test_metrics_refuses_to_overwrite_its_input(sample_book_path, capsys):
    with assert_unchanged(sample_book_path):
        code = main(["metrics", str(sample_book_path), "--format", "xlsx", "--out", str(sample_book_path)])
    assert code == 1
    assert "Refusing to overwrite the input file" in capsys.readouterr().err

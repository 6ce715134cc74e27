"""Pipes and closed outputs: `| head`, a reader that went away, a closed stdout: quiet exit, never an internal error.

Every command that prints runs as a real process whose stdout is a pipe nobody reads any more
(the read end is closed before the command writes), which is what ``| head -1`` becomes once
``head`` has its line. The exit code is 141, as for a process ended by SIGPIPE. The book is the
12-client sample: what is under test is the pipe, not the portfolio.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.adversarial.processes import CLI

SIGPIPE_EXIT = 128 + signal.SIGPIPE


def _commands(book: Path, out: Path, cid: str) -> dict[str, list[str]]:
    report = ["--out", str(out / "reports"), "--quiet", "--workers", "1", "--lang", "en"]
    return {
        "help": ["--help"],
        "version": ["--version"],
        "sample": ["sample", str(out / "s.xlsx")],
        "validate": ["validate", str(book)],
        "metrics": ["metrics", str(book)],
        "metrics csv": ["metrics", str(book), "--format", "csv"],
        "fields": ["fields", "qbr"],
        "success-map": ["success-map", str(book), "--client", cid, "--month", "2026-09", *report],
        "qbr": ["qbr", str(book), "--client", cid, "--quarter", "2026Q3", *report],
        "finance": ["finance", str(book), "--month", "2026-09", *report],
        "excel new-workbook": ["excel", "new-workbook", str(out / "w.xlsx"), "--data", str(book)],
        "excel lite-recipe": ["excel", "lite-recipe", str(out / "lite")],
        "demo": ["demo", "--out", str(out / "demo"), "--workers", "2"],
        "recalc": ["recalc", str(out / "in.xlsx"), str(out / "recalculated.xlsx"), "--timeout", "300"],
    }


@pytest.fixture(scope="module")
def client(small_book_path) -> str:
    from cs_reports.data import load_book

    return str(load_book(small_book_path).clients["client_id"].iloc[0])


NAMES = [pytest.param(n, marks=pytest.mark.slow) if n == "demo" else n for n in _commands(Path("b"), Path("o"), "c")]


@pytest.mark.parametrize("name", NAMES)
def test_a_reader_that_went_away_is_a_quiet_exit(name, small_book_path, client, tmp_path):
    args = _commands(small_book_path, tmp_path, client)[name]
    if name == "recalc":
        if shutil.which("soffice") is None:
            pytest.skip("LibreOffice (soffice) is not installed")
        wb = Workbook()
        wb.active["A1"], wb.active["A2"] = 2, "=A1*21"
        wb.save(tmp_path / "in.xlsx")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    try:
        result = subprocess.run(
            [*CLI, *args], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=600, check=False
        )
    finally:
        os.close(write_end)
    progress = re.compile(r"^\[\s*\d+/\d+\] \d+ failed, \d+/min$")  # demo has no --quiet
    assert [line for line in result.stderr.splitlines() if not progress.match(line)] == []
    # argparse prints --help/--version itself and ignores write errors: a quiet exit 0
    assert result.returncode == (0 if name in ("help", "version") else SIGPIPE_EXIT)


def test_validate_piped_into_head(small_book_path):
    command = f"{shlex.join([*CLI, 'validate', str(small_book_path)])} | head -1"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=600, check=False
    )
    assert result.stdout == f"{small_book_path}: valid\n"
    assert result.stderr == ""
    assert result.returncode in (0, SIGPIPE_EXIT)  # 0 when validate wrote everything before head left


@pytest.mark.parametrize("name", ["validate", "metrics", "finance"])
def test_a_closed_stdout_is_a_quiet_exit(name, small_book_path, client, tmp_path):
    args = _commands(small_book_path, tmp_path, client)[name]
    result = subprocess.run(
        f"{shlex.join([*CLI, *args])} >&-", shell=True, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.stderr == ""
    assert result.returncode == 0
    if name == "finance":  # the outputs are complete and no file took descriptor 1
        assert len(list((tmp_path / "reports").glob("*.pdf"))) == 1

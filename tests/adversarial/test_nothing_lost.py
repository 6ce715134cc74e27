"""Nothing is lost: broken clients fail by name, kill -9 leaves no half file, full disks are clear errors,
and hostile files (XML and zip bombs) are refused fast."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from cs_reports import _io
from cs_reports.data import load_book
from cs_reports.data.sample import make_sample_tables
from cs_reports.errors import InvalidInputError
from cs_reports.reports.batch.runner import Job, run_batch
from tests.adversarial.helpers import assert_clean_error, base_sheets, cli, write_xlsx
from tests.conftest import assert_unchanged, file_digest

#: QBRs in the broken-batch test: 20, three of them broken, one of each kind of problem (a negative
#: MRR, a text NPS score, an impossible ticket date); from 60 on (CS_REPORTS_BROKEN_BATCH=1000 for a
#: big one) every 20th client is broken (5%), the kinds in turn.
BATCH = int(os.environ.get("CS_REPORTS_BROKEN_BATCH", "20"))


@pytest.fixture(scope="module")
def broken_book(tmp_path_factory) -> tuple[Path, list[str], list[str]]:
    """A portfolio where some QBR clients (:data:`BATCH`) have a bad score, a negative MRR or a bad date."""
    tables = make_sample_tables(2026, clients=int(BATCH * 1.8) + 20)  # about 60% pay through Q3
    mrr = tables["MRR"]
    q3 = mrr[(mrr["month"] >= "2026-07-01") & (mrr["month"] <= "2026-09-01") & (mrr["mrr"] > 0)]
    paying = q3.groupby("client_id")["month"].nunique()
    ids = [c for c in tables["Clients"]["client_id"] if paying.get(c, 0) == 3][:BATCH]
    assert len(ids) == BATCH
    broken = ids[:: min(20, BATCH // 3)][: max(3, BATCH // 20)]
    for k, cid in enumerate(broken):
        if k % 3 == 0:
            rows = tables["MRR"].index[tables["MRR"]["client_id"] == cid][:1]
            tables["MRR"].loc[rows, "mrr"] = -50.0
        elif k % 3 == 1:
            tables["NPS"] = pd.concat(
                [tables["NPS"], pd.DataFrame({"client_id": [cid], "date": ["2026-09-10"], "score": ["onze"]})]
            )
        else:
            tables["Tickets"] = tables["Tickets"].astype({"opened_at": object})
            rows = tables["Tickets"].index[tables["Tickets"]["client_id"] == cid][:1]
            if len(rows):
                tables["Tickets"].loc[rows, "opened_at"] = "32/13/2026"
            else:
                tables["MRR"].loc[tables["MRR"].index[tables["MRR"]["client_id"] == cid][:1], "mrr"] = -1.0
    from cs_reports.data.writer import write_tables

    folder = tmp_path_factory.mktemp("broken")
    path = write_tables(tables, folder / "book.xlsx")
    return path, ids, broken


@pytest.mark.slow
def test_batch_with_broken_clients_of_each_kind(broken_book, tmp_path):
    path, ids, broken = broken_book
    args = ["qbr", str(path), "--quarter", "2026Q3", "--out", str(tmp_path), "--quiet", "--workers", "2"]
    with assert_unchanged(path):
        code, out, err = cli(*args, *[a for cid in ids for a in ("--client", cid)])
    assert code == 1
    assert out.startswith(f"{BATCH - len(broken)} written, 0 up to date, {len(broken)} failed"), out
    failures = [line for line in err.splitlines() if line.startswith("  failed: ")]
    assert sorted(line.split()[1] for line in failures) == sorted(broken)
    assert all("data problem: Sheet '" in line for line in failures), failures
    pdfs = list(tmp_path.glob("*.pdf"))
    assert len(pdfs) == BATCH - len(broken)
    assert not [p for p in pdfs if any(p.name.startswith(b.lower() + "_") for b in broken)]
    assert not list(tmp_path.glob(".*.part"))


def test_a_portfolio_report_refuses_a_book_with_broken_clients(broken_book, tmp_path):
    path, _, broken = broken_book
    code, _, err = cli("finance", str(path), "--month", "2026-09", "--out", str(tmp_path), "--quiet", "--workers", "1")
    assert code == 1
    assert f"data problems in the rows of {len(broken)} clients" in err
    assert not list(tmp_path.glob("*.pdf"))


def test_kill_9_during_a_batch_leaves_only_complete_files_and_resume_finishes(small_book_path, tmp_path):
    ids = load_book(small_book_path).clients["client_id"].iloc[:12].tolist()
    args = [sys.executable, "-m", "cs_reports.cli", "success-map", str(small_book_path), "--out", str(tmp_path)]
    args += ["--month", "2026-09", "--workers", "1", "--quiet", *[a for c in ids for a in ("--client", c)]]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("*.pdf"))) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = sorted(tmp_path.glob("*.pdf"))
    assert 3 <= len(first) < len(ids)
    for pdf in first:
        assert len(PdfReader(pdf).pages) >= 1  # complete and readable; temporaries never have a final name
    code, out, err = cli(*args[3:], "--resume")
    assert code == 0, err
    assert out.startswith(f"{len(ids) - len(first)} written, {len(first)} up to date, 0 failed"), out
    assert len(list(tmp_path.glob("*.pdf"))) == len(ids)


def test_disk_full_is_a_clear_failure_and_nothing_is_half_written(small_book_path, tmp_path, monkeypatch):
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_io.os, "fsync", full)
    cid = load_book(small_book_path).clients["client_id"].iloc[0]
    result = run_batch(
        small_book_path, [Job("success-map", "2026-09", cid, "en", "x.pdf")], out_dir=tmp_path, progress=False
    )
    (failure,) = result.failed
    assert "No space left on device; nothing was written" in failure.reason
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_output_folder_that_cannot_exist_is_a_clear_error(small_book_path, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    code, _, err = cli("finance", str(small_book_path), "--out", str(blocker / "out"), "--quiet")
    assert_clean_error(code, err)
    assert "Cannot create output folder" in err


def test_billion_laughs_in_a_sheet_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", base_sheets())
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = f'<!DOCTYPE x [<!ENTITY l0 "lol">{entities}]>'.encode() + data.replace(
                    b"<t>Alfa Ltda.</t>", b"<t>&l9;</t>"
                )
            out.writestr(item, data)
    code, _, err = cli("validate", str(bomb))
    assert_clean_error(code, err)
    assert "could not be read" in err


def test_zip_bomb_is_refused_before_unpacking(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "bomb.xlsx", base_sheets())
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("xl/media/zeros.bin", "w", force_zip64=True) as fh:
            chunk = bytes(64 * 1024 * 1024)
            for _ in range(40):  # 2.5 GiB of zeros, ~12 MB compressed (zlib's fastest level: half the time of level 9)
                fh.write(chunk)
    assert path.stat().st_size < 16 * 1024 * 1024
    # refused from the zip directory, not by unpacking: no part may be decompressed, no parser opened
    import python_calamine

    def unpacked(*args, **kwargs):
        raise AssertionError("a part of the zip bomb was unpacked")

    monkeypatch.setattr(zipfile.ZipExtFile, "read", unpacked)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", unpacked)
    with pytest.raises(InvalidInputError, match=r"would unpack to 2\.\d GiB \(limit 2\.0 GiB\); refusing to open it"):
        load_book(path)


def test_every_command_leaves_its_input_byte_for_byte(small_book_path, tmp_path):
    before = file_digest(small_book_path)
    for args in (
        ["validate", str(small_book_path)],
        ["metrics", str(small_book_path), "--format", "xlsx", "--out", str(tmp_path / "m.xlsx")],
        ["excel", "new-workbook", str(tmp_path / "t.xlsx"), "--data", str(small_book_path)],
        ["finance", str(small_book_path), "--out", str(tmp_path / "f"), "--quiet", "--workers", "1"],
    ):
        code, _, err = cli(*args)
        assert code == 0, (args, err)
    assert file_digest(small_book_path) == before

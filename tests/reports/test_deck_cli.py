"""``cs-reports qbr --format pptx|pdf,pptx`` as a user runs it, on a small CSV book: the first batch as a
real process, every other command line in this process (``in_process``).

The book is the sample portfolio with 12 clients (``cs-reports sample DIR --clients 12``) with one
client's NPS answer changed to 11, so that client's rows are quarantined and its reports fail by
name while the others are written (failure isolation).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation

from cs_reports.reports.batch.manifest import MANIFEST
from tests.adversarial.helpers import cli
from tests.adversarial.processes import run
from tests.conftest import pdf_pages

CLI = [sys.executable, "-m", "cs_reports.cli"]
QUARTER = "2026Q3"


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> tuple[Path, list[str], str]:
    """(CSV folder, two paying clients (a pt-BR and an English one), the broken client)."""
    from cs_reports.data import load_book
    from cs_reports.data.sample import write_sample

    folder = tmp_path_factory.mktemp("deckbook") / "book"
    write_sample(folder, clients=12)
    loaded = load_book(folder)
    paying = set(loaded.mrr.loc[(loaded.mrr["month"] == "2026-09-01") & (loaded.mrr["mrr"] > 0), "client_id"])
    clients = loaded.clients[loaded.clients["client_id"].isin(paying)]
    good = [
        clients.loc[clients["locale"] == "pt-BR", "client_id"].iloc[0],
        clients.loc[clients["locale"] == "en", "client_id"].iloc[0],
    ]
    broken = next(cid for cid in clients["client_id"] if cid not in good)
    nps = (folder / "NPS.csv").read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(nps) if line.startswith(f"{broken},"))
    cells = nps[row].split(",")
    cells[2] = "11"  # an NPS answer must be 0-10
    nps[row] = ",".join(cells)
    (folder / "NPS.csv").write_text("\n".join(nps) + "\n", encoding="utf-8")
    return folder, good, broken


def qbr(folder: Path, out: Path, clients: list[str], *extra: str) -> list[str]:
    picks = [a for cid in clients for a in ("--client", cid)]
    return [*CLI, "qbr", str(folder), "--quarter", QUARTER, "--out", str(out), "--workers", "1", *picks, *extra]


def in_process(args: list[str]) -> subprocess.CompletedProcess[str]:
    """The command line ``args`` (``[*CLI, ...]``) run in this process, as a finished process."""
    assert args[:3] == CLI
    code, out, err = cli(*args[3:])
    return subprocess.CompletedProcess(args, code, out, err)


def manifest_lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / MANIFEST).read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_pdf_and_deck_per_client_progress_isolation_and_resume(book, tmp_path):
    folder, good, broken = book
    out = tmp_path / "out"
    done = run(qbr(folder, out, [*good, broken], "--format", "pdf,pptx"))
    assert done.returncode == 1, done.stderr  # one client failed
    assert "2 written, 0 up to date, 1 failed" in done.stdout
    assert "[3/3] 1 failed" in done.stderr  # the progress line (stderr is not a terminal here)
    (failure,) = [line for line in done.stderr.splitlines() if "failed:" in line]
    assert failure.startswith(f"  failed: {broken} (qbr, ")
    assert "data problem" in failure
    assert "Traceback" not in done.stderr
    decks = sorted(out.glob("*.pptx"))
    pdfs = sorted(out.glob("*.pdf"))
    # Named like the PDFs, with .pptx: {client_id}_{slug}_{period}_qbr-client_{lang}
    assert [p.stem for p in decks] == [p.stem for p in pdfs]
    assert [p.name.split("_")[0] for p in decks] == [cid.lower() for cid in sorted(good)]
    assert all(p.name.endswith(("_2026q3_qbr-client_pt-br.pptx", "_2026q3_qbr-client_en.pptx")) for p in decks)
    umask = os.umask(0)
    os.umask(umask)
    for path in (*decks, *pdfs):
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]
    for deck, pdf in zip(decks, pdfs, strict=True):  # the same client, quarter and numbers
        prs = Presentation(deck)
        name = prs.slides[0].shapes.title.text_frame.text
        assert name in pdf_pages(pdf)[0]
    journaled = {f["name"] for line in manifest_lines(out) for f in line["files"]}
    assert journaled == {p.name for p in (*decks, *pdfs)}

    # --resume: everything intact is skipped; a cut deck is rendered again, its PDF is not touched
    cut, kept_pdf = decks[0], pdfs[0]
    whole = cut.read_bytes()
    cut.write_bytes(whole[: len(whole) // 2])
    pdf_before = kept_pdf.stat().st_mtime_ns
    again = in_process(qbr(folder, out, [*good, broken], "--format", "pdf,pptx", "--resume", "--quiet"))
    assert "1 written, 1 up to date, 1 failed" in again.stdout, again.stdout + again.stderr
    assert len(cut.read_bytes()) > len(whole) // 2
    Presentation(cut)  # whole again
    assert kept_pdf.stat().st_mtime_ns == pdf_before
    last = in_process(qbr(folder, out, good, "--format", "pptx", "--resume", "--quiet"))
    assert last.returncode == 0, last.stderr
    assert "0 written, 2 up to date, 0 failed" in last.stdout


@pytest.mark.slow
def test_pdfs_first_then_decks_resume_renders_only_the_decks(book, tmp_path):
    folder, good, _ = book
    out = tmp_path / "out"
    first = in_process(qbr(folder, out, good[:1], "--quiet"))
    assert first.returncode == 0, first.stderr
    (pdf,) = out.glob("*.pdf")
    assert not list(out.glob("*.pptx"))
    before = pdf.stat().st_mtime_ns
    second = in_process(
        qbr(folder, out, good[:1], "--format", "pdf,pptx", "--resume", "--quiet", "--audience", "client")
    )
    assert second.returncode == 0, second.stderr
    assert "1 written, 0 up to date" in second.stdout
    (deck,) = out.glob("*.pptx")
    assert deck.stem == pdf.stem
    assert pdf.stat().st_mtime_ns == before  # the PDF was up to date: only the deck was made


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (
            ["--format", "docx"],
            2,
            "cs-reports qbr: error: argument --format: expected pdf, pptx or pdf,pptx (each format once); got 'docx'",
        ),
        (
            ["--format", "pdf,pdf"],
            2,
            "argument --format: expected pdf, pptx or pdf,pptx (each format once); got 'pdf,pdf'",
        ),
        (["--format", ""], 2, "argument --format: expected pdf, pptx or pdf,pptx (each format once); got ''"),
        (["--format", "pdf,"], 2, "got 'pdf,'"),
        (["--deck-template", "company.pptx"], 1, "error: --deck-template is for decks: add --format pptx"),
        (["--format", "pptx", "--deck-template", "nowhere.pptx"], 1, "error: Deck template '"),
        (["--format", "pptx", "--deck-template", "notes.pptx"], 1, "is not a PowerPoint .pptx file"),
        (
            ["--format", "pptx", "--audience", "internal", "--deck-template", "company.pptx"],
            1,
            "has no slide layout named 'Score' (needed by the internal QBR deck)",
        ),
        (
            ["--format", "pdf,pptx", "--deck-template", "renamed.pptx"],
            1,
            "layout 'KPIs': no placeholder named 'adoption' or holding the tag '{{ adoption }}' (needed by the client QBR deck)",
        ),
    ],
)
def test_bad_format_or_template_is_one_line_before_any_work(book, tmp_path, extra, code, message):
    from tests.reports.test_deck_qbr import company_template

    folder, good, _ = book
    company_template(tmp_path / "company.pptx")
    (tmp_path / "notes.pptx").write_text("not a deck", encoding="utf-8")
    renamed = Presentation(tmp_path / "company.pptx")
    for layout in renamed.slide_layouts:
        if layout.name == "KPIs":  # the tags gone: the placeholder no longer holds '{{ nps }}'
            (body,) = [ph for ph in layout.placeholders if ph.placeholder_format.idx == 1]
            body.text_frame.text = "KPIs"
    renamed.save(tmp_path / "renamed.pptx")
    args = [str(tmp_path / a) if a.endswith(".pptx") else a for a in extra]
    out = tmp_path / "out"
    done = in_process(qbr(folder, out, good, *args))
    assert done.returncode == code
    assert message in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists() or not [p for p in out.iterdir() if p.suffix in (".pdf", ".pptx")]


def test_other_commands_do_not_take_format_pptx(book, tmp_path):
    folder, _, _ = book
    done = in_process([*CLI, "success-map", str(folder), "--out", str(tmp_path), "--format", "pptx"])
    assert done.returncode == 2
    assert done.stderr.strip() == "cs-reports: error: unrecognized arguments: --format pptx (see 'cs-reports --help')"


def test_internal_deck_through_the_cli(book, tmp_path):
    """The internal edition as a deck: its cover says it is internal, and it has the internal sections."""
    from cs_reports.reports.render import strings

    folder, good, _ = book
    done = in_process(qbr(folder, tmp_path, good[1:], "--format", "pptx", "--audience", "internal", "--quiet"))
    assert done.returncode == 0, done.stderr
    (deck,) = tmp_path.glob("*.pptx")
    assert deck.name.endswith("_2026q3_qbr-internal_en.pptx")
    assert not list(tmp_path.glob("*.pdf"))
    prs = Presentation(io.BytesIO(deck.read_bytes()))
    t = strings("qbr", "en")
    cover = {shape.name: shape for shape in prs.slides[0].shapes}
    assert t["internal_banner"] in cover["details"].text_frame.text
    titles = [s.shapes.title.text_frame.text for s in list(prs.slides)[1:]]
    assert titles[:4] == [t["health_title"], t["risks"], t["forecast"], t["talking_points"]]


def test_a_killed_workers_deck_temporaries_are_removed_on_the_next_run(tmp_path):
    """A worker killed mid-write leaves ``.{name}.{random}.part``: the next batch of that job removes its decks' too."""
    from cs_reports.reports.batch.runner import Job, _remove_temporaries

    job = Job("qbr", QUARTER, "C1", "en", "c1_acme_2026q3_qbr-client_en.pdf", formats=("pdf", "pptx"))
    for name in (job.filename, job.output("pptx"), "c9_other_2026q3_qbr-client_en.pptx"):
        (tmp_path / f".{name}.k2j4x9.part").write_bytes(b"PK")
    _remove_temporaries(tmp_path, [job])
    assert [p.name for p in tmp_path.iterdir()] == [".c9_other_2026q3_qbr-client_en.pptx.k2j4x9.part"]


def test_a_renamed_clients_old_pdf_and_deck_are_both_stale(tmp_path):
    """--prune-stale sees each format's file under the client's old name, and not the new ones."""
    from dataclasses import replace

    from cs_reports.reports.batch.manifest import Manifest, job_identity
    from cs_reports.reports.batch.runner import Job, _key, _unit

    old = Job("qbr", QUARTER, "C1", "en", "c1_acme_2026q3_qbr-client_en.pdf", "client", formats=("pdf", "pptx"))
    new = replace(old, filename="c1_acme-group_2026q3_qbr-client_en.pdf")
    manifest = Manifest(tmp_path)
    for job in (old, new):
        for fmt in job.formats:
            (tmp_path / job.output(fmt)).write_bytes(b"PK")
            manifest.append([{"job": _key(job, fmt), "fingerprint": "f", "files": []}])
    current = {job_identity(_unit(new, fmt)): new.output(fmt) for fmt in new.formats}
    stale = manifest.stale(current, manifest.read())
    assert sorted(name for _, name in stale) == [old.output("pdf"), old.output("pptx")]

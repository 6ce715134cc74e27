"""Inputs of a batch that used to break it (issue 27), each as a user meets it, with its message.

A zip-bomb deck template, client text that looks like a template tag, a logo outside the
template folders, a book replaced or truncated while a batch starts, a manifest that is a
folder. Every case runs the CLI's command line in this process (the cases are about inputs, not
processes) on a small book: a 12-client CSV folder, or the 12-client sample workbook.
"""

from __future__ import annotations

import base64
import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

from cs_reports._resources import report_templates_dir
from cs_reports.data.snapshot import source_digest
from cs_reports.reports.batch.frozen import freeze_book
from cs_reports.reports.batch.runner import Job, _init, _Settings, run_batch
from cs_reports.reports.kinds import output_name
from tests.adversarial.helpers import cli
from tests.conftest import pdf_text

CLI = [sys.executable, "-m", "cs_reports.cli"]
QUARTER = "2026Q3"
MERGE_FIELD = "Olá {{primeiro_nome}}, {{ empresa }}!"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> tuple[Path, str]:
    """A 12-client CSV book whose first paying client has a survey tool's merge field in its data."""
    from cs_reports.data import load_book
    from cs_reports.data.sample import write_sample

    folder = tmp_path_factory.mktemp("inputs") / "book"
    write_sample(folder, clients=12)
    loaded = load_book(folder)
    paying = loaded.mrr.loc[(loaded.mrr["month"] == "2026-09-01") & (loaded.mrr["mrr"] > 0), "client_id"]
    client = sorted(set(paying))[0]
    for sheet, column, text in (("NPS", "comment", MERGE_FIELD), ("Goals", "objective", "Meta {{ meta_do_cliente }}")):
        with (folder / f"{sheet}.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        col = rows[0].index(column)
        for row in rows[1:]:
            if row[0] == client:
                row[col] = text
        with (folder / f"{sheet}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return folder, client


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    """The command line ``args`` (``[*CLI, ...]``) run in this process, as a finished process."""
    assert args[:3] == CLI
    code, out, err = cli(*args[3:])
    return subprocess.CompletedProcess(args, code, out, err)


def qbr(folder: Path, out: Path, client: str, *extra: str) -> list[str]:
    return [
        *CLI,
        "qbr",
        str(folder),
        "--quarter",
        QUARTER,
        "--out",
        str(out),
        "--workers",
        "1",
        "--client",
        client,
        *extra,
    ]


def one_error(done) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), done.stderr
    return lines[0]


def deck_text(path: Path) -> str:
    prs = Presentation(str(path))
    parts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


@pytest.mark.parametrize("audience", ["client", "internal"])
def test_client_text_that_looks_like_a_tag_is_printed_as_text(book, tmp_path, audience):
    folder, client = book
    done = run(qbr(folder, tmp_path, client, "--format", "pdf,pptx", "--audience", audience, "--lang", "pt-BR"))
    assert done.returncode == 0, done.stderr
    (deck,) = tmp_path.glob("*.pptx")
    (pdf,) = tmp_path.glob("*.pdf")
    shown = deck_text(deck)
    assert "Meta {{ meta_do_cliente }}" in shown
    text = pdf_text(pdf)
    assert "{{ meta_do_cliente }}" in text
    if audience == "internal":  # survey comments are shown to the team only
        assert MERGE_FIELD in shown


def _bomb(tmp_path: Path, name: str, member: str, size: int) -> Path:
    """The built-in deck template with one more part of ``size`` zero bytes (a few KB packed)."""
    source = report_templates_dir() / "deck" / "default.pptx"
    path = tmp_path / name
    shutil.copy(source, path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, z.open(member, "w", force_zip64=True) as fh:
        chunk = bytes(16 * 1024 * 1024)
        for _ in range(size // len(chunk)):
            fh.write(chunk)
    return path


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (192 * 1024 * 1024, "part 'ppt/media/image9.png' would unpack to 192.0 MiB, "),  # packed ~1000x
        (1024 * 1024 * 1024, "would unpack to 1.0 GiB (limit 256.0 MiB); refusing to open it."),
    ],
)
def test_a_zip_bomb_deck_template_is_refused_from_its_directory(book, tmp_path, size, message):
    folder, client = book
    template = _bomb(tmp_path, "company.pptx", "ppt/media/image9.png", size)
    assert template.stat().st_size < 5 * 1024 * 1024
    out = tmp_path / "out"
    line = one_error(run(qbr(folder, out, client, "--format", "pptx", "--deck-template", str(template))))
    assert line.startswith(f"error: Deck template '{template}'")
    assert message in line
    assert line.endswith("refusing to open it.")
    assert not out.exists() or not list(out.iterdir())


def test_a_deck_template_with_too_many_parts_is_refused(book, tmp_path):
    folder, client = book
    template = tmp_path / "parts.pptx"
    shutil.copy(report_templates_dir() / "deck" / "default.pptx", template)
    with zipfile.ZipFile(template, "a") as z:
        for i in range(20_001):
            z.writestr(f"customXml/p{i}.xml", b"")
    line = one_error(run(qbr(folder, tmp_path / "out", client, "--format", "pptx", "--deck-template", str(template))))
    assert "parts (limit 20,000); refusing to open it." in line


@pytest.mark.parametrize("fmt", ["pdf", "pptx", "pdf,pptx"])
@pytest.mark.parametrize("where", ["etc", "elsewhere"])
def test_a_logo_outside_the_template_folders_is_one_error_for_pdf_and_deck(book, tmp_path, fmt, where):
    folder, client = book
    elsewhere = tmp_path / "logo.png"
    elsewhere.write_bytes(PNG)
    logo = "../../../../../../../../etc/passwd" if where == "etc" else str(elsewhere)
    branding = tmp_path / "brand.json"
    branding.write_text(json.dumps({"company": "Acme", "logo": logo}), encoding="utf-8")
    out = tmp_path / "out"
    line = one_error(run(qbr(folder, out, client, "--format", fmt, "--branding", str(branding))))
    assert line.startswith("error: Branding 'logo': expected a data: URI or an image file inside the template folder")
    assert line.endswith(f"got '{logo}' (outside the template folders).")
    assert not out.exists() or not list(out.glob("*.p*"))


def test_a_logo_inside_the_template_folder_is_in_the_pdf_and_the_deck(book, tmp_path):
    folder, client = book
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "logo.png").write_bytes(PNG)
    branding = tmp_path / "brand.json"
    branding.write_text(json.dumps({"company": "Acme", "logo": "logo.png"}), encoding="utf-8")
    out = tmp_path / "out"
    done = run(
        qbr(folder, out, client, "--format", "pdf,pptx", "--branding", str(branding), "--templates", str(templates))
    )
    assert done.returncode == 0, done.stderr
    (deck,) = out.glob("*.pptx")
    with zipfile.ZipFile(deck) as z:
        assert any(z.read(n) == PNG for n in z.namelist() if n.startswith("ppt/media/"))
    (pdf,) = out.glob("*.pdf")
    images = [img for page in PdfReader(pdf).pages for img in page.images]
    assert images, "the logo is in the PDF"


def test_the_book_replaced_after_it_was_read_does_not_reach_the_reports(book, tmp_path):
    folder, client = book
    mine = tmp_path / "book"
    shutil.copytree(folder, mine)
    frozen = freeze_book(mine)
    name = str(frozen.book.client(client)["name"])
    # a sync client replaces the book after the CLI listed the clients: every name changes
    clients = (mine / "Clients.csv").read_text(encoding="utf-8")
    (mine / "Clients.csv").write_text(clients.replace(name, "Replaced Name Ltda"), encoding="utf-8")
    assert source_digest(mine) != frozen.digest
    filename = output_name("success-map", "2026-09", "en", client, name)
    job = Job("success-map", "2026-09", client, "en", filename)
    with frozen:
        result = run_batch(frozen, [job], out_dir=tmp_path / "out", workers=2, progress=False)
    assert [o.status for o in result.outcomes] == ["written"], result.outcomes
    text = pdf_text(tmp_path / "out" / filename)
    assert name in text
    assert "Replaced Name Ltda" not in text
    # --resume with the replaced book renders again (its fingerprint is not the one recorded)
    again = run_batch(mine, [job], out_dir=tmp_path / "out", workers=1, progress=False, resume=True)
    assert [o.status for o in again.outcomes] == ["written"]


def test_a_worker_that_reads_a_changed_book_by_path_refuses_it(book, tmp_path):
    folder, _ = book
    mine = tmp_path / "book"
    shutil.copytree(folder, mine)
    digest = source_digest(mine)
    (mine / "Clients.csv").write_text((mine / "Clients.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    settings = _Settings(str(mine), None, None, book_digest=digest)  # a Dask worker reads by path
    with pytest.raises(Exception, match="changed after the batch started"):
        _init(settings, worker=False)


def test_a_truncated_book_is_one_error_before_any_work(tmp_path):
    from cs_reports.data.sample import write_sample

    path = tmp_path / "book.xlsx"
    write_sample(path, clients=12)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # cut while being saved
    out = tmp_path / "out"
    done = run([*CLI, "success-map", str(path), "--out", str(out), "--workers", "2"])
    line = one_error(done)
    assert "book.xlsx" in line
    assert "Traceback" not in done.stderr
    assert not out.exists() or not list(out.glob("*.pdf"))


def test_a_manifest_that_is_a_folder_is_named(book, tmp_path):
    folder, client = book
    out = tmp_path / "out"
    (out / ".cs-reports-manifest.jsonl").mkdir(parents=True)
    line = one_error(run(qbr(folder, out, client)))
    assert line == (
        f"error: The batch manifest '{out / '.cs-reports-manifest.jsonl'}' is a folder, not a file; "
        "move it away and rerun (nothing was written)."
    )


def test_resume_follows_the_books_tables_not_its_bytes(small_book_path, tmp_path):
    import openpyxl

    from cs_reports.data import load_book

    mine = tmp_path / "book.xlsx"
    shutil.copy(small_book_path, mine)
    ids = load_book(mine).clients["client_id"].iloc[:2].tolist()
    args = [*CLI, "success-map", str(mine), "--out", str(tmp_path / "out"), "--lang", "en", "--workers", "1"]
    args += [a for cid in ids for a in ("--client", cid)]
    assert run(args).returncode == 0
    wb = openpyxl.load_workbook(mine)
    wb.create_sheet("Reports")["A1"] = "a sheet the reader ignores, edited"
    wb.save(mine)  # every byte of the file changes, no table does
    again = run([*args, "--resume"])
    assert again.stdout.startswith("0 written, 2 up to date"), again.stdout
    wb = openpyxl.load_workbook(mine)
    sheet = wb["Clients"]
    headers = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=headers.index("name") + 1).value = "A New Name S.A."
    wb.save(mine)
    again = run([*args, "--resume"])
    assert again.stdout.startswith("2 written, 0 up to date"), again.stdout

"""Batches: one failing client never stops the others, resume, atomic outputs, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from cs_reports.cli import main
from cs_reports.reports.batch.runner import Job, run_batch
from tests.conftest import assert_unchanged


@pytest.fixture(scope="module")
def small_ids(small_book_path) -> list[str]:
    """The client ids of the 12-client sample (what these batches render; its size is not the point)."""
    from cs_reports.data import load_book

    return load_book(small_book_path).clients["client_id"].tolist()


def _jobs(ids: list[str]) -> list[Job]:
    return [Job("success-map", "2026-10", cid, "en", f"success-map_{cid}.pdf") for cid in ids]


def test_failures_are_isolated_named_and_resume_renders_only_what_is_missing(tmp_path, small_book_path, small_ids):
    ids = small_ids[:3]
    jobs = _jobs([ids[0], "NO-SUCH-CLIENT", ids[1]])
    out = tmp_path / "out"
    with assert_unchanged(small_book_path):
        first = run_batch(small_book_path, jobs, out_dir=out, workers=1, progress=False)
    assert [o.status for o in first.outcomes] == ["written", "failed", "written"]
    (failure,) = first.failed
    assert "NO-SUCH-CLIENT" in failure.reason
    assert "\n" not in failure.reason
    for o in first.written:
        PdfReader(out / o.job.filename)  # complete, readable PDFs
    assert not list(out.glob("*.part"))
    assert not list(out.glob(".*.tmp*"))

    (out / first.written[1].job.filename).unlink()
    again = run_batch(small_book_path, [*jobs, *_jobs([ids[2]])], out_dir=out, workers=1, resume=True, progress=False)
    assert [o.status for o in again.outcomes] == ["skipped", "failed", "written", "written"]


def test_resume_rerenders_when_the_settings_file_changes_in_place(tmp_path, small_book_path, small_ids):
    """--resume keys on the settings file's content: the same path with a new threshold is new input."""
    ids = small_ids[:2]
    settings = tmp_path / "limites.toml"
    settings.write_text("renewal_window_days = 90\n", encoding="utf-8")
    jobs = [Job("success-map", "2026-10", cid, "en", f"success-map_{cid}.pdf", settings=str(settings)) for cid in ids]
    out = tmp_path / "out"
    first = run_batch(small_book_path, jobs, out_dir=out, workers=1, progress=False)
    assert [o.status for o in first.outcomes] == ["written", "written"]
    same = run_batch(small_book_path, jobs, out_dir=out, workers=1, resume=True, progress=False)
    assert [o.status for o in same.outcomes] == ["skipped", "skipped"]
    settings.write_text("renewal_window_days = 60\n", encoding="utf-8")  # edited, same path
    edited = run_batch(small_book_path, jobs, out_dir=out, workers=1, resume=True, progress=False)
    assert [o.status for o in edited.outcomes] == ["written", "written"]


def test_process_pool_gives_the_same_outcomes(tmp_path, small_book_path, small_ids):
    ids = small_ids[:4]
    result = run_batch(small_book_path, _jobs(ids), out_dir=tmp_path, workers=2, progress=False)
    assert [o.status for o in result.outcomes] == ["written"] * 4
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == sorted(f"success-map_{c}.pdf" for c in ids)


def _cli(command: str, book: Path, out: Path, *options: str) -> int:
    """Run one report command in this process, quietly, with one worker."""
    return main([command, str(book), *options, "--out", str(out), "--quiet", "--workers", "1"])


def test_cli_qbr_for_chosen_clients_and_unknown_client_exit_code(tmp_path, small_book_path, small_ids, capsys):
    cid = small_ids[0]
    code = _cli("qbr", small_book_path, tmp_path, "--quarter", "2026Q3", "--client", cid, "--client", "ZZZ")
    captured = capsys.readouterr()
    assert code == 1
    # checked before any work
    assert captured.err == f"error: Client 'ZZZ' is not in the Clients sheet of {small_book_path.name}.\n"
    assert not list(tmp_path.glob("*.pdf"))
    assert _cli("qbr", small_book_path, tmp_path, "--quarter", "2026Q3", "--client", cid) == 0
    (pdf,) = tmp_path.glob("*.pdf")
    assert pdf.name.startswith(f"{cid.lower()}_")
    assert pdf.name.endswith("_2026q3_qbr-client_pt-br.pdf")


def test_cli_finance_writes_pdf_and_xlsx(tmp_path, small_book_path):
    assert _cli("finance", small_book_path, tmp_path, "--month", "2026-10") == 0
    names = sorted(p.suffix for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert ".pdf" in names
    assert ".xlsx" in names


@pytest.mark.parametrize(
    "bad",
    [
        ["qbr", "missing.xlsx", "--quarter", "2026Q3", "--out", "o"],
        ["qbr", "BOOK", "--quarter", "2026Q7", "--out", "o"],
    ],
)
def test_cli_errors_are_one_line(tmp_path, small_book_path, capsys, bad):
    args = [
        str(small_book_path) if a == "BOOK" else str(tmp_path / a) if a in ("missing.xlsx", "o") else a for a in bad
    ]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert err.startswith("error:"), err
    assert err.count("\n") == 1, err


def _append_many(folder: str, who: int, count: int) -> None:
    from cs_reports.reports.batch.manifest import Manifest

    manifest = Manifest(Path(folder))
    for i in range(count):
        manifest.append([{"job": f"{who}-{i}", "fingerprint": "f", "files": []}])
        manifest.append([{"job": f"{who}-{i}", "fingerprint": "g", "files": []}])  # a rerun: compaction has work
        if i % 10 == 0:
            manifest.compact()


def test_manifest_appends_and_compactions_from_many_processes_lose_nothing(tmp_path):
    import multiprocessing

    from cs_reports.reports.batch.manifest import MANIFEST, Manifest

    ctx = multiprocessing.get_context("forkserver")
    procs = [ctx.Process(target=_append_many, args=(str(tmp_path), who, 100)) for who in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    entries = Manifest(tmp_path).read()
    assert set(entries) == {f"{who}-{i}" for who in range(4) for i in range(100)}
    assert {e.fingerprint for e in entries.values()} == {"g"}  # the last line of each job wins
    Manifest(tmp_path).compact()
    assert len((tmp_path / MANIFEST).read_text().splitlines()) == 400


def test_old_manifest_lines_and_removed_reports_are_not_up_to_date(tmp_path):
    from cs_reports.reports.batch.manifest import MANIFEST, Manifest

    (tmp_path / MANIFEST).write_text(
        '{"job": "a", "fingerprint": "x"}\n'  # written before sizes and hashes were recorded
        '{"job": "b", "fingerprint": "x", "files": [{"name": "b.pdf", "size": 3, "sha256": "00"}]}\n'
        '{"job": "b", "removed": true}\n',
        encoding="utf-8",
    )
    entries = Manifest(tmp_path).read()
    assert set(entries) == {"a"}
    assert entries["a"].files == ()  # nothing to check: --resume renders it again


def test_two_editions_of_one_report_are_not_stale_but_an_old_name_is(tmp_path):
    import json
    from dataclasses import asdict

    from cs_reports.reports.batch.manifest import Manifest, job_identity

    def job(filename: str, audience: str) -> Job:
        return Job("qbr", "2026Q3", "C1", "en", filename, audience)

    client, internal, old = (
        job("c1_new_client.pdf", "client"),
        job("c1_new_internal.pdf", "internal"),
        job("c1_old_client.pdf", "client"),
    )
    manifest = Manifest(tmp_path)
    for j in (client, internal, old):
        (tmp_path / j.filename).write_bytes(b"%PDF-1.7\n%%EOF\n")
        manifest.append([{"job": json.dumps(asdict(j), sort_keys=True), "fingerprint": "f", "files": []}])
    current = {job_identity(asdict(j)): j.filename for j in (client, internal)}
    stale = manifest.stale(current, manifest.read())
    assert [name for _, name in stale] == ["c1_old_client.pdf"]

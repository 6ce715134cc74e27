"""The manifest as a safe journal: concurrent batches, damaged PDFs, symlinks, full disks, renamed clients,
and outputs with the user's normal permissions, on the 12-client sample.

A fault that needs a process of its own (two batches at once, a patched ``os.write``, a umask) runs
the CLI as a real process; the others run the same command line in this process (``in_process``)."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cs_reports._io import atomic_output
from cs_reports.reports.batch.manifest import MANIFEST
from tests.adversarial.helpers import cli
from tests.adversarial.processes import CLI, batch_args, manifest_files, pdfs, run, start, temporaries


@pytest.fixture(scope="module")
def ids(small_book_path) -> list[str]:
    from cs_reports.data import load_book

    return load_book(small_book_path).clients["client_id"].iloc[:6].tolist()


def in_process(args: list[str]) -> tuple[int, str, str]:
    """A command line of ``batch_args`` run in this process: (exit code, stdout, stderr)."""
    assert args[:3] == CLI
    return cli(*args[3:])


def _no_internal_error(err: str) -> None:
    assert "internal error" not in err, err
    assert "Traceback" not in err, err


def test_two_concurrent_disjoint_batches_share_the_manifest(small_book_path, ids, tmp_path):
    first, second = ids[:3], ids[3:]
    procs = [start(batch_args(small_book_path, tmp_path, part, workers=1)) for part in (first, second)]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    assert len(pdfs(tmp_path)) == len(ids)
    assert manifest_files(tmp_path) == pdfs(tmp_path)  # neither batch dropped the other's lines
    code, printed, err = in_process(batch_args(small_book_path, tmp_path, ids, "--resume", workers=1))
    assert code == 0, err
    assert printed.startswith(f"0 written, {len(ids)} up to date, 0 failed"), printed


def test_damaged_and_missing_pdfs_are_rendered_again_by_resume(small_book_path, ids, tmp_path):
    four = ids[:4]
    code, _, err = in_process(batch_args(small_book_path, tmp_path, four, workers=1))
    assert code == 0, err
    names = sorted(pdfs(tmp_path))
    cut, empty, missing = (tmp_path / n for n in names[:3])
    with open(cut, "r+b") as fh:  # cut to 1,000 bytes, as a full disk or a killed copy leaves it
        fh.truncate(1000)
    empty.write_bytes(b"")
    missing.unlink()
    before = (tmp_path / names[3]).stat().st_mtime_ns
    code, printed, err = in_process(batch_args(small_book_path, tmp_path, four, "--resume", workers=1))
    assert code == 0, err
    assert printed.startswith("3 written, 1 up to date, 0 failed"), printed
    assert (tmp_path / names[3]).stat().st_mtime_ns == before
    for path in (cut, empty, missing):
        data = path.read_bytes()
        assert data.startswith(b"%PDF-")
        assert b"%%EOF" in data[-1024:]
    entries = [json.loads(line) for line in (tmp_path / MANIFEST).read_text().splitlines()]
    assert len(entries) == 4  # compacted: one line per report, each with its size and hash
    for entry in entries:
        (record,) = entry["files"]
        assert record["size"] == (tmp_path / record["name"]).stat().st_size
        assert len(record["sha256"]) == 64


def test_a_symlinked_manifest_is_refused_and_nothing_is_written_outside(small_book_path, ids, tmp_path):
    out, outside = tmp_path / "out", tmp_path / "elsewhere.txt"
    out.mkdir()
    outside.write_text("precious\n")
    (out / MANIFEST).symlink_to(outside)
    code, _, err = in_process(batch_args(small_book_path, out, ids[:1], workers=1))
    assert code == 1
    assert err.startswith(f"error: The batch manifest '{out / MANIFEST}' is a symbolic link"), err
    assert err.count("\n") == 1
    assert outside.read_text() == "precious\n"  # 0 bytes written through the link
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST]
    assert (out / MANIFEST).is_symlink()


_ENOSPC_AT_MANIFEST = """
import errno, os, sys
from cs_reports.cli import main
from cs_reports.reports.batch import manifest
real = os.write
def write(fd, data):
    if os.readlink(f"/proc/self/fd/{fd}").endswith(manifest.MANIFEST):
        raise OSError(errno.ENOSPC, "No space left on device")
    return real(fd, data)
manifest.os.write = write
sys.exit(main(sys.argv[1:]))
"""


def test_disk_full_at_the_manifest_append_is_a_clear_error(small_book_path, ids, tmp_path):
    args = batch_args(small_book_path, tmp_path, ids[:3], workers=1)
    result = run([args[0], "-c", _ENOSPC_AT_MANIFEST, *args[3:]])
    _no_internal_error(result.stderr)
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"error: Cannot write the batch manifest '{tmp_path / MANIFEST}': No space left on device."
    ), result.stderr
    assert result.stderr.count("\n") == 1
    assert pdfs(tmp_path) == manifest_files(tmp_path) == set()  # journaled first, so no unrecorded PDF
    assert temporaries(tmp_path) == []


@contextlib.contextmanager
def _small_disk(path: Path, size: str):
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_really_full_disk_gives_clear_per_report_failures(small_book_path, ids, tmp_path):
    with _small_disk(tmp_path / "disk", "256k") as disk:
        out, filler = disk / "out", disk / "filler"
        out.mkdir()
        with contextlib.suppress(OSError), open(filler, "wb") as fh:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
        code, _, err = in_process(batch_args(small_book_path, out, ids[:2], workers=1))
        _no_internal_error(err)
        assert code == 1
        failures = [line for line in err.splitlines() if line.startswith("  failed: ")]
        assert len(failures) == 2, err
        assert all("No space left on device; nothing was written" in line for line in failures), failures
        assert temporaries(out) == []
        assert pdfs(out) == manifest_files(out) == set()
        # room again: the same command finishes the job
        filler.unlink()
        code, _, err = in_process(batch_args(small_book_path, out, ids[:2], "--resume", workers=1))
        assert code == 0, err
        assert manifest_files(out) == pdfs(out)
        assert len(pdfs(out)) == 2


def _renamed(book: Path, cid: str, name: str, dest: Path) -> Path:
    wb = load_workbook(book)
    ws = wb["Clients"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("client_id")].value == cid:
            row[header.index("name")].value = name
    wb.save(dest)
    return dest


def test_stale_outputs_of_a_renamed_client_are_reported_then_pruned(small_book_path, ids, tmp_path):
    out = tmp_path / "out"
    assert in_process(batch_args(small_book_path, out, ids[:2], workers=1))[0] == 0
    old = {n for n in pdfs(out) if n.startswith(ids[0].lower() + "_")}
    book = _renamed(small_book_path, ids[0], "Brand New Name Ltda", tmp_path / "renamed.xlsx")
    code, _, err = in_process(batch_args(book, out, ids[:2], "--resume", workers=1))
    assert code == 0, err
    (old_name,) = old
    assert err == (
        f"note: 1 stale output(s) of renamed clients (an older file name of the same report): {old_name}; "
        "--prune-stale removes them\n"
    )
    assert old_name in pdfs(out)
    assert any(n.startswith(f"{ids[0].lower()}_brand-new-name-ltda_") for n in pdfs(out))
    assert manifest_files(out) == pdfs(out)
    code, printed, err = in_process(batch_args(book, out, ids[:2], "--resume", "--prune-stale", workers=1))
    assert code == 0, err
    assert err == f"removed 1 stale output(s) of renamed clients: {old_name}\n"
    assert printed.startswith("0 written, 2 up to date"), printed
    assert old_name not in pdfs(out)
    assert manifest_files(out) == pdfs(out)
    assert len(pdfs(out)) == 2


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_outputs_get_the_users_normal_permissions(small_book_path, ids, tmp_path, umask, mode):
    def set_umask() -> None:
        os.umask(umask)

    # a process of its own: the umask it starts with is the one its forkserver and workers inherit
    result = subprocess.run(
        [*CLI, "finance", str(small_book_path), "--out", str(tmp_path), "--month", "2026-09", "--quiet"],
        capture_output=True,
        text=True,
        preexec_fn=set_umask,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outputs = [p for p in tmp_path.iterdir() if p.suffix in (".pdf", ".xlsx")] + [tmp_path / MANIFEST]
    assert len(outputs) == 3
    for path in outputs:
        assert stat.S_IMODE(path.stat().st_mode) == mode, path.name


def test_atomic_output_follows_the_umask_and_keeps_a_replaced_files_mode(tmp_path):
    old = os.umask(0o002)
    try:
        with atomic_output(tmp_path / "new.txt", mode="w") as fh:
            fh.write("x")
        assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o664
        (tmp_path / "kept.txt").write_text("old")
        (tmp_path / "kept.txt").chmod(0o600)
        with atomic_output(tmp_path / "kept.txt", mode="w") as fh:
            fh.write("new")
        assert stat.S_IMODE((tmp_path / "kept.txt").stat().st_mode) == 0o600
        assert (tmp_path / "kept.txt").read_text() == "new"
    finally:
        os.umask(old)

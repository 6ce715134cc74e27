"""The code paths Windows takes, run here by removing what Windows lacks.

Windows (Python 3.11) has no ``os.fchmod``, ``os.pread``, ``os.O_NOFOLLOW``, ``os.killpg``,
``fcntl`` or ``forkserver``; it has ``msvcrt.locking``, whose locks are mandatory. Each
test takes those away (or stands in a recording ``msvcrt`` built on ``fcntl.lockf``, which
has the same byte-range semantics) and checks that atomic writes, the batch manifest, the
process pool and recalc's kill still do their job.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import subprocess
import sys
import types
from pathlib import Path

import pytest

from cs_reports import _io
from cs_reports.reports.batch import manifest
from cs_reports.reports.batch import runner as batch
from cs_reports.reports.batch.manifest import MANIFEST, Manifest
from cs_reports.reports.batch.runner import Job, run_batch


def _fake_msvcrt(calls: list[tuple[str, int]]) -> types.ModuleType:
    """``msvcrt.locking`` on the byte range at the current offset, recorded (offset, mode)."""
    fake = types.ModuleType("msvcrt")
    fake.LK_LOCK, fake.LK_UNLCK = 1, 0  # type: ignore[attr-defined]

    def locking(fd: int, mode: int, nbytes: int) -> None:
        offset = os.lseek(fd, 0, os.SEEK_CUR)
        calls.append(("lock" if mode == 1 else "unlock", offset))
        fcntl.lockf(fd, fcntl.LOCK_EX if mode == 1 else fcntl.LOCK_UN, nbytes, offset, os.SEEK_SET)

    fake.locking = locking  # type: ignore[attr-defined]
    return fake


@pytest.fixture
def windows_like(monkeypatch):
    calls: list[tuple[str, int]] = []
    for name in ("fchmod", "pread", "O_NOFOLLOW", "killpg"):
        monkeypatch.delattr(os, name, raising=False)
    monkeypatch.setattr(manifest, "fcntl", None)
    monkeypatch.setattr(manifest, "msvcrt", _fake_msvcrt(calls))
    return calls


def test_atomic_output_without_fchmod_gives_normal_permissions(tmp_path, windows_like):
    with _io.atomic_output(tmp_path / "out.xlsx") as handle:
        handle.write(b"PK")
    assert (tmp_path / "out.xlsx").read_bytes() == b"PK"
    assert stat.S_IMODE((tmp_path / "out.xlsx").stat().st_mode) == 0o666 & ~_io._umask()  # not mkstemp's 0600


def test_manifest_locks_a_byte_past_the_end_and_releases_it(tmp_path, windows_like):
    journal = Manifest(tmp_path)
    journal.append([{"job": "a", "fingerprint": "f", "files": []}])
    journal.append([{"job": "b", "fingerprint": "f", "files": []}])
    assert windows_like == [("lock", manifest._WINDOWS_LOCK_OFFSET), ("unlock", manifest._WINDOWS_LOCK_OFFSET)] * 2
    lines = (tmp_path / MANIFEST).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["job"] for line in lines] == ["a", "b"]


def test_manifest_repairs_a_cut_line_without_pread(tmp_path, windows_like):
    (tmp_path / MANIFEST).write_bytes(b'{"job": "a", "fingerpr')  # a run killed mid-line
    Manifest(tmp_path).append([{"job": "b", "fingerprint": "f", "files": []}])
    lines = (tmp_path / MANIFEST).read_text(encoding="utf-8").splitlines()
    assert lines[0] == '{"job": "a", "fingerpr'
    assert json.loads(lines[1])["job"] == "b"  # on its own line, not glued to the cut one


def test_manifest_refuses_a_link_without_o_nofollow(tmp_path, windows_like):
    target = tmp_path / "elsewhere.jsonl"
    target.write_text("", encoding="utf-8")
    (tmp_path / MANIFEST).symlink_to(target)
    with pytest.raises(Exception, match="symbolic link"):
        Manifest(tmp_path).append([{"job": "a", "fingerprint": "f", "files": []}])
    assert target.read_text(encoding="utf-8") == ""


def test_manifest_compaction_keeps_every_entry(tmp_path, windows_like):
    journal = Manifest(tmp_path)
    for i in range(3):
        journal.append([{"job": "a", "fingerprint": f"f{i}", "files": []}])
    journal.compact()
    lines = (tmp_path / MANIFEST).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["fingerprint"] for line in lines] == ["f2"]


@pytest.mark.slow
def test_a_pool_batch_runs_with_spawn_where_forkserver_does_not_exist(tmp_path, monkeypatch, small_book_path):
    from cs_reports.data import load_book

    monkeypatch.setattr(batch.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert batch.start_method() == "spawn"
    ids = load_book(small_book_path).clients["client_id"].iloc[:2].tolist()
    jobs = [Job("success-map", "2026-10", cid, "en", f"success-map_{cid}.pdf") for cid in ids]
    result = run_batch(small_book_path, jobs, out_dir=tmp_path, workers=2, progress=False)
    assert [o.status for o in result.outcomes] == ["written", "written"]


def test_recalc_kills_the_process_tree_with_taskkill_without_killpg(monkeypatch, windows_like):
    from cs_reports.excel import libreoffice

    commands: list[list[str]] = []
    real_run = subprocess.run
    monkeypatch.setattr(
        libreoffice.subprocess,
        "run",
        lambda cmd, **kw: commands.append(cmd) or real_run(["true"], **kw),
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    libreoffice._kill_group(proc)
    assert commands == [["taskkill", "/F", "/T", "/PID", str(proc.pid)]]
    assert proc.returncode is not None  # ended and reaped


def test_the_lock_is_exclusive_between_processes(tmp_path, windows_like):
    """A second process cannot take the Windows-style lock while the first holds it."""
    journal = Manifest(tmp_path)
    fd = journal._open_locked()
    try:
        probe = (
            "import fcntl, os, sys\n"
            f"fd = os.open({str(tmp_path / MANIFEST)!r}, os.O_RDWR)\n"
            "try:\n"
            f"    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, {manifest._WINDOWS_LOCK_OFFSET}, os.SEEK_SET)\n"
            "except OSError:\n"
            "    sys.exit(3)\n"
        )
        assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 3
        os.lseek(fd, 0, os.SEEK_SET)
        assert os.read(fd, 1) == b""  # the journal itself stays readable (the lock is far past the end)
    finally:
        manifest._release(fd)
    assert Path(tmp_path / MANIFEST).exists()

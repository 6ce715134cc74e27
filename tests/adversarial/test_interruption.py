"""Ctrl+C and SIGTERM stop a batch cleanly: one line, exit 130/143, no process left, manifest == PDFs on disk.

Each test runs ``cs-reports success-map`` as a real process in its own session, holds the
reports after the first two on an event (``CS_REPORTS_TEST_GATE``: a worker waits while a
``hold-<client>`` file exists), waits until the first two PDFs are at their final names and a
worker is holding the third, sends a real signal, then checks what a user would see and what
is left on the machine (``/proc``) and on disk, and that ``--resume`` renders only the rest (that
run is not signalled: it runs in the test's process).
Nothing races the machine's speed: when the signal lands, exactly two reports are written and
the held ones can never finish.
"""

from __future__ import annotations

import os
import re
import signal

import pytest

from cs_reports.reports.batch.runner import GATE_ENV, GRACE_ENV
from tests.adversarial.helpers import cli
from tests.adversarial.processes import (
    batch_args,
    env_with,
    manifest_files,
    pdfs,
    processes_left,
    start,
    temporaries,
    wait_for_file,
    wait_for_pdfs,
)

LINE = re.compile(r"^interrupted: (\d+) written, (\d+) not started; rerun with --resume$")
CLIENTS = 5  # two written, two held by the workers, at least one never started


@pytest.fixture(scope="module")
def ids(small_book_path) -> list[str]:
    from cs_reports.data import load_book

    return load_book(small_book_path).clients["client_id"].iloc[:CLIENTS].tolist()


def _held(book, out, ids, *extra: str, workers: int = 2, grace: str = "0"):
    """Start a batch whose reports after the first two are held; return once a worker holds one.

    ``grace`` is the batch's ``CS_REPORTS_STOP_GRACE``: 0 where the held reports can never finish
    anyway (waiting for them would prove nothing), an hour where the test is about that wait.
    """
    gate = out.parent / f"{out.name}-gate"
    gate.mkdir()
    # one local worker renders in the main process: holding it would hold the signal too (a Dask
    # worker is a process of the cluster, whatever their number)
    held = workers > 1 or "dask" in extra
    if held:
        for cid in ids[2:]:
            (gate / f"hold-{cid}").touch()
    env = env_with(**{GATE_ENV: str(gate), GRACE_ENV: grace})
    proc = start(batch_args(book, out, ids, *extra, workers=workers), env=env)
    wait_for_pdfs(out, proc, 2 if held else 1)
    if held:
        wait_for_file(gate / f"started-{ids[2]}", proc)
    return proc, gate


def _interrupt(book, out, ids, sig: int, *, whole_group: bool, extra: tuple[str, ...] = (), workers: int = 2):
    """Start a batch, signal it while a worker holds its third report; returns (exit code, stderr, processes left)."""
    out.mkdir(exist_ok=True)
    proc, gate = _held(book, out, ids, *extra, workers=workers)
    if whole_group:  # what a terminal does on Ctrl+C: the signal reaches every process of the group
        os.killpg(proc.pid, sig)
    else:  # what a scheduler or `kill PID` does: the main process only
        os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    for hold in gate.glob("hold-*"):
        hold.unlink()
    return proc.returncode, err, processes_left(proc.pid)


def _check_stopped(out, ids, code: int, err: str, left: list[str], expected_code: int, book) -> None:
    assert code == expected_code, err
    lines = err.splitlines()
    assert len(lines) == 1, err  # one line, no traceback from any worker
    written, not_started = map(int, LINE.match(lines[0]).groups())  # type: ignore[union-attr]
    assert not left, f"processes left behind: {left}"
    on_disk = pdfs(out)
    assert written >= 1
    assert not_started >= 1  # held reports can never finish before the signal
    assert written + not_started == len(ids)
    assert manifest_files(out) == on_disk  # every PDF on disk is recorded, nothing else is
    assert len(on_disk) == written
    assert temporaries(out) == []
    # the resume is not what is signalled: it runs in this process, on one worker
    code, printed, err = cli(*batch_args(book, out, ids, "--resume", workers=1)[3:])
    assert code == 0, err
    assert printed.startswith(f"{len(ids) - written} written, {written} up to date, 0 failed"), printed
    assert manifest_files(out) == pdfs(out)
    assert len(pdfs(out)) == len(ids)


@pytest.mark.slow
def test_ctrl_c_to_the_whole_group_stops_the_pool_cleanly(small_book_path, ids, tmp_path):
    code, err, left = _interrupt(small_book_path, tmp_path / "out", ids, signal.SIGINT, whole_group=True)
    _check_stopped(tmp_path / "out", ids, code, err, left, 130, small_book_path)


@pytest.mark.slow
def test_sigterm_to_the_main_process_stops_pool_forkserver_and_tracker(small_book_path, ids, tmp_path):
    code, err, left = _interrupt(small_book_path, tmp_path / "out", ids, signal.SIGTERM, whole_group=False)
    _check_stopped(tmp_path / "out", ids, code, err, left, 143, small_book_path)


@pytest.mark.slow
def test_sigint_with_one_worker_in_process(small_book_path, ids, tmp_path):
    code, err, left = _interrupt(small_book_path, tmp_path / "out", ids, signal.SIGINT, whole_group=False, workers=1)
    _check_stopped(tmp_path / "out", ids, code, err, left, 130, small_book_path)


@pytest.mark.slow
@pytest.mark.parametrize("whole_group", [False, True], ids=["sigint-to-the-main-process", "ctrl-c-to-the-whole-group"])
def test_sigint_on_a_local_dask_cluster_cancels_its_futures(small_book_path, ids, tmp_path, whole_group):
    pytest.importorskip("distributed")
    code, err, left = _interrupt(
        small_book_path,
        tmp_path / "out",
        ids,
        signal.SIGINT,
        whole_group=whole_group,
        extra=("--executor", "dask"),
        workers=1,  # a local cluster of one worker process: starting the cluster is what costs
    )
    _check_stopped(tmp_path / "out", ids, code, err, left, 130, small_book_path)


@pytest.mark.slow
def test_a_second_ctrl_c_kills_running_workers_at_once(small_book_path, ids, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    proc, gate = _held(small_book_path, out, ids, grace="3600")  # only a second Ctrl+C can end the wait
    # two signals sent back to back may reach the process as one (POSIX does not queue them): the
    # second press comes once the batch has taken the first (its ``signalled-1`` file)
    os.killpg(proc.pid, signal.SIGINT)
    wait_for_file(gate / "signalled-1", proc)
    assert proc.poll() is None  # the first press alone never stops it while the held reports run
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    for hold in gate.glob("hold-*"):
        hold.unlink()
    _check_stopped(out, ids, proc.returncode, err, processes_left(proc.pid), 130, small_book_path)


@pytest.mark.slow
def test_reports_that_finish_within_the_grace_are_kept(small_book_path, ids, tmp_path):
    """SIGINT while two reports are running: they may finish (an hour's grace), are journaled and kept.

    Four reports, two workers: two written, then each worker holds one; the signal lands, then both
    are released and finish. No report is queued, so the result is the same whichever of the signal
    and the release the batch sees first: nothing races the machine.
    """
    ids = ids[:4]
    out = tmp_path / "out"
    out.mkdir()
    proc, gate = _held(small_book_path, out, ids, grace="3600")
    wait_for_file(gate / f"started-{ids[3]}", proc)  # both workers hold one
    os.kill(proc.pid, signal.SIGINT)
    for cid in ids[2:]:
        (gate / f"hold-{cid}").unlink()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert err.splitlines() == ["interrupted: 4 written, 0 not started; rerun with --resume"], err
    assert processes_left(proc.pid) == []
    assert len(pdfs(out)) == 4
    assert manifest_files(out) == pdfs(out)
    assert temporaries(out) == []

"""Ctrl+C and SIGTERM stop a batch cleanly: one line, exit 130/143, no process left, manifest == PDFs on disk.

Each test runs ``cs-reports success-map`` as a real process in its own session, waits until at
least one PDF is at its final name, sends a real signal, then checks what a user would see and
what is left on the machine (``/proc``) and on disk, and that ``--resume`` renders only the rest.
"""

from __future__ import annotations

import os
import re
import signal

import pytest

from tests.adversarial.processes import (
    batch_args,
    manifest_files,
    pdfs,
    processes_left,
    run,
    start,
    temporaries,
    wait_for_pdfs,
)

LINE = re.compile(r"^interrupted: (\d+) written, (\d+) not started; rerun with --resume$")
CLIENTS = 8


@pytest.fixture(scope="module")
def ids(sample_book) -> list[str]:
    return sample_book.clients["client_id"].iloc[:CLIENTS].tolist()


def _interrupt(book, out, ids, sig: int, *, whole_group: bool, extra: tuple[str, ...] = (), workers: int = 2):
    """Start a batch, signal it after its first PDF; returns (exit code, stderr, processes left)."""
    proc = start(batch_args(book, out, ids, *extra, workers=workers))
    wait_for_pdfs(out, proc)
    if whole_group:  # what a terminal does on Ctrl+C: the signal reaches every process of the group
        os.killpg(proc.pid, sig)
    else:  # what a scheduler or `kill PID` does: the main process only
        os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err, processes_left(proc.pid)


def _check_stopped(out, ids, code: int, err: str, left: list[str], expected_code: int, book) -> None:
    assert code == expected_code, err
    lines = err.splitlines()
    assert len(lines) == 1, err  # one line, no traceback from any worker
    written, not_started = map(int, LINE.match(lines[0]).groups())  # type: ignore[union-attr]
    assert not left, f"processes left behind: {left}"
    on_disk = pdfs(out)
    assert written >= 1
    assert not_started >= 1
    assert written + not_started == len(ids)
    assert manifest_files(out) == on_disk  # every PDF on disk is recorded, nothing else is
    assert len(on_disk) == written
    assert temporaries(out) == []
    again = run(batch_args(book, out, ids, "--resume"))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"{len(ids) - written} written, {written} up to date, 0 failed"), again.stdout
    assert manifest_files(out) == pdfs(out)
    assert len(pdfs(out)) == len(ids)


@pytest.mark.slow
def test_ctrl_c_to_the_whole_group_stops_the_pool_cleanly(sample_book_path, ids, tmp_path):
    code, err, left = _interrupt(sample_book_path, tmp_path, ids, signal.SIGINT, whole_group=True)
    _check_stopped(tmp_path, ids, code, err, left, 130, sample_book_path)


@pytest.mark.slow
def test_sigterm_to_the_main_process_stops_pool_forkserver_and_tracker(sample_book_path, ids, tmp_path):
    code, err, left = _interrupt(sample_book_path, tmp_path, ids, signal.SIGTERM, whole_group=False)
    _check_stopped(tmp_path, ids, code, err, left, 143, sample_book_path)


@pytest.mark.slow
def test_sigint_with_one_worker_in_process(sample_book_path, ids, tmp_path):
    code, err, left = _interrupt(sample_book_path, tmp_path, ids, signal.SIGINT, whole_group=False, workers=1)
    _check_stopped(tmp_path, ids, code, err, left, 130, sample_book_path)


@pytest.mark.slow
def test_sigint_on_a_local_dask_cluster_cancels_its_futures(sample_book_path, ids, tmp_path):
    pytest.importorskip("distributed")
    code, err, left = _interrupt(
        sample_book_path, tmp_path, ids, signal.SIGINT, whole_group=False, extra=("--executor", "dask")
    )
    _check_stopped(tmp_path, ids, code, err, left, 130, sample_book_path)


@pytest.mark.slow
def test_a_second_ctrl_c_kills_running_workers_at_once(sample_book_path, ids, tmp_path):
    proc = start(batch_args(sample_book_path, tmp_path, ids))
    wait_for_pdfs(tmp_path, proc)
    os.killpg(proc.pid, signal.SIGINT)
    os.killpg(proc.pid, signal.SIGINT)  # impatient user: do not wait for running reports
    _, err = proc.communicate(timeout=120)
    _check_stopped(tmp_path, ids, proc.returncode, err, processes_left(proc.pid), 130, sample_book_path)


@pytest.mark.slow
def test_ctrl_c_to_the_whole_group_on_a_local_dask_cluster(sample_book_path, ids, tmp_path):
    pytest.importorskip("distributed")
    code, err, left = _interrupt(
        sample_book_path, tmp_path, ids, signal.SIGINT, whole_group=True, extra=("--executor", "dask")
    )
    _check_stopped(tmp_path, ids, code, err, left, 130, sample_book_path)

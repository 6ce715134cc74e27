"""Batches past every limit the pool sets, and workers that die: as a user runs them.

Issue 27: a batch of more than ``workers x RECYCLE_AFTER`` reports hung for good; ``kill -9``
of one worker failed every report still queued; ``kill -9`` of the main process left the
workers, the forkserver and the resource tracker running. Workers are held on an event
(``CS_REPORTS_TEST_GATE``), never raced: no assertion here depends on timing or load.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from cs_reports.reports.batch.runner import GATE_ENV, RECYCLE_ENV, Job, run_batch
from cs_reports.reports.kinds import output_name
from tests.adversarial.processes import (
    batch_args,
    env_with,
    manifest_files,
    pdfs,
    processes_left,
    run,
    start,
    temporaries,
    wait_for_pdfs,
)


def _wait_for(path: Path, proc) -> str:
    """Block until ``path`` exists (a worker reached the gate); a hang guard, not a timing assertion."""
    deadline = time.monotonic() + 300
    while not path.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), f"the job never started: {proc.communicate()}"
    return path.read_text(encoding="utf-8")


@pytest.fixture
def gate(tmp_path) -> Path:
    folder = tmp_path / "gate"
    folder.mkdir()
    return folder


def test_a_thousand_jobs_with_two_workers_and_a_low_recycling_limit_finish(
    sample_book_path, sample_book, tmp_path, monkeypatch
):
    monkeypatch.setenv(RECYCLE_ENV, "7")  # 1,000 jobs: each of the 2 workers is replaced about 70 times
    real = sample_book.clients["client_id"].iloc[:10].tolist()
    jobs = []
    for i in range(1000):
        cid = real[i // 100] if i % 100 == 0 else f"GHOST{i:04d}"
        jobs.append(Job("success-map", "2026-09", cid, "en", output_name("success-map", "2026-09", "en", cid, cid)))
    result = run_batch(sample_book_path, jobs, out_dir=tmp_path, workers=2, progress=False)
    assert len(result.outcomes) == 1000
    assert sorted(o.job.client_id for o in result.written) == sorted(real)
    assert len(result.failed) == 990
    assert all("GHOST" in o.reason and "not in the Clients sheet" in o.reason for o in result.failed)
    assert manifest_files(tmp_path) == pdfs(tmp_path)
    assert len(pdfs(tmp_path)) == 10


def test_the_cli_past_the_recycling_limit_writes_every_report(sample_book_path, sample_book, tmp_path):
    ids = sample_book.clients["client_id"].iloc[:9].tolist()
    done = run(batch_args(sample_book_path, tmp_path, ids), env=env_with(**{RECYCLE_ENV: "2"}))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("9 written, 0 up to date, 0 failed"), done.stdout
    assert len(pdfs(tmp_path)) == 9
    assert manifest_files(tmp_path) == pdfs(tmp_path)


def test_a_bad_recycling_limit_is_one_line(sample_book_path, sample_book, tmp_path):
    ids = sample_book.clients["client_id"].iloc[:2].tolist()
    done = run(batch_args(sample_book_path, tmp_path, ids), env=env_with(**{RECYCLE_ENV: "0"}))
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: {RECYCLE_ENV} must be a whole number from 1 to 999999999; got '0'."


def test_kill_9_of_one_worker_fails_exactly_its_report_and_the_rest_are_written(
    sample_book_path, sample_book, tmp_path, gate
):
    ids = sample_book.clients["client_id"].iloc[:8].tolist()
    victim = ids[3]
    (gate / f"hold-{victim}").touch()
    out = tmp_path / "out"
    proc = start(batch_args(sample_book_path, out, ids), env=env_with(**{GATE_ENV: str(gate)}))
    worker = int(_wait_for(gate / f"started-{victim}", proc))
    os.kill(worker, signal.SIGKILL)  # what the OOM killer does
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 1, stderr
    assert stdout.startswith("7 written, 0 up to date, 1 failed"), stdout
    assert stderr.splitlines() == [
        f"  failed: {victim} (success-map, en): worker failed: the worker process ended by SIGKILL "
        "(killed: out of memory, or by hand)"
    ]
    assert len(pdfs(out)) == 7
    assert manifest_files(out) == pdfs(out)
    assert temporaries(out) == []
    assert processes_left(proc.pid) == []
    (gate / f"hold-{victim}").unlink()
    again = run(batch_args(sample_book_path, out, ids, "--resume"))
    assert again.stdout.startswith("1 written, 7 up to date, 0 failed"), again.stdout


def test_kill_9_of_the_main_process_leaves_no_process_and_resume_finishes(
    sample_book_path, sample_book, tmp_path, gate
):
    ids = sample_book.clients["client_id"].iloc[:6].tolist()
    for cid in ids[1:]:
        (gate / f"hold-{cid}").touch()
    out = tmp_path / "out"
    proc = start(batch_args(sample_book_path, out, ids), env=env_with(**{GATE_ENV: str(gate)}))
    _wait_for(gate / f"started-{ids[1]}", proc)  # a worker is in the middle of a report
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert processes_left(proc.pid) == []  # workers, forkserver and resource tracker all gone
    for cid in ids[1:]:
        (gate / f"hold-{cid}").unlink()
    again = run(batch_args(sample_book_path, out, ids, "--resume"))
    assert again.returncode == 0, again.stderr
    assert manifest_files(out) == pdfs(out)
    assert len(pdfs(out)) == len(ids)
    assert temporaries(out) == []


def test_sigterm_past_the_recycling_limit_stops_the_batch_and_leaves_nothing(
    sample_book_path, sample_book, gate, tmp_path
):
    ids = sample_book.clients["client_id"].iloc[:10].tolist()
    for cid in ids[5:]:
        (gate / f"hold-{cid}").touch()
    out = tmp_path / "out"
    env = env_with(**{GATE_ENV: str(gate), RECYCLE_ENV: "1"})  # a new worker for every report
    proc = start(batch_args(sample_book_path, out, ids), env=env)
    _wait_for(gate / f"started-{ids[5]}", proc)  # the sixth is held by a worker
    wait_for_pdfs(out, proc, 5)  # and the first five are written (by five different workers)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert err.splitlines() == ["interrupted: 5 written, 5 not started; rerun with --resume"]
    assert processes_left(proc.pid) == []
    assert temporaries(out) == []
    assert manifest_files(out) == pdfs(out)
    assert len(pdfs(out)) == 5

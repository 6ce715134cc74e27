"""Batches past every limit the pool sets, and workers that die: as a user runs them.

Issue 27: a batch of more than ``workers x RECYCLE_AFTER`` reports hung for good; ``kill -9``
of one worker failed every report still queued; ``kill -9`` of the main process left the
workers, the forkserver and the resource tracker running. Workers are held on an event
(``CS_REPORTS_TEST_GATE``), never raced: no assertion here depends on timing or load. The batches
run on the 12-client sample; a run that is neither killed nor signalled (a resume, a usage error)
runs the CLI in this process.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from cs_reports.reports.batch.runner import GATE_ENV, GRACE_ENV, RECYCLE_ENV, Job, run_batch
from cs_reports.reports.kinds import output_name
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


@pytest.fixture(scope="module")
def ids(small_book_path) -> list[str]:
    from cs_reports.data import load_book

    return load_book(small_book_path).clients["client_id"].tolist()


@pytest.fixture
def gate(tmp_path) -> Path:
    folder = tmp_path / "gate"
    folder.mkdir()
    return folder


def test_a_thousand_jobs_with_two_workers_and_a_low_recycling_limit_finish(small_book_path, ids, tmp_path, monkeypatch):
    # 1,000 jobs: each of the 2 workers is replaced about 25 times (a new worker costs its initializer)
    monkeypatch.setenv(RECYCLE_ENV, "20")
    real = ids[:10]
    jobs = []
    for i in range(1000):
        cid = real[i // 100] if i % 100 == 0 else f"GHOST{i:04d}"
        jobs.append(Job("success-map", "2026-09", cid, "en", output_name("success-map", "2026-09", "en", cid, cid)))
    result = run_batch(small_book_path, jobs, out_dir=tmp_path, workers=2, progress=False)
    assert len(result.outcomes) == 1000
    assert sorted(o.job.client_id for o in result.written) == sorted(real)
    assert len(result.failed) == 990
    assert all("GHOST" in o.reason and "not in the Clients sheet" in o.reason for o in result.failed)
    assert manifest_files(tmp_path) == pdfs(tmp_path)
    assert len(pdfs(tmp_path)) == 10


def test_the_cli_past_the_recycling_limit_writes_every_report(small_book_path, ids, tmp_path, monkeypatch):
    monkeypatch.setenv(RECYCLE_ENV, "2")  # 6 reports > 2 workers x 2: the batch that hung (issue 27)
    code, printed, err = cli(*batch_args(small_book_path, tmp_path, ids[:6])[3:])
    assert code == 0, err
    assert printed.startswith("6 written, 0 up to date, 0 failed"), printed
    assert len(pdfs(tmp_path)) == 6
    assert manifest_files(tmp_path) == pdfs(tmp_path)


def test_a_bad_recycling_limit_is_one_line(small_book_path, ids, tmp_path, monkeypatch):
    monkeypatch.setenv(RECYCLE_ENV, "0")
    code, _, err = cli(*batch_args(small_book_path, tmp_path, ids[:2])[3:])
    assert code == 1
    assert err.strip() == f"error: {RECYCLE_ENV} must be a whole number from 1 to 999999999; got '0'."


def test_a_bad_stop_grace_is_one_line(small_book_path, ids, tmp_path, monkeypatch):
    monkeypatch.setenv(GRACE_ENV, "-1")
    code, _, err = cli(*batch_args(small_book_path, tmp_path, ids[:2])[3:])
    assert code == 1
    assert err.strip() == f"error: {GRACE_ENV} must be a number of seconds from 0 to 3600; got '-1'."


def test_kill_9_of_one_worker_fails_exactly_its_report_and_the_rest_are_written(small_book_path, ids, tmp_path, gate):
    ids = ids[:4]
    victim = ids[1]  # reports before and after it
    (gate / f"hold-{victim}").touch()
    out = tmp_path / "out"
    proc = start(batch_args(small_book_path, out, ids), env=env_with(**{GATE_ENV: str(gate)}))
    worker = int(wait_for_file(gate / f"started-{victim}", proc))
    os.kill(worker, signal.SIGKILL)  # what the OOM killer does
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 1, stderr
    assert stdout.startswith("3 written, 0 up to date, 1 failed"), stdout
    assert stderr.splitlines() == [
        f"  failed: {victim} (success-map, en): worker failed: the worker process ended by SIGKILL "
        "(killed: out of memory, or by hand)"
    ]
    assert len(pdfs(out)) == 3
    assert manifest_files(out) == pdfs(out)
    assert temporaries(out) == []
    assert processes_left(proc.pid) == []
    (gate / f"hold-{victim}").unlink()
    printed = cli(*batch_args(small_book_path, out, ids, "--resume", workers=1)[3:])[1]
    assert printed.startswith("1 written, 3 up to date, 0 failed"), printed


def test_kill_9_of_the_main_process_leaves_no_process_and_resume_finishes(small_book_path, ids, tmp_path, gate):
    ids = ids[:3]
    for cid in ids[1:]:
        (gate / f"hold-{cid}").touch()
    out = tmp_path / "out"
    proc = start(batch_args(small_book_path, out, ids), env=env_with(**{GATE_ENV: str(gate)}))
    wait_for_file(gate / f"started-{ids[1]}", proc)  # a worker is in the middle of a report
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert processes_left(proc.pid) == []  # workers, forkserver and resource tracker all gone
    for cid in ids[1:]:
        (gate / f"hold-{cid}").unlink()
    code, _, err = cli(*batch_args(small_book_path, out, ids, "--resume", workers=1)[3:])
    assert code == 0, err
    assert manifest_files(out) == pdfs(out)
    assert len(pdfs(out)) == len(ids)
    assert temporaries(out) == []


def test_sigterm_past_the_recycling_limit_stops_the_batch_and_leaves_nothing(small_book_path, ids, gate, tmp_path):
    ids = ids[:6]
    for cid in ids[3:]:
        (gate / f"hold-{cid}").touch()
    out = tmp_path / "out"
    # a new worker for every report; no grace: the held reports could never finish in it
    env = env_with(**{GATE_ENV: str(gate), RECYCLE_ENV: "1", GRACE_ENV: "0"})
    proc = start(batch_args(small_book_path, out, ids), env=env)
    wait_for_file(gate / f"started-{ids[3]}", proc)  # the fourth is held by a worker
    wait_for_pdfs(out, proc, 3)  # and the first three are written (by three different workers)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert err.splitlines() == ["interrupted: 3 written, 3 not started; rerun with --resume"]
    assert processes_left(proc.pid) == []
    assert temporaries(out) == []
    assert manifest_files(out) == pdfs(out)
    assert len(pdfs(out)) == 3

"""The batch's worker pool past every limit it sets: recycling, dead workers, timeouts, parent death.

No test here depends on timing: a task that must be running when something happens either
never returns (``hang_on``) or kills its own worker (``die_on``); bounded waits only guard
against a hang.
"""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import time

import pytest

from cs_reports.reports.batch.pool import WorkerDied, WorkerPool, WorkerStartError
from tests.adversarial.processes import processes_left, start
from tests.reports import pool_tasks as tasks


@pytest.mark.parametrize(("workers", "recycle"), [(2, 7), (2, 1), (1, 10)])
def test_a_thousand_tasks_finish_across_many_recyclings(workers, recycle):
    # gh-115634: ProcessPoolExecutor(max_tasks_per_child=...) hung once every worker retired.
    n = 1000 if recycle > 1 else 60
    with WorkerPool(workers, recycle_after=recycle) as pool:
        futures = [pool.submit(tasks.pid_and_square, i) for i in range(n)]
        results = [f.result(timeout=300) for f in futures]
    assert [sq for _, sq in results] == [i * i for i in range(n)]
    pids = {pid for pid, _ in results}
    # every worker did at most `recycle` tasks, so at least n / recycle processes ran
    assert len(pids) >= n // recycle
    assert pool.started >= n // recycle
    per_pid = {pid: sum(1 for p, _ in results if p == pid) for pid in pids}
    assert max(per_pid.values()) <= recycle


def test_a_worker_killed_mid_task_fails_that_task_only():
    with WorkerPool(2, recycle_after=5) as pool:
        futures = [pool.submit(tasks.die_on, i, 13) for i in range(40)]
        outcomes = []
        for f in futures:
            try:
                outcomes.append(f.result(timeout=300))
            except WorkerDied as exc:
                outcomes.append(str(exc))
    assert outcomes[:13] == list(range(13))
    assert outcomes[14:] == list(range(14, 40))
    assert "SIGKILL" in outcomes[13]
    assert "out of memory" in outcomes[13]


def test_errors_raised_by_a_task_come_back_as_they_are():
    with WorkerPool(2, recycle_after=2) as pool:
        futures = [pool.submit(tasks.raise_on, i) for i in range(10)]
        for i, f in enumerate(futures):
            if i % 2:
                with pytest.raises(ValueError, match=f"odd {i}"):
                    f.result(timeout=120)
            else:
                assert f.result(timeout=120) == i


def test_an_initializer_that_fails_breaks_the_pool_once_with_its_reason():
    with WorkerPool(2, tasks.failing_init) as pool:
        futures = [pool.submit(tasks.square, i) for i in range(5)]
        for f in futures:
            with pytest.raises(WorkerStartError, match="the book could not be read"):
                f.result(timeout=120)
        with pytest.raises(
            WorkerStartError, match="a worker could not start: RuntimeError: the book could not be read"
        ):
            pool.check()
        pool.check()  # said once: the batch reports it in one line


def test_a_task_past_its_timeout_fails_and_the_others_go_on():
    # the only clock here is the feature's own; 10 s is far above what a trivial task takes on a loaded machine
    with WorkerPool(2, task_timeout=10.0) as pool:
        futures = [pool.submit(tasks.hang_on, i, 3) for i in range(8)]
        results = []
        for f in futures:
            try:
                results.append(f.result(timeout=300))
            except WorkerDied as exc:
                results.append(str(exc))
    assert results[3] == "it ran longer than 10 s and its worker was stopped"
    assert [r for i, r in enumerate(results) if i != 3] == [0, 1, 2, 4, 5, 6, 7]


def test_terminate_kills_running_workers_and_cancels_the_queue():
    pool = WorkerPool(2)
    running = [pool.submit(tasks.hang_on, 1, 1), pool.submit(tasks.hang_on, 2, 2)]
    queued = [pool.submit(tasks.square, i) for i in range(20)]
    deadline = time.monotonic() + 300  # a hang guard, not a timing assertion
    while not all(f.running() for f in running) and time.monotonic() < deadline:
        time.sleep(0.02)
    pids = [w.process.pid for w in pool._workers]
    pool.terminate()
    for f in running:
        with pytest.raises(WorkerDied, match="the batch stopped"):
            f.result(timeout=60)
    assert all(f.cancelled() for f in queued)
    assert [pid for pid in pids if os.path.exists(f"/proc/{pid}")] == []


PARENT = textwrap.dedent(
    """
    import sys, time
    from cs_reports.reports.batch.pool import WorkerPool
    from tests.reports import pool_tasks as tasks
    pool = WorkerPool(2)
    futures = [pool.submit(tasks.hang_on, i, i) for i in range(4)]  # every task runs forever
    while len([w for w in pool._workers if w.task is not None]) < 2:
        time.sleep(0.05)
    print("running", flush=True)
    time.sleep(3600)
    """
)


def test_kill_9_of_the_parent_ends_workers_forkserver_and_tracker():
    proc = start([sys.executable, "-c", PARENT], cwd=os.getcwd())
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "running", proc.stderr.read() if proc.stderr else ""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert processes_left(proc.pid) == []  # the whole session: workers, forkserver, resource tracker

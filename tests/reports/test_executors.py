"""Batches on Dask distributed: same outcomes, names, resume and failure summary as the local pool.

The tests that only need a cluster to run on share one local cluster (``cluster``): starting
one is what costs here. A batch that starts its own local cluster (``--executor dask`` without
``--scheduler``) is run by ``test_a_local_cluster_beside_another_on_the_default_port_says_nothing``
here and by the interruption tests (tests/adversarial/test_interruption.py), which stop it.
"""

from __future__ import annotations

import pytest

from cs_reports.cli import main
from cs_reports.errors import CsReportsError
from cs_reports.reports.batch.executors import DaskExecutor, executor_factory
from cs_reports.reports.batch.manifest import Manifest
from cs_reports.reports.batch.runner import GATE_ENV, MANIFEST, Job, run_batch
from tests.adversarial.helpers import cli

pytest.importorskip("distributed")


def _jobs(ids: list[str]) -> list[Job]:
    return [Job("success-map", "2026-10", cid, "en", f"success-map_{cid}.pdf") for cid in ids]


def _summary(result) -> list[tuple[str, str, str]]:
    return [(o.job.filename, o.status, o.reason) for o in result.outcomes]


@pytest.fixture(scope="module")
def small_ids(small_book_path) -> list[str]:
    from cs_reports.data import load_book

    return load_book(small_book_path).clients["client_id"].tolist()


@pytest.fixture(scope="module")
def cluster():
    """A local Dask cluster of two single-threaded worker processes, shared by this module's batches."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=50
    ) as running:
        yield running


@pytest.mark.slow
def test_dask_local_cluster_matches_the_process_pool(tmp_path, small_book_path, small_ids, cluster):
    ids = small_ids[:4]
    jobs = _jobs([ids[0], "NO-SUCH-CLIENT", *ids[1:]])
    on_dask = executor_factory("dask", cluster.scheduler_address)
    local = run_batch(small_book_path, jobs, out_dir=tmp_path / "local", workers=2, progress=False)
    dask = run_batch(
        small_book_path,
        jobs,
        out_dir=tmp_path / "dask",
        workers=2,
        progress=False,
        executor_factory=on_dask,
    )
    assert _summary(dask) == _summary(local)
    assert [o.status for o in dask.outcomes] == ["written", "failed", "written", "written", "written"]
    names = sorted(p.name for p in (tmp_path / "dask").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "local").iterdir())
    assert not [n for n in names if n.endswith(".part")]

    # resume through Dask: only the missing report is rendered again
    (tmp_path / "dask" / f"success-map_{ids[2]}.pdf").unlink()
    again = run_batch(
        small_book_path,
        jobs,
        out_dir=tmp_path / "dask",
        workers=2,
        resume=True,
        progress=False,
        executor_factory=on_dask,
    )
    assert [o.status for o in again.outcomes] == ["skipped", "failed", "skipped", "written", "skipped"]


@pytest.mark.slow
def test_cli_dask_executor_with_a_scheduler_address(tmp_path, small_book_path, small_ids, cluster, capsys):
    cid = small_ids[0]
    dask = ["--executor", "dask", "--scheduler", cluster.scheduler_address]
    code = main(["success-map", str(small_book_path), "--out", str(tmp_path), "--client", cid, "--quiet", *dask])
    assert code == 0, capsys.readouterr()
    assert len(list(tmp_path.glob("*.pdf"))) == 1
    assert capsys.readouterr().out.startswith("1 written, 0 up to date, 0 failed")


def test_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(CsReportsError, match=r"Cannot reach the Dask scheduler at 'tcp://127.0.0.1:1'"):
        DaskExecutor("tcp://127.0.0.1:1", 1, print, (), timeout=1.0)


def test_scheduler_without_dask_executor_is_refused(tmp_path, small_book_path, capsys):
    code = main(["finance", str(small_book_path), "--out", str(tmp_path), "--scheduler", "tcp://x:1"])
    assert code != 0
    assert capsys.readouterr().err == "error: --scheduler needs --executor dask.\n"


def test_manifest_journal_survives_a_cut_last_line(tmp_path):
    key = '{"kind": "qbr"}'
    (tmp_path / MANIFEST).write_text(
        '{"job": "{\\"kind\\": \\"qbr\\"}", "fingerprint": "abc"}\n{"job": "half', encoding="utf-8"
    )
    assert {k: entry.fingerprint for k, entry in Manifest(tmp_path).read().items()} == {key: "abc"}


def _dask_batch(book, out, ids, *extra):
    from tests.adversarial.processes import batch_args

    return batch_args(book, out, ids, "--executor", "dask", *extra, workers=1)


@pytest.mark.slow
def test_a_cluster_without_workers_fails_naming_the_scheduler(tmp_path, small_book_path, small_ids):
    from distributed import LocalCluster

    from tests.adversarial.processes import pdfs

    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=50) as empty:
        address = empty.scheduler_address
        args = _dask_batch(small_book_path, tmp_path, small_ids[:1], "--scheduler", address, "--worker-timeout", "2")
        code, _, err = cli(*args[3:])  # the CLI in this process: what is proven is its message
    assert code == 1
    assert err == (
        f"error: The Dask scheduler at {address} has had no workers for 2 s (--worker-timeout 2); "
        f"start workers with 'dask worker {address} --nthreads 1' or raise --worker-timeout.\n"
    )
    assert pdfs(tmp_path) == set()


@pytest.mark.slow
def test_a_killed_scheduler_is_a_clear_error_with_its_reason(tmp_path, small_book_path, small_ids):
    """The scheduler is killed while its worker holds the second report (an event, not a race)."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.adversarial.processes import (
        batch_args,
        env_with,
        manifest_files,
        pdfs,
        start,
        temporaries,
        wait_for_file,
        wait_for_pdfs,
    )

    ids = small_ids[:3]
    gate = tmp_path / "gate"
    gate.mkdir()
    for cid in ids[1:]:  # the worker writes the first report, then holds the second; the third waits for it
        (gate / f"hold-{cid}").touch()
    dask = [sys.executable, "-m"]
    info = tmp_path / "scheduler.json"
    flags = ["--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(info)]
    out = tmp_path / "out"
    session = {"start_new_session": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [*dask, "distributed.cli.dask_scheduler", *flags],
        **session,
    )
    worker = None
    try:
        deadline = time.monotonic() + 120  # hang guards, not timing assertions
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        worker = subprocess.Popen(
            [*dask, "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard"],
            env=env_with(**{GATE_ENV: str(gate)}),
            **session,
        )
        proc = start(_dask_batch(small_book_path, out, ids, "--scheduler", address))
        wait_for_pdfs(out, proc)
        wait_for_file(gate / f"started-{ids[1]}", proc)  # the worker reached the second report
        os.kill(scheduler.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
    finally:
        for p in (scheduler, worker):
            if p is not None and p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    assert proc.returncode == 1, err
    assert "internal error" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert f"Dask scheduler at {address}" in lines[0]
    assert "scheduler-connection-lost" in lines[0] or "Lost the connection" in lines[0], err
    assert manifest_files(out) == pdfs(out)
    (written,) = pdfs(out)  # the held reports never finished
    assert written.startswith(f"{ids[0].lower()}_")
    # a remote worker may finish the task it was running after the batch stopped: its hidden
    # temporary never gets a final name, and the next run over the same reports removes it
    assert len(temporaries(out)) <= 1
    code, _, err = cli(*batch_args(small_book_path, out, ids, "--resume", workers=1)[3:])  # in this process
    assert code == 0, err
    assert temporaries(out) == []
    assert manifest_files(out) == pdfs(out)
    assert len(pdfs(out)) == len(ids)


def test_a_local_cluster_beside_another_on_the_default_port_says_nothing(recwarn):
    """Two batches at once (or a user's own cluster on 8787): the local cluster takes a free port, silently."""
    import socket
    import warnings

    held: socket.socket | None = socket.socket()
    try:
        held.bind(("127.0.0.1", 8787))
        held.listen(1)
    except OSError:  # already held by something else: the situation under test anyway
        held.close()
        held = None
    try:
        warnings.simplefilter("always")
        pool = DaskExecutor(None, 1, print, ())
        pool.shutdown()
    finally:
        if held is not None:
            held.close()
    assert not [w for w in recwarn.list if "already in use" in str(w.message)]

"""Where a batch runs: a local process pool (default) or a Dask distributed cluster.

Both are ``concurrent.futures`` executors built by a factory with the signature
``factory(max_workers, initializer, initargs)``, which is what
:func:`cs_reports.reports.batch.runner.run_batch` takes. The batch code is the same for
both, so outcomes, file names, resume and the failure summary are the same too.

Dask has no per-worker ``initializer``: :class:`DaskExecutor` runs it lazily, once per
worker process and per batch, the first time a task of that batch lands there.
Workers read the workbook and write the reports by path, so on a real cluster the
input and output folders must be on storage every worker sees (NFS, SMB, a mounted
bucket); ``docs/scale.md`` has the set-up.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import importlib
import logging
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from cs_reports.errors import CsReportsError

__all__ = [
    "EXECUTORS",
    "WORKER_TIMEOUT",
    "ClusterError",
    "DaskExecutor",
    "children_ignore_sigint",
    "executor_factory",
    "stop_executor",
]

EXECUTORS = ("local", "dask")

_INIT_LOCK = threading.Lock()
_INITIALISED: set[str] = set()


def _call_initialised(
    key: str, initializer: Callable[..., None], initargs: tuple[Any, ...], fn: Any, *args: Any
) -> Any:
    """Run ``initializer(*initargs)`` once per worker process for ``key``, then ``fn(*args)``.

    The lock also serialises the renders of one worker process: the worker state
    (book, templates, fonts) is shared, and a render is CPU-bound anyway, so run
    Dask workers with one thread each (``dask worker --nthreads 1``).
    """
    with _INIT_LOCK:
        if key not in _INITIALISED:
            initializer(*initargs)
            _INITIALISED.clear()  # one batch's state at a time
            _INITIALISED.add(key)
        return fn(*args)


class ClusterError(CsReportsError):
    """The cluster a batch runs on is gone or has no workers: the batch stops (what was written is kept)."""


#: Seconds a Dask cluster may have no workers before the batch fails (``--worker-timeout``).
WORKER_TIMEOUT = 60.0


class DaskExecutor(cf.Executor):
    """A ``concurrent.futures`` executor on a Dask cluster, with a per-worker initializer.

    ``scheduler`` is a scheduler address (``tcp://host:8786``); ``None`` starts a
    ``LocalCluster`` with ``max_workers`` single-threaded worker processes, which is
    what the tests use and a quick way to try the set-up on one machine.

    :meth:`check` (called by the batch about once a second) raises :class:`ClusterError`
    when the scheduler is lost or has had no workers for ``worker_timeout`` seconds; a
    task cancelled by the cluster fails with the cluster's reason, never an empty
    ``CancelledError``.
    """

    def __init__(
        self,
        scheduler: str | None,
        max_workers: int,
        initializer: Callable[..., None],
        initargs: Iterable[Any],
        *,
        timeout: float = 20.0,
        worker_timeout: float = WORKER_TIMEOUT,
    ) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")  # optional; untyped
        except ImportError:
            raise CsReportsError("--executor dask needs Dask distributed: pip install 'cs-reports[dask]'.") from None
        # Dask logs lost connections with tracebacks; the batch reports them itself, in one line
        for name in ["distributed", *logging.root.manager.loggerDict]:
            if name.split(".")[0] == "distributed":
                logging.getLogger(name).setLevel(logging.CRITICAL)
        self._cluster: Any = None
        try:
            if scheduler is None:
                with children_ignore_sigint():
                    self._cluster = distributed.LocalCluster(
                        n_workers=max(1, max_workers),
                        threads_per_worker=1,
                        processes=True,
                        # the scheduler always serves HTTP: on a free local port, never the fixed
                        # 8787 another cluster (or batch) may hold, which printed a UserWarning
                        dashboard_address="127.0.0.1:0",
                        silence_logs=50,
                    )
                self._client: Any = distributed.Client(self._cluster, timeout=timeout)
            else:
                self._client = distributed.Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            self._close_cluster()
            raise CsReportsError(f"Cannot reach the Dask scheduler at '{scheduler}': {exc}.") from None
        self.address = str(scheduler or self._cluster.scheduler_address)
        self._initializer = initializer
        self._initargs = tuple(initargs)
        self._key = hashlib.sha256(pickle.dumps((initializer, self._initargs))).hexdigest()
        self._futures: dict[Any, Any] = {}  # dask future -> its concurrent.futures twin
        self._lock = threading.Lock()  # _settle runs in Dask's callback thread
        self._worker_timeout = worker_timeout
        self._next_check = 0.0
        self._no_workers_since: float | None = None
        self._stopping = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        """Run ``fn(*args)`` on a worker, after the batch's initializer has run there."""
        if kwargs:
            raise TypeError("DaskExecutor.submit takes positional arguments only")
        twin: cf.Future[Any] = cf.Future()
        task = self._client.submit(
            _call_initialised, self._key, self._initializer, self._initargs, fn, *args, pure=False
        )
        with self._lock:
            self._futures[task] = twin
        task.add_done_callback(self._settle)
        return twin

    def _settle(self, task: Any) -> None:
        """Pass a finished Dask task's result, error or cancellation reason to its twin."""
        with self._lock:
            twin = self._futures.pop(task, None)
        if twin is None or twin.done():
            return
        try:
            if task.status == "finished":
                twin.set_result(task.result())
            elif task.status == "cancelled":
                if self._stopping:
                    twin.cancel()
                    twin.set_running_or_notify_cancel()
                    return
                reason = _cancel_reason(task)
                message = (
                    f"The Dask scheduler at {self.address} cancelled the task: {reason.rstrip('.')}; "
                    "reports written so far are recorded: rerun with --resume when it is back."
                )
                twin.set_exception(ClusterError(message))
            else:
                twin.set_exception(task.exception())
        except cf.InvalidStateError:
            pass
        except BaseException as exc:  # a result that cannot be fetched: keep the reason
            with suppress(cf.InvalidStateError):
                twin.set_exception(exc)

    def check(self) -> None:
        """Raise :class:`ClusterError` if the scheduler is lost or has had no workers too long."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + 1.0
        status = self._client.status
        if status != "running":
            raise ClusterError(
                f"Lost the connection to the Dask scheduler at {self.address} (client {status}); "
                "reports written so far are recorded: rerun with --resume when it is back."
            )
        info = self._client.scheduler_info()
        workers = int(info.get("n_workers", len(info.get("workers", {}))))
        if workers:
            self._no_workers_since = None
            return
        self._no_workers_since = self._no_workers_since or now
        waited = now - self._no_workers_since
        if waited >= self._worker_timeout:
            raise ClusterError(
                f"The Dask scheduler at {self.address} has had no workers for {waited:.0f} s "
                f"(--worker-timeout {self._worker_timeout:g}); start workers with "
                f"'dask worker {self.address} --nthreads 1' or raise --worker-timeout."
            )

    def terminate(self) -> None:
        """Cancel every task not finished (in one call), close the client and stop a local cluster.

        Cancelling a returned future only marks it; its Dask task is cancelled here or by
        ``shutdown(cancel_futures=True)``, all at once (one call per task would take minutes
        for a large batch).
        """
        self._stopping = True
        with self._lock:
            tasks = list(self._futures.items())  # every task not settled, cancelled twins included
        with suppress(Exception):
            self._client.cancel([task for task, _ in tasks], reason="cs-reports batch stopped", force=True)
        for _, twin in tasks:
            if twin.cancel():
                with suppress(RuntimeError):  # already notified
                    twin.set_running_or_notify_cancel()
        self.shutdown(wait=False)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Wait for the futures (if ``wait``), then close the client and any local cluster."""
        if cancel_futures and not self._stopping:
            self.terminate()
            return
        try:
            if wait:
                with self._lock:
                    twins = list(self._futures.values())
                cf.wait(twins)
        finally:
            with suppress(Exception):
                self._client.close()
            self._close_cluster()

    def _close_cluster(self) -> None:
        if self._cluster is not None:
            with suppress(Exception):
                self._cluster.close()
            self._cluster = None


@contextmanager
def children_ignore_sigint() -> Iterator[None]:
    """Start processes that ignore SIGINT: Ctrl+C reaches the whole group, and the batch decides.

    An ignored signal stays ignored across ``exec``, and Python then installs no
    ``KeyboardInterrupt`` handler, so the local cluster's worker processes print no
    tracebacks on Ctrl+C. (A Ctrl+C during the few seconds the cluster starts is ignored.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _cancel_reason(task: Any) -> str:
    """Why Dask cancelled ``task`` (e.g. ``scheduler-connection-lost``), from its cancellation error."""
    try:
        task.result(timeout=5)  # already cancelled: returns at once with its error
    except cf.CancelledError as exc:
        text = str(exc).strip()
        return text.split("cancelled for reason: ", 1)[-1].rstrip(".").splitlines()[0] if text else "no reason given"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return "no reason given"


def stop_executor(pool: cf.Executor, *, wait: bool) -> None:
    """Shut ``pool`` down; unless ``wait``, its work is abandoned (worker processes killed).

    An executor with a ``terminate()`` method (:class:`DaskExecutor`) does it itself; for a
    ``ProcessPoolExecutor`` the worker processes are killed, since a running task cannot be
    cancelled otherwise.
    """
    terminate: Callable[[], None] | None = getattr(pool, "terminate", None)
    if terminate is not None:
        terminate()
        return
    if not wait:
        processes: dict[int, Any] = dict(getattr(pool, "_processes", None) or {})
        for process in processes.values():
            with suppress(Exception):
                process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def executor_factory(
    name: str, scheduler: str | None = None, *, worker_timeout: float = WORKER_TIMEOUT
) -> Callable[..., cf.Executor] | None:
    """The ``executor_factory`` for ``run_batch`` given the CLI's ``--executor``/``--scheduler``.

    ``None`` means the default local process pool.

    >>> executor_factory("local") is None
    True
    >>> executor_factory("ray")
    Traceback (most recent call last):
    ...
    cs_reports.errors.CsReportsError: --executor must be one of local, dask; got 'ray'.
    """
    if name == "local":
        if scheduler:
            raise CsReportsError("--scheduler needs --executor dask.")
        return None
    if name == "dask":

        def factory(max_workers: int, initializer: Callable[..., None], initargs: Iterable[Any]) -> cf.Executor:
            return DaskExecutor(scheduler, max_workers, initializer, initargs, worker_timeout=worker_timeout)

        return factory
    raise CsReportsError(f"--executor must be one of {', '.join(EXECUTORS)}; got {name!r}.")

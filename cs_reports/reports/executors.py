"""Where a batch runs: a local process pool (default) or a Dask distributed cluster.

Both are ``concurrent.futures`` executors built by a factory with the signature
``factory(max_workers, initializer, initargs)``, which is what
:func:`cs_reports.reports.batch.run_batch` takes. The batch code is the same for
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
import pickle
import threading
from collections.abc import Callable, Iterable
from typing import Any

from cs_reports.errors import CsReportsError

__all__ = ["EXECUTORS", "DaskExecutor", "executor_factory"]

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


class DaskExecutor(cf.Executor):
    """A ``concurrent.futures`` executor on a Dask cluster, with a per-worker initializer.

    ``scheduler`` is a scheduler address (``tcp://host:8786``); ``None`` starts a
    ``LocalCluster`` with ``max_workers`` single-threaded worker processes, which is
    what the tests use and a quick way to try the set-up on one machine.
    """

    def __init__(
        self,
        scheduler: str | None,
        max_workers: int,
        initializer: Callable[..., None],
        initargs: Iterable[Any],
        *,
        timeout: float = 20.0,
    ) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")  # optional; untyped
        except ImportError:
            raise CsReportsError("--executor dask needs Dask distributed: pip install 'cs-reports[dask]'.") from None
        self._cluster: Any = None
        try:
            if scheduler is None:
                self._cluster = distributed.LocalCluster(
                    n_workers=max(1, max_workers),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=50,
                )
                self._client: Any = distributed.Client(self._cluster, timeout=timeout)
            else:
                self._client = distributed.Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            self._close_cluster()
            raise CsReportsError(f"Cannot reach the Dask scheduler at '{scheduler}': {exc}.") from None
        self._initializer = initializer
        self._initargs = tuple(initargs)
        self._key = hashlib.sha256(pickle.dumps((initializer, self._initargs))).hexdigest()
        self._executor = self._client.get_executor(pure=False)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        """Run ``fn(*args)`` on a worker, after the batch's initializer has run there."""
        if kwargs:
            raise TypeError("DaskExecutor.submit takes positional arguments only")
        future: cf.Future[Any] = self._executor.submit(
            _call_initialised, self._key, self._initializer, self._initargs, fn, *args
        )
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Wait for the futures (if ``wait``), then close the client and any local cluster."""
        try:
            self._executor.shutdown(wait=wait)
        finally:
            self._client.close()
            self._close_cluster()

    def _close_cluster(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def executor_factory(name: str, scheduler: str | None = None) -> Callable[..., cf.Executor] | None:
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
            return DaskExecutor(scheduler, max_workers, initializer, initargs)

        return factory
    raise CsReportsError(f"--executor must be one of {', '.join(EXECUTORS)}; got {name!r}.")

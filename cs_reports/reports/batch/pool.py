"""The local worker pool of a batch: recycled workers, one task each, that die with their parent.

:class:`WorkerPool` is a ``concurrent.futures.Executor`` written for batches of thousands of
reports, because the standard ``ProcessPoolExecutor`` fails them in three ways:

* with ``max_tasks_per_child`` it hangs for good once every worker has retired (CPython
  gh-115634, present in 3.11), so a batch of more than ``workers x limit`` reports stopped;
* ``kill -9`` of one worker (what the OOM killer does) breaks the whole pool and fails every
  report still queued, naming none of them;
* ``kill -9`` of the main process leaves the workers (and the forkserver and the resource
  tracker they hold) running, still writing temporary files.

Here each worker has its own pipe and gets **one task at a time**, so the pool always knows
which task a worker holds:

* **Recycling** is the pool's own: after ``recycle_after`` tasks a worker is told to stop and a
  fresh one takes its place (no dependence on ``max_tasks_per_child`` on any Python).
* **A dead worker** fails exactly the task it was running, with its exit code or signal in the
  reason; a replacement is started and every other task goes on. A worker that dies while
  starting, three times in a row, or whose initializer raises, breaks the pool:
  :meth:`WorkerPool.check` raises :class:`WorkerStartError` with the reason, once.
* **A task that runs longer than** ``task_timeout`` seconds has its worker killed and fails
  with that reason.
* **Workers die with their parent**: each holds the read end of a *lifeline* pipe whose only
  write end is in the main process; a thread in the worker blocks on it and ends the worker
  (``os._exit``) when it reads end-of-file, which the kernel delivers the moment the main
  process is gone, however it died (``kill -9`` included). This is plain pipes, so it works
  with the forkserver (Linux), spawn (macOS, Windows) and fork start methods alike; on Windows
  the pipe's end is a broken-pipe error instead of end-of-file, handled the same way.
* :meth:`WorkerPool.terminate` kills every worker and never waits without a bound.

"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from cs_reports.errors import CsReportsError

__all__ = ["WorkerDied", "WorkerPool", "WorkerStartError"]

#: Consecutive workers that may die while starting before the pool gives up.
START_FAILURES = 3
#: Seconds a stopping worker gets to exit before it is killed.
EXIT_GRACE = 5.0
_TICK = 0.1


class WorkerStartError(CsReportsError):
    """Workers of the pool cannot start (their initializer fails or they die at once)."""


class WorkerDied(CsReportsError):
    """The worker running a task ended before returning its result."""


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    lifeline: Connection
    ready: bool = False
    task: tuple[cf.Future[Any], float] | None = None  # the future it runs, and when it began
    done: int = 0
    retiring: bool = False
    killed_for: str = ""
    stop_sent_at: float = field(default=0.0)


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (killed: out of memory, or by hand)" if -code == getattr(signal, "SIGKILL", 9) else ""
        return f"ended by {name}{hint}"
    return f"exited with code {code}"


def _watch_parent(lifeline: Connection) -> None:
    """End this worker as soon as the main process is gone (the lifeline's write end closed)."""
    try:
        lifeline.recv_bytes()
    except (EOFError, OSError):
        pass
    os._exit(70)


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _worker_main(
    conn: Connection, lifeline: Connection, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]
) -> None:
    """A worker: run the initializer, say ready, then run one task per message until told to stop."""
    threading.Thread(target=_watch_parent, args=(lifeline,), daemon=True, name="lifeline").start()
    try:
        if initializer is not None:
            initializer(*initargs)
    except BaseException as exc:
        with suppress(Exception):
            text = str(exc) if isinstance(exc, CsReportsError) else f"{type(exc).__name__}: {exc}"
            conn.send(("init-error", text))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, args = message
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except BaseException as exc:
            reply = ("error", _picklable(exc))
        try:
            conn.send(reply)
        except Exception as exc:  # a result that cannot be pickled
            conn.send(("error", RuntimeError(f"the result could not be sent back: {type(exc).__name__}: {exc}")))


class WorkerPool(cf.Executor):
    """A process pool for batches: one task per worker at a time, recycled, crash-isolated.

    Parameters
    ----------
    max_workers : int
        Worker processes at a time.
    initializer, initargs
        Run once in each worker before its first task (as ``ProcessPoolExecutor``'s).
    mp_context
        A ``multiprocessing`` context (default: forkserver where it exists, else spawn).
    recycle_after : int
        Tasks after which a worker is replaced by a fresh one (memory stays flat).
    task_timeout : float or None
        Seconds a task may run before its worker is killed and the task fails.

    Examples
    --------
    >>> with WorkerPool(2, recycle_after=2) as pool:
    ...     [f.result() for f in [pool.submit(abs, -i) for i in range(7)]]
    [0, 1, 2, 3, 4, 5, 6]
    """

    def __init__(
        self,
        max_workers: int,
        initializer: Callable[..., None] | None = None,
        initargs: Iterable[Any] = (),
        *,
        mp_context: Any = None,
        recycle_after: int = 200,
        task_timeout: float | None = None,
    ) -> None:
        if max_workers < 1 or recycle_after < 1:
            raise ValueError("max_workers and recycle_after must be at least 1")
        self._ctx: Any = mp_context or multiprocessing.get_context(
            "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        )
        self._max_workers = max_workers
        self._initializer = initializer
        self._initargs = tuple(initargs)
        self._recycle_after = recycle_after
        self._task_timeout = task_timeout
        self._queue: deque[tuple[cf.Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = multiprocessing.Pipe(duplex=False)
        self._broken: str | None = None
        self._reported = False
        self._start_failures = 0
        self._closing = False
        self.started = 0  # worker processes started (recycling included), for tests and logs
        self._manager = threading.Thread(target=self._manage, daemon=True, name="cs-reports-pool")
        self._manager.start()

    # -- the Executor interface ------------------------------------------------------------
    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        """Queue ``fn(*args)``; it runs in the first free worker."""
        if kwargs:
            raise TypeError("WorkerPool.submit takes positional arguments only")
        future: cf.Future[Any] = cf.Future()
        with self._lock:
            if self._closing:
                raise RuntimeError("cannot submit to a pool that is shut down")
            if self._broken is not None:
                future.set_exception(WorkerStartError(self._broken))
                return future
            self._queue.append((future, fn, args))
        self._wake()
        return future

    def check(self) -> None:
        """Raise :class:`WorkerStartError` (once) if workers cannot start; the batch stops."""
        with self._lock:
            if self._broken is not None and not self._reported:
                self._reported = True
                raise WorkerStartError(self._broken)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop: queued tasks are cancelled (``cancel_futures``) or run first (``wait``), then workers exit."""
        with self._lock:
            if cancel_futures:
                while self._queue:
                    future, _, _ = self._queue.popleft()
                    future.cancel()
        if wait:
            with self._lock:
                futures = [f for f, _, _ in self._queue] + [w.task[0] for w in self._workers if w.task]
            cf.wait(futures)
        with self._lock:
            self._closing = True
        self._wake()
        self._manager.join(timeout=EXIT_GRACE + 5)
        self._kill_all("the batch stopped")

    def terminate(self) -> None:
        """Cancel queued tasks and kill every worker now (bounded: never waits on a worker)."""
        with self._lock:
            self._closing = True
            while self._queue:
                future, _, _ = self._queue.popleft()
                future.cancel()
        self._wake()
        self._kill_all("the batch stopped")
        self._manager.join(timeout=5)

    # -- the manager thread ----------------------------------------------------------------
    def _wake(self) -> None:
        with suppress(OSError, ValueError):
            self._wake_w.send_bytes(b"x")

    def _manage(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._closing:
                        break
                    self._dispatch()
                    waitables: list[Any] = [self._wake_r]
                    for w in self._workers:
                        waitables += [w.conn, w.process.sentinel]
                wait(waitables, timeout=_TICK)
                with suppress(EOFError, OSError):
                    while self._wake_r.poll():
                        self._wake_r.recv_bytes()
                with self._lock:
                    self._collect()
        except BaseException as exc:  # never leave futures waiting on a dead manager
            with self._lock:
                self._broken = self._broken or f"the pool's manager failed: {type(exc).__name__}: {exc}"
                self._fail_queue()
        finally:
            self._stop_workers()

    def _dispatch(self) -> None:
        """Start workers up to the limit and hand a task to every ready, idle one (lock held)."""
        if self._broken is not None:
            self._fail_queue()
            return
        live = [w for w in self._workers if not w.retiring]
        while self._queue and len(live) < self._max_workers:
            live.append(self._start_worker())
        for w in live:
            if w.ready and w.task is None:
                w.task = self._next_task(w)

    def _next_task(self, w: _Worker) -> tuple[cf.Future[Any], float] | None:
        """Send ``w`` the first queued task not cancelled; its future and start time (lock held).

        Cancelled futures are dropped as they reach the head of the queue: each is looked at once,
        so a batch of N reports costs O(N) here, not a scan of the whole queue per result.
        """
        while self._queue:
            future, fn, args = self._queue.popleft()
            if not future.set_running_or_notify_cancel():
                continue  # cancelled while queued
            try:
                w.conn.send((fn, args))
            except Exception as exc:
                future.set_exception(_picklable(exc) if not isinstance(exc, OSError) else WorkerDied(str(exc)))
                continue
            return future, time.monotonic()
        return None

    def _start_worker(self) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe(duplex=True)
        life_r, life_w = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(
            target=_worker_main, args=(child_conn, life_r, self._initializer, self._initargs), daemon=True
        )
        process.start()
        child_conn.close()
        life_r.close()
        self.started += 1
        worker = _Worker(process, parent_conn, life_w)
        self._workers.append(worker)
        return worker

    def _collect(self) -> None:
        """Take results, notice dead, retired and overdue workers (lock held)."""
        now = time.monotonic()
        for w in list(self._workers):
            self._read(w)
            if w.task is not None and self._task_timeout is not None and now - w.task[1] > self._task_timeout:
                w.killed_for = f"it ran longer than {self._task_timeout:g} s and its worker was stopped"
                with suppress(Exception):
                    w.process.kill()
            if w.retiring and w.task is None and now - w.stop_sent_at > EXIT_GRACE:
                with suppress(Exception):
                    w.process.kill()
            if w.process.exitcode is not None or not w.process.is_alive():
                self._read(w)  # a last result may have arrived just before it exited
                self._bury(w)

    def _read(self, w: _Worker) -> None:
        try:
            while w.conn.poll():
                kind, value = w.conn.recv()
                if kind == "ready":
                    w.ready = True
                    self._start_failures = 0
                elif kind == "init-error":
                    self._broken = f"a worker could not start: {value}"
                elif w.task is not None:
                    future, _ = w.task
                    w.task = None
                    w.done += 1
                    if kind == "ok":
                        future.set_result(value)
                    else:
                        future.set_exception(value)
                    if w.done >= self._recycle_after and not w.retiring:
                        w.retiring, w.stop_sent_at = True, time.monotonic()
                        with suppress(OSError, ValueError):
                            w.conn.send(None)
        except (EOFError, OSError):
            pass  # the worker is gone: _bury says why

    def _bury(self, w: _Worker) -> None:
        self._workers.remove(w)
        try:
            w.process.join(timeout=1)
            reason = _describe_exit(w.process.exitcode)
        except ValueError:  # closed meanwhile
            reason = "ended"
        if w.task is not None:
            future, _ = w.task
            why = w.killed_for or f"the worker process {reason}"
            future.set_exception(WorkerDied(why))
        elif not w.ready and self._broken is None:
            self._start_failures += 1
            if self._start_failures >= START_FAILURES:
                self._broken = f"{START_FAILURES} worker processes in a row died while starting (the last {reason})"
        for conn in (w.conn, w.lifeline):
            with suppress(Exception):
                conn.close()
        with suppress(Exception):
            w.process.close()

    def _fail_queue(self) -> None:
        while self._queue:
            future, _, _ = self._queue.popleft()
            if future.set_running_or_notify_cancel():
                future.set_exception(WorkerStartError(self._broken or "the pool is broken"))

    def _stop_workers(self) -> None:
        """Ask idle workers to exit, then kill whatever is left (bounded)."""
        with self._lock:
            workers = list(self._workers)
        for w in workers:
            if w.task is None:
                with suppress(OSError, ValueError):
                    w.conn.send(None)
        deadline = time.monotonic() + EXIT_GRACE
        for w in workers:
            with suppress(ValueError):  # closed meanwhile by terminate()
                w.process.join(timeout=max(0.0, deadline - time.monotonic()))
        self._kill_all("the batch stopped")

    def _kill_all(self, why: str) -> None:
        with self._lock:
            workers = list(self._workers)
            for w in workers:
                w.killed_for = w.killed_for or why
        for w in workers:
            with suppress(Exception):
                w.process.kill()
        for w in workers:
            with suppress(Exception):
                w.process.join(timeout=5)
            with self._lock:
                if w in self._workers:
                    if w.task is not None and not w.task[0].done():
                        w.task[0].set_exception(WorkerDied(why))
                    w.task = None
                    self._bury(w)

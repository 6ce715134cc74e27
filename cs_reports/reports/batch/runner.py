"""Render many reports: process pool, atomic writes, resume, interruption, one outcome per report.

The book is read once (:func:`cs_reports.reports.batch.frozen.freeze_book`): the job list, the
manifest's fingerprint and every worker use that one read. Each worker loads the validated
book, the templates and the fonts once (initializer), then renders jobs into hidden
temporary files. The local pool is :class:`cs_reports.reports.batch.pool.WorkerPool`: workers are
recycled every ``RECYCLE_AFTER`` jobs to keep memory flat (``CS_REPORTS_RECYCLE_AFTER``
overrides it), a worker that dies fails only the report it was rendering, a report that runs
longer than ``TASK_TIMEOUT`` seconds fails, and workers end when the main process dies. The main process alone journals a report in the manifest
(:mod:`cs_reports.reports.batch.manifest`) and then renames its files to their final names,
so every final file is in the manifest. One failing report never stops the others: its
outcome says why. The book is loaded with ``quarantine=True``: clients whose rows have
problems fail with those problems while every other client's report is rendered.
``resume`` skips outputs recorded in the folder's manifest with the same inputs and
options whose files are still intact. A job may ask for several formats (a QBR's PDF and
deck): its context is built once for all of them, and each format is journaled and resumed
on its own (a cut deck is rendered again, its intact PDF is not).

Test hook (``docs/reliability.md``): when ``CS_REPORTS_TEST_GATE`` names a folder, a job
writes ``started-<client id>`` there (the pid of the process rendering it inside) before it
renders, and waits while ``hold-<client id>`` exists, so tests hold a worker on an event
instead of racing it; the batch's process writes ``signalled-<n>`` there when it has taken its
n-th SIGINT/SIGTERM (two signals sent back to back may arrive as one).

SIGINT and SIGTERM stop a batch: jobs not started are cancelled, running ones get
``GRACE_SECONDS`` (or ``CS_REPORTS_STOP_GRACE``) to finish (a second signal ends that wait), then the workers are
killed and their temporary files removed; :attr:`BatchResult.interrupted` holds the
signal.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from cs_reports import __version__
from cs_reports._io import commit_output, discard_output, ensure_output_dir, staged_output
from cs_reports.errors import CsReportsError, OutputError
from cs_reports.reports.batch.executors import ClusterError, children_ignore_sigint, stop_executor
from cs_reports.reports.batch.frozen import FrozenBook, check_digest, freeze_book, load_frozen
from cs_reports.reports.batch.manifest import MANIFEST, FileRecord, Manifest, file_record, intact, job_identity
from cs_reports.reports.batch.pool import WorkerPool

__all__ = ["MANIFEST", "BatchResult", "Job", "Outcome", "run_batch"]

#: Reports a worker renders before it is replaced by a fresh process (memory stays flat).
RECYCLE_AFTER = 200
#: The environment variable that overrides :data:`RECYCLE_AFTER` (a whole number >= 1).
RECYCLE_ENV = "CS_REPORTS_RECYCLE_AFTER"
#: The test hook's environment variable (see the module docstring).
GATE_ENV = "CS_REPORTS_TEST_GATE"
#: Seconds one report may take in a worker before the worker is stopped and the report fails.
TASK_TIMEOUT = 600.0
#: Seconds running reports get to finish after SIGINT/SIGTERM before their workers are killed.
GRACE_SECONDS = 5.0
#: Its environment variable: another number of seconds from 0 (stop at once) to 3600.
GRACE_ENV = "CS_REPORTS_STOP_GRACE"
_TICK = 0.2


@dataclass(frozen=True)
class Job:
    """One report to render."""

    kind: str
    period: str
    client_id: str | None
    lang: str
    filename: str
    audience: str | None = None  # the edition (kinds.AUDIENCES); None: the kind's default
    settings: str | None = None  # a --settings file (TOML/JSON) of report thresholds
    formats: tuple[str, ...] = ("pdf",)  # kinds.FORMATS: one context feeds each

    def output(self, fmt: str) -> str:
        """The file name of the ``fmt`` output: ``filename`` (the PDF's) with that suffix.

        >>> Job("qbr", "2026Q3", "C1", "en", "c1_acme_2026q3_qbr-client_en.pdf").output("pptx")
        'c1_acme_2026q3_qbr-client_en.pptx'
        """
        return self.filename if fmt == "pdf" else self.filename.removesuffix(".pdf") + f".{fmt}"


@dataclass(frozen=True)
class Staged:
    """A file rendered by a worker, complete at ``tmp``, waiting for its final name."""

    tmp: str
    record: FileRecord
    output: str = "pdf"  # the format whose manifest entry holds it (side files go with the PDF)


@dataclass(frozen=True)
class Outcome:
    """What happened to one job (``cancelled``: not started or discarded after a signal)."""

    job: Job
    status: str  # written / skipped / failed / cancelled
    seconds: float = 0.0
    reason: str = ""
    files: tuple[str, ...] = ()
    staged: tuple[Staged, ...] = ()


@dataclass(frozen=True)
class BatchResult:
    """All outcomes of a batch."""

    outcomes: tuple[Outcome, ...]
    out_dir: Path
    seconds: float = 0.0
    interrupted: int | None = None  # the signal that stopped the batch
    stale: tuple[str, ...] = ()  # outputs of the same jobs under an older file name
    pruned: tuple[str, ...] = ()  # stale outputs removed (prune_stale)

    def _with(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def written(self) -> list[Outcome]:
        """Reports rendered in this run."""
        return self._with("written")

    @property
    def skipped(self) -> list[Outcome]:
        """Reports already up to date (``resume``)."""
        return self._with("skipped")

    @property
    def failed(self) -> list[Outcome]:
        """Reports that could not be produced, with the reason."""
        return self._with("failed")

    @property
    def cancelled(self) -> list[Outcome]:
        """Reports not started (or discarded unfinished) because the batch was interrupted."""
        return self._with("cancelled")


@dataclass
class _Settings:
    book_path: str  # the user's book (messages; Dask workers read it by path)
    templates_dir: str | None
    branding_path: str | None
    book_digest: str = ""  # its files' digest when the batch started (freeze_book)
    book_content: str = ""  # its validated tables' digest (the manifest's fingerprint)
    book_pickle: str | None = None  # the validated book, pickled by the main process (local workers)
    extra_outputs: bool = True  # the finance report also writes its xlsx
    deck_template: str | None = None  # --deck-template: the company's .pptx (None: the built-in one)
    state: dict[str, Any] = field(default_factory=dict)


_WORKER: _Settings | None = None


def _init(settings: _Settings, worker: bool = True, book: Any = None) -> None:
    global _WORKER
    from cs_reports.data import load_book
    from cs_reports.reports.render import Templates, load_branding, resolve_branding

    if worker and threading.current_thread() is threading.main_thread():
        # Ctrl+C reaches the whole process group: the main process decides what stops
        with suppress(ValueError, OSError):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    if book is None and settings.book_pickle is not None:
        book = load_frozen(settings.book_pickle)  # the tables the main process validated
    if book is None:  # a worker that does not share our disk: the same content, or nothing
        if settings.book_digest:
            check_digest(settings.book_path, settings.book_digest)
        book = load_book(settings.book_path, quarantine=True)
    templates = Templates(Path(settings.templates_dir) if settings.templates_dir else None)
    settings.state = {
        "book": book,
        "templates": templates,
        "branding": resolve_branding(load_branding(settings.branding_path), templates.roots),
    }
    _WORKER = settings


def _stage(out_dir: str, name: str, data: bytes, output: str = "pdf") -> Staged:
    with staged_output(Path(out_dir) / name) as (fh, tmp):
        fh.write(data)
    return Staged(str(tmp), file_record(name, data), output)


def _render(job: Job, out_dir: str) -> Outcome:
    from cs_reports.reports.kinds import KINDS, produce_report

    assert _WORKER is not None
    st = _WORKER.state
    t0 = time.perf_counter()
    _gate(job)
    problems = _data_problems(st["book"], job)
    if problems:
        return Outcome(job, "failed", time.perf_counter() - t0, problems)
    staged: list[Staged] = []
    try:
        done = produce_report(
            st["book"],
            job.kind,
            job.period,
            job.client_id,
            job.lang,
            templates=st["templates"],
            branding=st["branding"],
            audience=job.audience,
            settings=_settings_of(job.settings, st),
            formats=job.formats,
            deck_template=_WORKER.deck_template,
        )
        for fmt in job.formats:
            staged.append(_stage(out_dir, job.output(fmt), done.files[fmt], fmt))
        if "pdf" in job.formats and KINDS[job.kind].side_files and _WORKER.extra_outputs:
            for name, data in done.attachments:  # built once: the same bytes as the PDF carries
                side = job.filename.removesuffix(".pdf") + Path(name).suffix
                staged.append(_stage(out_dir, side, data))
    except BaseException as exc:
        for item in staged:
            discard_output(item.tmp)
        if isinstance(exc, CsReportsError):
            return Outcome(job, "failed", time.perf_counter() - t0, str(exc))
        if not isinstance(exc, Exception):
            raise
        # one broken client never stops the batch; the reason is kept
        return Outcome(job, "failed", time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")
    files = tuple(item.record.name for item in staged)
    return Outcome(job, "written", time.perf_counter() - t0, files=files, staged=tuple(staged))


def _gate(job: Job) -> None:
    """The test hook: say this job started, then wait while the test holds it."""
    folder = os.environ.get(GATE_ENV)
    if not folder or not job.client_id:
        return
    gate = Path(folder)
    (gate / f"started-{job.client_id}").write_text(str(os.getpid()), encoding="utf-8")
    while (gate / f"hold-{job.client_id}").exists():
        time.sleep(0.02)


def _settings_of(path: str | None, state: dict[str, Any]) -> Any:
    """The report settings of ``path`` (read once per worker and file)."""
    from cs_reports.reports.settings import load_settings

    cache = state.setdefault("settings", {})
    if path not in cache:
        cache[path] = load_settings(path)
    return cache[path]


def _data_problems(book: Any, job: Job) -> str:
    """Why ``job`` cannot be rendered from a book with quarantined clients ('' if it can)."""
    quarantined = book.quarantined
    if not quarantined:
        return ""
    if job.client_id is None:  # a portfolio report would silently leave those clients out
        ids = sorted(quarantined)
        more = f" and {len(ids) - 3} more" if len(ids) > 3 else ""
        return f"data problems in the rows of {len(ids)} clients ({', '.join(ids[:3])}{more}); fix them first"
    found = quarantined.get(job.client_id)
    if not found:
        return ""
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return f"data problem: {found[0]}{more}"


def _fingerprints(settings: _Settings, jobs: Sequence[Job] = ()) -> dict[str, str]:
    """Format -> the fingerprint of its inputs (a deck's also covers the deck template).

    The jobs' ``--settings`` files count by content: an edited threshold re-renders on
    ``--resume`` even though the file's path is the same.
    """
    extra = sorted({job.settings for job in jobs if job.settings})
    base = _fingerprint(settings.book_content, settings.templates_dir, settings.branding_path, *extra)
    deck = hashlib.sha256(base.encode())
    if settings.deck_template:
        deck.update(Path(settings.deck_template).read_bytes())
    return {"pdf": base, "pptx": deck.hexdigest()}


def _fingerprint(book_content: str, *extras: str | None) -> str:
    """A digest of the book's tables (``tables_digest``) and of every extra input (a file's bytes, a folder's files' bytes)."""
    h = hashlib.sha256(__version__.encode())
    h.update(book_content.encode())
    for extra in extras:
        if extra:
            paths = [Path(extra)] if Path(extra).is_file() else sorted(Path(extra).rglob("*"))
            for p in paths:
                if p.is_file():
                    h.update(p.read_bytes())
    return h.hexdigest()


def _unit(job: Job, fmt: str = "pdf") -> dict[str, Any]:
    """What the manifest records for the ``fmt`` output of ``job`` (a PDF's is what it was before decks)."""
    raw = asdict(job)
    del raw["formats"]
    if fmt != "pdf":
        raw.update(format=fmt, filename=job.output(fmt))
    return raw


def _key(job: Job, fmt: str = "pdf") -> str:
    return json.dumps(_unit(job, fmt), sort_keys=True)


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.enabled = enabled and total > 0
        self.tty = sys.stderr.isatty()
        self.t0 = time.perf_counter()
        self.step = max(1, total // 10)

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += outcome.status == "failed"
        if not self.enabled:
            return
        rate = self.done / max(time.perf_counter() - self.t0, 1e-9)
        line = f"[{self.done:>{len(str(self.total))}}/{self.total}] {self.failed} failed, {rate * 60:.0f}/min"
        if self.tty:
            width = 24
            filled = int(width * self.done / self.total)
            print(f"\r{'#' * filled}{'.' * (width - filled)} {line}", end="", file=sys.stderr, flush=True)
            if self.done == self.total:
                print(file=sys.stderr)
        elif self.done % self.step == 0 or self.done == self.total:
            print(line, file=sys.stderr, flush=True)

    def stop(self) -> None:
        if self.enabled and self.tty and self.done < self.total:
            print(file=sys.stderr)


class _Signals:
    """SIGINT/SIGTERM set a flag while a batch runs (main thread only); the loop stops on it."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.count = 0

    def __call__(self, signum: int, frame: Any) -> None:
        self.count += 1
        if self.signum is None:
            self.signum = signum
        gate = os.environ.get(GATE_ENV)
        if gate:  # the test hook (module docstring): the signal was taken
            with suppress(OSError):
                (Path(gate) / f"signalled-{self.count}").touch()

    @contextmanager
    def installed(self) -> Iterator[_Signals]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        old = {sig: signal.signal(sig, self) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)


def run_batch(
    book_path: str | os.PathLike[str] | FrozenBook,
    jobs: Sequence[Job],
    *,
    out_dir: str | os.PathLike[str],
    workers: int = 1,
    resume: bool = False,
    templates_dir: str | os.PathLike[str] | None = None,
    branding_path: str | os.PathLike[str] | None = None,
    progress: bool = True,
    executor_factory: Callable[..., cf.Executor] | None = None,
    prune_stale: bool = False,
    deck_template: str | os.PathLike[str] | None = None,
) -> BatchResult:
    """Render ``jobs`` into ``out_dir``; returns one outcome per job (failures included).

    ``executor_factory(max_workers, initializer, initargs)`` may supply another
    ``concurrent.futures`` executor (e.g. a cluster); the default is a local process pool
    with the forkserver start method, or the current process when ``workers == 1``.
    ``prune_stale`` removes outputs the manifest records for the same job under another
    file name (a renamed client); they are listed in ``stale`` either way. ``deck_template``
    is the .pptx the jobs' decks are made on (check it first:
    :func:`cs_reports.reports.deck.qbr_deck.check_deck_template`). ``book_path`` may be a
    :class:`~cs_reports.reports.batch.frozen.FrozenBook` the caller already read (the CLI builds its
    jobs from it); a path is read once here.
    """
    t0 = time.perf_counter()
    out = ensure_output_dir(out_dir)
    manifest = Manifest(out)  # refuses a symlinked manifest before any work
    if isinstance(book_path, FrozenBook):
        frozen, own = book_path, False
    else:
        frozen, own = freeze_book(book_path), True
    try:
        return _run_frozen(
            frozen,
            jobs,
            out,
            manifest,
            workers,
            resume,
            templates_dir,
            branding_path,
            progress,
            executor_factory,
            prune_stale,
            deck_template,
            t0,
        )
    finally:
        if own:
            frozen.close()


def _run_frozen(
    frozen: FrozenBook,
    jobs: Sequence[Job],
    out: Path,
    manifest: Manifest,
    workers: int,
    resume: bool,
    templates_dir: str | os.PathLike[str] | None,
    branding_path: str | os.PathLike[str] | None,
    progress: bool,
    executor_factory: Callable[..., cf.Executor] | None,
    prune_stale: bool,
    deck_template: str | os.PathLike[str] | None,
    t0: float,
) -> BatchResult:
    settings = _Settings(
        frozen.source,
        None if templates_dir is None else str(templates_dir),
        None if branding_path is None else str(branding_path),
        book_digest=frozen.digest,
        book_content=frozen.content,
        # local workers unpickle the parent's validated book; others check the digest
        book_pickle=str(frozen.pickle_path) if executor_factory is None else None,
        deck_template=None if deck_template is None else str(deck_template),
    )
    fingerprints = _fingerprints(settings, jobs)
    recorded = manifest.read()
    outcomes: list[Outcome | None] = [None] * len(jobs)
    todo: list[tuple[int, Job]] = []
    for i, job in enumerate(jobs):
        entries = {fmt: recorded.get(_key(job, fmt)) for fmt in job.formats}
        done = {
            fmt: entry.files
            for fmt, entry in entries.items()
            if resume
            and entry is not None
            and entry.fingerprint == fingerprints[fmt]
            and entry.files
            and all(intact(out / f.name, f) for f in entry.files)
        }
        if len(done) == len(job.formats):
            outcomes[i] = Outcome(job, "skipped", files=tuple(f.name for files in done.values() for f in files))
        else:  # only the formats not up to date (the context is built once for them)
            todo.append((i, replace(job, formats=tuple(f for f in job.formats if f not in done))))
    _remove_temporaries(out, [job for _, job in todo])  # left by workers killed in an earlier run
    current = {job_identity(_unit(j, fmt)): j.output(fmt) for j in jobs for fmt in j.formats}
    stale = manifest.stale(current, recorded)
    pruned = manifest.prune(stale) if prune_stale and stale else []
    bar = _Progress(len(todo), progress)

    def record(index: int, outcome: Outcome, *, keep: bool) -> None:
        if outcome.status == "written":
            outcome = _commit(out, manifest, fingerprints, outcome) if keep else _discard(outcome)
        outcomes[index] = outcome
        bar.update(outcome)

    signals = _Signals()
    try:
        with signals.installed():
            _run_jobs(settings, todo, out, workers, executor_factory, record, signals, frozen.book)
    finally:
        bar.stop()
        with suppress(OutputError):
            manifest.compact()  # the journal written so far is valid without it
    for i, job in todo:
        if outcomes[i] is None:
            outcomes[i] = Outcome(job, "cancelled", reason="not started: the batch was interrupted")
    return BatchResult(
        tuple(o for o in outcomes if o is not None),
        out,
        time.perf_counter() - t0,
        interrupted=signals.signum,
        stale=tuple(name for _, name in stale),
        pruned=tuple(pruned),
    )


def _commit(out: Path, manifest: Manifest, fingerprints: dict[str, str], outcome: Outcome) -> Outcome:
    """Journal a rendered report (one line per format), then give its files their final names."""
    entries = [
        {
            "job": _key(outcome.job, fmt),
            "fingerprint": fingerprints[fmt],
            "files": [asdict(s.record) for s in outcome.staged if s.output == fmt],
        }
        for fmt in outcome.job.formats
    ]
    try:
        manifest.append(entries)
    except BaseException:
        _discard(outcome)
        raise
    try:
        for item in outcome.staged:
            commit_output(item.tmp, out / item.record.name)
    except OutputError as exc:  # journaled but not there: --resume renders it again
        _discard(outcome)
        return Outcome(outcome.job, "failed", outcome.seconds, str(exc))
    return Outcome(outcome.job, "written", outcome.seconds, files=outcome.files)


def _discard(outcome: Outcome) -> Outcome:
    for item in outcome.staged:
        discard_output(item.tmp)
    if outcome.status != "written":
        return outcome
    return Outcome(outcome.job, "cancelled", outcome.seconds, "finished after the interruption; discarded")


def _run_jobs(
    settings: _Settings,
    todo: list[tuple[int, Job]],
    out: Path,
    workers: int,
    executor_factory: Callable[..., cf.Executor] | None,
    record: Callable[..., None],
    signals: _Signals,
    book: Any = None,
) -> None:
    """Render ``todo`` (job index, job) and ``record`` each outcome as it is known."""
    if not todo:
        return
    grace = stop_grace()  # a bad value is refused before any work, not when a signal comes
    if executor_factory is None and workers <= 1:
        _init(settings, worker=False, book=book)
        for index, job in todo:
            if signals.signum is not None:
                return
            record(index, _render(job, str(out)), keep=True)
        return
    factory = executor_factory or _process_pool
    pool = factory(max(1, workers), _init, (settings,))
    pending: dict[cf.Future[Outcome], tuple[int, Job]] = {}
    try:
        for index, job in todo:
            pending[pool.submit(_render, job, str(out))] = (index, job)
        check: Callable[[], None] | None = getattr(pool, "check", None)
        while pending and signals.signum is None:
            done, _ = cf.wait(pending, timeout=_TICK, return_when=cf.FIRST_COMPLETED)
            for future in done:
                index, job = pending.pop(future)
                record(index, _result(future, job, pool), keep=True)
            if check is not None and pending:
                check()
    finally:
        _drain(pool, pending, record, out, graceful=signals, grace=grace)


def _result(future: cf.Future[Outcome], job: Job, pool: cf.Executor) -> Outcome:
    """The outcome of a finished future; a dead worker or cluster becomes a failure with its reason."""
    try:
        return future.result()
    except ClusterError:
        raise  # the whole batch stops, with the cluster's reason
    except cf.CancelledError:
        why: Callable[[], str] | None = getattr(pool, "why_cancelled", None)
        reason = why() if why is not None else "cancelled"
        return Outcome(job, "failed", 0.0, f"worker failed: {reason}")
    except CsReportsError as exc:  # a worker died (killed, out of memory, past the timeout)
        return Outcome(job, "failed", 0.0, f"worker failed: {exc}")
    except Exception as exc:
        return Outcome(job, "failed", 0.0, f"worker failed: {type(exc).__name__}: {exc}")


def _drain(
    pool: cf.Executor,
    pending: dict[cf.Future[Outcome], tuple[int, Job]],
    record: Callable[..., None],
    out: Path,
    graceful: _Signals,
    grace: float = GRACE_SECONDS,
) -> None:
    """Stop ``pool``: cancel what has not started, let running jobs finish for a while, kill the rest.

    After a signal, reports that finish within ``grace`` seconds are kept (journaled and
    renamed); after an error (manifest write, lost cluster) nothing more is kept. Either
    way no temporary file of this batch is left behind.
    """
    keep = graceful.signum is not None and graceful.count < 2
    running = {f: item for f, item in pending.items() if not f.cancel()}
    deadline = time.monotonic() + (grace if keep else 0.0)
    try:
        while running and time.monotonic() < deadline and graceful.count < 2:
            done, _ = cf.wait(running, timeout=_TICK, return_when=cf.FIRST_COMPLETED)
            for future in done:
                index, job = running.pop(future)
                with suppress(ClusterError):
                    outcome = _result(future, job, pool)
                    if outcome.status == "written":  # a failure now may be the signal itself
                        record(index, outcome, keep=keep)
    finally:
        stop_executor(pool, wait=not running)
        for future in running:
            if future.done() and not future.cancelled():
                with suppress(Exception):
                    _discard(future.result())
        _remove_temporaries(out, [job for _, job in pending.values()])


def _remove_temporaries(out: Path, jobs: list[Job]) -> None:
    """Remove the hidden ``.{name}.{random}.part`` files of ``jobs`` left by killed workers."""
    if not jobs:
        return
    names = {job.output(fmt) for job in jobs for fmt in ("pdf", "xlsx", *job.formats)}
    with suppress(OSError), os.scandir(out) as entries:
        for item in entries:
            if item.name.startswith(".") and item.name.endswith(".part"):
                if item.name[1:-5].rsplit(".", 1)[0] in names:
                    discard_output(item.path)


def start_method() -> str:
    """``forkserver`` where it exists (POSIX: fast, no inherited state), else ``spawn`` (Windows)."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


#: Modules the forkserver imports before forking workers (a missing optional one is skipped).
_PRELOAD = (
    "__main__",
    "cs_reports.data",
    "cs_reports.reports.kinds",
    "cs_reports.reports.content.qbr",
    "cs_reports.reports.content.success_map",
    "cs_reports.reports.content.finance",
    "cs_reports.reports.pdf.document",
    "cs_reports.reports.deck.qbr_deck",
    "weasyprint",
)


def stop_grace() -> float:
    """:data:`GRACE_SECONDS`, or the seconds from 0 to 3600 in ``CS_REPORTS_STOP_GRACE``.

    >>> import os; os.environ[GRACE_ENV] = "soon"
    >>> stop_grace()
    Traceback (most recent call last):
    ...
    cs_reports.errors.CsReportsError: CS_REPORTS_STOP_GRACE must be a number of seconds from 0 to 3600; got 'soon'.
    >>> os.environ[GRACE_ENV] = "0.5"; stop_grace()
    0.5
    >>> del os.environ[GRACE_ENV]; stop_grace()
    5.0
    """
    raw = os.environ.get(GRACE_ENV, "").strip()
    if not raw:
        return GRACE_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 3600.0:  # NaN fails too
        raise CsReportsError(f"{GRACE_ENV} must be a number of seconds from 0 to 3600; got {raw[:20]!r}.")
    return value


def recycle_after() -> int:
    """:data:`RECYCLE_AFTER`, or the whole number >= 1 in ``CS_REPORTS_RECYCLE_AFTER``."""
    raw = os.environ.get(RECYCLE_ENV, "").strip()
    if not raw:
        return RECYCLE_AFTER
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise CsReportsError(f"{RECYCLE_ENV} must be a whole number from 1 to 999999999; got {raw[:20]!r}.")
    return int(raw)


def _process_pool(max_workers: int, initializer: Callable[..., None], initargs: Iterable[Any]) -> cf.Executor:
    method = start_method()
    if method == "forkserver":
        from multiprocessing import forkserver

        # Workers are recycled (a new process every RECYCLE_AFTER reports): the forkserver
        # imports the renderer once, so a new worker starts in milliseconds, not a second.
        multiprocessing.get_context("forkserver").set_forkserver_preload(list(_PRELOAD))
        with children_ignore_sigint():  # the forkserver passes SIGINT ignored to every worker it forks
            forkserver.ensure_running()
    return WorkerPool(
        max_workers,
        initializer,
        initargs,
        mp_context=multiprocessing.get_context(method),
        recycle_after=recycle_after(),
        task_timeout=TASK_TIMEOUT,
    )

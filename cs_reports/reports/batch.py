"""Render many reports: process pool, atomic writes, resume, and one outcome per report.

Each worker loads the book, the templates and the fonts once (initializer), then
renders jobs; workers are recycled every ``RECYCLE_AFTER`` jobs to keep memory flat.
One failing report never stops the others: its outcome says why. The book is loaded
with ``quarantine=True``: clients whose rows have problems fail with those problems
while every other client's report is rendered. ``resume`` skips
outputs recorded in the folder's manifest with the same inputs and options.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cs_reports import __version__
from cs_reports._io import atomic_output, ensure_output_dir
from cs_reports.errors import CsReportsError, OutputError

__all__ = ["MANIFEST", "BatchResult", "Job", "Outcome", "run_batch"]

MANIFEST = ".cs-reports-manifest.jsonl"
RECYCLE_AFTER = 200


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


@dataclass(frozen=True)
class Outcome:
    """What happened to one job."""

    job: Job
    status: str  # written / skipped / failed
    seconds: float = 0.0
    reason: str = ""
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchResult:
    """All outcomes of a batch."""

    outcomes: tuple[Outcome, ...]
    out_dir: Path
    seconds: float = 0.0

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


@dataclass
class _Settings:
    book_path: str
    templates_dir: str | None
    branding_path: str | None
    extra_outputs: bool = True  # the finance report also writes its xlsx
    state: dict[str, Any] = field(default_factory=dict)


_WORKER: _Settings | None = None


def _init(settings: _Settings) -> None:
    global _WORKER
    from cs_reports.data import load_book
    from cs_reports.reports.render import Templates, load_branding

    settings.state = {
        "book": load_book(settings.book_path, quarantine=True),
        "templates": Templates(Path(settings.templates_dir) if settings.templates_dir else None),
        "branding": load_branding(settings.branding_path),
    }
    _WORKER = settings


def _render(job: Job, out_dir: str) -> Outcome:
    from cs_reports.reports.kinds import produce

    assert _WORKER is not None
    st = _WORKER.state
    t0 = time.perf_counter()
    problems = _data_problems(st["book"], job)
    if problems:
        return Outcome(job, "failed", time.perf_counter() - t0, problems)
    try:
        pdf, context = produce(
            st["book"],
            job.kind,
            job.period,
            job.client_id,
            job.lang,
            templates=st["templates"],
            branding=st["branding"],
            audience=job.audience,
            settings=_settings_of(job.settings, st),
        )
        files = [job.filename]
        with atomic_output(Path(out_dir) / job.filename) as fh:
            fh.write(pdf)
        if job.kind == "finance" and _WORKER.extra_outputs:
            from cs_reports.reports.finance_xlsx import finance_xlsx

            xlsx_name = job.filename.removesuffix(".pdf") + ".xlsx"
            with atomic_output(Path(out_dir) / xlsx_name) as fh:
                fh.write(finance_xlsx(context, job.lang))
            files.append(xlsx_name)
    except CsReportsError as exc:
        return Outcome(job, "failed", time.perf_counter() - t0, str(exc))
    except Exception as exc:  # one broken client never stops the batch; the reason is kept
        return Outcome(job, "failed", time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")
    return Outcome(job, "written", time.perf_counter() - t0, files=tuple(files))


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


def _fingerprint(book_path: str, templates_dir: str | None, branding_path: str | None) -> str:
    h = hashlib.sha256(__version__.encode())
    h.update(
        Path(book_path).read_bytes()
        if Path(book_path).is_file()
        else str(sorted((p.name, p.stat().st_mtime_ns) for p in Path(book_path).iterdir())).encode()
    )
    for extra in (templates_dir, branding_path):
        if extra:
            paths = [Path(extra)] if Path(extra).is_file() else sorted(Path(extra).rglob("*"))
            for p in paths:
                if p.is_file():
                    h.update(p.read_bytes())
    return h.hexdigest()


def _load_manifest(out_dir: Path) -> dict[str, str]:
    """Job key -> input fingerprint of every report written so far.

    The manifest is a journal: one JSON line appended (and fsync'ed) per written
    report, so a batch of 100,000 reports costs 100,000 short appends, not 100,000
    rewrites of a growing file. A line cut short by ``kill -9`` is ignored; that
    report is simply rendered again by ``--resume``.
    """
    manifest: dict[str, str] = {}
    try:
        text = (out_dir / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return manifest
    for line in text.splitlines():
        try:
            entry = json.loads(line)
            manifest[str(entry["job"])] = str(entry["fingerprint"])
        except (ValueError, KeyError, TypeError):
            continue
    return manifest


class _Journal:
    """Append-only manifest writer; compacted (atomically) when the batch ends."""

    def __init__(self, out_dir: Path, manifest: dict[str, str]) -> None:
        self.path = out_dir / MANIFEST
        self.manifest = manifest
        self.handle: Any = None

    def add(self, key: str, fingerprint: str) -> None:
        self.manifest[key] = fingerprint
        try:
            if self.handle is None:
                self.handle = open(self.path, "a", encoding="utf-8")  # closed in close()
                if self.handle.tell():  # a previous run may have been cut mid-line
                    self.handle.write("\n")
            self.handle.write(json.dumps({"job": key, "fingerprint": fingerprint}) + "\n")
            self.handle.flush()
            os.fsync(self.handle.fileno())
        except OSError as exc:
            raise OutputError(f"Cannot write the batch manifest '{self.path}': {exc.strerror or exc}.") from None

    def close(self) -> None:
        if self.handle is None:
            return
        self.handle.close()
        self.handle = None
        try:
            with atomic_output(self.path, mode="w") as fh:
                for key, fingerprint in sorted(self.manifest.items()):
                    fh.write(json.dumps({"job": key, "fingerprint": fingerprint}) + "\n")
        except OutputError:
            pass  # the journal written so far is still valid


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


def run_batch(
    book_path: str | os.PathLike[str],
    jobs: Sequence[Job],
    *,
    out_dir: str | os.PathLike[str],
    workers: int = 1,
    resume: bool = False,
    templates_dir: str | os.PathLike[str] | None = None,
    branding_path: str | os.PathLike[str] | None = None,
    progress: bool = True,
    executor_factory: Callable[..., cf.Executor] | None = None,
) -> BatchResult:
    """Render ``jobs`` into ``out_dir``; returns one outcome per job (failures included).

    ``executor_factory(max_workers, initializer, initargs)`` may supply another
    ``concurrent.futures`` executor (e.g. a cluster); the default is a local process pool
    with the forkserver start method, or the current process when ``workers == 1``.
    """
    t0 = time.perf_counter()
    out = ensure_output_dir(out_dir)
    settings = _Settings(
        str(book_path),
        None if templates_dir is None else str(templates_dir),
        None if branding_path is None else str(branding_path),
    )
    fingerprint = _fingerprint(settings.book_path, settings.templates_dir, settings.branding_path)
    manifest = _load_manifest(out)
    outcomes: list[Outcome | None] = [None] * len(jobs)
    todo: list[tuple[int, Job]] = []
    for i, job in enumerate(jobs):
        key = json.dumps(asdict(job), sort_keys=True)
        if resume and manifest.get(key) == fingerprint and (out / job.filename).exists():
            outcomes[i] = Outcome(job, "skipped")
        else:
            todo.append((i, job))
    bar = _Progress(len(todo), progress)
    journal = _Journal(out, manifest)

    def record(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        bar.update(outcome)
        if outcome.status == "written":
            journal.add(json.dumps(asdict(outcome.job), sort_keys=True), fingerprint)

    try:
        _run_jobs(settings, todo, out, workers, executor_factory, record)
    finally:
        journal.close()
    return BatchResult(tuple(o for o in outcomes if o is not None), out, time.perf_counter() - t0)


def _run_jobs(
    settings: _Settings,
    todo: list[tuple[int, Job]],
    out: Path,
    workers: int,
    executor_factory: Callable[..., cf.Executor] | None,
    record: Callable[[int, Outcome], None],
) -> None:
    """Render ``todo`` (job index, job) and ``record`` each outcome as it is known."""
    if not todo:
        return
    if executor_factory is None and workers <= 1:
        _init(settings)
        for index, job in todo:
            record(index, _render(job, str(out)))
        return
    factory = executor_factory or _process_pool
    with factory(max(1, workers), _init, (settings,)) as pool:
        futures = {pool.submit(_render, job, str(out)): (index, job) for index, job in todo}
        for future in cf.as_completed(futures):
            index, job = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # a worker died (killed, out of memory)
                outcome = Outcome(job, "failed", 0.0, f"worker failed: {type(exc).__name__}: {exc}")
            record(index, outcome)


def _process_pool(max_workers: int, initializer: Callable[..., None], initargs: Iterable[Any]) -> cf.Executor:
    return cf.ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=initializer,
        initargs=tuple(initargs),
        max_tasks_per_child=RECYCLE_AFTER,
    )

"""Headless recalculation of a workbook, CS_ functions included, with LibreOffice Calc.

This module holds the passes, the spill measurement and the output; what runs inside
LibreOffice (the generated Basic module, the Python bridge), its profile and how soffice
is started and stopped are in :mod:`cs_reports.excel.libreoffice`.

How it works
    Calc resolves a cell function it does not know (``CS_NPS``) to a Basic function of
    the same name, which calls :mod:`cs_reports.excel.functions` through LibreOffice's
    Python (:func:`cs_reports.excel.libreoffice.basic_module`). The workbook is converted
    xlsx -> xlsx with OOXML recalculation set to *always*, so formulas are kept and fresh
    cached values are written.

Safety
    A dedicated profile per run (copied from a cached, initialised one); the input is
    copied first and never modified; LibreOffice runs in its own session, and a hard
    timeout or a SIGINT/SIGTERM/SIGHUP to this process kills that whole process group and
    removes the ``cs-reports-recalc-*`` temp folder; the output is moved into place
    atomically. A CS_ function's error becomes the same one-line ``#VALUE! ...`` text a
    cell shows in Excel.

Spills
    LibreOffice 7.4 keeps an array formula at its saved size. Excel 365's spilled formulas
    (:mod:`cs_reports.excel.dynamic`) are therefore measured during each pass and resized
    until their sizes settle, and spill references (``A1#``) are given the spill's range for
    the pass; the output keeps the original formulas, still spilling (see :func:`_recalc_in`).

Batches
    :func:`recalc_many` recalculates several workbooks in one LibreOffice launch: LibreOffice
    starts, and its Python imports cs-reports (pandas, numpy, scipy), once for all of them.

Errors
    :func:`error_cells` reads the output's cells directly (calamine shows error cells as
    empty) and lists every error value (``#DIV/0!``, ``#NAME?``, LibreOffice's ``Err:nnn``,
    and the one-line CS_ error texts) as ``Sheet!A1: value``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from xml.etree import ElementTree

from cs_reports._io import atomic_output, refuse_overwrite_of_input
from cs_reports._soffice import find_soffice
from cs_reports.errors import CsReportsError, InvalidInputError, OutputError
from cs_reports.excel import dynamic
from cs_reports.excel.functions import REGISTRY
from cs_reports.excel.libreoffice import (
    SPILL_LOG_VARIABLE,
    SPILL_PROBE,
    initialised_profile,
    prepare_profile,
    run_soffice,
)
from cs_reports.excel.values import freeze_values

__all__ = [
    "RecalcInterrupted",
    "RecalcResult",
    "error_cells",
    "find_soffice",
    "recalc",
    "recalc_many",
    "spilled_formulas",
]

DEFAULT_TIMEOUT = 300.0
MAX_PASSES = 4  #: LibreOffice passes before spilled results must have settled


@dataclass(frozen=True)
class RecalcResult:
    """What :func:`recalc` did: the output, the seconds LibreOffice took, every error cell (``Sheet!A1: value``)."""

    output: Path
    seconds: float
    errors: tuple[str, ...]


class RecalcInterrupted(CsReportsError):
    """A signal stopped :func:`recalc`; LibreOffice was killed and nothing was written."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        name = signal.Signals(signum).name
        super().__init__(f"interrupted by {name}: LibreOffice was stopped and nothing was written.")


_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn SIGINT/SIGTERM/SIGHUP into :class:`RecalcInterrupted` (once) while recalculating.

    The exception unwinds through :func:`~cs_reports.excel.libreoffice.run_soffice` (which kills
    LibreOffice's process group) and the temp folder's context manager (which removes it);
    later signals are ignored until then.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        if not received:
            received.append(signum)
            raise RecalcInterrupted(signum)

    previous = {signum: signal.signal(signum, stop) for signum in _STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ERROR_TEXT = re.compile(r"^(#(VALUE!|N/A|NAME\?|NUM!|DIV/0!|REF!|NULL!) CS_|Err:\d{3}$)")


def _shared_strings(parts: Mapping[str, bytes]) -> list[str]:
    if "xl/sharedStrings.xml" not in parts:
        return []
    root = ElementTree.fromstring(parts["xl/sharedStrings.xml"])
    return ["".join(t.text or "" for t in si.iter(f"{_NS}t")) for si in root.iter(f"{_NS}si")]


def _sheet_ref(name: str) -> str:
    """A sheet name as Excel writes it in a reference (quoted when not a plain word).

    >>> _sheet_ref("Dashboard"), _sheet_ref("MRR bridge"), _sheet_ref("it's")
    ('Dashboard', "'MRR bridge'", "'it''s'")
    """
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) else "'" + name.replace("'", "''") + "'"


def error_cells(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """Every cell of an .xlsx whose cached value is an error, as ``Sheet!A1: value`` lines.

    Error values (``#DIV/0!``, ``#NAME?``, ``#N/A``, ...), LibreOffice's ``Err:nnn`` texts
    and the one-line CS_ error texts (``#VALUE! CS_NPS: ...``) all count.
    """
    return _errors_of(dynamic.read_parts(path))


def _errors_of(parts: Mapping[str, bytes]) -> tuple[str, ...]:
    """:func:`error_cells` of a workbook already read into parts."""
    found = []
    strings = _shared_strings(parts)
    for name, part in dynamic.sheet_parts(parts).items():
        if part not in parts:
            continue
        for _event, cell in ElementTree.iterparse(io.BytesIO(parts[part])):
            if cell.tag != f"{_NS}c":
                continue
            kind, v = cell.get("t"), cell.find(f"{_NS}v")
            text = v.text if v is not None else None
            if kind == "s" and text is not None:
                text = strings[int(text)] if int(text) < len(strings) else None
            elif kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(f"{_NS}t"))
            if text and (kind == "e" or (kind in ("s", "str", "inlineStr") and _ERROR_TEXT.match(text))):
                found.append(f"{_sheet_ref(name)}!{cell.get('r')}: {text}")
            cell.clear()
    return tuple(found)


_BOOLEAN_FORMULA = re.compile(rb'(<c [^>]*t="b"[^>]*>)<f[^>]*>(?:TRUE|FALSE)\(\)</f>')


def _keep_booleans(parts: dict[str, bytes]) -> None:
    """LibreOffice writes a TRUE/FALSE constant as ``=TRUE()``; put the plain value back (in place)."""
    for name, data in parts.items():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            parts[name] = _BOOLEAN_FORMULA.sub(rb"\1", data)


def recalc(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    soffice: str | None = None,
    values: bool = False,
) -> RecalcResult:
    """Recalculate every formula of ``source`` (CS_ functions included) into ``output`` (.xlsx).

    Parameters
    ----------
    source : path
        An .xlsx workbook; never modified.
    output : path
        The recalculated copy, formulas kept and values cached; replaced atomically.
    timeout : float, default 300
        Seconds before LibreOffice is killed (then nothing is written).
    soffice : str, optional
        The ``soffice`` program (default: :func:`cs_reports._soffice.find_soffice`: ``CS_REPORTS_SOFFICE``,
        ``PATH``, then where LibreOffice's installers put it on Windows, macOS and Linux).
    values : bool, default False
        Write every formula's value instead of the formula (:func:`cs_reports.excel.values.freeze_values`):
        a copy to share, which plain LibreOffice opens without ``#NAME?`` (it recalculates formulas
        on opening and has no CS_ functions).

    Raises
    ------
    InvalidInputError
        The source is missing or not .xlsx, or LibreOffice is not installed.
    OutputError
        LibreOffice failed or timed out, or the output cannot be written.
    RecalcInterrupted
        SIGINT, SIGTERM or SIGHUP arrived: LibreOffice's process group was killed, the
        temp folder removed, nothing written.
    """
    (result,) = recalc_many([(source, output)], timeout=timeout, soffice=soffice, values=values)
    return result


def recalc_many(
    workbooks: Sequence[tuple[str | os.PathLike[str], str | os.PathLike[str]]],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    soffice: str | None = None,
    values: bool | Sequence[bool] = False,
) -> list[RecalcResult]:
    """:func:`recalc` of several workbooks in one LibreOffice launch: one start and one bridge import for all.

    ``workbooks`` are ``(source, output)`` pairs; ``values`` is one flag for all or one per pair.
    Each pass converts every workbook whose spills have not settled yet. All or nothing:
    when LibreOffice fails on any workbook, times out or is interrupted, no output is written.
    The results are in the order of ``workbooks``; ``seconds`` is LibreOffice's time for the
    whole batch. Raises as :func:`recalc` does; two pairs with the same output are refused.
    """
    flags = [values] * len(workbooks) if isinstance(values, bool) else list(values)
    if len(flags) != len(workbooks):
        raise InvalidInputError(f"recalc_many: {len(workbooks)} workbook(s) but {len(flags)} values flag(s).")
    jobs = [_job(Path(src), Path(out), flag) for (src, out), flag in zip(workbooks, flags, strict=True)]
    outputs = [job.out.resolve() for job in jobs]
    if len(set(outputs)) != len(outputs):
        raise InvalidInputError("recalc_many: two workbooks would be written to the same output.")
    for job in jobs:
        for other in jobs:
            refuse_overwrite_of_input(job.out, other.src)
    if not jobs:
        return []
    program = soffice or find_soffice()
    with _stop_on_signals():
        return _recalc_in(jobs, program, timeout)


def _job(src: Path, out: Path, values: bool) -> _Job:
    if not src.is_file():
        raise InvalidInputError(f"The workbook '{src}' does not exist.")
    if src.suffix.lower() not in (".xlsx", ".xlsm") or out.suffix.lower() != ".xlsx":
        raise InvalidInputError(f"recalc reads .xlsx/.xlsm and writes .xlsx; got '{src.name}' -> '{out.name}'.")
    return _Job(src, out, values)


def spilled_formulas(parts: Mapping[str, bytes]) -> list[dynamic.Spill]:
    """The array formulas recalc grows: marked as dynamic arrays, or recognised by what they call.

    openpyxl and LibreOffice 7.4 drop Excel 365's dynamic-array markers when they save a
    workbook, so the markers alone would leave a script-edited book at its old size. An
    array formula also spills when it calls a CS_ function whose registry entry returns
    a table or one value per row (:attr:`ExcelFunction.may_spill`), or reads a Table or a
    defined name as tall as one (:func:`cs_reports.excel.dynamic.grows_with`): what Excel
    365 spills. A fixed-size legacy array over other ranges keeps its size.
    """
    marked = {(s.sheet, s.cell) for s in dynamic.find_spills(parts)}
    growing = dynamic.grows_with(parts) | {name.lower() for name, entry in REGISTRY.items() if entry.may_spill}
    return [
        a for a in dynamic.find_arrays(parts) if (a.sheet, a.cell) in marked or dynamic.refers_to(a.formula, growing)
    ]


def _probe(key: int, formula: str) -> str:
    return f"{SPILL_PROBE}({key},{formula})"


def _measured(log: Path) -> dict[int, tuple[int, int]]:
    """Spill sizes the probes logged (the last line of each wins: Calc may evaluate a cell twice)."""
    sizes: dict[int, tuple[int, int]] = {}
    if log.is_file():
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and all(p.strip().isdigit() for p in parts):
                key, rows, cols = (int(p) for p in parts)
                sizes[key] = (rows, cols)
    return sizes


@dataclass
class _Job:
    """One workbook of a :func:`recalc_many` batch and its spills' state across passes."""

    src: Path
    out: Path
    values: bool
    first_key: int = 0  #: probe keys are unique in a batch: spill i of this job logs key first_key + i
    source: dict[str, bytes] = field(default_factory=dict)
    spills: dict[tuple[str, str], dynamic.Spill] = field(default_factory=dict)
    sizes: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    blocked: dict[tuple[str, str], str] = field(default_factory=dict)
    originals: dict[tuple[str, str], str] = field(default_factory=dict)
    produced: Path | None = None

    def read(self, first_key: int) -> int:
        """Read the source and its spills; returns the next free probe key."""
        self.first_key = first_key
        self.source = dynamic.read_parts(self.src)
        self.spills = {(s.sheet, s.cell): s for s in spilled_formulas(self.source)}
        self.sizes = {k: (s.rows, s.cols) for k, s in self.spills.items()}
        return first_key + len(self.spills)

    def stage(self, staged: Path) -> None:
        """Write this pass's input: spills wrapped in probes at their current sizes, ``A1#`` as ranges."""
        if not self.spills:
            shutil.copyfile(self.src, staged)
            return
        parts = dict(self.source)
        probes = {
            k: (_probe(self.first_key + i, s.formula), *self.sizes[k]) for i, (k, s) in enumerate(self.spills.items())
        }
        for sheet, cell, in_way in dynamic.rewrite_spills(parts, probes):
            self.blocked[(sheet, cell)] = in_way
            self.sizes[(sheet, cell)] = (self.spills[(sheet, cell)].rows, self.spills[(sheet, cell)].cols)
        # Spill references (A1#) as the ranges they cover now: LibreOffice has no such reference.
        current = {k: replace(s, rows=self.sizes[k][0], cols=self.sizes[k][1]) for k, s in self.spills.items()}
        self.originals = dynamic.resolve_spill_refs(parts, current)
        dynamic.write_parts(staged, parts)

    def grown(self, measured: Mapping[int, tuple[int, int]]) -> dict[tuple[str, str], tuple[int, int]]:
        """The spills whose measured size differs from the size of this pass (not the blocked ones)."""
        return {
            k: measured[self.first_key + i]
            for i, k in enumerate(self.spills)
            if self.first_key + i in measured
            and k not in self.blocked
            and measured[self.first_key + i] != self.sizes[k]
        }

    def finish(self, seconds: float) -> RecalcResult:
        """The output: original formulas at their final sizes, still spilling; booleans kept; errors listed."""
        assert self.produced is not None
        parts = dynamic.read_parts(self.produced)
        if self.spills:
            dynamic.restore_formulas(parts, {k: v for k, v in self.originals.items() if k not in self.spills})
            try:
                dynamic.rewrite_spills(parts, {k: (s.formula, *self.sizes[k]) for k, s in self.spills.items()})
                dynamic.mark_dynamic(parts, list(self.spills))
            except ValueError as exc:
                raise OutputError(f"LibreOffice's copy of '{self.src.name}' lost a spilled formula: {exc}.") from None
        _keep_booleans(parts)
        errors = _errors_of(parts) + tuple(
            f"{_sheet_ref(sheet)}!{cell}: #SPILL! (its result needs {in_way}, which is not empty)"
            for (sheet, cell), in_way in self.blocked.items()
        )
        if self.values:
            freeze_values(parts)
        with atomic_output(self.out) as handle:
            dynamic.write_parts(handle, parts)
        return RecalcResult(self.out, seconds, errors)


def _convert(
    program: str, work: Path, staged: list[Path], timeout: float, log: Path, names: list[str]
) -> tuple[list[Path], float]:
    """One LibreOffice pass: every ``staged`` file -> ``work/out-N/`` (same names); returns them and the seconds."""
    outdir = staged[0].parent.with_name(staged[0].parent.name.replace("in", "out"))
    started = time.perf_counter()
    done = run_soffice(
        [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(outdir),
            *(str(path) for path in staged),
        ],
        timeout,
        work / "tmp",
        {SPILL_LOG_VARIABLE: str(log)},
    )
    seconds = time.perf_counter() - started
    produced = [outdir / path.name for path in staged]
    missing = [name for name, path in zip(names, produced, strict=True) if not path.is_file()]
    if done.returncode != 0 or missing:
        detail = " ".join((done.stderr or done.stdout or "no output").split())[:300]
        which = f" '{missing[0]}'" if missing and len(staged) > 1 else ""
        raise OutputError(f"LibreOffice could not recalculate the workbook{which} (exit {done.returncode}): {detail}")
    return produced, seconds


def _recalc_in(jobs: list[_Job], program: str, timeout: float) -> list[RecalcResult]:
    """Recalculate; spilled formulas are measured each pass and resized until they settle.

    Pass N wraps every spilled formula in ``CS_SPILL_PROBE`` (which logs its result's
    size); when a size differs from the formula's range, the range is resized and the
    workbook recalculated again (a spill that feeds another one may need a third pass).
    Every workbook of a batch goes through one LibreOffice launch per pass; a workbook
    whose sizes settled leaves the batch. The output gets the original formulas back, at
    their final sizes, still spilling.
    """
    template = initialised_profile(program, timeout)
    key = 0
    for job in jobs:
        key = job.read(key)
    seconds = 0.0
    with tempfile.TemporaryDirectory(prefix="cs-reports-recalc-") as tmp:
        work = Path(tmp)
        prepare_profile(template, work / "profile")
        pending = list(enumerate(jobs, start=1))
        moving: list[str] = []
        for attempt in range(1, MAX_PASSES + 1):
            folder = work / f"in{attempt}"
            folder.mkdir()
            staged = [folder / f"book{i}.xlsx" for i, _ in pending]
            for (_, job), path in zip(pending, staged, strict=True):
                job.stage(path)
            log = work / f"spills{attempt}.log"
            produced, took = _convert(program, work, staged, timeout, log, [job.src.name for _, job in pending])
            seconds += took
            measured = _measured(log)
            still, moving = [], []
            for (i, job), path in zip(pending, produced, strict=True):
                job.produced = path
                grown = job.grown(measured)
                if grown:
                    job.sizes.update(grown)
                    still.append((i, job))
                    where = f"'{job.src.name}' " if len(jobs) > 1 else ""
                    moving += [f"{where}{_sheet_ref(s)}!{c}" for s, c in grown]
            pending = still
            if not pending:
                break
        else:
            raise OutputError(
                f"Spilled results did not settle after {MAX_PASSES} recalculations ({', '.join(moving)}): "
                "a spilled formula may depend on its own size."
            )
        return [job.finish(seconds) for job in jobs]

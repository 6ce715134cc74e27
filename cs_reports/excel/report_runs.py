"""Render what the ``Reports`` sheet asks: requests -> batch jobs -> outputs and a run log.

``cs-reports run BOOK.xlsx``, the Excel buttons (:mod:`cs_reports.excel.macros`) and the
LibreOffice macro all come here. Each request becomes one :class:`~cs_reports.reports.batch.runner.Job`
(the same file names, manifest, resume and exit codes as ``cs-reports qbr``) or one error
sentence naming its row; defaults taken (the dashboard's period, the client's language) are
written in the run log beside the outputs, one line per request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cs_reports._io import atomic_output
from cs_reports.errors import CsReportsError, InvalidInputError
from cs_reports.excel.reports_sheet import SHEET, ReportRequest, Requests, read_requests

__all__ = ["RUN_LOG", "Planned", "RunResult", "log_line", "plan_jobs", "qbr_request", "run_requests"]

RUN_LOG = "run-log.txt"  #: written in the output folder, one line per request


@dataclass(frozen=True)
class Planned:
    """A request and its job, or the sentence saying why it has none; ``note``: the defaults it took."""

    request: ReportRequest
    job: Any = None  # reports.batch.runner.Job
    error: str = ""
    note: str = ""


@dataclass(frozen=True)
class RunResult:
    """A run: the plan, the batch's outcomes by request row, the run log and the exit code."""

    planned: tuple[Planned, ...]
    outcomes: dict[int, Any]  # request row -> reports.batch.runner.Outcome
    log: Path
    code: int
    batch: Any = None  # reports.batch.runner.BatchResult

    def status(self, row: int) -> tuple[str, str]:
        """(status, first file or the error) of the request on ``row``: what its status cells show."""
        plan = next(p for p in self.planned if p.request.row == row)
        if plan.error:
            return "failed", plan.error
        outcome = self.outcomes.get(row)
        if outcome is None or outcome.status == "cancelled":
            return "failed", "not started: the run was interrupted"
        if outcome.status == "failed":
            return "failed", outcome.reason
        files = [str(self.log.parent / f) for f in outcome.files]
        return ("written" if outcome.status == "written" else "up to date"), (files[0] if files else "")


def qbr_request(client: str) -> ReportRequest:
    """The QBR of one client as a blank Reports row would ask it: the dashboard's period, the client's language, PDF.

    What the Accounts buttons (Excel, LibreOffice) and ``cs-reports run --qbr-for`` render; its
    ``row`` is 0 (it is no row of the sheet).
    """
    return ReportRequest(0, client, "qbr", "", "client", "", ("pdf",))


def _where(request: ReportRequest, column: str) -> str:
    if request.row == 0:
        return f"Client '{request.client}' (the QBR asked for it)" if column == "client" else f"The QBR's {column}"
    return f"Sheet '{SHEET}', row {request.row}, column '{column}'"


def _period(request: Requests, item: ReportRequest, kind: Any, fallback: Any) -> tuple[str, str]:
    """(period, note): the request's, or the dashboard's month (a QBR: its quarter), checked."""
    import pandas as pd

    from cs_reports._validation import as_month
    from cs_reports.reports.content.common import parse_quarter

    quarterly = kind.name == "qbr"
    if not item.period:
        month = pd.Timestamp(request.month) if request.month is not None else fallback
        source = "the dashboard's month" if request.month is not None else "the data's last month"
        if quarterly:  # the last quarter complete at that month (2026-10 -> 2026Q3; 2026-09 -> 2026Q3)
            end = month if month.month % 3 == 0 else month - pd.offsets.MonthBegin(month.month % 3)
            return f"{end.year}Q{end.month // 3}", f"the last quarter complete at {source} {month:%Y-%m}"
        return f"{month:%Y-%m}", f"{source}"
    if quarterly:
        try:
            year, q = parse_quarter(item.period)
        except InvalidInputError:
            raise InvalidInputError(
                f"{_where(item, 'period')}: expected a quarter like 2026Q3 for a QBR; got {item.period!r}."
            ) from None
        return f"{year}Q{q}", ""
    try:
        return f"{as_month(item.period, name='period', func='Reports'):%Y-%m}", ""
    except (InvalidInputError, ValueError):
        raise InvalidInputError(
            f"{_where(item, 'period')}: expected a month like 2026-10 for the {kind.name} report; got {item.period!r}."
        ) from None


def _job(requests: Requests, item: ReportRequest, book: Any) -> tuple[Any, str]:
    """The job of one request and the note of the defaults it took.

    Raises one error holding every problem of the row (a sentence per cell, each naming it).
    """
    from cs_reports.reports.batch.runner import Job
    from cs_reports.reports.kinds import KINDS, output_name
    from cs_reports.reports.vocabulary import AUDIENCES, DEFAULT_LANGUAGE, LANGUAGES

    problems = list(item.problems)
    kind = KINDS.get(item.report)
    period, notes = "", []
    if kind is not None:
        if [f for f in item.formats if f not in kind.formats]:
            problems.append(
                f"{_where(item, 'formats')}: the {kind.name} report is made as {', '.join(kind.formats)} only; "
                f"got {'+'.join(item.formats)}."
            )
        try:
            period, note = _period(requests, item, kind, book.last_month)
            notes += [note] if note else []
        except InvalidInputError as exc:
            problems.append(str(exc))
        if not kind.per_client and item.client:
            problems.append(
                f"{_where(item, 'client')}: the {kind.name} report covers the portfolio; leave the client blank "
                f"(got {item.client!r})."
            )
        if not kind.per_client and item.audience not in ("", "internal"):
            problems.append(
                f"{_where(item, 'audience')}: the {kind.name} report has one edition; leave it blank "
                f"(got {item.audience!r})."
            )
    per_client = kind is None or kind.per_client
    row = None
    if per_client and not item.client:
        problems.append(f"{_where(item, 'client')}: expected a client id of the Clients sheet; got a blank cell.")
    elif per_client and item.client not in book.quarantined:  # a set-aside client fails in the batch, by name
        try:
            row = book.client(item.client)
        except CsReportsError:
            problems.append(
                f"{_where(item, 'client')}: expected a client id of the Clients sheet; got {item.client!r}."
            )
    if problems or kind is None:
        raise InvalidInputError(" ".join(problems))
    if not kind.per_client:
        lang = item.language or "pt-BR"
        notes += [] if item.language else ["language pt-BR (the finance default)"]
        job = Job(kind.name, period, None, lang, output_name(kind.name, period, lang), None, None, item.formats)
        return job, "; ".join(notes)
    audience = item.audience or AUDIENCES[0]
    lang = item.language
    if not lang:
        lang = row["locale"] if row is not None and row["locale"] in LANGUAGES else DEFAULT_LANGUAGE
        notes.append(f"language {lang} (the client's)")
    name = None if row is None else str(row["name"])
    filename = output_name(kind.name, period, lang, item.client, name, audience)
    return Job(kind.name, period, item.client, lang, filename, audience, None, item.formats), "; ".join(notes)


def plan_jobs(requests: Requests, book: Any) -> list[Planned]:
    """One :class:`Planned` per request, in sheet order; a request repeating an earlier one is an error."""
    planned: list[Planned] = []
    seen: dict[tuple[Any, ...], int] = {}
    for item in requests.requests:
        try:
            job, note = _job(requests, item, book)
        except CsReportsError as exc:
            planned.append(Planned(item, error=str(exc)))
            continue
        key = (job.kind, job.period, job.client_id, job.lang, job.audience)
        if key in seen:
            planned.append(
                Planned(
                    item,
                    error=f"Sheet '{SHEET}', row {item.row}: the same report as row {seen[key]}; keep one of the two rows.",
                )
            )
            continue
        seen[key] = item.row
        planned.append(Planned(item, job, note=note))
    return planned


def log_line(plan: Planned, outcome: Any, out_dir: Path) -> str:
    """The run log's line for one request: what was asked, then its files or its error."""
    item = plan.request
    if plan.job is not None:
        job = plan.job
        where = f"row {item.row}: " if item.row else ""
        what = f"{where}{job.client_id or 'portfolio'} {job.kind} {job.period} {job.audience or '-'} {job.lang} {'+'.join(job.formats)}"
    else:
        what = item.label
    note = f" [{plan.note}]" if plan.note else ""
    if plan.error:
        return f"{what}: error: {plan.error}"
    if outcome is None or outcome.status == "cancelled":
        return f"{what}{note}: error: not started (the run was interrupted); run again with --resume"
    if outcome.status == "failed":
        return f"{what}{note}: error: {outcome.reason}"
    state = "written" if outcome.status == "written" else "up to date"
    return f"{what}{note}: {state}: {', '.join(str(out_dir / f) for f in outcome.files)}"


def run_requests(
    book_path: str | Path,
    *,
    requests: Requests | None = None,
    out_dir: str | Path | None = None,
    rows: Sequence[int] | None = None,
    workers: int = 1,
    resume: bool = False,
    progress: bool = True,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> RunResult:
    """Render the requests of the workbook's ``Reports`` sheet (``rows``: only those Excel rows).

    ``requests`` replaces what the sheet holds (the Accounts button asks for one QBR).

    With ``on_progress(done, total, label)`` (Excel's status bar) the jobs run one batch
    each, so progress is reported between them; otherwise as one batch of ``workers``.
    The run log (:data:`RUN_LOG`) is written in the output folder whatever failed.
    """
    from cs_reports.data import load_book
    from cs_reports.reports.batch.runner import BatchResult, run_batch
    from cs_reports.reports.render import load_branding

    path = Path(book_path)
    requests = read_requests(path) if requests is None else requests
    if rows is not None:
        requests = replace(requests, requests=tuple(r for r in requests.requests if r.row in set(rows)))
    if not requests.requests:
        where = f"rows {', '.join(map(str, rows))}" if rows is not None else "under its header"
        raise InvalidInputError(f"Sheet '{SHEET}' has no report request {where}; add a row to the tReports Table.")
    out = Path(out_dir) if out_dir is not None else requests.out_dir
    load_branding(requests.branding)  # a bad branding file is one error before any rendering
    planned = plan_jobs(requests, load_book(path, quarantine=True))
    todo = [p for p in planned if p.job is not None]
    options: dict[str, Any] = {"out_dir": out, "resume": resume, "branding_path": requests.branding}
    if on_progress is None:
        batch = run_batch(path, [p.job for p in todo], workers=workers, progress=progress, **options)
    else:
        outcomes: list[Any] = []
        seconds, interrupted = 0.0, None
        for i, plan in enumerate(todo):
            on_progress(i, len(todo), f"{plan.job.client_id or 'portfolio'} {plan.job.kind}")
            one = run_batch(path, [plan.job], workers=1, progress=False, **options)
            outcomes += one.outcomes
            seconds += one.seconds
            if one.interrupted is not None:
                interrupted = one.interrupted
                break
        on_progress(len(todo), len(todo), "done")
        batch = BatchResult(tuple(outcomes), out, seconds, interrupted=interrupted)
    by_row = {p.request.row: o for p, o in zip(todo, batch.outcomes, strict=False)}
    log = Path(batch.out_dir) / RUN_LOG
    lines = [log_line(p, by_row.get(p.request.row), Path(batch.out_dir)) for p in planned]
    with atomic_output(log) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    code = 0 if not batch.failed and all(p.job is not None for p in planned) else 1
    if batch.interrupted is not None:
        code = 128 + int(batch.interrupted)
    return RunResult(tuple(planned), by_row, log, code, batch)

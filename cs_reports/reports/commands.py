"""CLI commands for reports: ``qbr``, ``success-map``, ``finance``, ``demo``, ``fields``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from cs_reports.errors import CsReportsError
from cs_reports.reports.vocabulary import (
    AUDIENCES,
    DEFAULT_LANGUAGE,
    FORMATS,
    KIND_NAMES,
    LANGUAGES,
    last_complete_quarter,
    of_quarter,
)

__all__ = ["register"]


def _common(p: argparse.ArgumentParser, *, clients: bool) -> None:
    from cs_reports.reports.batch.executors import EXECUTORS, WORKER_TIMEOUT  # stdlib only: cheap at start-up

    p.add_argument("book", type=Path, help=".xlsx workbook or folder of CSVs")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    if clients:
        p.add_argument(
            "--client", action="append", metavar="ID", help="only this client (repeatable; default: all paying clients)"
        )
        p.add_argument(
            "--audience",
            choices=AUDIENCES,
            default="client",
            help="client: the edition you send (default); internal: the CSM's preparation document",
        )
    p.add_argument("--settings", type=Path, help="TOML or JSON file of report thresholds (see docs/reports.md)")
    p.add_argument(
        "--lang", choices=tuple(LANGUAGES), help="report language (default: each client's locale; pt-BR for finance)"
    )
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="parallel worker processes")
    p.add_argument(
        "--resume",
        action="store_true",
        help="skip reports already up to date (recorded and intact) in the output folder",
    )
    p.add_argument(
        "--prune-stale",
        action="store_true",
        help="remove outputs recorded for these reports under an older file name (a renamed client)",
    )
    p.add_argument(
        "--executor", choices=EXECUTORS, default="local", help="local process pool (default) or a Dask cluster"
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local Dask cluster)",
    )
    p.add_argument(
        "--worker-timeout",
        type=float,
        default=WORKER_TIMEOUT,
        metavar="SECONDS",
        help=f"with --executor dask: fail when the cluster has had no workers this long (default {WORKER_TIMEOUT:g})",
    )
    p.add_argument("--templates", type=Path, help="folder of user templates overriding the built-in ones")
    p.add_argument("--branding", type=Path, help="JSON file with company, primary, accent, logo")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def register(sub: Any) -> None:
    """Add the report commands to the ``cs-reports`` parser."""
    p = sub.add_parser("qbr", help="per-client Quarterly Business Review PDFs and/or editable PowerPoint decks")
    _common(p, clients=True)
    p.add_argument("--quarter", required=True, help="e.g. 2026Q3")
    p.add_argument(
        "--format",
        dest="formats",
        type=formats_arg,
        default=("pdf",),
        metavar="pdf|pptx|pdf,pptx",
        help="what to write per client: pdf (default), pptx (an editable deck) or both from one context",
    )
    p.add_argument(
        "--deck-template",
        type=Path,
        metavar="FILE.pptx",
        help="your company's PowerPoint template for the decks (layouts and placeholders: docs/decks.md)",
    )
    p.set_defaults(handler=_qbr)

    p = sub.add_parser("success-map", help="per-client success map (Mapa de Sucesso) PDFs")
    _common(p, clients=True)
    p.add_argument("--month", help="YYYY-MM (default: the last month with data)")
    p.set_defaults(handler=_success_map)

    p = sub.add_parser("finance", help="monthly finance report (PDF + xlsx)")
    _common(p, clients=False)
    p.add_argument("--month", help="YYYY-MM (default: the last month with data)")
    p.set_defaults(handler=_finance)

    p = sub.add_parser("demo", help="sample data -> QBR, success-map and finance reports for a few clients")
    p.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder (default demo-output)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="parallel worker processes")
    p.set_defaults(handler=_demo)

    p = sub.add_parser("fields", help="every name a report's template may use, with its type and meaning")
    p.add_argument("kind", metavar="KIND", help=f"the report kind: {', '.join(KIND_NAMES)}")
    p.add_argument(
        "--format",
        dest="fmt",
        default="markdown",
        metavar="markdown|text",
        help="markdown: one table per dataclass (default); text: one dotted name and its meaning a line",
    )
    p.set_defaults(handler=_fields)


def formats_arg(text: str) -> tuple[str, ...]:
    """``--format``: a comma-separated list of output formats, each once, in the order of ``vocabulary.FORMATS``.

    >>> formats_arg("pptx,pdf")
    ('pdf', 'pptx')
    >>> formats_arg("pdf,pdf")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected pdf, pptx or pdf,pptx (each format once); got 'pdf,pdf'
    """
    given = [part.strip() for part in text.split(",")]
    if not all(given) or any(f not in FORMATS for f in given) or len(set(given)) != len(given):
        raise argparse.ArgumentTypeError(f"expected pdf, pptx or pdf,pptx (each format once); got {text!r}")
    return tuple(f for f in FORMATS if f in given)


def _book(args: argparse.Namespace) -> Any:
    """The command's book, read once; clients with bad rows are set aside to fail by name, the others render.

    The file is copied and hashed in one read (:func:`~cs_reports.reports.batch.frozen.freeze_book`):
    the job list, the manifest and every worker use that read, so a book replaced while the
    batch starts cannot mix old file names with new data.
    """
    return _frozen(args).book


def _frozen(args: argparse.Namespace) -> Any:
    from cs_reports.reports.batch.frozen import freeze_book

    if getattr(args, "frozen_book", None) is None:
        from cs_reports.data.commands import load_for

        # one read, through the book's snapshot unless --no-cache (the copy keeps the book's name and bytes)
        args.frozen_book = freeze_book(args.book, load=lambda copy: load_for(args, copy, quarantine=True))
    return args.frozen_book


def _client_jobs(args: argparse.Namespace, book: Any, kind: str, period: str, month: Any = None) -> list[Any]:
    """One job per chosen client; by default every client paying in ``month`` (the book's last)."""
    from cs_reports import metrics as m
    from cs_reports.reports.batch.runner import Job
    from cs_reports.reports.kinds import output_name

    month = book.last_month if month is None else min(month, book.last_month)
    if args.client:
        ids = list(dict.fromkeys(args.client))
        for cid in ids:
            if cid not in book.quarantined:
                book.client(cid)  # clear error for an unknown id
    else:
        current = m.mrr_matrix(book.mrr, end=month)
        paying = set(current.clients[current.column(month) > 0])
        ids = [cid for cid in book.clients["client_id"] if cid in paying] + sorted(book.quarantined)
    jobs = []
    audience, settings = args.audience, _settings_arg(args)
    formats = getattr(args, "formats", ("pdf",))
    for cid in ids:
        if cid in book.quarantined:
            lang = args.lang or DEFAULT_LANGUAGE
            name = output_name(kind, period, lang, cid, audience=audience)
            jobs.append(Job(kind, period, cid, lang, name, audience, settings, formats))
            continue
        row = book.client(cid)
        lang = args.lang or (row["locale"] if row["locale"] in LANGUAGES else DEFAULT_LANGUAGE)
        name = output_name(kind, period, lang, cid, str(row["name"]), audience)
        jobs.append(Job(kind, period, cid, lang, name, audience, settings, formats))
    return jobs


def _settings_arg(args: argparse.Namespace) -> str | None:
    """``--settings`` checked up front (a bad file is one clear error, not one failure per report)."""
    from cs_reports.reports.settings import load_settings

    path = getattr(args, "settings", None)
    if path is None:
        return None
    load_settings(path)
    return str(Path(path).resolve())


def _run(args: argparse.Namespace, jobs: list[Any], deck_template: str | None = None) -> int:
    from cs_reports.reports.batch.executors import executor_factory

    if not args.worker_timeout > 0:
        raise CsReportsError(f"--worker-timeout must be a number of seconds above 0; got {args.worker_timeout:g}.")
    factory = executor_factory(args.executor, args.scheduler, worker_timeout=args.worker_timeout)
    _branding(args)  # a logo outside the template folders is one error before any report
    with _frozen(args) as frozen:
        result = _batch(args, frozen, jobs, factory, deck_template)
    return _summary(result)


def _batch(args: argparse.Namespace, frozen: Any, jobs: list[Any], factory: Any, deck_template: str | None) -> Any:
    from cs_reports.reports.batch.runner import run_batch

    return run_batch(
        frozen,
        jobs,
        out_dir=args.out,
        workers=args.workers,
        resume=args.resume,
        templates_dir=args.templates,
        branding_path=args.branding,
        progress=not args.quiet,
        executor_factory=factory,
        prune_stale=args.prune_stale,
        deck_template=deck_template,
    )


def _branding(args: argparse.Namespace) -> Any:
    """``--branding`` read and its logo checked up front, by the rule the PDF and the deck share."""
    from cs_reports.reports.render import Templates, load_branding, resolve_branding

    return resolve_branding(load_branding(args.branding), Templates(args.templates).roots)


def _deck_template_arg(args: argparse.Namespace) -> str | None:
    """``--deck-template`` checked up front against every layout and placeholder the audience's deck needs.

    Also run with the built-in template, so a branding logo PowerPoint cannot show is one error
    before any rendering, not one failure per client.
    """
    formats = getattr(args, "formats", ("pdf",))
    template = getattr(args, "deck_template", None)
    if "pptx" not in formats:
        if template is not None:
            raise CsReportsError(
                f"--deck-template is for decks: add --format pptx (or pdf,pptx); got --format {','.join(formats)}."
            )
        return None
    from cs_reports.reports.deck.qbr_deck import check_deck_template

    check_deck_template(template, args.audience, _branding(args))
    return None if template is None else str(Path(template).resolve())


def _summary(result: Any) -> int:
    """Print the batch's summary; the exit code (128 + signal when interrupted)."""
    _stale_lines(result)
    if result.interrupted is not None:
        failed = f"{len(result.failed)} failed, " if result.failed else ""
        print(
            f"interrupted: {len(result.written)} written, {failed}{len(result.cancelled)} not started; "
            "rerun with --resume",
            file=sys.stderr,
        )
        return 128 + int(result.interrupted)
    print(
        f"{len(result.written)} written, {len(result.skipped)} up to date, {len(result.failed)} failed "
        f"in {result.seconds:.1f} s -> {result.out_dir}"
    )
    for o in result.failed:
        who = o.job.client_id or "portfolio"
        print(f"  failed: {who} ({o.job.kind}, {o.job.lang}): {o.reason}", file=sys.stderr)
    return 1 if result.failed else 0


def _stale_lines(result: Any, shown: int = 5) -> None:
    """Name outputs of renamed clients (removed with --prune-stale, or how to remove them)."""
    if result.pruned:
        names = ", ".join(result.pruned[:shown]) + (
            f" and {len(result.pruned) - shown} more" if len(result.pruned) > shown else ""
        )
        print(f"removed {len(result.pruned)} stale output(s) of renamed clients: {names}", file=sys.stderr)
    elif result.stale:
        names = ", ".join(result.stale[:shown]) + (
            f" and {len(result.stale) - shown} more" if len(result.stale) > shown else ""
        )
        print(
            f"note: {len(result.stale)} stale output(s) of renamed clients (an older file name of the same report): "
            f"{names}; --prune-stale removes them",
            file=sys.stderr,
        )


def _qbr(args: argparse.Namespace) -> int:
    period = of_quarter(args.quarter)
    deck = _deck_template_arg(args)  # a template the deck cannot use is one error before the book is even read
    # clients paying in the quarter's last month
    return _run(args, _client_jobs(args, _book(args), "qbr", period.label, period.end), deck)


def _month_arg(args: argparse.Namespace, book: Any = None) -> str:
    """``--month``, or the book's last month (``book`` is loaded when not given)."""
    from cs_reports._validation import as_month

    if args.month:
        return f"{as_month(args.month, name='--month', func='cs-reports'):%Y-%m}"
    return f"{(book if book is not None else _book(args)).last_month:%Y-%m}"


def _success_map(args: argparse.Namespace) -> int:
    book = _book(args)
    return _run(args, _client_jobs(args, book, "success-map", _month_arg(args, book)))


def _finance(args: argparse.Namespace) -> int:
    from cs_reports.reports.batch.runner import Job
    from cs_reports.reports.kinds import output_name

    month = _month_arg(args)
    lang = args.lang or DEFAULT_LANGUAGE
    job = Job("finance", month, None, lang, output_name("finance", month, lang), None, _settings_arg(args))
    return _run(args, [job])


def _fields(args: argparse.Namespace) -> int:
    """Print the context reference of a kind (a one-line error names the kinds or formats otherwise)."""
    from cs_reports.reports.content.reference import reference
    from cs_reports.reports.kinds import report_kind

    print(reference(report_kind(args.kind).context(), fmt=args.fmt), end="")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from cs_reports.data.commands import load_for
    from cs_reports.data.sample import write_sample
    from cs_reports.reports.batch.frozen import freeze_book
    from cs_reports.reports.batch.runner import Job, run_batch
    from cs_reports.reports.kinds import output_name

    out: Path = args.out
    book_path = out / "sample.xlsx"
    write_sample(book_path)
    frozen = freeze_book(book_path, load=lambda copy: load_for(args, copy, quarantine=True))
    book = frozen.book
    month = f"{book.last_month:%Y-%m}"
    quarter = last_complete_quarter(book.last_month).label
    picks = demo_clients(book, quarter)
    clients = book.clients.set_index("client_id")
    jobs = []
    for cid in picks:
        lang = str(clients.loc[cid, "locale"])
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        name = str(clients.loc[cid, "name"])
        for audience in AUDIENCES:
            qbr_name = output_name("qbr", quarter, lang, cid, name, audience)
            # the QBR also as its editable deck (one context feeds both files)
            jobs.append(Job("qbr", quarter, cid, lang, qbr_name, audience, formats=("pdf", "pptx")))
            jobs.append(
                Job(
                    "success-map",
                    month,
                    cid,
                    lang,
                    output_name("success-map", month, lang, cid, name, audience),
                    audience,
                )
            )
    for lang in ("pt-BR", "en"):
        jobs.append(Job("finance", month, None, lang, output_name("finance", month, lang)))
    healthy, at_risk = picks
    with frozen:
        # What the demo is made of comes first: a reader sees it while the reports render (and a
        # reader that went away ends the demo before it renders for nobody).
        print(f"sample data: {book_path}", flush=True)
        print(
            f"healthy client (no risk rule fired): {healthy}; at-risk client (most high-severity risks): {at_risk}",
            flush=True,
        )
        result = run_batch(frozen, jobs, out_dir=out / "reports", workers=args.workers)
    code = _summary(result)
    for o in result.written:
        for f in o.files:
            print(f"  {result.out_dir / f}")
    return code


def demo_clients(book: Any, quarter: str) -> tuple[str, str]:
    """One healthy and one at-risk paying client of ``quarter``, chosen by the risk rules.

    Healthy: the paying client with no risk and the highest Health Score; at risk: the one with
    the most high-severity risks (then the most risks, then the lowest Health Score).
    """
    from cs_reports import metrics as m
    from cs_reports.reports.content.common import client_info
    from cs_reports.reports.content.risks import assess_risks
    from cs_reports.reports.content.sections import Subject, signals
    from cs_reports.reports.settings import DEFAULT_SETTINGS

    period = of_quarter(quarter)
    current = m.mrr_matrix(book.mrr, end=period.end)
    paying = set(current.clients[current.column(period.end) > 0])
    scored = []
    for cid in book.clients["client_id"]:
        if cid not in paying:
            continue
        s = signals(book, Subject(cid, client_info(book, cid, period.end), "en"), period, DEFAULT_SETTINGS)
        found = assess_risks(s, DEFAULT_SETTINGS)
        health = s.health_now if s.health_now == s.health_now else 0.0
        scored.append((cid, found, health))
    if not scored:
        from cs_reports.errors import InvalidInputError

        raise InvalidInputError(f"The demo needs a paying client in {quarter}; the sample has none.")
    healthy = max(scored, key=lambda x: (not x[1], x[2]))
    risky = max(scored, key=lambda x: (sum(r.severity == "high" for r in x[1]), len(x[1]), -x[2]))
    return healthy[0], risky[0]

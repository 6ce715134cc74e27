"""CLI commands for Excel: ``run``, ``recalc``, ``excel new-workbook``, ``excel lite-recipe``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the Excel commands to the ``cs-reports`` parser."""
    import os

    p = sub.add_parser("run", help="render the reports the workbook's Reports sheet asks for, with a run log")
    p.add_argument("book", type=Path, help="the cs_metrics workbook (.xlsx) with a Reports sheet (never modified)")
    p.add_argument("--out", type=Path, help="output folder (default: the sheet's, relative to the workbook)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="parallel worker processes")
    p.add_argument("--resume", action="store_true", help="skip reports already up to date in the output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--qbr-for",
        metavar="ID",
        help="only the QBR (PDF) of this client, with the sheet's defaults (what the Accounts buttons render)",
    )
    p.add_argument(
        "--relative-to",
        type=Path,
        metavar="DIR",
        help="folder the sheet's relative paths start from (default: the workbook's; for a copy of the workbook)",
    )
    p.set_defaults(handler=_run_sheet)

    p = sub.add_parser(
        "recalc", help="recalculate every formula of a workbook (CS_ functions included) with LibreOffice"
    )
    p.add_argument(
        "paths",
        type=Path,
        nargs="+",
        metavar="PATH",
        help="IN OUT: the workbook to recalculate (.xlsx/.xlsm; never modified) and its recalculated copy "
        "(.xlsx: formulas kept, values cached); with --out-dir, every workbook to recalculate",
    )
    p.add_argument(
        "--out-dir",
        type=Path,
        metavar="DIR",
        help="recalculate every PATH in one LibreOffice launch, each into DIR under its own name",
    )
    p.add_argument("--timeout", type=float, default=300.0, help="seconds before LibreOffice is stopped (default 300)")
    p.add_argument(
        "--values",
        action="store_true",
        help="write the values instead of the formulas: a copy to share (plain LibreOffice shows no #NAME?)",
    )
    p.set_defaults(handler=_recalc)

    excel = sub.add_parser("excel", help="Excel workbooks and the xlwings Lite recipe")
    inner = excel.add_subparsers(dest="excel_command", metavar="EXCEL_COMMAND", parser_class=type(excel))
    excel.set_defaults(handler=lambda _args: _usage(excel))

    p = inner.add_parser("new-workbook", help="write the cs_metrics workbook (data Tables + CS_ dashboard)")
    p.add_argument("path", type=Path, help="output .xlsx (an existing file is never overwritten)")
    p.add_argument("--data", type=Path, help="your data (.xlsx or CSV folder; default: the sample portfolio)")
    p.add_argument("--month", help="dashboard month YYYY-MM (default: the last month with data)")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p.set_defaults(handler=_new_workbook)

    p = inner.add_parser(
        "libreoffice-macro", help="install the Calc macro 'QBR for the selected client' in your LibreOffice profile"
    )
    p.add_argument("dir", type=Path, nargs="?", help="folder to write it to (default: your LibreOffice profile's)")
    p.set_defaults(handler=_libreoffice_macro)

    p = inner.add_parser(
        "lite-recipe", help="write main.py (cs-reports core included) + requirements.txt for xlwings Lite"
    )
    p.add_argument("dir", type=Path, help="output folder")
    p.set_defaults(handler=_lite_recipe)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


RECALC_HAS_ERRORS = 3  #: exit code: the output was written, but some cells show errors


def _recalc(args: argparse.Namespace) -> int:
    """Exit 0: written, no error cell; 3: written, error cells listed; 1: nothing written; 128+N: signal N.

    With ``--out-dir`` every workbook named goes through one LibreOffice launch (3: any lists an error).
    """
    import sys

    from cs_reports.errors import InvalidInputError
    from cs_reports.excel.recalc import RecalcInterrupted, recalc_many

    if args.out_dir is None and len(args.paths) != 2:
        raise InvalidInputError(
            f"recalc takes IN OUT (two paths); got {len(args.paths)}. To recalculate several workbooks in one "
            "LibreOffice launch, name them all and add --out-dir DIR."
        )
    if args.out_dir is None:
        pairs = [(args.paths[0], args.paths[1])]
    else:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        pairs = [(src, args.out_dir / src.with_suffix(".xlsx").name) for src in args.paths]
    try:
        results = recalc_many(pairs, timeout=args.timeout, values=args.values)
    except RecalcInterrupted as exc:
        print(f"recalc {exc}", file=sys.stderr)
        return 128 + exc.signum
    kept = "; values only, no formulas" if args.values else ""
    together = f" for {len(results)} workbooks" if len(results) > 1 else ""
    for result in results:
        print(f"wrote {result.output} (LibreOffice {result.seconds:.1f} s{together}{kept})")
        if result.errors:
            print(f"{len(result.errors)} cell(s) show an error:")
            for line in result.errors:
                print(f"  {line}")
    return RECALC_HAS_ERRORS if any(result.errors for result in results) else 0


def _run_sheet(args: argparse.Namespace) -> int:
    """The Reports sheet as a batch: the exit codes of ``qbr`` (0, 1 when a request failed, 128+N on signal N)."""
    import sys
    from dataclasses import replace

    from cs_reports.excel.report_runs import qbr_request, run_requests
    from cs_reports.excel.reports_sheet import read_requests
    from cs_reports.reports.commands import _summary

    asked = read_requests(args.book, relative_to=args.relative_to)
    if args.qbr_for:
        asked = replace(asked, requests=(qbr_request(args.qbr_for),))
    result = run_requests(
        args.book, requests=asked, out_dir=args.out, workers=args.workers, resume=args.resume, progress=not args.quiet
    )
    code = _summary(result.batch)
    for plan in result.planned:
        if plan.error:
            print(f"  failed: {plan.error}", file=sys.stderr)
    print(f"run log: {result.log}")
    return code if code != 0 else result.code


def _new_workbook(args: argparse.Namespace) -> int:
    from cs_reports.errors import InvalidInputError
    from cs_reports.excel.template import write_workbook

    if args.path.exists() and not args.force:
        raise InvalidInputError(f"'{args.path}' already exists; choose another name or pass --force.")
    if args.data is not None:
        from cs_reports.data.commands import load_for

        book = load_for(args, args.data)
    else:
        import tempfile

        from cs_reports.data import load_book
        from cs_reports.data.sample import write_sample

        with tempfile.TemporaryDirectory(prefix="cs-reports-sample-") as tmp:
            book = load_book(write_sample(Path(tmp) / "sample.xlsx"))
    write_workbook(args.path, book, args.month, source=args.data)
    print(f"wrote {args.path}")
    return 0


def _libreoffice_macro(args: argparse.Namespace) -> int:
    from cs_reports.excel.libreoffice_macro import write_macro

    print(f"wrote {write_macro(args.dir)}")
    return 0


def _lite_recipe(args: argparse.Namespace) -> int:
    from cs_reports.excel.lite import write_recipe

    for path in write_recipe(args.dir):
        print(f"wrote {path}")
    return 0

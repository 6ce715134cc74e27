"""CLI commands for Excel: ``recalc``, ``excel new-workbook``, ``excel lite-recipe``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the Excel commands to the ``cs-reports`` parser."""
    p = sub.add_parser(
        "recalc", help="recalculate every formula of a workbook (CS_ functions included) with LibreOffice"
    )
    p.add_argument("input", type=Path, help="workbook to recalculate (.xlsx/.xlsm; never modified)")
    p.add_argument("output", type=Path, help="recalculated copy (.xlsx): formulas kept, values cached")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds before LibreOffice is stopped (default 300)")
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
        "lite-recipe", help="write main.py (cs-reports core included) + requirements.txt for xlwings Lite"
    )
    p.add_argument("dir", type=Path, help="output folder")
    p.set_defaults(handler=_lite_recipe)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


RECALC_HAS_ERRORS = 3  #: exit code: the output was written, but some cells show errors


def _recalc(args: argparse.Namespace) -> int:
    """Exit 0: written, no error cell; 3: written, error cells listed; 1: nothing written; 128+N: signal N."""
    import sys

    from cs_reports.excel.recalc import RecalcInterrupted, recalc

    try:
        result = recalc(args.input, args.output, timeout=args.timeout)
    except RecalcInterrupted as exc:
        print(f"recalc {exc}", file=sys.stderr)
        return 128 + exc.signum
    print(f"wrote {result.output} (LibreOffice {result.seconds:.1f} s)")
    if result.errors:
        print(f"{len(result.errors)} cell(s) show an error:")
        for line in result.errors:
            print(f"  {line}")
        return RECALC_HAS_ERRORS
    return 0


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


def _lite_recipe(args: argparse.Namespace) -> int:
    from cs_reports.excel.lite import write_recipe

    for path in write_recipe(args.dir):
        print(f"wrote {path}")
    return 0

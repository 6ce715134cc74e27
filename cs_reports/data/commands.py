"""CLI commands for data: ``sample``, ``validate``, ``metrics``."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the data commands to the ``cs-reports`` parser."""
    p = sub.add_parser("sample", help="write the sample portfolio (the demo data) to a workbook or CSV folder")
    p.add_argument("out", type=Path, help="output .xlsx path, or a folder for one CSV per sheet")
    p.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data; default 2026)")
    p.add_argument(
        "--clients", type=_positive, default=200, help="number of clients (default 200; CSV folder above ~50,000)"
    )
    p.add_argument("--csv-dir", type=Path, help="also write one CSV per sheet into this folder")
    p.set_defaults(handler=_sample)

    p = sub.add_parser("validate", help="check a workbook or CSV folder against the data contract")
    p.add_argument("book", type=Path, help=".xlsx workbook or folder of CSVs")
    p.add_argument("--format", choices=("table", "json"), default="table", help="table (default) or json for scripts")
    _book_options(p)
    p.set_defaults(handler=_validate)

    p = sub.add_parser("metrics", help="portfolio (or one client's) headline metrics for a month")
    p.add_argument("book", type=Path, help=".xlsx workbook or folder of CSVs")
    p.add_argument("--month", help="YYYY-MM (default: the last month with data)")
    p.add_argument("--client", help="one client's metrics instead of the portfolio's")
    p.add_argument(
        "--format", choices=("table", "csv", "json", "xlsx"), default="table", help="output format (default table)"
    )
    p.add_argument("--out", type=Path, help="output file (required for xlsx; default stdout for table/csv)")
    _book_options(p)
    p.set_defaults(handler=_metrics)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _book_options(p: Any) -> None:
    p.add_argument(
        "--timezone",
        default="America/Sao_Paulo",
        help="time zone that timestamps with an offset are converted to (default America/Sao_Paulo)",
    )
    p.add_argument(
        "--spreading",
        choices=("months", "days"),
        default="months",
        help="invoices spread over equal months (default) or by service days",
    )


def _load(args: argparse.Namespace) -> Any:
    from cs_reports.data import load_book

    return load_book(args.book, timezone=args.timezone, spreading=args.spreading)


def _sample(args: argparse.Namespace) -> int:
    from cs_reports.data.sample import write_sample

    if args.out.suffix and args.out.suffix.lower() != ".xlsx":
        from cs_reports.errors import InvalidInputError

        raise InvalidInputError(
            f"The output must be an .xlsx path or a folder (no extension) for CSVs, got '{args.out}'."
        )
    write_sample(args.out, seed=args.seed, csv_dir=args.csv_dir, clients=args.clients)
    what = "CSVs in " if args.out.suffix.lower() != ".xlsx" else ""
    print(
        f"wrote {what}{args.out} ({args.clients:,} clients)" + (f" and CSVs in {args.csv_dir}" if args.csv_dir else "")
    )
    return 0


def _validate(args: argparse.Namespace) -> int:
    import json
    from dataclasses import asdict

    from cs_reports.data.reader import read_book
    from cs_reports.errors import DataContractError

    try:
        book = _load(args)
    except DataContractError as exc:
        if args.format != "json":
            raise
        try:
            sheets = [asdict(r) for r in read_book(args.book).reports]
        except Exception:  # the problems are what matters; the table is a bonus
            sheets = []
        out = {"book": str(args.book), "valid": False, "problems": [str(p) for p in exc.problems], "sheets": sheets}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 1
    if args.format == "json":
        out = {
            "book": str(args.book),
            "valid": True,
            "months": [f"{book.months[0]:%Y-%m}", f"{book.last_month:%Y-%m}"],
            "timezone": book.timezone,
            "spreading": book.spreading,
            "notes": list(book.notes),
            "sheets": [asdict(r) for r in book.intake],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.book}: valid")
    for name, frame in book.sheets().items():
        print(f"  {name:<14} {len(frame):>7,} rows")
    print(f"  months         {book.months[0]:%Y-%m} .. {book.last_month:%Y-%m}")
    in_table = {n for r in book.intake for n in r.notes} | {f"{r.source}: ignored, {r.reason}." for r in book.intake}
    for note in book.notes:
        if note not in in_table:
            print(f"  note: {note}")
    print()
    print(_intake_table(book.intake))
    return 0


def _intake_table(reports: Any) -> str:
    """The closing table of ``validate``: one block per sheet or file."""
    head = ("sheet/file", "feeds", "rows", "header row")
    rows = [
        (r.source, r.table or f"(ignored: {r.reason})", f"{r.rows:,}" if r.table else "-", str(r.header_row or "-"))
        for r in reports
    ]
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(4)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for r, row in zip(reports, rows, strict=True):
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        if r.columns:
            mapped = ", ".join(f"{k} -> {v}" for k, v in r.columns.items())
            lines.append(f"    columns: {mapped}")
        if r.ignored:
            lines.append(f"    ignored columns: {', '.join(r.ignored)}")
        for note in r.notes:
            lines.append(f"    note: {note}")
    return "\n".join(lines)


def _rows(args: argparse.Namespace) -> list[tuple[str, Any]]:
    from cs_reports.data.summary import client_summary, portfolio_summary

    book = _load(args)
    if args.client:
        return list(client_summary(book, args.client, args.month).as_dict().items())
    return list(portfolio_summary(book, args.month).as_dict().items())


def _text(value: Any) -> str:
    if hasattr(value, "strftime"):
        return f"{value:%Y-%m}"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.2f}"
    return str(value)


def _metrics(args: argparse.Namespace) -> int:
    from cs_reports._io import atomic_output, refuse_overwrite_of_input

    rows = _rows(args)
    if args.out is not None:
        refuse_overwrite_of_input(args.out, args.book)
    if args.format == "xlsx":
        if args.out is None:
            from cs_reports.errors import InvalidInputError

            raise InvalidInputError("--format xlsx needs --out FILE.xlsx.")
        import pandas as pd

        from cs_reports.data.writer import write_tables

        frame = pd.DataFrame({"metric": [k for k, _ in rows], "value": [_xlsx_value(v) for _, v in rows]})
        write_tables({"Metrics": frame}, args.out)
        print(f"wrote {args.out}")
        return 0
    if args.format == "json":
        import json

        values = {k: None if isinstance(v, float) and math.isnan(v) else _json(v) for k, v in rows}
        lines = [json.dumps(values, ensure_ascii=False, indent=1)]
    elif args.format == "csv":
        lines = ["metric,value"] + [f"{k},{'' if isinstance(v, float) and math.isnan(v) else _csv(v)}" for k, v in rows]
    else:
        width = max(len(k) for k, _ in rows)
        lines = [f"{k:<{width}}  {_text(v)}" for k, v in rows]
    text = "\n".join(lines) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        with atomic_output(args.out, mode="w") as fh:
            fh.write(text)
        print(f"wrote {args.out}")
    return 0


def _json(value: Any) -> Any:
    """A value JSON can hold: months as YYYY-MM, numpy scalars as Python numbers, infinity as text."""
    if hasattr(value, "strftime"):
        return f"{value:%Y-%m}"
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _csv(value: Any) -> str:
    if hasattr(value, "strftime"):
        return f"{value:%Y-%m}"
    text = str(value)
    return f'"{text}"' if "," in text else text


def _xlsx_value(value: Any) -> Any:
    if hasattr(value, "strftime"):
        return f"{value:%Y-%m}"
    if isinstance(value, float) and math.isnan(value):
        return None
    return value

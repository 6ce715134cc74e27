"""The ``cs-reports`` command line: a thin layer over the library.

Each area registers its own subcommands (``register(subparsers)`` in the modules
listed in :data:`COMMAND_MODULES`) and imports its heavy dependencies only when a
command runs, so ``cs-reports --help`` is fast and works with only the core installed.

Errors: a :class:`~cs_reports.errors.CsReportsError` (or a file that cannot be read)
becomes one line on stderr and exit code 1; usage errors exit 2; anything else is a
bug, reported in one line with a hint to rerun with ``--debug`` for the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from cs_reports import __version__
from cs_reports.errors import CsReportsError, DataContractError

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

#: Modules that define ``register(subparsers) -> None``; order is the order in ``--help``.
COMMAND_MODULES = (
    "cs_reports.data.commands",
    "cs_reports.reports.commands",
    "cs_reports.excel.commands",
)

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line plus a pointer to --help."""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every registered subcommand."""
    parser = _Parser(
        prog="cs-reports",
        description="Customer Success metrics, Excel functions and per-client PDF reports.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except DataContractError as exc:
        print(f"error: {exc.report()}", file=sys.stderr)
        return 1
    except CsReportsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: file not found: {exc.filename or exc}", file=sys.stderr)
        return 1
    except PermissionError as exc:
        print(f"error: permission denied: {exc.filename or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug or os.environ.get("CS_REPORTS_DEBUG"):
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc} (this is a bug; rerun with --debug and report it)",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

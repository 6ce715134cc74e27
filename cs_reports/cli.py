"""The ``cs-reports`` command line: a thin layer over the library.

Each area registers its own subcommands (``register(subparsers)`` in the modules
listed in :data:`COMMAND_MODULES`) and imports its heavy dependencies only when a
command runs, so ``cs-reports --help`` is fast and works with only the core installed.

Errors: a :class:`~cs_reports.errors.CsReportsError` (or a file that cannot be read)
becomes one line on stderr and exit code 1; usage errors exit 2; anything else is a
bug, reported in one line with a hint to rerun with ``--debug`` for the traceback.

Signals and pipes: SIGINT ends a command with ``interrupted`` and exit 130, SIGTERM with
``terminated`` and exit 143 (a batch stops cleanly first: see ``reports/batch/runner.py``); a
closed or broken stdout (``cs-reports validate book.xlsx | head -1``) ends the command
quietly with exit 141, the code of a process ended by SIGPIPE. Standard descriptors that
were closed by the caller are reopened on ``/dev/null``, so no output file can take their
number.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from cs_reports import __version__
from cs_reports.errors import error_message

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

#: Modules that define ``register(subparsers) -> None``; order is the order in ``--help``.
COMMAND_MODULES = (
    "cs_reports.data.commands",
    "cs_reports.reports.commands",
    "cs_reports.excel.commands",
    "cs_reports.doctor",
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
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="read and validate the book itself; do not use or write its snapshot (see 'cs-reports cache')",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    _no_cache_after(sub)
    return parser


def _no_cache_after(sub: Any) -> None:
    """Accept ``--no-cache`` after the command too, on every command that reads a book."""
    for command in sub.choices.values():
        dests = {a.dest for a in command._actions}
        if {"book", "data"} & dests and "no_cache" not in dests:
            command.add_argument("--no-cache", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _no_cache_after(action)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived outside a batch (a batch handles it itself and stops cleanly)."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


@contextlib.contextmanager
def _signals() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` while the CLI runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _standard_streams() -> None:
    """Reopen closed descriptors 0-2 on /dev/null (so no output file takes their number)."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)  # the lowest free number: ``fd`` itself
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)
            if getattr(sys, name) is None:
                setattr(sys, name, open(fd, "r" if fd == 0 else "w", encoding="utf-8", closefd=False))


def _stdout_gone() -> int:
    """Stdout was closed by the reader (``| head``): stop quietly, like a process ended by SIGPIPE."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail again
        os.close(devnull)
    return 128 + signal.SIGPIPE


def _say(line: str) -> None:
    """Print ``line`` on stderr, even if stderr is a closed pipe (then it is lost, quietly)."""
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    _standard_streams()
    try:
        with _signals():
            code = _run(argv)
            sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
            return code
    except BrokenPipeError:
        return _stdout_gone()
    except Terminated:
        _say("terminated")
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        _say("interrupted")
        return 128 + signal.SIGINT


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except BrokenPipeError:
        raise
    except Exception as exc:
        message = error_message(exc)
        if message is not None:
            _say(message)
            return 1
        if args.debug or os.environ.get("CS_REPORTS_DEBUG"):
            raise
        _say(internal_error(exc))
        return 70


def internal_error(exc: BaseException) -> str:
    """The one line shown for a bug (never a traceback; ``--debug`` shows it)."""
    return f"internal error: {type(exc).__name__}: {exc} (this is a bug; rerun with --debug and report it)"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The CLI core: exit codes, one-line errors, no tracebacks, every command documented."""

from __future__ import annotations

import argparse
import re
import sys
import types
from pathlib import Path

import pytest

from cs_reports import cli
from cs_reports.errors import DataContractError, InvalidInputError, Problem

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fake_commands(monkeypatch):
    """Register a throwaway command module whose handler raises what the test asks for."""
    module = types.ModuleType("tests_fake_commands")

    def register(sub):
        p = sub.add_parser("boom", help="raise an error")
        p.add_argument("kind")
        p.set_defaults(handler=handle)

    def handle(args: argparse.Namespace) -> int:
        if args.kind == "input":
            raise InvalidInputError("The 'x' parameter of f must be a number. Got 'a' instead.")
        if args.kind == "contract":
            raise DataContractError("book.xlsx", [Problem("NPS", 14, "score", "a whole number 0-10", "11")] * 3)
        if args.kind == "missing":
            open("/nonexistent/definitely/missing.xlsx")
        if args.kind == "bug":
            raise ZeroDivisionError("division by zero")
        return 0

    module.register = register
    monkeypatch.setitem(sys.modules, "tests_fake_commands", module)
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("tests_fake_commands",))


@pytest.mark.parametrize(
    ("kind", "code", "pattern"),
    [
        ("input", 1, r"^error: The 'x' parameter of f must be a number\. Got 'a' instead\.\n$"),
        ("contract", 1, r"^error: book\.xlsx: 3 problem\(s\) found\n  Sheet 'NPS', row 14, column 'score'"),
        ("missing", 1, r"^error: file not found: /nonexistent/definitely/missing\.xlsx\n$"),
        ("bug", 70, r"^internal error: ZeroDivisionError: division by zero \(this is a bug; rerun with --debug"),
        ("ok", 0, r"^$"),
    ],
)
def test_errors_become_one_clean_message_and_exit_code(fake_commands, capsys, kind, code, pattern):
    assert cli.main(["boom", kind]) == code
    err = capsys.readouterr().err
    assert re.search(pattern, err), err
    assert "Traceback" not in err


def test_debug_flag_shows_the_traceback_of_bugs(fake_commands):
    with pytest.raises(ZeroDivisionError):
        cli.main(["--debug", "boom", "bug"])


def test_usage_error_is_one_line_with_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["no-such-command"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("cs-reports: error: argument COMMAND: invalid choice")
    assert err[-1].endswith("(see 'cs-reports --help')")


def test_no_command_prints_help_and_exits_2(capsys):
    assert cli.main([]) == 2
    assert "usage: cs-reports" in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert re.fullmatch(r"cs-reports \d+\.\d+\.\d+\n", capsys.readouterr().out)


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    names = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{prefix}{name}"
                inner = _commands(sub, full + " ")
                names += inner or [full]
    return names


def test_every_command_is_documented_in_docs_cli():
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    commands = _commands(cli.build_parser())
    assert commands, "no commands registered"
    missing = [c for c in commands if f"`cs-reports {c}" not in doc]
    assert not missing, f"undocumented commands in docs/cli.md: {missing}"


@pytest.fixture
def signal_commands(monkeypatch):
    """Commands that meet a real signal, a gone reader or a full disk."""
    import errno
    import os
    import signal
    import time

    module = types.ModuleType("tests_signal_commands")

    def register(sub):
        p = sub.add_parser("meet", help="meet a fault")
        p.add_argument("fault")
        p.set_defaults(handler=handle)

    def handle(args: argparse.Namespace) -> int:
        if args.fault == "sigterm":
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
        if args.fault == "pipe":
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")
        if args.fault == "enospc":
            raise OSError(errno.ENOSPC, "No space left on device", "/data/out.xlsx")
        return 0

    module.register = register
    monkeypatch.setitem(sys.modules, "tests_signal_commands", module)
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("tests_signal_commands",))


@pytest.mark.parametrize(
    ("fault", "code", "err"),
    [
        ("sigterm", 143, "terminated\n"),
        ("pipe", 141, ""),
        ("enospc", 1, "error: No space left on device: /data/out.xlsx\n"),
    ],
)
def test_signals_pipes_and_system_errors_are_clean_exits(signal_commands, capsys, fault, code, err):
    import signal

    before = signal.getsignal(signal.SIGTERM)
    assert cli.main(["meet", fault]) == code
    assert capsys.readouterr().err == err
    assert signal.getsignal(signal.SIGTERM) is before  # the CLI's handler is not left behind


def _options(parser: argparse.ArgumentParser, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _options(sub, f"{prefix}{name} ")
        elif prefix:
            found += [(prefix.strip(), o) for o in action.option_strings if o.startswith("--") and o != "--help"]
    return found


def test_every_option_of_every_command_is_documented_in_docs_cli():
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    options = _options(cli.build_parser())
    assert ("qbr", "--format") in options
    assert ("qbr", "--deck-template") in options
    missing = [(c, o) for c, o in options if not re.search(rf"[`\[ ]{re.escape(o)}\b", doc)]
    assert not missing, f"options missing from docs/cli.md: {missing}"

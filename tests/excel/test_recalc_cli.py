"""``cs-reports recalc`` run the way a user runs it: a real process, from an activated venv, killed.

Each run gets its own ``TMPDIR`` so the test can see exactly which processes and temp
folders belong to it: every soffice process of a run carries the run's temp folder in its
command line (``-env:UserInstallation=file:///<TMPDIR>/cs-reports-recalc-*/profile``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from cs_reports._resources import workbook_templates_dir

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"),
]

VENV = Path(sys.prefix)
ACTIVATE = VENV / "bin" / "activate"
TEMPLATE = workbook_templates_dir() / "cs_metrics.xlsx"
needs_venv = pytest.mark.skipif(
    sys.prefix == sys.base_prefix or not ACTIVATE.is_file(), reason="the tests do not run from a virtualenv"
)


def _processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains ``text`` (zombies have an empty one and are not counted)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if text.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _user_shell(command: str, cwd: Path, tmpdir: Path, **extra: str) -> subprocess.Popen[str]:
    """``bash -c`` with the venv activated and no PYTHON*/VIRTUAL_ENV inherited from pytest."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    env.update(TMPDIR=str(tmpdir), **extra)
    script = f". {ACTIVATE} && exec {command}"
    return subprocess.Popen(
        ["bash", "-c", script], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _errors_book(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Data sheet"
    for i, v in enumerate([10, 9, 8, None, 9], start=1):
        ws.cell(i, 1, v)
    ws["B1"] = "=1/0"  # #DIV/0!
    ws["B2"] = "=NOSUCHFUNCTION(1)"  # #NAME?
    ws["B3"] = "=NA()"  # #N/A
    ws["B4"] = "=CS_NPS(A1:A5)"  # fine: 60.0
    ws["B5"] = '=CS_NPS("x")'  # our error text
    ws["B6"] = "=CS_NPS(A1:A5,5)"  # an extra argument is an error
    ws["C1"] = True  # a boolean constant stays a boolean
    ws["C2"] = False
    wb.save(path)
    return path


@needs_venv
@pytest.mark.parametrize(
    "extra",
    [{}, {"PYTHONPATH": "/nonexistent", "PYTHONHOME": "/nonexistent"}],
    ids=["activated", "activated+PYTHONPATH+PYTHONHOME"],
)
def test_from_an_activated_venv_in_another_folder_every_error_cell_is_listed(tmp_path, extra):
    elsewhere = tmp_path / "somewhere else"
    elsewhere.mkdir()
    (tmp_path / "tmp").mkdir()
    src = _errors_book(elsewhere / "book.xlsx")
    proc = _user_shell("cs-reports recalc book.xlsx out.xlsx --timeout 240", elsewhere, tmp_path / "tmp", **extra)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 3, (out, err)
    assert err == ""
    lines = [line.strip() for line in out.splitlines()]
    assert lines[0] == "wrote out.xlsx" or lines[0].startswith("wrote out.xlsx (LibreOffice ")
    assert lines[1:] == [
        "5 cell(s) show an error:",
        "'Data sheet'!B1: #DIV/0!",
        "'Data sheet'!B2: #NAME?",
        "'Data sheet'!B3: #N/A",
        "'Data sheet'!B5: #VALUE! CS_NPS: argument 'answers' must be whole numbers 0-10; got text 'x' at position 1.",
        "'Data sheet'!B6: #VALUE! CS_NPS: takes 1 argument; got 2.",
    ]
    values = load_workbook(elsewhere / "out.xlsx", data_only=True)["Data sheet"]
    assert values["B4"].value == 75.0  # 10, 9, 8, blank, 9: 3 promoters of 4 answers (blank skipped) -> 100 * 3/4
    formulas = load_workbook(elsewhere / "out.xlsx")["Data sheet"]
    assert (formulas["C1"].value, formulas["C2"].value) == (True, False)  # not '=TRUE()'
    assert src.is_file()
    assert list((tmp_path / "tmp").iterdir()) == []


@needs_venv
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_the_whole_libreoffice_tree_and_removes_the_temp_folder(tmp_path, signum):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = _user_shell(f"cs-reports recalc {TEMPLATE} {tmp_path / 'out.xlsx'}", tmp_path, tmp)
    deadline = time.monotonic() + 120
    while not _processes_mentioning(f"{tmp}/cs-reports-recalc-"):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "soffice never started"
        time.sleep(0.2)
    time.sleep(1.0)  # LibreOffice is loading the workbook
    proc.send_signal(signum)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum
    assert err.strip().splitlines() == [
        f"recalc interrupted by {signal.Signals(signum).name}: LibreOffice was stopped and nothing was written."
    ]
    assert _wait_until_gone(tmp) == []
    assert list(tmp.iterdir()) == []
    assert not (tmp_path / "out.xlsx").exists()


def _mine(tmp: Path) -> list[int]:
    return [pid for pid in _processes_mentioning(str(tmp)) if pid != os.getpid()]


def _wait_until_gone(tmp: Path) -> list[int]:
    """SIGKILLed processes vanish from /proc once reaped; give the kernel a moment."""
    for _ in range(50):
        left = _mine(tmp)
        if not left:
            return []
        time.sleep(0.1)
    return left

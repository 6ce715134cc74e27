"""Excel buttons (xlwings ``RunPython``): a QBR for the selected client, and the whole Reports sheet.

Each macro finds its workbook with ``xw.Book.caller()``, reads a snapshot of it (on Windows
``SaveCopyAs``: unsaved edits included, the user's file untouched), renders through
:func:`cs_reports.excel.report_runs.run_requests` (the batch ``cs-reports run`` uses), shows
progress in Excel's status bar and opens the result with the system viewer. The Reports sheet's
rows get their ``status`` and ``file``. Any error is one message box holding the same sentence
the CLI prints (:func:`cs_reports.errors.error_message`), never a traceback.

Assign in VBA (see docs/excel.md, "Buttons")::

    Sub CsReportsQbr()
        RunPython "from cs_reports.excel.macros import qbr_for_selected_client; qbr_for_selected_client()"
    End Sub
    Sub CsReportsRun()
        RunPython "from cs_reports.excel.macros import run_reports_sheet; run_reports_sheet()"
    End Sub
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import xlwings as xw

from cs_reports.errors import InvalidInputError, error_message
from cs_reports.excel.report_runs import RunResult, qbr_request, run_requests
from cs_reports.excel.reports_sheet import COLUMNS, FIRST_COL, SHEET, read_requests
from cs_reports.excel.template import ACCOUNTS_FIRST_ROW

__all__ = ["VBA", "open_with_viewer", "qbr_for_selected_client", "run_reports_sheet"]

ACCOUNTS = "Accounts"
TITLE = "cs-reports"

#: The VBA module behind the two buttons (import it, or paste it, into the workbook's VBA project).
VBA = """Attribute VB_Name = "CsReports"
Sub CsReportsQbr()
    RunPython "from cs_reports.excel.macros import qbr_for_selected_client; qbr_for_selected_client()"
End Sub

Sub CsReportsRun()
    RunPython "from cs_reports.excel.macros import run_reports_sheet; run_reports_sheet()"
End Sub
"""


def open_with_viewer(path: str | Path) -> None:
    """Open ``path`` (a file or a folder) with the system's viewer, without waiting for it."""
    if sys.platform.startswith("win"):
        os.startfile(str(path))  # type: ignore[attr-defined]
        return
    program = "open" if sys.platform == "darwin" else "xdg-open"
    subprocess.Popen(
        [program, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else " ".join(str(value).split())


@contextmanager
def _snapshot(wb: Any) -> Iterator[Path]:
    """The workbook as it is open now: a ``SaveCopyAs`` copy where Excel has it (Windows), else the saved file."""
    source = Path(wb.fullname)
    save_copy = getattr(wb.api, "SaveCopyAs", None)
    if save_copy is None:
        if not source.is_file():
            raise InvalidInputError(f"Save the workbook first: cs-reports reads it from disk; got '{wb.fullname}'.")
        yield source
        return
    with tempfile.TemporaryDirectory(prefix="cs-reports-excel-") as tmp:
        copy = Path(tmp) / f"snapshot{source.suffix or '.xlsx'}"
        save_copy(str(copy))
        yield copy


def _progress(app: Any) -> Callable[[int, int, str], None]:
    def show(done: int, total: int, label: str) -> None:
        app.status_bar = f"cs-reports: {done}/{total} reports done" + ("" if done == total else f"; now {label}")

    return show


def _guarded(action: Callable[[Any], None]) -> None:
    """Run ``action(book)``; an error becomes one message box (the CLI's sentence), the status bar is given back."""
    wb = xw.Book.caller()
    app = wb.app
    try:
        action(wb)
    except Exception as exc:
        message = error_message(exc) or (
            f"internal error: {type(exc).__name__}: {exc} (this is a bug; please report it with the run log)"
        )
        app.alert(message, title=TITLE, buttons="ok", mode="critical")
    finally:
        app.status_bar = False  # Excel takes its status bar back


def _selected_client(wb: Any) -> tuple[str, int]:
    selection = wb.selection
    sheet = selection.sheet.name if selection is not None else ""
    if selection is None or sheet != ACCOUNTS or selection.row < ACCOUNTS_FIRST_ROW:
        where = f"{sheet}!row {selection.row}" if selection is not None else "nothing"
        raise InvalidInputError(
            f"Select a client's row on the '{ACCOUNTS}' sheet (row {ACCOUNTS_FIRST_ROW} and below); "
            f"the selection is {where}."
        )
    client = _text(wb.sheets[ACCOUNTS].range((selection.row, 1)).raw_value)
    if not client:
        raise InvalidInputError(
            f"Sheet '{ACCOUNTS}', row {selection.row}, column 'account': expected a client id; got a blank cell."
        )
    return client, selection.row


def _qbr(wb: Any) -> None:
    client, _ = _selected_client(wb)
    folder = Path(wb.fullname).parent
    with _snapshot(wb) as path:
        asked = read_requests(path, relative_to=folder)
        request = qbr_request(client)
        result = run_requests(path, requests=replace(asked, requests=(request,)), on_progress=_progress(wb.app))
    status, detail = result.status(request.row)
    if status == "failed":
        raise InvalidInputError(detail)
    open_with_viewer(detail)


def qbr_for_selected_client() -> None:
    """Button on the Accounts sheet: the QBR (PDF) of the selected row's client, opened when written."""
    _guarded(_qbr)


def _write_statuses(wb: Any, result: RunResult) -> None:
    sheet = wb.sheets[SHEET]
    status_col = FIRST_COL + COLUMNS.index("status")
    for plan in result.planned:
        status, detail = result.status(plan.request.row)
        sheet.range((plan.request.row, status_col)).raw_value = status
        sheet.range((plan.request.row, status_col + 1)).raw_value = detail


def _run_sheet(wb: Any) -> None:
    folder = Path(wb.fullname).parent
    with _snapshot(wb) as path:
        asked = read_requests(path, relative_to=folder)
        result = run_requests(path, requests=asked, on_progress=_progress(wb.app))
    _write_statuses(wb, result)
    failed = [result.status(p.request.row)[1] for p in result.planned if result.status(p.request.row)[0] == "failed"]
    if failed:
        wb.app.alert(
            f"{len(failed)} of {len(result.planned)} reports failed; the first: {failed[0]} "
            f"Every request's line: {result.log}",
            title=TITLE,
            buttons="ok",
            mode="critical",
        )
    open_with_viewer(result.log.parent)


def run_reports_sheet() -> None:
    """Button on the Reports sheet: every request rendered, each row's status and file filled in."""
    _guarded(_run_sheet)

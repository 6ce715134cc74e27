"""The CS_ functions for the classic xlwings add-in (Windows desktop Excel).

Set ``UDF Modules`` to ``cs_reports.excel.udfs`` (ribbon, ``xlwings.conf`` sheet or
``~/.xlwings/xlwings.conf``) and click *Import Functions*: every function of
:data:`cs_reports.excel.functions.REGISTRY` is an attribute of this module, decorated
with ``xlwings.func``/``xlwings.arg`` (identity no-ops outside Windows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cs_reports.excel.adapters import adapter, build
from cs_reports.excel.functions import REGISTRY

CATEGORY = "cs-reports"

#: Excel's CVErr codes as COM SCODEs (0x800A0000 + xlErr...): what VBA's CVErr(xlErrNA) holds.
COM_ERRORS = {
    "#NULL!": -2146826288,
    "#DIV/0!": -2146826281,
    "#VALUE!": -2146826273,
    "#REF!": -2146826265,
    "#NAME?": -2146826259,
    "#NUM!": -2146826252,
    "#N/A": -2146826246,
}


def com_error_value() -> Callable[[str], Any] | None:
    """On Windows (pywin32): error code -> a VT_ERROR variant, which the VBA wrapper returns as CVErr.

    None where pywin32 is absent (macOS, Linux): the error line stays text.
    """
    try:
        import pythoncom  # type: ignore[import-untyped,unused-ignore]
        from win32com.client import VARIANT  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None

    def error(code: str) -> Any:
        return VARIANT(pythoncom.VT_ERROR, COM_ERRORS.get(code, COM_ERRORS["#VALUE!"]))

    return error


def _functions() -> dict[str, Any]:
    try:
        import xlwings as xw
    except ImportError:  # without the excel extra the plain adapters still work
        return {entry.name: adapter(entry) for entry in REGISTRY.values()}
    return build(xw.func, xw.arg, xw.ret, error_value=com_error_value(), category=CATEGORY)


globals().update(_functions())

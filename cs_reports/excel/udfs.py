"""The CS_ functions for the classic xlwings add-in (Windows desktop Excel).

Set ``UDF Modules`` to ``cs_reports.excel.udfs`` (ribbon, ``xlwings.conf`` sheet or
``~/.xlwings/xlwings.conf``) and click *Import Functions*: every function of
:data:`cs_reports.excel.functions.REGISTRY` is an attribute of this module, decorated
with ``xlwings.func``/``xlwings.arg`` (identity no-ops outside Windows).
"""

from __future__ import annotations

from typing import Any

from cs_reports.excel.adapters import adapter, build
from cs_reports.excel.functions import REGISTRY

CATEGORY = "cs-reports"


def _functions() -> dict[str, Any]:
    try:
        import xlwings as xw
    except ImportError:  # without the excel extra the plain adapters still work
        return {entry.name: adapter(entry) for entry in REGISTRY.values()}
    return build(xw.func, xw.arg, xw.ret, category=CATEGORY)


globals().update(_functions())

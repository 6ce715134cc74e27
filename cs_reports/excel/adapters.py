"""xlwings-style adapters over the CS_ registry, shared by the classic add-in and xlwings Lite.

The adapters carry no type hints on purpose: xlwings uses hints as converters, and an
unresolvable hint breaks *Import Functions* on Windows only. Arguments use the host's
default conversion (blanks -> None, numbers -> float, dates -> datetime), except error
cells, which arrive as their code (``err_to_str``) so that an error in is an error out.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from cs_reports.excel.functions import REGISTRY, ExcelFunction, split_error

__all__ = ["Decorator", "ErrorValue", "adapter", "build"]

Decorator = Callable[..., Any]


ErrorValue = Callable[[str], Any]  #: error code ('#N/A') -> the host's error value


def _host_error(result: Any, error_value: ErrorValue) -> Any:
    """A CS_ error line -> the host's error value; the line goes to the log (print). Cell by cell in a spill."""
    if isinstance(result, list):
        return [_host_error(item, error_value) for item in result]
    parts = split_error(result)
    if parts is None:
        return result
    code, explanation = parts
    print(f"{code} {explanation}")  # xlwings Lite shows print() output in its log pane
    return error_value(code)


def adapter(entry: ExcelFunction, *, error_value: ErrorValue | None = None) -> Callable[..., Any]:
    """A plain function named like the entry, with its positional signature and tooltip, and no hints.

    With ``error_value`` an error line (``#N/A CS_NPS: ...``) becomes ``error_value('#N/A')``
    (a real Excel error value where the host has one) and the explanation is printed.
    """
    call = entry.func

    def udf(*args):  # type: ignore[no-untyped-def]  # no hints: xlwings would use them as converters
        result = call(*args)
        return result if error_value is None else _host_error(result, error_value)

    udf.__name__ = udf.__qualname__ = entry.name
    udf.__doc__ = entry.doc
    udf.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=None if name in entry.optional else inspect.Parameter.empty,
            )
            for name, _ in entry.args
        ]
    )
    return udf


def build(
    func: Decorator,
    arg: Decorator,
    ret: Decorator,
    *,
    error_value: ErrorValue | None = None,
    help_urls: bool = False,
    **func_options: Any,
) -> dict[str, Callable[..., Any]]:
    """Decorate an adapter for every registered function with an xlwings-style ``func/arg/ret``.

    Parameters
    ----------
    func, arg, ret
        ``xlwings.func``, ``xlwings.arg``, ``xlwings.ret`` (classic add-in) or the
        decorators of the same names in xlwings Lite.
    error_value : callable, optional
        Error code (``'#N/A'``) -> the host's error value, returned instead of the error
        line: ``str`` for xlwings Lite (which turns the bare code into a real error), a COM
        error variant for the classic add-in. Default: the error line as text.
    help_urls : bool, default False
        Pass each function's ``help_url`` (its section of docs/excel.md) to ``func``
        (xlwings Lite shows it in Excel's function help; the classic add-in has no such option).
    **func_options
        Passed to ``func`` (e.g. ``category``); omitted when empty.

    Returns
    -------
    dict
        Function name -> decorated function, in registry order.
    """
    out: dict[str, Callable[..., Any]] = {}
    for entry in REGISTRY.values():
        udf = adapter(entry, error_value=error_value)
        for name, doc in entry.args:
            # err_to_str: an error cell arrives as its code ("#N/A"), not as a blank, so the
            # function returns an error (functions.input_error) instead of skipping the cell.
            udf = arg(name, doc=doc, err_to_str=True)(udf)
        options = {**func_options, **({"help_url": entry.help_url} if help_urls else {})}
        udf = func(**options)(udf) if options else func(udf)
        out[entry.name] = udf
    return out

"""xlwings-style adapters over the CS_ registry, shared by the classic add-in and xlwings Lite.

The adapters carry no type hints on purpose: xlwings uses hints as converters, and an
unresolvable hint breaks *Import Functions* on Windows only. Arguments use the host's
default conversion (blanks -> None, numbers -> float, dates -> datetime).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from cs_reports.excel.functions import REGISTRY, ExcelFunction

__all__ = ["Decorator", "adapter", "build"]

Decorator = Callable[..., Any]


def adapter(entry: ExcelFunction) -> Callable[..., Any]:
    """A plain function named like the entry, with its positional signature and tooltip, and no hints."""
    call = entry.func

    def udf(*args):  # type: ignore[no-untyped-def]  # no hints: xlwings would use them as converters
        return call(*args)

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


def build(func: Decorator, arg: Decorator, ret: Decorator, **func_options: Any) -> dict[str, Callable[..., Any]]:
    """Decorate an adapter for every registered function with an xlwings-style ``func/arg/ret``.

    Parameters
    ----------
    func, arg, ret
        ``xlwings.func``, ``xlwings.arg``, ``xlwings.ret`` (classic add-in) or the
        decorators of the same names in xlwings Lite.
    **func_options
        Passed to ``func`` (e.g. ``category``); omitted when empty.

    Returns
    -------
    dict
        Function name -> decorated function, in registry order.
    """
    out: dict[str, Callable[..., Any]] = {}
    for entry in REGISTRY.values():
        udf = adapter(entry)
        for name, doc in entry.args:
            udf = arg(name, doc=doc)(udf)
        udf = func(**func_options)(udf) if func_options else func(udf)
        out[entry.name] = udf
    return out

"""The xlwings Lite recipe: the same CS_ functions in Excel on Windows, Mac and the web.

xlwings Lite runs Python (Pyodide) inside Excel. Its editor holds one ``main.py`` and a
``requirements.txt``; :func:`write_recipe` writes both. ``main.py`` registers every
function of the registry with Lite's own ``func``/``arg`` decorators through the same
:func:`cs_reports.excel.adapters.build` as the classic add-in, so names, arguments,
tooltips and results are identical. Only the metric core is needed (numpy, pandas and
scipy come from Pyodide's own builds); weasyprint and jinja2 are never imported.
"""

from __future__ import annotations

import os
from pathlib import Path

from cs_reports import __version__
from cs_reports._io import atomic_output, ensure_output_dir

__all__ = ["MAIN_PY", "requirements_txt", "write_recipe"]

MAIN_PY = '''\
"""cs-reports CS_ functions for xlwings Lite (paste into the xlwings Lite editor's main.py).

Every CS_ function (=CS_NPS(...), =CS_MRR_MOVEMENTS(...), ...) is registered below with
xlwings Lite's decorators; see docs/excel.md of cs-reports for the arguments.

Blank cells: pass Excel Tables' columns (e.g. NPS[score]) rather than whole columns,
so that no blank cell is ever handed over as 0 (which would count as a detractor).
"""

from xlwings import arg, func, ret

from cs_reports.excel.adapters import build

globals().update(build(func, arg, ret))
'''


def requirements_txt(wheel: str | None = None) -> str:
    """The recipe's ``requirements.txt``: cs-reports itself (or a wheel URL) and nothing else.

    >>> print(requirements_txt("https://example.com/cs_reports-0.1.0-py3-none-any.whl"), end="")
    # xlwings Lite installs these with micropip; numpy, pandas and scipy come from Pyodide.
    https://example.com/cs_reports-0.1.0-py3-none-any.whl
    """
    line = wheel or f"cs-reports=={__version__}"
    return f"# xlwings Lite installs these with micropip; numpy, pandas and scipy come from Pyodide.\n{line}\n"


def write_recipe(directory: str | os.PathLike[str], *, wheel: str | None = None) -> list[Path]:
    """Write ``main.py`` and ``requirements.txt`` into ``directory`` (created if needed).

    Existing files of the same names are replaced atomically (they are ours: the recipe).
    Returns the paths written.
    """
    out = ensure_output_dir(directory)
    written = []
    for name, text in (("main.py", MAIN_PY), ("requirements.txt", requirements_txt(wheel))):
        path = out / name
        with atomic_output(path, mode="w") as handle:
            handle.write(text)
        written.append(path)
    return written
